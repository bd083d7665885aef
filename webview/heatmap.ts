/**
 * The heatmap view: layers down, sampled training steps across, one colour per statistic
 * value. Rows are keyed by layer and cells by step, so a new sample adds one column of
 * elements and leaves the others in place.
 */
import { max, scaleLinear, select, type BaseType, type Selection } from 'd3';
import type { PanelStrings } from '../src/common/panelStrings';
import type { TrackedLayer } from '../src/common/statistics';
import { colorScale, SPECIAL_COLORS } from './colorScale';
import { renderEpochAxis } from './epochAxis';
import { fillTemplate, layerLabel } from './format';
import type { HeatmapCell, HeatmapModel } from './heatmapModel';
import { textWidth } from './textWidth';
import { stepToEpochs } from './timeline';

export const NOT_APPLICABLE_PATTERN_ID = 'gradient-flow-not-applicable';

const MARGIN = { top: 2, right: 16, bottom: 52 };
/** Space between a row label and the first cell, and inside the label's hover box. */
const LABEL_PADDING = 10;
const ROW_GAP = 3;

export interface HeatmapOptions {
  readonly model: HeatmapModel;
  readonly width: number;
  readonly strings: PanelStrings;
  /** Called when the user activates a row label; undefined makes the rows inert (reports). */
  readonly revealLayer?: (specIndex: number) => void;
  /** Called with the cell under the pointer, or undefined when the pointer leaves the cells. */
  readonly hoverCell: (cell: HeatmapCell | undefined, event: PointerEvent) => void;
}

type SvgSelection = Selection<SVGSVGElement, unknown, null, undefined>;
type RowSelection = Selection<SVGGElement, TrackedLayer, SVGGElement, unknown>;
/** The plot group, whatever its parent: only its own children are touched. */
type PlotSelection = Selection<SVGGElement, null, BaseType, unknown>;

/** Row height follows the font size, so rows grow when the user zooms. */
function rowHeightFor(element: Element): number {
  const fontSize = parseFloat(getComputedStyle(element).fontSize) || 13;
  return Math.max(22, Math.round(fontSize * 2.1));
}

export function renderHeatmap(svgElement: SVGSVGElement, options: HeatmapOptions): void {
  const { model, strings } = options;
  const svg: SvgSelection = select(svgElement);
  const rowHeight = rowHeightFor(svgElement);
  const rowsHeight = Math.max(rowHeight, model.layers.length * (rowHeight + ROW_GAP) - ROW_GAP);

  ensureNotApplicablePattern(svg);
  const plot: PlotSelection = svg.selectAll<SVGGElement, null>('g.heatmap-plot').data([null]).join('g').attr('class', 'heatmap-plot');
  const background = plot.selectAll('rect.heatmap-background').data([null]).join('rect').attr('class', 'heatmap-background');

  // Rows and labels first: the label width decides where the cells start.
  const rows = renderRows(plot, model.layers, rowHeight, options);
  const labelWidth = max(rows.select<SVGTextElement>('text.heatmap-row-label-text').nodes(), textWidth) ?? 0;
  const left = Math.ceil(labelWidth) + 3 * LABEL_PADDING;
  const plotWidth = Math.max(40, options.width - left - MARGIN.right);
  const x = scaleLinear().domain([0, model.timeline.epochs]).range([0, plotWidth]);

  svg
    .attr('width', options.width)
    // The epoch axis below needs about 3.5 lines; rows are 2.1 lines high, so 1.75 rows fit it at any font size.
    .attr('height', MARGIN.top + rowsHeight + Math.max(MARGIN.bottom, Math.ceil(1.75 * rowHeight)))
    .attr('role', 'group')
    .attr('aria-label', strings.statistics[model.statistic].label);
  plot.attr('transform', `translate(${left},${MARGIN.top})`);
  background.attr('width', plotWidth).attr('height', rowsHeight);
  rows
    .select('rect.heatmap-row-label-background')
    .attr('x', -left)
    .attr('width', left - LABEL_PADDING / 2)
    .attr('height', rowHeight);
  rows.select('text.heatmap-row-label-text').attr('x', -left + LABEL_PADDING);

  renderCells(rows, model, x, rowHeight);
  renderEpochBoundaries(plot, x, model.timeline.epochs, rowsHeight);
  renderEpochAxis(
    plot.selectAll<SVGGElement, null>('g.epoch-axis').data([null]).join('g').attr('transform', `translate(0,${rowsHeight + 4})`),
    x,
    model.timeline.epochs,
    strings.epochAxis,
  );
  renderWaitingNote(plot, model, plotWidth, rowsHeight, strings);

  svg
    .on('pointermove', (event: PointerEvent) => {
      const target = event.target instanceof Element ? event.target.closest('rect.heatmap-cell') : null;
      options.hoverCell(target ? (select(target).datum() as HeatmapCell) : undefined, event);
    })
    .on('pointerleave', (event: PointerEvent) => options.hoverCell(undefined, event));
}

