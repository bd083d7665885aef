/**
 * The heatmap legend: the colour ramp with ticks over the current value range, and a swatch
 * for each special cell kind that the heatmap draws.
 */
import { range, scaleLinear, scaleLog, select } from 'd3';
import type { PanelStrings } from '../src/common/panelStrings';
import { colorScale, isFraction, legendTicks, scaleKindOf, SPECIAL_COLORS, type CellKind } from './colorScale';
import { formatPercent, formatTick } from './format';
import { NOT_APPLICABLE_PATTERN_ID } from './heatmap';
import type { HeatmapModel } from './heatmapModel';
import { textWidth } from './textWidth';

const RAMP_WIDTH = 240;
const RAMP_HEIGHT = 14;
/** Slices the ramp is drawn with; enough that the steps are invisible. */
const RAMP_SLICES = 96;
const SWATCH_SIZE = 14;
const END_LABEL_GAP = 6;

export interface LegendElements {
  readonly root: HTMLElement;
  readonly title: HTMLElement;
  readonly ramp: SVGSVGElement;
  readonly swatches: HTMLElement;
}

export function createLegend(parent: HTMLElement): LegendElements {
  const root = parent.appendChild(document.createElement('div'));
  root.className = 'legend';
  const title = root.appendChild(document.createElement('div'));
  title.className = 'legend-title';
  const ramp = root.appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'svg'));
  ramp.classList.add('legend-ramp');
  const swatches = root.appendChild(document.createElement('ul'));
  swatches.className = 'legend-swatches';
  return { root, title, ramp, swatches };
}

export function renderLegend(elements: LegendElements, model: HeatmapModel, strings: PanelStrings, locale: string): void {
  const key = model.statistic;
  const logScale = scaleKindOf(key) === 'log';
  elements.title.textContent = `${strings.statistics[key].label} · ${logScale ? strings.logScale : strings.linearScale}`;

  renderRamp(elements.ramp, model, strings, locale);

  const kinds: { kind: CellKind; label: string; fill: string }[] = [
    { kind: 'nonFinite', label: strings.legendNonFinite, fill: SPECIAL_COLORS.nonFinite },
    { kind: 'zero', label: strings.legendZero, fill: SPECIAL_COLORS.zero },
    { kind: 'notApplicable', label: strings.legendNotApplicable, fill: `url(#${NOT_APPLICABLE_PATTERN_ID})` },
  ];

  // NaN is always explained, because it is what to look for; the others only when drawn.
  const explained = kinds.filter(({ kind }) => kind === 'nonFinite' || model.kinds.has(kind));
  select(elements.swatches)
    .selectAll<HTMLLIElement, (typeof kinds)[number]>('li')
    .data(explained, (entry) => entry.kind)
    .join((enter) => {
      const item = enter.append('li');
      item
        .append('svg')
        .attr('class', 'legend-swatch')
        .attr('width', SWATCH_SIZE)
        .attr('height', SWATCH_SIZE)
        .append('rect')
        .attr('width', SWATCH_SIZE)
        .attr('height', SWATCH_SIZE);
      item.append('span');
      return item;
    })
    .attr('data-kind', (entry) => entry.kind)
    .call((items) => items.select('rect').attr('fill', (entry) => entry.fill))
    .call((items) => items.select('span').text((entry) => entry.label));
}

/**
 * Draws the ramp with the exact range at its ends (`min ▮▮▮▮ max`) and round ticks under it,
 * leaving out ticks that would sit on top of an end label.
 */
function renderRamp(svgElement: SVGSVGElement, model: HeatmapModel, strings: PanelStrings, locale: string): void {
  const key = model.statistic;
  const [low, high] = model.domain;
  const color = colorScale(key, model.domain, model.colorScheme);
  const logScale = scaleKindOf(key) === 'log';
  const label = (value: number): string =>
    isFraction(key) ? formatPercent(value, strings, locale, 0) : formatTick(value, locale, logScale);
  const svg = select(svgElement);

  // End labels first: their width decides where the ramp starts.
  const ends = svg
    .selectAll<SVGTextElement, number>('text.ramp-end')
    .data([low, high])
    .join('text')
    .attr('class', 'ramp-end')
    .attr('y', RAMP_HEIGHT / 2)
    .attr('dy', '0.35em')
    .attr('text-anchor', (_value, index) => (index === 0 ? 'end' : 'start'))
    .text(label);
  const [lowWidth, highWidth] = ends.nodes().map(textWidth);
  const left = Math.ceil(lowWidth) + END_LABEL_GAP;
  ends.attr('x', (_value, index) => (index === 0 ? left - END_LABEL_GAP : left + RAMP_WIDTH + END_LABEL_GAP));
  svg.attr('width', left + RAMP_WIDTH + END_LABEL_GAP + Math.ceil(highWidth) + 2).attr('height', RAMP_HEIGHT + 28);

  const position = (scaleKindOf(key) === 'log' ? scaleLog() : scaleLinear()).domain([low, high]).range([0, RAMP_WIDTH]);
  const body = svg.selectAll('g.ramp').data([null]).join('g').attr('class', 'ramp').attr('transform', `translate(${left},0)`);

  // Slices sample the ramp at their own position, so a log ramp is drawn exactly as the cells are coloured.
  const sliceWidth = RAMP_WIDTH / RAMP_SLICES;
  body
    .selectAll('rect.ramp-slice')
    .data(range(RAMP_SLICES))
    .join('rect')
    .attr('class', 'ramp-slice')
    .attr('x', (index) => index * sliceWidth)
    .attr('width', sliceWidth + 0.5)
    .attr('height', RAMP_HEIGHT)
    .attr('fill', (index) => color(position.invert((index + 0.5) * sliceWidth)));

  // Ticks at the very ends would repeat the end labels.
  const tickValues = legendTicks(key, model.domain, 5).filter((value) => {
    const x = position(value);
    return x > 2 && x < RAMP_WIDTH - 2;
  });
  const ticks = body
    .selectAll<SVGGElement, number>('g.ramp-tick')
    .data(tickValues)
    .join((enter) => {
      const tick = enter.append('g').attr('class', 'ramp-tick');
      tick.append('line').attr('y1', RAMP_HEIGHT).attr('y2', RAMP_HEIGHT + 4);
      tick.append('text').attr('y', RAMP_HEIGHT + 7).attr('dy', '0.71em').attr('text-anchor', 'middle');
      return tick;
    })
    .attr('transform', (value) => `translate(${position(value)},0)`);
  ticks.select('text').text(label);
}
