/**
 * The calls that bring data into a model file, read statically: scikit-learn's generators
 * (`make_moons`, `make_circles`, `make_blobs`), `train_test_split`, and the CSV readers
 * `pandas.read_csv`, `numpy.loadtxt` and `numpy.genfromtxt`. Each reader checks the
 * arguments the way the library would and reports problems at the argument.
 */
import * as l10n from '@vscode/l10n';
import { evaluateArgument, readBooleanArgument, readIntegerArgument, readNumberArgument } from './argumentValues';
import { bindArguments, type CallArgument } from './callArguments';
import type { ParseContext } from './context';
import type { SyntaxNode } from './syntax';
import { formatPython, type StaticValue } from './values';

export type GeneratorName = 'make_moons' | 'make_circles' | 'make_blobs';

/** Fully qualified names of the calls this file reads. */
export const GENERATOR_PATHS: Readonly<Record<string, GeneratorName>> = {
  'sklearn.datasets.make_moons': 'make_moons',
  'sklearn.datasets.make_circles': 'make_circles',
  'sklearn.datasets.make_blobs': 'make_blobs',
  'sklearn.datasets._samples_generator.make_moons': 'make_moons',
  'sklearn.datasets._samples_generator.make_circles': 'make_circles',
  'sklearn.datasets._samples_generator.make_blobs': 'make_blobs',
};
export const SPLIT_PATH = 'sklearn.model_selection.train_test_split';
export const CSV_READER_PATHS = new Set(['pandas.read_csv', 'numpy.loadtxt', 'numpy.genfromtxt']);

/** More examples than this would take minutes to generate and train on; classroom sets have a few thousand. */
const MAX_GENERATED_SAMPLES = 1_000_000;
const MAX_FEATURES = 10_000;

/** The CSV file and how the call reads it; columns are chosen later by the file's indexing. */
export interface CsvRead {
  readonly path: string;
  readonly delimiter: string;
  readonly skipRows: number;
  readonly hasHeader: boolean;
}

export interface SplitSettings {
  readonly testSize: number;
  readonly randomState?: number;
  readonly shuffle: boolean;
}

/**
 * Reads a generator call's keyword arguments into the JSON form `DatasetSpec.generator`
 * holds. Returns undefined after reporting an invalid argument.
 */
export function readGeneratorCall(context: ParseContext, call: SyntaxNode, name: GeneratorName, displayName: string): Record<string, unknown> | undefined {
  const common = ['shuffle', 'noise', 'random_state'];
  const bound = bindArguments(context, call, {
    displayName,
    positional: name === 'make_blobs' ? ['n_samples', 'n_features'] : ['n_samples'],
    keywords: name === 'make_blobs' ? ['centers', 'cluster_std', 'center_box', 'shuffle', 'random_state'] : name === 'make_circles' ? [...common, 'factor'] : common,
  });
  const options: Record<string, unknown> = {};
  let valid = true;
  const read = (key: string, reader: (argument: CallArgument) => unknown): void => {
    const argument = bound.get(key);
    if (!argument) {
      return;
    }
    const value = reader(argument);
    if (value === undefined) {
      valid = false;
    } else if (value !== null) {
      options[key] = value;
    }
  };

  read('n_samples', (argument) => readSampleCount(context, argument, displayName, name));
  read('shuffle', (argument) => readBooleanArgument(context, argument, displayName));
  read('noise', (argument) => noneOr(context, argument, () => readNumberArgument(context, argument, displayName, { minimum: 0 })));
  read('random_state', (argument) => noneOr(context, argument, () => readIntegerArgument(context, argument, displayName, 0)));
  read('factor', (argument) => readNumberArgument(context, argument, displayName, { minimum: 0, exclusiveMaximum: 1 }));
  read('n_features', (argument) => readBoundedInteger(context, argument, displayName, MAX_FEATURES));
  read('centers', (argument) => noneOr(context, argument, () => readCenters(context, argument, displayName)));
  read('cluster_std', (argument) => readNumbers(context, argument, displayName, 'positive'));
  read('center_box', (argument) => readNumbers(context, argument, displayName, 'pair'));
  return valid ? options : undefined;
}

