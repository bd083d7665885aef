/**
 * Loss and accuracy curves on the same epoch axis as the heatmap: every sampled batch as a
 * thin line, and the Keras epoch logs (training mean, validation) as marked points.
 */
import { axisLeft, line, max, scaleLinear, select, type BaseType, type ScaleLinear, type Selection } from 'd3';
import type { PanelStrings } from '../src/common/panelStrings';
import type { RunSnapshot } from '../src/common/runState';
import type { EpochLogs } from '../src/common/statistics';
import { renderEpochAxis } from './epochAxis';
import { formatPercent, formatTick } from './format';
import { buildTimeline } from './timeline';

/** Margins and height at the default 13 px font; they grow with the font so that zoomed labels fit. */
const MARGIN = { top: 10, right: 16, bottom: 54, left: 56 };
const CHART_HEIGHT = 230;
const BASE_FONT_SIZE = 13;
/** Below this panel width the two charts stack instead of sitting side by side. */
const SIDE_BY_SIDE_MIN_WIDTH = 720;
const CHART_GAP = 24;
const MARKER_SIZE = 7;

/** One point of a curve, x in epochs. */
export interface CurvePoint {
  readonly x: number;
  readonly y: number;
}

export interface CurveSeries {
  readonly batches: readonly CurvePoint[];
  readonly train: readonly CurvePoint[];
  readonly validation: readonly CurvePoint[];
}

interface ChartElements {
  readonly figure: HTMLElement;
  readonly title: HTMLElement;
  readonly svg: SVGSVGElement;
  readonly note: HTMLElement;
}

export interface CurveElements {
  readonly root: HTMLElement;
  readonly legend: HTMLElement;
  readonly loss: ChartElements;
  readonly accuracy: ChartElements;
}

type Metric = 'loss' | 'accuracy';

/** Points of one metric: batches at the middle of their step, epoch logs at the middle of their epoch. */
export function curveSeries(run: RunSnapshot, metric: Metric): CurveSeries {
  const timeline = buildTimeline(run);
  const validationValue = (logs: EpochLogs): number | undefined => (metric === 'loss' ? logs.valLoss : logs.valAccuracy);
  return {
    batches: run.samples.map((sample) => ({ x: (sample.step + 0.5) / timeline.stepsPerEpoch, y: sample[metric] })),
    train: run.epochLogs.map((logs) => ({ x: logs.epoch + 0.5, y: logs[metric] })),
    validation: run.epochLogs.flatMap((logs) => {
      const value = validationValue(logs);
      return value === undefined ? [] : [{ x: logs.epoch + 0.5, y: value }];
    }),
  };
}

export function hasFiniteValue(series: CurveSeries): boolean {
  return [series.batches, series.train, series.validation].some((points) => points.some((point) => Number.isFinite(point.y)));
}

/** Loss axis upper bound: the largest finite loss plus 5 % headroom, at least a small positive number. */
export function lossAxisMax(series: CurveSeries): number {
  const values = [...series.batches, ...series.train, ...series.validation].map((point) => point.y).filter(Number.isFinite);
  return Math.max(1e-3, (max(values) ?? 1) * 1.05);
}

export function createCurves(parent: HTMLElement): CurveElements {
  const root = parent.appendChild(document.createElement('section'));
  root.className = 'curves-section';
  const legend = root.appendChild(document.createElement('ul'));
  legend.className = 'series-legend';
  const charts = root.appendChild(document.createElement('div'));
  charts.className = 'curves';
  return { root, legend, loss: createChart(charts, 'loss'), accuracy: createChart(charts, 'accuracy') };
}

function createChart(parent: HTMLElement, metric: Metric): ChartElements {
  const figure = parent.appendChild(document.createElement('figure'));
  figure.className = `curve-chart curve-${metric}`;
  const title = figure.appendChild(document.createElement('figcaption'));
  title.className = 'chart-title';
  const svg = figure.appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'svg'));
  const note = figure.appendChild(document.createElement('p'));
  note.className = 'chart-note';
  return { figure, title, svg, note };
}

export function renderCurves(elements: CurveElements, run: RunSnapshot, strings: PanelStrings, locale: string, width: number): void {
  renderSeriesLegend(elements.legend, strings);

  const sideBySide = width >= SIDE_BY_SIDE_MIN_WIDTH;
  const chartWidth = sideBySide ? Math.floor((width - CHART_GAP) / 2) : width;
  const epochs = buildTimeline(run).epochs;

  const loss = curveSeries(run, 'loss');
  elements.loss.title.textContent = strings.lossTitle;
  renderChart(elements.loss, loss, {
    width: chartWidth,
    epochs,
    yMax: lossAxisMax(loss),
    tickLabel: (value) => formatTick(value, locale),
    epochTitle: strings.epochAxis,
  });

  const accuracy = curveSeries(run, 'accuracy');
  const hasAccuracy = hasFiniteValue(accuracy) || run.samples.length === 0;
  elements.accuracy.title.textContent = strings.accuracyTitle;
  elements.accuracy.svg.style.display = hasAccuracy ? '' : 'none';
  elements.accuracy.note.hidden = hasAccuracy;
  elements.accuracy.note.textContent = strings.noAccuracy;
  if (hasAccuracy) {
    renderChart(elements.accuracy, accuracy, {
      width: chartWidth,
      epochs,
      yMax: 1,
      tickLabel: (value) => formatPercent(value, strings, locale, 0),
      epochTitle: strings.epochAxis,
    });
  }
  elements.loss.note.hidden = true;
}

