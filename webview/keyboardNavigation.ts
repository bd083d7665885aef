/**
 * Keyboard access to the heatmap cells. The cell area is one tab stop, and the arrow keys move
 * a focus frame between cells. Home and End jump to the first or last sample of the row (with
 * Ctrl, of the whole heatmap), Page Up and Page Down move by one epoch, and Enter shows the
 * row's layer in the editor. Each move puts the cell's values into a live region that screen
 * readers announce, and shows the same tooltip that hovering would.
 */
import { select } from 'd3';
import type { PanelStrings } from '../src/common/panelStrings';
import type { RunSnapshot } from '../src/common/runState';
import { fillTemplate, formatInteger, layerLabel } from './format';
import type { HeatmapCell, HeatmapModel } from './heatmapModel';
import { formatStatisticValue } from './tooltip';

/** A cell by row (layer) and column (sample index within the row). */
export interface GridPosition {
  readonly row: number;
  readonly column: number;
}

/** Shape of the grid the keys move over: the rows, and the samples that all rows share. */
export interface GridShape {
  readonly rows: number;
  /** Epoch and batch of each column's sample, for Page Up and Page Down. */
  readonly columns: readonly { readonly epoch: number; readonly batch: number }[];
}

export interface KeyStroke {
  readonly key: string;
  readonly ctrlKey?: boolean;
  readonly metaKey?: boolean;
}

/** Returns the column of epoch `epoch` whose batch is nearest to `batch`, or undefined when no sample has that epoch. */
function nearestColumnInEpoch(shape: GridShape, epoch: number, batch: number): number | undefined {
  let best: number | undefined;
  shape.columns.forEach((column, index) => {
    if (column.epoch === epoch && (best === undefined || Math.abs(column.batch - batch) < Math.abs(shape.columns[best].batch - batch))) {
      best = index;
    }
  });
  return best;
}

/**
 * Returns where `stroke` moves the focus from `position`, or undefined when the key is not
 * a navigation key. Moves stop at the edges instead of wrapping.
 */
export function moveFocus(position: GridPosition, stroke: KeyStroke, shape: GridShape): GridPosition | undefined {
  const lastRow = Math.max(0, shape.rows - 1);
  const lastColumn = Math.max(0, shape.columns.length - 1);
  const clamp = (row: number, column: number): GridPosition => ({
    row: Math.min(lastRow, Math.max(0, row)),
    column: Math.min(lastColumn, Math.max(0, column)),
  });
  const { row, column } = position;
  const withModifier = stroke.ctrlKey === true || stroke.metaKey === true;

  switch (stroke.key) {
    case 'ArrowLeft':
      return clamp(row, column - 1);
    case 'ArrowRight':
      return clamp(row, column + 1);
    case 'ArrowUp':
      return clamp(row - 1, column);
    case 'ArrowDown':
      return clamp(row + 1, column);
    case 'Home':
      return withModifier ? clamp(0, 0) : clamp(row, 0);
    case 'End':
      return withModifier ? clamp(lastRow, lastColumn) : clamp(row, lastColumn);
    case 'PageUp':
    case 'PageDown': {
      const current = shape.columns[column];
      if (!current) {
        return clamp(row, column);
      }
      const target = nearestColumnInEpoch(shape, current.epoch + (stroke.key === 'PageUp' ? -1 : 1), current.batch);
      return clamp(row, target ?? column);
    }
    default:
      return undefined;
  }
}

/** Builds the sentence a screen reader announces for `cell`. */
export function cellAnnouncement(
  run: RunSnapshot,
  model: HeatmapModel,
  cell: HeatmapCell,
  strings: PanelStrings,
  locale: string,
): string {
  const layer = model.layers[cell.row];
  const position = fillTemplate(
    strings.tooltipPosition,
    formatInteger(cell.sample.epoch + 1, locale),
    formatInteger(cell.sample.batch + 1, locale),
    formatInteger(run.stepsPerEpoch, locale),
  );
  const value = formatStatisticValue(layer, model.statistic, cell.value, strings, locale);
  return fillTemplate(strings.accessibility.cellAnnouncement, layerLabel(layer), position, strings.statistics[model.statistic].label, value);
}