function renderRows(
  plot: PlotSelection,
  layers: readonly TrackedLayer[],
  rowHeight: number,
  options: HeatmapOptions,
): RowSelection {
  const rows = plot
    .selectAll<SVGGElement, TrackedLayer>('g.heatmap-row')
    .data(layers, (layer) => String(layer.specIndex))
    .join((enter) => {
      const row = enter.append('g').attr('class', 'heatmap-row');
      const label = row.append('g').attr('class', 'heatmap-row-label');
      label.append('rect').attr('class', 'heatmap-row-label-background').attr('rx', 3);
      const text = label.append('text').attr('class', 'heatmap-row-label-text').attr('dy', '0.35em');
      text.append('tspan').attr('class', 'layer-name');
      text.append('tspan').attr('class', 'layer-details');
      row.append('g').attr('class', 'heatmap-cells');
      return row;
    })
    .attr('data-layer-name', (layer) => layer.name)
    .attr('transform', (_layer, index) => `translate(0,${index * (rowHeight + ROW_GAP)})`);

  const labels = rows.select<SVGGElement>('g.heatmap-row-label');
  labels.select('text').attr('y', rowHeight / 2);
  labels.select('tspan.layer-name').text((layer) => layer.name);
  labels.select('tspan.layer-details').text((layer) => layerLabel(layer).slice(layer.name.length));

  const reveal = options.revealLayer;
  if (reveal) {
    labels
      .attr('tabindex', 0)
      .attr('role', 'button')
      .attr('aria-label', (layer) => fillTemplate(options.strings.revealLayer, layerLabel(layer)))
      .classed('is-interactive', true)
      .on('click', (_event: MouseEvent, layer) => reveal(layer.specIndex))
      .on('keydown', (event: KeyboardEvent, layer) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          reveal(layer.specIndex);
        }
      });
  } else {
    labels.attr('tabindex', null).attr('role', null).attr('aria-label', null).classed('is-interactive', false).on('click', null).on('keydown', null);
  }
  return rows;
}

function renderCells(rows: RowSelection, model: HeatmapModel, x: (epochs: number) => number, rowHeight: number): void {
  const color = colorScale(model.statistic, model.domain, model.colorScheme);
  const timeline = model.timeline;

  // Half a pixel of overlap hides the seams anti-aliasing leaves between adjacent columns.
  const cellWidth = Math.max(1, x(stepToEpochs(timeline.columnSteps, timeline)) - x(0)) + 0.5;

  const fill = (cell: HeatmapCell): string => {
    switch (cell.kind) {
      case 'value':
        return color(cell.value as number);
      case 'zero':
        return SPECIAL_COLORS.zero;
      case 'nonFinite':
        return SPECIAL_COLORS.nonFinite;
      case 'notApplicable':
        return `url(#${NOT_APPLICABLE_PATTERN_ID})`;
    }
  };

  // Most cells keep their attributes from one sample to the next; writing only the changed
  // ones spares the browser restyling thousands of unchanged rectangles.
  rows
    .select<SVGGElement>('g.heatmap-cells')
    .selectAll<SVGRectElement, HeatmapCell>('rect.heatmap-cell')
    .data((_layer, index) => model.rows[index] ?? [], (cell) => String(cell.sample.step))
    .join((enter) => enter.append('rect').attr('class', 'heatmap-cell'))
    .each(function (cell) {
      setAttributeIfChanged(this, 'x', String(x(stepToEpochs(cell.sample.step, timeline))));
      setAttributeIfChanged(this, 'width', String(cellWidth));
      setAttributeIfChanged(this, 'height', String(rowHeight));
      setAttributeIfChanged(this, 'data-kind', cell.kind);
      setAttributeIfChanged(this, 'fill', fill(cell));
    });
}

function setAttributeIfChanged(element: Element, name: string, value: string): void {
  if (element.getAttribute(name) !== value) {
    element.setAttribute(name, value);
  }
}

/** Thin gaps at the epoch boundaries, drawn over the cells, when epochs are wide enough to tell apart. */
function renderEpochBoundaries(
  plot: PlotSelection,
  x: (epochs: number) => number,
  epochs: number,
  height: number,
): void {
  const wide = x(1) - x(0) >= 6;
  const boundaries = wide ? Array.from({ length: Math.max(0, epochs - 1) }, (_, index) => index + 1) : [];
  plot
    .selectAll('line.epoch-boundary')
    .data(boundaries)
    .join('line')
    .attr('class', 'epoch-boundary')
    .attr('x1', (epoch) => x(epoch))
    .attr('x2', (epoch) => x(epoch))
    .attr('y1', 0)
    .attr('y2', height);
}

function renderWaitingNote(
  plot: PlotSelection,
  model: HeatmapModel,
  plotWidth: number,
  height: number,
  strings: PanelStrings,
): void {
  const waiting = model.layers.length > 0 && (model.rows[0]?.length ?? 0) === 0;
  plot
    .selectAll('text.heatmap-waiting')
    .data(waiting ? [strings.waitingForSamples] : [])
    .join('text')
    .attr('class', 'heatmap-waiting')
    .attr('x', plotWidth / 2)
    .attr('y', height / 2)
    .attr('dy', '0.35em')
    .attr('text-anchor', 'middle')
    .text((text) => text);
}

/** Diagonal stripes for "not applicable", so such cells never read as a colour on the ramp. */
function ensureNotApplicablePattern(svg: SvgSelection): void {
  if (!svg.select(`#${NOT_APPLICABLE_PATTERN_ID}`).empty()) {
    return;
  }
  const pattern = svg
    .append('defs')
    .append('pattern')
    .attr('id', NOT_APPLICABLE_PATTERN_ID)
    .attr('patternUnits', 'userSpaceOnUse')
    .attr('width', 6)
    .attr('height', 6)
    .attr('patternTransform', 'rotate(45)');
  pattern.append('rect').attr('class', 'not-applicable-background').attr('width', 6).attr('height', 6);
  pattern.append('line').attr('class', 'not-applicable-stripe').attr('x1', 1).attr('x2', 1).attr('y1', 0).attr('y2', 6);
}
