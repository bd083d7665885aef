/**
 * The panel: keeps the state the host sent, applies updates to it, and redraws every view
 * at most once per animation frame however many messages arrive in between.
 */
import type { PanelStrings } from '../src/common/panelStrings';
import { applyRunUpdate, type PanelState, type RunSnapshot, type RunUpdate } from '../src/common/runState';
import { STATISTIC_KEYS, type StatisticKey } from '../src/common/statistics';
import type { WebviewToHost } from '../src/common/webviewProtocol';
import { comparedModels } from './compareModel';
import { createCompare, renderCompare, type CompareElements } from './compareView';
import { FindingsList } from './findingsList';
import { highlightLayers } from './findingsHighlight';
import { createColorSchemeSwitch, renderColorSchemeSwitch, type ColorSchemeSwitchElements } from './colorSchemeSwitch';
import { COLOR_SCHEMES, type ColorScheme } from './colorScale';
import { createCurves, renderCurves, type CurveElements } from './curves';
import { createHeader, renderHeader, type HeaderElements } from './header';
import { renderHeatmap } from './heatmap';
import type { HeatmapCell } from './heatmapModel';
import { HeatmapKeyboard } from './keyboardNavigation';
import { createLegend, renderLegend, type LegendElements } from './legend';
import { createStatisticSwitch, renderStatisticSwitch, type StatisticSwitchElements } from './statisticSwitch';
import { clearTextWidths } from './textWidth';
import { fillTooltip, heatmapTooltipContent, hideTooltip, placeTooltip } from './tooltip';

export const DEFAULT_STATISTIC: StatisticKey = 'weightGradNorm';

/** The panel's surroundings: the VS Code webview, or nothing at all in a report. */
export interface PanelHost {
  /** False in reports: no Stop button, and row labels do not reveal layers. */
  readonly interactive: boolean;
  post(message: WebviewToHost): void;
  /** The statistic picked before the webview was last unloaded, if any. */
  restoreStatistic(): StatisticKey | undefined;
  saveStatistic(key: StatisticKey): void;
  /** The colour scale picked before the webview was last unloaded, if any. */
  restoreColorScheme?(): ColorScheme | undefined;
  saveColorScheme?(scheme: ColorScheme): void;
}

interface Elements {
  readonly header: HeaderElements;
  readonly heatmapSection: HTMLElement;
  readonly statisticSwitch: StatisticSwitchElements;
  readonly description: HTMLElement;
  readonly legend: LegendElements;
  readonly colorSchemeSwitch: ColorSchemeSwitchElements;
  readonly heatmap: SVGSVGElement;
  readonly revealHint: HTMLElement;
  readonly curves: CurveElements;
  readonly tooltip: HTMLElement;
  readonly findings: FindingsList;
  readonly compare: CompareElements;
}

function withRun(state: PanelState, run: RunSnapshot): PanelState {
  switch (state.kind) {
    case 'idle':
      return state;
    case 'training':
    case 'finished':
    case 'failed':
      return { ...state, run };
  }
}