interface ChartOptions {
  readonly width: number;
  readonly epochs: number;
  readonly yMax: number;
  readonly tickLabel: (value: number) => string;
  readonly epochTitle: string;
}

function renderChart(elements: ChartElements, series: CurveSeries, options: ChartOptions): void {
  const fontScale = Math.max(1, (parseFloat(getComputedStyle(elements.svg).fontSize) || BASE_FONT_SIZE) / BASE_FONT_SIZE);
  const margin = { top: MARGIN.top * fontScale, right: MARGIN.right, bottom: MARGIN.bottom * fontScale, left: MARGIN.left * fontScale };
  const chartHeight = Math.round(CHART_HEIGHT * fontScale);
  const innerWidth = Math.max(40, options.width - margin.left - margin.right);
  const innerHeight = chartHeight - margin.top - margin.bottom;
  const x = scaleLinear().domain([0, options.epochs]).range([0, innerWidth]);
  const y = scaleLinear().domain([0, options.yMax]).range([innerHeight, 0]).nice();

  const svg = select(elements.svg).attr('width', options.width).attr('height', chartHeight);
  const plot: Selection<SVGGElement, null, BaseType, unknown> = svg.selectAll<SVGGElement, null>('g.chart-plot').data([null]).join('g').attr('class', 'chart-plot');
  plot.attr('transform', `translate(${margin.left},${margin.top})`);

  // Grid lines double as the y axis ticks, so the axis itself draws no domain line.
  const yAxis = plot.selectAll<SVGGElement, null>('g.y-axis').data([null]).join('g').attr('class', 'y-axis');
  yAxis.call(axisLeft(y).ticks(5).tickSize(-innerWidth).tickPadding(8).tickFormat((value) => options.tickLabel(Number(value))));
  yAxis.select('.domain').remove();

  renderEpochAxis(
    plot.selectAll<SVGGElement, null>('g.epoch-axis').data([null]).join('g').attr('transform', `translate(0,${innerHeight})`),
    x,
    options.epochs,
    options.epochTitle,
  );

  const path = line<CurvePoint>()
    .defined((point) => Number.isFinite(point.y))
    .x((point) => x(point.x))
    .y((point) => y(point.y));
  const lines = [
    { name: 'batches', points: series.batches },
    { name: 'train', points: series.train },
    { name: 'validation', points: series.validation },
  ];
  plot
    .selectAll<SVGPathElement, (typeof lines)[number]>('path.series')
    .data(lines, (entry) => entry.name)
    .join('path')
    .attr('class', (entry) => `series series-${entry.name}`)
    .attr('d', (entry) => path(entry.points as CurvePoint[]) ?? '');

  const finite = (points: readonly CurvePoint[]): CurvePoint[] => points.filter((point) => Number.isFinite(point.y));
  renderMarkers(plot, 'train', finite(series.train), x, y, 'circle');
  renderMarkers(plot, 'validation', finite(series.validation), x, y, 'rect');
}

/** Training points are circles and validation points squares, so they differ without colour. */
function renderMarkers(
  plot: Selection<SVGGElement, null, BaseType, unknown>,
  name: string,
  points: CurvePoint[],
  x: ScaleLinear<number, number>,
  y: ScaleLinear<number, number>,
  shape: 'circle' | 'rect',
): void {
  const markers = plot
    .selectAll<SVGElement, CurvePoint>(`.marker-${name}`)
    .data(points)
    .join(shape)
    .attr('class', `marker marker-${name}`);
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

function renderSeriesLegend(legend: HTMLElement, strings: PanelStrings): void {
  const entries = [
    { name: 'batches', label: strings.seriesBatches },
    { name: 'train', label: strings.seriesTrain },
    { name: 'validation', label: strings.seriesValidation },
  ];
  select(legend)
    .selectAll<HTMLLIElement, (typeof entries)[number]>('li')
    .data(entries, (entry) => entry.name)
    .join((enter) => {
      const item = enter.append('li');
      const glyph = item.append('svg').attr('width', 28).attr('height', 12).attr('aria-hidden', 'true');
      glyph.append('line').attr('class', (entry) => `series series-${entry.name}`).attr('x1', 1).attr('x2', 27).attr('y1', 6).attr('y2', 6);
      glyph
        .filter((entry) => entry.name === 'train')
        .append('circle')
        .attr('class', 'marker marker-train')
        .attr('cx', 14)
        .attr('cy', 6)
        .attr('r', MARKER_SIZE / 2);
      glyph
        .filter((entry) => entry.name === 'validation')
        .append('rect')
        .attr('class', 'marker marker-validation')
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