/** Reads `train_test_split`'s keyword arguments; the arrays are read by the caller. */
export function readSplitArguments(context: ParseContext, displayName: string, keywords: readonly CallArgument[]): SplitSettings | undefined {
  const byName = new Map(keywords.map((argument) => [argument.keyword as string, argument]));
  let valid = true;
  const fraction = (name: string): number | undefined => {
    const argument = byName.get(name);
    if (!argument) {
      return undefined;
    }
    const value = noneOr(context, argument, () => readNumberArgument(context, argument, displayName, { minimum: 0, exclusiveMinimum: true, exclusiveMaximum: 1 }));
    if (value === undefined) {
      valid = false;
    }
    return value ?? undefined;
  };

  for (const argument of keywords) {
    if (!['test_size', 'train_size', 'random_state', 'shuffle', 'stratify'].includes(argument.keyword ?? '')) {
      context.sink.error(
        'unsupported-argument',
        argument.span,
        l10n.t('Gradient Flow does not support the argument `{0}` of `{1}`. Remove it; the arguments Gradient Flow reads are: test_size, train_size, random_state, shuffle.', argument.keyword ?? '', displayName),
      );
      valid = false;
    }
  }
  const testSize = fraction('test_size');
  const trainSize = fraction('train_size');
  const randomStateArgument = byName.get('random_state');
  const randomState = randomStateArgument
    ? noneOr(context, randomStateArgument, () => readIntegerArgument(context, randomStateArgument, displayName, 0))
    : null;
  const shuffleArgument = byName.get('shuffle');
  const shuffle = shuffleArgument ? readBooleanArgument(context, shuffleArgument, displayName) : true;
  const stratify = byName.get('stratify');
  if (stratify) {
    context.sink.warning(
      'ignored-argument',
      stratify.span,
      l10n.t('Gradient Flow splits at random without `stratify`, so the share of each class in the test set can differ slightly from the split scikit-learn makes.'),
    );
  }
  if (!valid || randomState === undefined || shuffle === undefined) {
    return undefined;
  }
  // scikit-learn 1.5: test_size defaults to the complement of train_size, else to 0.25.
  const size = testSize ?? (trainSize !== undefined ? 1 - trainSize : 0.25);
  return { testSize: size, randomState: randomState ?? undefined, shuffle };
}

/**
 * Reads `pd.read_csv(path, ...)`, `np.loadtxt(path, delimiter=',', skiprows=1)` or
 * `np.genfromtxt(path, delimiter=',', skip_header=1)`. Returns undefined after reporting.
 */
