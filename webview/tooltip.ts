/**
 * The cell tooltip: which layer and training step the cell is, the exact value of the
 * statistic shown, and the other statistics of the same cell for comparison.
 */
import type { PanelStrings } from '../src/common/panelStrings';
import { STATISTIC_KEYS, type StatisticKey, type StatisticsSample, type TrackedLayer } from '../src/common/statistics';
import { classifyCell, isFraction, statisticValue } from './colorScale';
import { fillTemplate, formatFixed, formatInteger, formatPercent, formatStatistic, layerLabel } from './format';

export interface TooltipRow {
  readonly label: string;
  readonly value: string;
  /** True for the statistic the heatmap shows. */
  readonly current: boolean;
}

export interface TooltipContent {
  readonly title: string;
  readonly position: string;
  readonly rows: readonly TooltipRow[];
  readonly notes: readonly string[];
}

export function formatStatisticValue(
  layer: TrackedLayer,
  key: StatisticKey,
  value: number | null,
  strings: PanelStrings,
  locale: string,
): string {
  const kind = classifyCell(layer, key, value);
  if (kind === 'notApplicable' || value === null) {
    return strings.notApplicable;
  }
  return isFraction(key) && Number.isFinite(value) ? formatPercent(value, strings, locale) : formatStatistic(value, locale);
}

/** Builds the text of the tooltip for the cell of `layer` (row `row`) at `sample`. */
export function heatmapTooltipContent(
  layer: TrackedLayer,
  row: number,
  sample: StatisticsSample,
  current: StatisticKey,
  stepsPerEpoch: number,
  strings: PanelStrings,
  locale: string,
): TooltipContent {
  const statistics = sample.layers[row];
  const rows = STATISTIC_KEYS.map((key) => ({
    label: strings.statistics[key].label,
    value: formatStatisticValue(layer, key, statistics ? statisticValue(statistics, key) : null, strings, locale),
    current: key === current,
  }));

  const loss = formatFixed(sample.loss, 4, locale);
  const notes = [
    Number.isNaN(sample.accuracy)
      ? fillTemplate(strings.tooltipBatchLoss, loss)
      : fillTemplate(strings.tooltipBatchMetrics, loss, formatPercent(sample.accuracy, strings, locale)),
  ];
  if (statistics && statistics.gradNonFinite > 0) {
    notes.push(fillTemplate(strings.tooltipNonFiniteEntries, formatInteger(statistics.gradNonFinite, locale)));
  }

  return {
    title: layerLabel(layer),
    position: fillTemplate(
      strings.tooltipPosition,
      formatInteger(sample.epoch + 1, locale),
      formatInteger(sample.batch + 1, locale),
      formatInteger(stepsPerEpoch, locale),
    ),
    rows,
    notes,
  };
}

/** Replaces the tooltip's text with `content` and shows it. */
export function fillTooltip(element: HTMLElement, content: TooltipContent): void {
  const title = document.createElement('div');
  title.className = 'tooltip-title';
  title.textContent = content.title;
  const position = document.createElement('div');
  position.className = 'tooltip-position';
  position.textContent = content.position;

  const table = document.createElement('table');
  for (const row of content.rows) {
    const tableRow = table.insertRow();
    tableRow.className = row.current ? 'is-current' : '';
    const label = tableRow.insertCell();
    label.textContent = row.label;
    const value = tableRow.insertCell();
    value.className = 'tooltip-value';
    value.textContent = row.value;
  }

  const notes = content.notes.map((text) => {
    const note = document.createElement('div');
    note.className = 'tooltip-note';
    note.textContent = text;
    return note;
  });

  element.replaceChildren(title, position, table, ...notes);
  element.hidden = false;
}

/** Places the tooltip beside the pointer, inside the viewport. */
export function placeTooltip(element: HTMLElement, clientX: number, clientY: number): void {
  // Prefer below-right of the pointer; flip to the other side where the viewport ends.
  const offset = 14;
  const { width, height } = element.getBoundingClientRect();
  const left = clientX + offset + width > window.innerWidth ? clientX - offset - width : clientX + offset;
  const top = clientY + offset + height > window.innerHeight ? clientY - offset - height : clientY + offset;
  element.style.left = `${Math.max(4, left)}px`;
  element.style.top = `${Math.max(4, top)}px`;
}

export function hideTooltip(element: HTMLElement): void {
  element.hidden = true;
}
