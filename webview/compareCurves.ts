/**
 * Loss and accuracy of two runs on the same axes: this run in the series colours, the
 * previous run in a muted colour, each with its sampled batches, epoch means and validation.
 */
import { axisLeft, line, max, scaleLinear, select, type BaseType, type ScaleLinear, type Selection } from 'd3';
import type { PanelStrings } from '../src/common/panelStrings';
import type { RunSnapshot } from '../src/common/runState';
import { curveSeries, hasFiniteValue, lossAxisMax, type CurvePoint, type CurveSeries } from './curves';
import { renderEpochAxis } from './epochAxis';
import { fillTemplate, formatPercent, formatTick } from './format';
import { buildTimeline } from './timeline';

const MARGIN = { top: 10, right: 16, bottom: 54, left: 56 };
const CHART_HEIGHT = 230;
const SIDE_BY_SIDE_MIN_WIDTH = 720;
const CHART_GAP = 24;
const MARKER_SIZE = 7;

type Metric = 'loss' | 'accuracy';
type RunRole = 'current' | 'previous';
type SeriesName = keyof CurveSeries;

export interface CompareCurveElements {
  readonly root: HTMLElement;
  readonly legend: HTMLElement;
  readonly charts: Readonly<Record<Metric, { readonly title: HTMLElement; readonly svg: SVGSVGElement }>>;
}

export function createCompareCurves(parent: HTMLElement, before: Element | null): CompareCurveElements {
  const root = parent.insertBefore(document.createElement('section'), before);
  root.className = 'curves-section compare-curves';
  const legend = root.appendChild(document.createElement('ul'));
  legend.className = 'series-legend';
  const row = root.appendChild(document.createElement('div'));
  row.className = 'curves';
  const chart = (metric: Metric): { title: HTMLElement; svg: SVGSVGElement } => {
    const figure = row.appendChild(document.createElement('figure'));
    figure.className = `curve-chart curve-${metric}`;
    const title = figure.appendChild(document.createElement('figcaption'));
    title.className = 'chart-title';
    const svg = figure.appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'svg'));
    return { title, svg };
  };
  return { root, legend, charts: { loss: chart('loss'), accuracy: chart('accuracy') } };
}

export function renderCompareCurves(
  elements: CompareCurveElements,
  runs: Readonly<Record<RunRole, RunSnapshot>>,
  strings: PanelStrings,
  locale: string,
  width: number,
): void {
  renderLegend(elements.legend, strings);
  const sideBySide = width >= SIDE_BY_SIDE_MIN_WIDTH;
  const chartWidth = sideBySide ? Math.floor((width - CHART_GAP) / 2) : width;
  const epochs = Math.max(buildTimeline(runs.current).epochs, buildTimeline(runs.previous).epochs);

  const loss = { current: curveSeries(runs.current, 'loss'), previous: curveSeries(runs.previous, 'loss') };
  elements.charts.loss.title.textContent = strings.lossTitle;
  renderChart(elements.charts.loss.svg, loss, chartWidth, epochs, max([lossAxisMax(loss.current), lossAxisMax(loss.previous)]) ?? 1, (value) => formatTick(value, locale), strings.epochAxis);

  const accuracy = { current: curveSeries(runs.current, 'accuracy'), previous: curveSeries(runs.previous, 'accuracy') };
  const hasAccuracy = hasFiniteValue(accuracy.current) || hasFiniteValue(accuracy.previous);
  elements.charts.accuracy.title.textContent = hasAccuracy ? strings.accuracyTitle : `${strings.accuracyTitle}: ${strings.noAccuracy}`;
  elements.charts.accuracy.svg.style.display = hasAccuracy ? '' : 'none';
  if (hasAccuracy) {
    renderChart(elements.charts.accuracy.svg, accuracy, chartWidth, epochs, 1, (value) => formatPercent(value, strings, locale, 0), strings.epochAxis);
  }
}