export interface KeyboardView {
  readonly run: RunSnapshot;
  readonly model: HeatmapModel;
  readonly strings: PanelStrings;
  readonly locale: string;
}

export interface KeyboardCallbacks {
  /** Shows the layer of `specIndex` in the editor; undefined in reports. */
  readonly revealLayer?: (specIndex: number) => void;
  /** Shows the tooltip of the focused cell beside `anchor`, or hides it when `cell` is undefined. */
  readonly showCell: (run: RunSnapshot, cell: HeatmapCell | undefined, anchor?: DOMRect) => void;
}

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

/**
 * Keyboard navigation of one heatmap SVG. The focusable element is the heatmap's background
 * rectangle, which spans the cell area; `update` is called after every render.
 */
export class HeatmapKeyboard {
  private view: KeyboardView | undefined;
  /** The focused cell, kept by sample step so that it stays put while new columns arrive. */
  private active: { readonly row: number; readonly step: number } | undefined;
  private readonly liveRegion: HTMLElement;

  constructor(
    private readonly svg: SVGSVGElement,
    private readonly callbacks: KeyboardCallbacks,
  ) {
    this.liveRegion = document.createElement('div');
    this.liveRegion.className = 'visually-hidden heatmap-announcement';
    this.liveRegion.setAttribute('role', 'status');
    this.liveRegion.setAttribute('aria-live', 'polite');
    this.liveRegion.setAttribute('aria-atomic', 'true');
    svg.insertAdjacentElement('afterend', this.liveRegion);

    svg.addEventListener('keydown', (event) => this.onKeyDown(event));
    // Focus listeners go on the parent: Chromium makes an SVG element with focus listeners focusable.
    const focusEvents = svg.parentElement ?? svg;
    focusEvents.addEventListener('focusin', (event) => {
      if (this.isGrid(event.target)) {
        this.showActive(true);
      }
    });
    focusEvents.addEventListener('focusout', (event) => {
      if (this.isGrid(event.target)) {
        this.hideFrame();
      }
    });
    svg.addEventListener('click', (event) => this.onClick(event));
  }

  /** Makes the cell area focusable and keeps the focus frame on its cell after a render. */
  update(view: KeyboardView): void {
    this.view = view;
    const grid = this.grid();
    if (!grid) {
      return;
    }
    const label = this.callbacks.revealLayer ? view.strings.accessibility.heatmapGrid : view.strings.accessibility.heatmapGridReport;
    grid.setAttribute('tabindex', '0');
    // Screen readers in browse mode would otherwise take the arrow keys for themselves.
    grid.setAttribute('role', 'application');
    grid.setAttribute('aria-label', fillTemplate(label, view.strings.statistics[view.model.statistic].label));
    grid.classList.add('is-focusable');

    if (this.active && this.columnOf(this.active) === undefined) {
      this.active = undefined;
    }
    if (document.activeElement === grid) {
      this.showActive(false);
    }
  }

  private grid(): SVGRectElement | null {
    return this.svg.querySelector<SVGRectElement>('rect.heatmap-background');
  }

  private isGrid(target: EventTarget | null): boolean {
    return target instanceof Element && this.svg.contains(target) && target.matches('rect.heatmap-background');
  }

  private columnOf(active: { row: number; step: number }): number | undefined {
    const cells = this.view?.model.rows[active.row];
    const column = cells?.findIndex((cell) => cell.sample.step === active.step) ?? -1;
    return column >= 0 ? column : undefined;
  }

  private shape(): GridShape {
    const model = this.view?.model;
    const samples = model?.rows[0] ?? [];
    return { rows: model?.layers.length ?? 0, columns: samples.map((cell) => ({ epoch: cell.sample.epoch, batch: cell.sample.batch })) };
  }

  private onKeyDown(event: KeyboardEvent): void {
    const view = this.view;
    if (!view || !this.isGrid(event.target) || event.altKey) {
      return;
    }
    const position = this.activePosition();
    if (!position) {
      return;
    }

    if (event.key === 'Enter' || event.key === ' ') {
      const reveal = this.callbacks.revealLayer;
      if (reveal) {
        event.preventDefault();
        reveal(view.model.layers[position.row].specIndex);
      }
      return;
    }
    if (event.key === 'Escape') {
      this.callbacks.showCell(view.run, undefined);
      return;
    }

    const next = moveFocus(position, event, this.shape());
    if (!next) {
      return;
    }
    event.preventDefault();
    this.setActive(next);
    this.showActive(true);
  }

