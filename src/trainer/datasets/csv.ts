/**
 * A numeric CSV file read as `pandas.read_csv` or `numpy.loadtxt` would, with the label and
 * feature columns the model file selects. Every cell must be a number: a cell that is empty,
 * NaN or text stops the run with its line and column, because Keras would train on NaN or
 * fail on text.
 */
import * as l10n from '@vscode/l10n';
import { parse } from 'csv-parse/sync';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { CsvSource } from '../../common/modelSpec';
import { TrainerError, errorMessage } from '../errors';
import { splitForTraining } from './sklearn';
import type { LoadedDataset } from './types';

/** Larger files are rejected before they are read; the parsed values take several times their size. */
export const MAX_CSV_BYTES = 256 * 1024 * 1024;

/** A decimal number as pandas and NumPy read it: sign, digits, point, exponent. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Spellings that pandas reads as a missing value (NaN). */
const MISSING = new Set(['', 'nan', 'NaN', 'NAN', 'NA', 'N/A', 'n/a', 'null', 'NULL', '<NA>', '-nan', '-NaN', '#N/A', 'None']);

interface ParsedRow {
  readonly cells: string[];
  /** 1-based line of the file where the row starts. */
  readonly line: number;
}

/**
 * Reads `filePath` as `source` describes it and splits it as the file's `train_test_split`
 * does, or uses all rows for training and testing when the file does not split.
 * @throws TrainerError naming the file, line and column of the first problem.
 */
export async function loadCsvDataset(filePath: string, source: CsvSource, runSeed: number): Promise<LoadedDataset> {
  const displayName = path.basename(filePath);
  const text = await readCsvText(filePath);
  const rows = parseRows(text, source, filePath);

  const header = source.skipRows > 0 ? headerRow(text, source, filePath) : undefined;
  const dataRows = rows.filter((row) => row.line > source.skipRows);
  if (dataRows.length === 0) {
    throw new TrainerError(l10n.t('The CSV file {0} has no data rows after line {1}. Add rows of numbers, one example per line.', filePath, source.skipRows));
  }

  const columnCount = dataRows[0].cells.length;
  for (const row of dataRows) {
    if (row.cells.length !== columnCount) {
      throw new TrainerError(
        l10n.t(
          'Line {0} of {1} has {2} columns, but line {3} has {4}. Every row needs the same number of values.',
          row.line,
          filePath,
          row.cells.length,
          dataRows[0].line,
          columnCount,
        ),
      );
    }
  }
  if (header && header.length !== columnCount) {
    throw new TrainerError(
      l10n.t('The header on line {0} of {1} names {2} columns, but the data rows have {3}.', source.skipRows, filePath, header.length, columnCount),
    );
  }

  const resolve = (column: number | string): number => resolveColumn(column, header, columnCount, filePath, source.skipRows);
  const labelColumn = resolve(source.labelColumn);
  const featureColumns = source.featureColumns
    ? source.featureColumns.map(resolve)
    : exceptColumns(columnCount, (source.dropColumns ?? [source.labelColumn]).map(resolve));
  if (featureColumns.length === 0) {
    throw new TrainerError(l10n.t('The CSV file {0} leaves no feature columns besides the label.', filePath));
  }

  const count = dataRows.length;
  const features = new Float32Array(count * featureColumns.length);
  const labels = new Float32Array(count);
  dataRows.forEach((row, index) => {
    featureColumns.forEach((column, feature) => {
      features[index * featureColumns.length + feature] = readCell(row, column, header, filePath);
    });
    labels[index] = readCell(row, labelColumn, header, filePath);
  });

  const classes = classCount(labels);
  const { train, test } = splitForTraining({ features, labels, count }, source.testFraction, true, source.randomState, runSeed);
  return { name: 'csv', displayName, exampleShape: [featureColumns.length], classes, train, test };
}

