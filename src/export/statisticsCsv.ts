/**
 * A run's statistics as CSV (RFC 4180: comma-separated, CRLF line ends, fields with a comma,
 * quote or line break in double quotes), for spreadsheets and pandas. Column names are the
 * field names of the statistics JSON. Step, epoch and batch count from 0 as Keras callbacks
 * do; `sourceLine` counts from 1 as editors and Python tracebacks do. NaN and ±Infinity are
 * written `NaN`, `Infinity` and `-Infinity`, which pandas and Python's `float()` read; a
 * statistic that does not apply to a layer (dead % of a sigmoid layer) is an empty field.
 */
import type { RunSnapshot } from '../common/runState';
import { HISTOGRAM_BINS, type LayerStatistics } from '../common/statistics';

type Field = string | number | null | undefined;

/** Every scalar field of LayerStatistics, in column order; the histogram follows as bins. */
const LAYER_STATISTIC_COLUMNS = [
  'weightGradNorm',
  'weightGradMeanAbs',
  'biasGradNorm',
  'gradNonFinite',
  'outputGradNorm',
  'activationMean',
  'activationStd',
  'saturatedFraction',
  'deadFraction',
  'updateRatio',
  'histogramMin',
  'histogramMax',
] as const satisfies readonly Exclude<keyof LayerStatistics, 'histogram'>[];

// Fails to compile when LayerStatistics gains a scalar field that has no column above.
type MissingColumn = Exclude<keyof LayerStatistics, 'histogram' | (typeof LAYER_STATISTIC_COLUMNS)[number]>;
const NO_MISSING_COLUMN: [MissingColumn] extends [never] ? true : MissingColumn = true;
void NO_MISSING_COLUMN;

const SAMPLE_COLUMNS = ['step', 'epoch', 'batch', 'loss', 'accuracy'] as const;
const LAYER_COLUMNS = ['layerIndex', 'layerName', 'className', 'activation', 'units', 'sourceLine'] as const;
const EPOCH_COLUMNS = ['epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'seconds'] as const;

/** Formats a number so that parsing it gives the same double back. */
function formatNumber(value: number): string {
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? 'Infinity' : '-Infinity';
  }
  // String() gives the shortest text that reads back as the same double.
  return String(value);
}

function formatField(value: Field): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'number') {
    return formatNumber(value);
  }
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function formatRow(fields: readonly Field[]): string {
  return fields.map(formatField).join(',');
}

function joinRows(rows: readonly string[]): string {
  return rows.map((row) => `${row}\r\n`).join('');
}

/** The number of histogram columns: the widest histogram in the run, at least HISTOGRAM_BINS. */
function histogramWidth(run: RunSnapshot): number {
  let width = HISTOGRAM_BINS;
  for (const sample of run.samples) {
    for (const layer of sample.layers) {
      width = Math.max(width, layer.histogram.length);
    }
  }
  return width;
}

/**
 * One row per sample and tracked layer: the sample's step, loss and accuracy, the layer's
 * identity, every LayerStatistics field, and the activation histogram as `histogram_0`….
 */
export function samplesCsv(run: RunSnapshot): string {
  const bins = histogramWidth(run);
  const header = [
    ...SAMPLE_COLUMNS,
    ...LAYER_COLUMNS,
    ...LAYER_STATISTIC_COLUMNS,
    ...Array.from({ length: bins }, (_, bin) => `histogram_${bin}`),
  ];

  const rows = [formatRow(header)];
  for (const sample of run.samples) {
    sample.layers.forEach((statistics, layerIndex) => {
      const layer = run.layers[layerIndex];
      rows.push(
        formatRow([
          sample.step,
          sample.epoch,
          sample.batch,
          sample.loss,
          sample.accuracy,
          layerIndex,
          layer?.name,
          layer?.className,
          layer?.activation,
          layer?.units,
          layer ? layer.line + 1 : undefined,
          ...LAYER_STATISTIC_COLUMNS.map((column) => statistics[column]),
          ...Array.from({ length: bins }, (_, bin) => statistics.histogram[bin]),
        ]),
      );
    });
  }
  return joinRows(rows);
}

/** One row per completed epoch, as Keras's `History` holds them; validation fields are empty without validation. */
export function epochsCsv(run: RunSnapshot): string {
  const rows = [formatRow(EPOCH_COLUMNS)];
  for (const logs of run.epochLogs) {
    rows.push(formatRow([logs.epoch, logs.loss, logs.accuracy, logs.valLoss, logs.valAccuracy, logs.seconds]));
  }
  return joinRows(rows);
}