export function readCsvCall(context: ParseContext, call: SyntaxNode, qualified: string, displayName: string): CsvRead | undefined {
  const pandas = qualified === 'pandas.read_csv';
  const bound = bindArguments(context, call, pandas
    ? { displayName, positional: ['filepath_or_buffer', 'sep'], keywords: ['delimiter', 'header', 'skiprows'], ignored: ['encoding'] }
    : qualified === 'numpy.loadtxt'
      ? { displayName, positional: ['fname', 'dtype', 'comments', 'delimiter', 'converters', 'skiprows'], ignored: ['dtype', 'comments', 'encoding'] }
      : { displayName, positional: ['fname', 'dtype', 'comments', 'delimiter', 'skip_header'], ignored: ['dtype', 'comments', 'encoding'] });

  const pathArgument = bound.get(pandas ? 'filepath_or_buffer' : 'fname');
  if (!pathArgument) {
    context.sink.error('missing-argument', call, l10n.t('`{0}` needs the path of the CSV file as its first argument.', displayName));
    return undefined;
  }
  const pathValue = evaluateArgument(context, pathArgument, displayName);
  if (pathValue === undefined) {
    return undefined;
  }
  if (pathValue.kind !== 'string' || pathValue.value.trim() === '') {
    context.sink.error('invalid-value', pathArgument.value, l10n.t('`{0}` needs the path of the CSV file as a string, such as \'data.csv\'.', displayName));
    return undefined;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pathValue.value)) {
    context.sink.error(
      'unsupported-dataset',
      pathArgument.value,
      l10n.t('Gradient Flow reads CSV files from the workspace only, not from {0}. Download the file into the workspace and give its path.', pathValue.value),
    );
    return undefined;
  }

  const delimiter = readDelimiter(context, call, bound.get(pandas ? 'sep' : 'delimiter') ?? bound.get('delimiter'), displayName, pandas);
  if (delimiter === undefined) {
    return undefined;
  }
  if (!pandas && bound.get('converters')) {
    context.sink.error('unsupported-argument', (bound.get('converters') as CallArgument).span, l10n.t('Gradient Flow cannot apply `converters` without running the file. Remove it and store numbers in the CSV file.'));
    return undefined;
  }

  const skipArgument = bound.get(qualified === 'numpy.genfromtxt' ? 'skip_header' : 'skiprows');
  const skipped = skipArgument ? noneOr(context, skipArgument, () => readIntegerArgument(context, skipArgument, displayName, 0)) : 0;
  if (skipped === undefined) {
    return undefined;
  }
  const hasHeader = pandas ? readHeader(context, bound.get('header'), displayName) : false;
  if (hasHeader === undefined) {
    return undefined;
  }
  // pandas reads its header row after the skipped lines.
  return { path: pathValue.value, delimiter, skipRows: (skipped ?? 0) + (hasHeader ? 1 : 0), hasHeader };
}

function readDelimiter(context: ParseContext, call: SyntaxNode, argument: CallArgument | undefined, displayName: string, pandas: boolean): string | undefined {
  if (!argument) {
    if (pandas) {
      return ',';
    }
    context.sink.error(
      'missing-argument',
      call,
      l10n.t('Without `delimiter`, `{0}` splits each line at spaces and tabs, which Gradient Flow does not read. Give the separator of the CSV file, such as delimiter=\',\'.', displayName),
    );
    return undefined;
  }
  const value = evaluateArgument(context, argument, displayName);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind !== 'string' || value.value.length !== 1 || value.value === '\n' || value.value === '"') {
    context.sink.error(
      'invalid-value',
      argument.value,
      l10n.t('`{0}={1}` in `{2}` is invalid: Gradient Flow reads CSV files whose values are separated by one character, such as \',\' or \';\'.', argument.keyword ?? '?', formatPython(value), displayName),
    );
    return undefined;
  }
  return value.value;
}

/** `header='infer'` or 0 reads a header row; None reads none. */
function readHeader(context: ParseContext, argument: CallArgument | undefined, displayName: string): boolean | undefined {
  if (!argument) {
    return true;
  }
  const value = evaluateArgument(context, argument, displayName);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind === 'none') {
    return false;
  }
  if ((value.kind === 'number' && value.value === 0) || (value.kind === 'string' && value.value === 'infer')) {
    return true;
  }
  context.sink.error(
    'invalid-value',
    argument.value,
    l10n.t('`header={0}` in `{1}` is not supported: Gradient Flow reads a header on the first line (header=0) or none (header=None).', formatPython(value), displayName),
  );
  return undefined;
}

/** Returns null for `None`, so the caller leaves the key out and the default applies. */
function noneOr<T>(context: ParseContext, argument: CallArgument, read: () => T | undefined): T | null | undefined {
  const inner = context.resolveExpression(argument.value);
  return inner.name === 'None' ? null : read();
}