  /** Moves the keyboard focus to a clicked cell, so that the keys go on from there. */
  private onClick(event: MouseEvent): void {
    const target = event.target instanceof Element ? event.target.closest('rect.heatmap-cell') : null;
    const grid = this.grid();
    if (!target || !grid) {
      return;
    }
    const cell = select(target).datum() as HeatmapCell;
    this.active = { row: cell.row, step: cell.sample.step };
    grid.focus({ preventScroll: true });
    this.showActive(true);
  }

  /** Returns the focused cell, which defaults to the first cell of the first row. */
  private activePosition(): GridPosition | undefined {
    const model = this.view?.model;
    if (!model || model.layers.length === 0 || (model.rows[0]?.length ?? 0) === 0) {
      return undefined;
    }
    if (!this.active) {
      this.setActive({ row: 0, column: 0 });
    }
    const active = this.active as { row: number; step: number };
    return { row: active.row, column: this.columnOf(active) ?? 0 };
  }

  private setActive(position: GridPosition): void {
    const cell = this.view?.model.rows[position.row]?.[position.column];
    if (cell) {
      this.active = { row: position.row, step: cell.sample.step };
    }
  }

  private cellElement(position: GridPosition): SVGRectElement | undefined {
    const row = this.svg.querySelectorAll<SVGGElement>('g.heatmap-row')[position.row];
    return row?.querySelectorAll<SVGRectElement>('rect.heatmap-cell')[position.column];
  }

  /** Draws the focus frame on the active cell; with `announce`, also updates the live region and the tooltip. */
  private showActive(announce: boolean): void {
    const view = this.view;
    const position = this.activePosition();
    if (!view || !position) {
      this.hideFrame();
      return;
    }
    const cell = view.model.rows[position.row][position.column];
    const element = this.cellElement(position);
    if (!element) {
      return;
    }
    this.drawFrame(element);
    if (announce) {
      this.liveRegion.textContent = cellAnnouncement(view.run, view.model, cell, view.strings, view.locale);
      element.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      this.callbacks.showCell(view.run, cell, element.getBoundingClientRect());
    }
  }

  /** Frames the cell in the plot's coordinates: its own x and size, its row's vertical offset. */
  private drawFrame(cell: SVGRectElement): void {
    const plot = this.svg.querySelector<SVGGElement>('g.heatmap-plot');
    const row = cell.closest<SVGGElement>('g.heatmap-row');
    if (!plot || !row) {
      return;
    }
    // Two outlines, dark and light, so that the frame shows on every colour of the ramp.
    let frame = plot.querySelector<SVGGElement>('g.heatmap-cell-focus');
    if (!frame) {
      frame = document.createElementNS(SVG_NAMESPACE, 'g');
      frame.classList.add('heatmap-cell-focus');
      for (const part of ['outer', 'inner']) {
        frame.appendChild(document.createElementNS(SVG_NAMESPACE, 'rect')).classList.add(`heatmap-cell-focus-${part}`);
      }
    }
    // Last in the plot group, so that it is drawn over every cell.
    plot.appendChild(frame);
    const rowOffset = row.transform.baseVal.consolidate()?.matrix.f ?? 0;
    for (const rect of frame.querySelectorAll('rect')) {
      rect.setAttribute('x', String(cell.x.baseVal.value));
      rect.setAttribute('y', String(rowOffset + cell.y.baseVal.value));
      rect.setAttribute('width', String(Math.max(2, cell.width.baseVal.value - 0.5)));
      rect.setAttribute('height', String(cell.height.baseVal.value));
    }
    frame.removeAttribute('hidden');
  }

  private hideFrame(): void {
    this.svg.querySelector('g.heatmap-cell-focus')?.setAttribute('hidden', '');
    if (this.view) {
      this.callbacks.showCell(this.view.run, undefined);
    }
  }
}