function renderChart(
  svgElement: SVGSVGElement,
  series: Readonly<Record<RunRole, CurveSeries>>,
  width: number,
  epochs: number,
  yMax: number,
  tickLabel: (value: number) => string,
  epochTitle: string,
): void {
  const innerWidth = Math.max(40, width - MARGIN.left - MARGIN.right);
  const innerHeight = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = scaleLinear().domain([0, epochs]).range([0, innerWidth]);
  const y = scaleLinear().domain([0, yMax]).range([innerHeight, 0]).nice();

  const svg = select(svgElement).attr('width', width).attr('height', CHART_HEIGHT);
  const plot: Selection<SVGGElement, null, BaseType, unknown> = svg.selectAll<SVGGElement, null>('g.chart-plot').data([null]).join('g').attr('class', 'chart-plot');
  plot.attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);

  const yAxis = plot.selectAll<SVGGElement, null>('g.y-axis').data([null]).join('g').attr('class', 'y-axis');
  yAxis.call(axisLeft(y).ticks(5).tickSize(-innerWidth).tickPadding(8).tickFormat((value) => tickLabel(Number(value))));
  yAxis.select('.domain').remove();
  renderEpochAxis(plot.selectAll<SVGGElement, null>('g.epoch-axis').data([null]).join('g').attr('transform', `translate(0,${innerHeight})`), x, epochs, epochTitle);

  const path = line<CurvePoint>()
    .defined((point) => Number.isFinite(point.y))
    .x((point) => x(point.x))
    .y((point) => y(point.y));
  const lines = (['previous', 'current'] as const).flatMap((role) =>
    (['batches', 'train', 'validation'] as const).map((name) => ({ key: `${role}-${name}`, role, name, points: series[role][name] })),
  );
  plot
    .selectAll<SVGPathElement, (typeof lines)[number]>('path.series')
    .data(lines, (entry) => entry.key)
    .join('path')
    .attr('class', (entry) => seriesClass(entry.role, entry.name))
    .attr('d', (entry) => path(entry.points as CurvePoint[]) ?? '');

  for (const role of ['previous', 'current'] as const) {
    renderMarkers(plot, role, 'train', series[role].train, x, y);
    renderMarkers(plot, role, 'validation', series[role].validation, x, y);
  }
}

function seriesClass(role: RunRole, name: SeriesName): string {
  return `series series-${name} run-${role}`;
}

/** Circles for epoch means and squares for validation, as in the single-run curves. */
function renderMarkers(
  plot: Selection<SVGGElement, null, BaseType, unknown>,
  role: RunRole,
  name: 'train' | 'validation',
  points: readonly CurvePoint[],
  x: ScaleLinear<number, number>,
  y: ScaleLinear<number, number>,
): void {
  const finite = points.filter((point) => Number.isFinite(point.y));
  const shape = name === 'train' ? 'circle' : 'rect';
  const markers = plot
    .selectAll<SVGElement, CurvePoint>(`.marker-${name}.run-${role}`)
    .data(finite)
    .join(shape)
    .attr('class', `marker marker-${name} run-${role}`);
  if (shape === 'circle') {
    markers.attr('cx', (point) => x(point.x)).attr('cy', (point) => y(point.y)).attr('r', MARKER_SIZE / 2);
  } else {
    markers
      .attr('x', (point) => x(point.x) - MARKER_SIZE / 2)
      .attr('y', (point) => y(point.y) - MARKER_SIZE / 2)
      .attr('width', MARKER_SIZE)
      .attr('height', MARKER_SIZE);
  }
}

function renderLegend(legend: HTMLElement, strings: PanelStrings): void {
  const series: { name: SeriesName; label: string }[] = [
    { name: 'batches', label: strings.seriesBatches },
    { name: 'train', label: strings.seriesTrain },
    { name: 'validation', label: strings.seriesValidation },
  ];
  const runs: { role: RunRole; label: string }[] = [
    { role: 'current', label: strings.compare.currentRun },
    { role: 'previous', label: strings.compare.previousRunShort },
  ];
  const entries = runs.flatMap((run) => series.map((entry) => ({ key: `${run.role}-${entry.name}`, role: run.role, name: entry.name, label: fillTemplate(strings.compare.series, run.label, entry.label) })));

  select(legend)
    .selectAll<HTMLLIElement, (typeof entries)[number]>('li')
    .data(entries, (entry) => entry.key)
    .join((enter) => {
      const item = enter.append('li');
      const glyph = item.append('svg').attr('width', 28).attr('height', 12).attr('aria-hidden', 'true');
      glyph.append('line').attr('class', (entry) => seriesClass(entry.role, entry.name)).attr('x1', 1).attr('x2', 27).attr('y1', 6).attr('y2', 6);
      glyph
        .filter((entry) => entry.name === 'train')
        .append('circle')
        .attr('class', (entry) => `marker marker-train run-${entry.role}`)
        .attr('cx', 14)
        .attr('cy', 6)
        .attr('r', MARKER_SIZE / 2);
      glyph
        .filter((entry) => entry.name === 'validation')
        .append('rect')
        .attr('class', (entry) => `marker marker-validation run-${entry.role}`)
        .attr('x', 14 - MARKER_SIZE / 2)
        .attr('y', 6 - MARKER_SIZE / 2)
        .attr('width', MARKER_SIZE)
        .attr('height', MARKER_SIZE);
      item.append('span');
      return item;
    })
    .select('span')
    .text((entry) => entry.label);
}