function readSampleCount(context: ParseContext, argument: CallArgument, displayName: string, name: GeneratorName): number | number[] | undefined {
  const value = evaluateArgument(context, argument, displayName);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind === 'number') {
    return readBoundedInteger(context, argument, displayName, MAX_GENERATED_SAMPLES);
  }
  const counts = sequenceNumbers(value);
  const pairOnly = name !== 'make_blobs';
  const total = counts?.reduce((sum, count) => sum + count, 0) ?? 0;
  if (counts && counts.every((count) => Number.isInteger(count) && count >= 0) && (!pairOnly || counts.length === 2) && total >= 1 && total <= MAX_GENERATED_SAMPLES) {
    return counts;
  }
  context.sink.error(
    'invalid-value',
    argument.value,
    pairOnly
      ? l10n.t('`n_samples={0}` in `{1}` is invalid: give a whole number, or a pair of whole numbers for the two classes, at most {2} in all.', formatPython(value), displayName, MAX_GENERATED_SAMPLES)
      : l10n.t('`n_samples={0}` in `{1}` is invalid: give a whole number, or a list with one whole number per center, at most {2} in all.', formatPython(value), displayName, MAX_GENERATED_SAMPLES),
  );
  return undefined;
}

function readBoundedInteger(context: ParseContext, argument: CallArgument, displayName: string, maximum: number): number | undefined {
  const value = readIntegerArgument(context, argument, displayName, 1);
  if (value !== undefined && value > maximum) {
    context.sink.error(
      'invalid-value',
      argument.value,
      l10n.t('`{0}={1}` in `{2}` is more than the {3} Gradient Flow generates. Use a smaller value.', argument.keyword ?? '?', value, displayName, maximum),
    );
    return undefined;
  }
  return value;
}

/** `centers` is a count of at least 1, or a list of center points with the same number of coordinates. */
function readCenters(context: ParseContext, argument: CallArgument, displayName: string): number | number[][] | undefined {
  const value = evaluateArgument(context, argument, displayName);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind === 'number') {
    return readBoundedInteger(context, argument, displayName, 255);
  }
  const rows = value.kind === 'tuple' || value.kind === 'list' ? value.items.map(sequenceNumbers) : undefined;
  const points = rows?.every((row): row is number[] => row !== undefined) ? rows : undefined;
  if (points && points.length >= 1 && points.length <= 255 && points.every((point) => point.length === points[0].length && point.length >= 1)) {
    return points;
  }
  context.sink.error(
    'invalid-value',
    argument.value,
    l10n.t('`centers={0}` in `{1}` is invalid: give the number of centers, or a list of points with the same number of coordinates, such as [[0, 0], [3, 3]].', formatPython(value), displayName),
  );
  return undefined;
}

/** `cluster_std` is a positive number or a list of them; `center_box` a pair (low, high). */
function readNumbers(context: ParseContext, argument: CallArgument, displayName: string, form: 'positive' | 'pair'): number | number[] | undefined {
  const value = evaluateArgument(context, argument, displayName);
  if (value === undefined) {
    return undefined;
  }
  if (form === 'positive' && value.kind === 'number' && value.value > 0 && Number.isFinite(value.value)) {
    return value.value;
  }
  const numbers = sequenceNumbers(value);
  const valid = form === 'positive'
    ? numbers !== undefined && numbers.length > 0 && numbers.every((number) => number > 0)
    : numbers !== undefined && numbers.length === 2 && numbers[0] < numbers[1];
  if (valid && numbers) {
    return numbers;
  }
  context.sink.error(
    'invalid-value',
    argument.value,
    form === 'positive'
      ? l10n.t('`{0}={1}` in `{2}` is invalid: give a number greater than 0, or a list of them.', argument.keyword ?? '?', formatPython(value), displayName)
      : l10n.t('`{0}={1}` in `{2}` is invalid: give a pair (low, high) with low below high.', argument.keyword ?? '?', formatPython(value), displayName),
  );
  return undefined;
}

function sequenceNumbers(value: StaticValue | undefined): number[] | undefined {
  if (!value || (value.kind !== 'tuple' && value.kind !== 'list')) {
    return undefined;
  }
  const numbers = value.items.map((item) => (item.kind === 'number' && Number.isFinite(item.value) ? item.value : undefined));
  return numbers.every((number): number is number => number !== undefined) ? numbers : undefined;
}