async function readCsvText(filePath: string): Promise<string> {
  try {
    const size = (await stat(filePath)).size;
    if (size > MAX_CSV_BYTES) {
      throw new TrainerError(
        l10n.t('The CSV file {0} has {1} MB, more than the {2} MB Gradient Flow reads. Train on a smaller sample of its rows.', filePath, Math.ceil(size / 1e6), MAX_CSV_BYTES / 1024 / 1024),
      );
    }
    return await readFile(filePath, 'utf8');
  } catch (error) {
    if (error instanceof TrainerError) {
      throw error;
    }
    const code = (error as NodeJS.ErrnoException).code;
    throw new TrainerError(
      code === 'ENOENT'
        ? l10n.t('The CSV file {0} was not found.', filePath)
        : l10n.t('The CSV file {0} could not be read: {1}', filePath, errorMessage(error)),
      undefined,
      { cause: error },
    );
  }
}

function parseRows(text: string, source: CsvSource, filePath: string): ParsedRow[] {
  try {
    const records = parse(text, {
      delimiter: source.delimiter,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    return records.map(({ record, info }) => ({ cells: record, line: info.lines }));
  } catch (error) {
    throw new TrainerError(l10n.t('The CSV file {0} is not valid CSV: {1}', filePath, errorMessage(error)), undefined, { cause: error });
  }
}

/** Returns the header, the last line skipped, since pandas reads it after its own `skiprows`. */
function headerRow(text: string, source: CsvSource, filePath: string): string[] | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const line = lines[source.skipRows - 1];
  if (line === undefined) {
    return undefined;
  }
  try {
    const [cells] = parse(line, { delimiter: source.delimiter, trim: true, relax_column_count: true }) as string[][];
    return cells;
  } catch (error) {
    throw new TrainerError(l10n.t('The CSV file {0} is not valid CSV: {1}', filePath, errorMessage(error)), undefined, { cause: error });
  }
}

function resolveColumn(column: number | string, header: string[] | undefined, columnCount: number, filePath: string, headerLine: number): number {
  if (typeof column === 'number') {
    const index = column < 0 ? columnCount + column : column;
    if (!Number.isInteger(index) || index < 0 || index >= columnCount) {
      throw new TrainerError(l10n.t('The CSV file {0} has {1} columns, so it has no column {2}.', filePath, columnCount, column));
    }
    return index;
  }
  const index = header?.indexOf(column) ?? -1;
  if (index < 0) {
    throw new TrainerError(
      header
        ? l10n.t('The CSV file {0} has no column named "{1}": the header on line {2} names {3}.', filePath, column, headerLine, header.join(', '))
        : l10n.t('The CSV file {0} is read without a header row, so it has no column named "{1}".', filePath, column),
    );
  }
  return index;
}

/** 1 + the largest label when every label is a whole number of at least 0, else 0 (a regression target). */
function classCount(labels: Float32Array): number {
  let largest = 0;
  for (const label of labels) {
    if (!Number.isInteger(label) || label < 0) {
      return 0;
    }
    largest = Math.max(largest, label);
  }
  return largest + 1;
}

function exceptColumns(columnCount: number, dropped: readonly number[]): number[] {
  return Array.from({ length: columnCount }, (_, index) => index).filter((index) => !dropped.includes(index));
}

function readCell(row: ParsedRow, column: number, header: string[] | undefined, filePath: string): number {
  const cell = row.cells[column];
  const columnName = header?.[column] !== undefined ? `${column + 1} ("${header[column]}")` : `${column + 1}`;
  if (MISSING.has(cell)) {
    throw new TrainerError(
      l10n.t(
        'Line {0}, column {1} of {2} is empty or NaN, and training on NaN would make every loss NaN. Fill in the value, or remove the row.',
        row.line,
        columnName,
        filePath,
      ),
    );
  }
  if (!NUMBER.test(cell)) {
    throw new TrainerError(
      l10n.t(
        'Line {0}, column {1} of {2} holds "{3}", which is not a number. Gradient Flow reads only numeric CSV files: turn text into numbers first, or leave the column out of the features.',
        row.line,
        columnName,
        filePath,
        cell.length > 40 ? `${cell.slice(0, 40)}…` : cell,
      ),
    );
  }
  return Number(cell);
}