export class PanelApp {
  private state: PanelState = { kind: 'idle' };
  private strings: PanelStrings | undefined;
  private statistic: StatisticKey;
  private colorScheme: ColorScheme;
  private stopRequested = false;
  private width = 0;
  private frame: number | undefined;
  private renderCount = 0;
  /** The cell under the pointer, so moving within it only moves the tooltip. */
  private hoveredCell: HeatmapCell | undefined;
  private readonly elements: Elements;
  private readonly keyboard: HeatmapKeyboard;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: PanelHost,
    private readonly locale: string,
  ) {
    const restored = host.restoreStatistic();
    this.statistic = restored && STATISTIC_KEYS.includes(restored) ? restored : DEFAULT_STATISTIC;
    const restoredScheme = host.restoreColorScheme?.();
    this.colorScheme = restoredScheme && COLOR_SCHEMES.includes(restoredScheme) ? restoredScheme : 'viridis';
    this.elements = this.createElements();
    this.keyboard = new HeatmapKeyboard(this.elements.heatmap, {
      revealLayer: host.interactive ? (specIndex) => host.post({ type: 'revealLayer', specIndex }) : undefined,
      showCell: (run, cell, anchor) => this.showFocusedCell(run, cell, anchor),
    });
    this.width = this.elements.heatmapSection.clientWidth;

    new ResizeObserver((entries) => {
      const width = Math.floor(entries[0].contentRect.width);
      if (width > 0 && width !== this.width) {
        this.width = width;
        clearTextWidths();
        this.scheduleRender();
      }
    }).observe(this.root);
  }

  setState(state: PanelState, strings: PanelStrings): void {
    this.state = state;
    this.strings = strings;
    this.stopRequested = false;

    // The cell under the pointer may belong to the previous run.
    this.hoveredCell = undefined;
    hideTooltip(this.elements.tooltip);
    this.scheduleRender();
  }

  applyUpdate(update: RunUpdate): void {
    if (this.state.kind === 'idle' || !this.state.run) {
      return;
    }
    this.state = withRun(this.state, applyRunUpdate(this.state.run, update));
    this.scheduleRender();
  }

  private createElements(): Elements {
    const header = createHeader(this.root, () => {
      this.stopRequested = true;
      this.host.post({ type: 'stop' });
      this.scheduleRender();
    });

    const heatmapSection = this.root.appendChild(document.createElement('section'));
    heatmapSection.className = 'heatmap-section';
    const statisticSwitch = createStatisticSwitch(heatmapSection, (key) => this.selectStatistic(key));
    const description = heatmapSection.appendChild(document.createElement('p'));
    description.className = 'statistic-description';
    const legend = createLegend(heatmapSection);
    const colorSchemeSwitch = createColorSchemeSwitch(legend.root, (scheme) => this.selectColorScheme(scheme));
    const heatmap = heatmapSection.appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'svg'));
    heatmap.classList.add('heatmap');
    const revealHint = heatmapSection.appendChild(document.createElement('p'));
    revealHint.className = 'reveal-hint';

    const curves = createCurves(this.root);
    const tooltip = this.root.appendChild(document.createElement('div'));
    tooltip.className = 'tooltip';
    tooltip.setAttribute('role', 'tooltip');
    tooltip.hidden = true;

    const findings = new FindingsList(
      this.root,
      heatmapSection,
      (specIndexes) => highlightLayers(heatmap, specIndexes),
      () => this.host.post({ type: 'trainAgainAndCompare' }),
    );
    const compare = createCompare(heatmap, this.root, curves.root);

    return { header, heatmapSection, statisticSwitch, description, legend, colorSchemeSwitch, heatmap, revealHint, curves, tooltip, findings, compare };
  }

  private selectStatistic(key: StatisticKey): void {
    this.statistic = key;
    this.host.saveStatistic(key);
    this.hoveredCell = undefined;
    hideTooltip(this.elements.tooltip);
    this.scheduleRender();
  }

  private selectColorScheme(scheme: ColorScheme): void {
    this.colorScheme = scheme;
    this.host.saveColorScheme?.(scheme);
    this.scheduleRender();
  }

  /** Shows the tooltip of the cell that has keyboard focus beside it, or hides it. */
  private showFocusedCell(run: RunSnapshot, cell: HeatmapCell | undefined, anchor: DOMRect | undefined): void {
    const strings = this.strings;
    this.hoveredCell = undefined;
    if (!cell || !anchor || !strings) {
      hideTooltip(this.elements.tooltip);
      return;
    }
    const layer = run.layers[cell.row];
    fillTooltip(this.elements.tooltip, heatmapTooltipContent(layer, cell.row, cell.sample, this.statistic, run.stepsPerEpoch, strings, this.locale));
    placeTooltip(this.elements.tooltip, anchor.right, anchor.bottom);
  }

  private scheduleRender(): void {
    if (this.frame === undefined) {
      this.frame = requestAnimationFrame(() => {
        this.frame = undefined;
        this.render();
      });
    }
  }

  private render(): void {
    const strings = this.strings;
    if (!strings) {
      return;
    }
    this.renderCount += 1;
    this.root.dataset.renderCount = String(this.renderCount);
    this.root.dataset.state = this.state.kind;

    const { elements, state, locale } = this;
    renderHeader(elements.header, {
      state,
      strings,
      locale,
      interactive: this.host.interactive,
      stopRequested: this.stopRequested,
    });

    elements.findings.render({ state, strings, locale, interactive: this.host.interactive });

    const run = state.kind === 'idle' ? undefined : state.run;
    const showRun = run !== undefined && run.layers.length > 0;
    elements.heatmapSection.hidden = !showRun;
    elements.curves.root.hidden = !showRun;
    elements.compare.curves.root.hidden = !showRun;
    if (!showRun) {
      hideTooltip(elements.tooltip);
      return;
    }

    const width = Math.max(320, this.width || elements.heatmapSection.clientWidth);
    const baseline = state.kind === 'training' || state.kind === 'finished' ? state.baseline : undefined;
    const { model, baselineModel } = comparedModels(run, baseline, this.statistic, this.colorScheme);
    renderStatisticSwitch(elements.statisticSwitch, this.statistic, strings);
    elements.description.textContent = `${strings.statistics[this.statistic].description} ${strings.heatmapHint}`;
    renderLegend(elements.legend, model, strings, locale);
    renderColorSchemeSwitch(elements.colorSchemeSwitch, this.colorScheme, strings);
    renderHeatmap(elements.heatmap, {
      model,
      width,
      strings,
      revealLayer: this.host.interactive ? (specIndex) => this.host.post({ type: 'revealLayer', specIndex }) : undefined,
      hoverCell: (cell, event) => this.hoverCell(run, cell, event),
    });
    this.keyboard.update({ run, model, strings, locale });
    highlightLayers(elements.heatmap, elements.findings.selectedSpecIndexes);
    elements.revealHint.textContent = strings.revealHint;
    elements.revealHint.hidden = !this.host.interactive;

    // A comparison shows both runs' curves in place of this run's alone.
    const comparing = renderCompare(elements.compare, {
      run,
      baseline,
      baselineModel,
      strings,
      locale,
      width,
      hoverCell: (cell, event) => (baseline ? this.hoverCell(baseline, cell, event) : undefined),
    });
    elements.curves.root.hidden = comparing;
    if (!comparing) {
      renderCurves(elements.curves, run, strings, locale, width);
    }
  }

  private hoverCell(run: RunSnapshot, cell: HeatmapCell | undefined, event: PointerEvent): void {
    const tooltip = this.elements.tooltip;
    const strings = this.strings;
    if (!cell || !strings) {
      this.hoveredCell = undefined;
      hideTooltip(tooltip);
      return;
    }

    const sameCell = this.hoveredCell && this.hoveredCell.row === cell.row && this.hoveredCell.sample.step === cell.sample.step;
    if (!sameCell) {
      this.hoveredCell = cell;
      const layer = run.layers[cell.row];
      fillTooltip(tooltip, heatmapTooltipContent(layer, cell.row, cell.sample, this.statistic, run.stepsPerEpoch, strings, this.locale));
    }
    placeTooltip(tooltip, event.clientX, event.clientY);
  }
}
