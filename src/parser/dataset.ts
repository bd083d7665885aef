/**
 * Dataset detection. The tracker follows the data a file loads through its assignments:
 * the arrays of `keras.datasets.*.load_data()`, the `(X, y)` of a scikit-learn generator,
 * the DataFrame of `pandas.read_csv` or the array of `numpy.loadtxt`, and the parts of
 * `train_test_split`. For each array it records what `fit` and `evaluate` would receive:
 * which split, features or labels, divided by what, one-hot or not, reshaped to what, and
 * for CSV data which columns.
 */
import * as l10n from '@vscode/l10n';
import { IMAGE_DATASETS, isImageDataset } from '../common/datasets';
import { GENERATOR_DEFAULTS } from '../common/datasetShapes';
import type { DatasetName } from '../common/modelSpec';
import { readIntegerArgument } from './argumentValues';
import { expandExample, indexExample, readReshapeDimensions, readSubscript, reshapeExample, type ShapeChange, type SubscriptItem } from './arrayShapes';
import { namesOf, type AssignmentParts, type TargetPattern } from './assignments';
import { bindArguments, calleeOf, readCallArguments } from './callArguments';
import type { ParseContext } from './context';
import {
  CSV_READER_PATHS,
  GENERATOR_PATHS,
  readCsvCall,
  readGeneratorCall,
  readSplitArguments,
  SPLIT_PATH,
  type CsvRead,
  type GeneratorName,
  type SplitSettings,
} from './datasetSources';
import { childrenOf, elementsOf, unparenthesize, type Span, type SyntaxNode } from './syntax';
import { formatShape } from './values';

/** `all` is a generator's or CSV file's data before `train_test_split`. */
export type Split = 'train' | 'test' | 'all';

export type Column = number | string;

/** The columns of a CSV file an array holds. */
export type ColumnSelection =
  | { readonly kind: 'column'; readonly column: Column }
  | { readonly kind: 'columns'; readonly columns: readonly Column[] }
  /** Every column except these. */
  | { readonly kind: 'drop'; readonly columns: readonly Column[] };

/** One array from the dataset, with the file's changes to it so far. */
export interface DataArray {
  readonly kind: 'array';
  /** `images` are the inputs `x` (pixels or features), `labels` the targets `y`. */
  readonly role: 'images' | 'labels';
  readonly split: Split;
  /** Inputs are divided by this: 255 after `x / 255`, 1 for raw values. */
  readonly pixelDivisor: number;
  /** True after `to_categorical`. */
  readonly oneHot: boolean;
  /** Shape of one example after the file's reshapes; undefined keeps the loader's shape. */
  readonly exampleShape?: readonly number[];
  /** For CSV data: the columns the array holds. */
  readonly columns?: ColumnSelection;
}

/**
 * Dataset content of a name: the whole `load_data()` result, one `(x, y)` split, a CSV
 * table (a DataFrame or a 2-D array, less the columns `pop` took out), the parts of
 * `train_test_split`, or one array.
 */
export type DataValue =
  | { readonly kind: 'dataset' }
  | { readonly kind: 'split'; readonly split: Split }
  | { readonly kind: 'table'; readonly dropped: readonly Column[] }
  | { readonly kind: 'parts'; readonly parts: readonly DataValue[] }
  | DataArray;

export type DataLookup =
  | { readonly kind: 'data'; readonly value: DataValue }
  /** The expression uses dataset arrays in a way the parser cannot follow. */
  | { readonly kind: 'unsupported'; readonly node: SyntaxNode }
  /** The expression does not involve the dataset. */
  | { readonly kind: 'none' };

/** The source the file loads its data from. */
export type DataSource =
  | { readonly kind: 'keras'; readonly name: string }
  | { readonly kind: 'generator'; readonly name: GeneratorName; readonly options: Readonly<Record<string, unknown>> }
  | { readonly kind: 'csv'; readonly read: CsvRead };

/** Keras datasets the trainer loads. */
const LOADABLE_KERAS_DATASETS = new Set(['mnist', 'fashion_mnist', 'cifar10']);

/**
 * Calls that change only the type or layout of an array. The trainer gives the inputs the
 * model's input shape itself, so these leave the values as they were. `reshape` and
 * `expand_dims` also record the example shape they give.
 */
const IDENTITY_METHODS = new Set(['astype', 'reshape', 'to_numpy', 'copy']);
const IDENTITY_PROPERTIES = new Set(['values']);
const IDENTITY_FUNCTIONS = new Set([
  'numpy.array', 'numpy.asarray', 'numpy.float32', 'numpy.reshape', 'numpy.expand_dims',
  'tensorflow.cast', 'tensorflow.convert_to_tensor', 'tensorflow.reshape', 'tensorflow.expand_dims',
]);

export class DatasetTracker {
  source?: DataSource;
  /** The call that loads the data: `load_data()`, a generator, or a CSV reader. */
  loadCall?: SyntaxNode;
  /** The file's `train_test_split`, when it splits the data. */
  split?: SplitSettings & { readonly call: SyntaxNode };
  /** The latest training inputs and labels, for files that never call `fit`. */
  trainImages?: DataArray;
  trainLabels?: DataArray;
  private readonly values = new Map<string, DataValue>();

  constructor(private readonly context: ParseContext) {}

  get loaded(): boolean {
    return this.loadCall !== undefined;
  }

  /** The dataset name of the last load, such as `mnist` or `make_moons`. */
  get datasetName(): string | undefined {
    const source = this.source;
    return source?.kind === 'csv' ? 'csv' : source?.name;
  }

  /** Shape of one input example as the source gives it, when known before the file runs. */
  loadedExampleShape(array?: DataArray): readonly number[] | undefined {
    const source = this.source;
    if (source?.kind === 'keras' && isImageDataset(source.name as DatasetName)) {
      return IMAGE_DATASETS[source.name as keyof typeof IMAGE_DATASETS].exampleShape;
    }
    if (source?.kind === 'generator') {
      const centers = source.options.centers;
      if (Array.isArray(centers) && Array.isArray(centers[0])) {
        return [centers[0].length];
      }
      const features = source.name === 'make_blobs' ? source.options.n_features : undefined;
      return [typeof features === 'number' ? features : GENERATOR_DEFAULTS.n_features];
    }
    if (source?.kind === 'csv' && array?.columns?.kind === 'columns') {
      return [array.columns.columns.length];
    }
    return undefined;
  }

  /** Number of classes of the loaded data, when known before the file runs. */
  classCount(): number | undefined {
    const source = this.source;
    if (source?.kind === 'keras' && isImageDataset(source.name as DatasetName)) {
      return IMAGE_DATASETS[source.name as keyof typeof IMAGE_DATASETS].classes;
    }
    if (source?.kind === 'generator') {
      if (source.name !== 'make_blobs') {
        return 2;
      }
      const { centers, n_samples: samples } = source.options;
      if (Array.isArray(centers)) {
        return centers.length;
      }
      if (Array.isArray(samples)) {
        return samples.length;
      }
      return typeof centers === 'number' ? centers : GENERATOR_DEFAULTS.blobCenters;
    }
    return undefined;
  }

  readAssignment(parts: AssignmentParts): void {
    const valueNode = parts.value.node ? unparenthesize(parts.value.node) : undefined;
    if (valueNode?.name === 'CallExpression' && this.readSourceCall(valueNode, parts.targets)) {
      return;
    }
    if (valueNode?.name === 'CallExpression') {
      this.readPop(valueNode);
    }
    for (const target of parts.targets) {
      this.assignTarget(target, parts.value.node, parts.value.elements, parts.value.span);
    }
  }

  /** Reads an augmented assignment such as `x_train /= 255`. */
  readUpdate(statement: SyntaxNode): void {
    const [target, operator, valueNode] = childrenOf(statement);
    if (target?.name !== 'VariableName' || !operator || !valueNode) {
      return;
    }
    const name = this.context.text(target);
    const current = this.values.get(name);
    if (!current) {
      return;
    }
    const symbol = this.context.text(operator);
    const scaled = current.kind === 'array' && (symbol === '/=' || symbol === '*=') ? this.scale(current, symbol[0], valueNode) : undefined;
    if (scaled) {
      this.store(name, scaled);
    } else {
      this.reportUnsupportedTransform(statement);
      this.values.delete(name);
    }
  }

  /** Looks up the dataset content of an expression. */
  lookup(node: SyntaxNode): DataLookup {
    const inner = unparenthesize(node);
    switch (inner.name) {
      case 'VariableName': {
        const value = this.values.get(this.context.text(inner));
        return value ? { kind: 'data', value } : { kind: 'none' };
      }
      case 'BinaryExpression':
        return this.lookupBinary(inner);
      case 'CallExpression':
        return this.lookupCall(inner);
      case 'MemberExpression':
        return this.lookupMember(inner);
      default:
        return this.mentionsData(inner) ? { kind: 'unsupported', node: inner } : { kind: 'none' };
    }
  }

  /** Returns an input array for a table used as `x` (a DataFrame after `pop`), or the array itself. */
  asInputs(value: DataValue): DataArray | undefined {
    if (value.kind === 'array') {
      return value;
    }
    if (value.kind === 'table' && value.dropped.length > 0) {
      return { ...rawArray('images', 'all'), columns: { kind: 'drop', columns: value.dropped } };
    }
    return undefined;
  }

  /** Handles the calls that bring data in; returns false for any other call. */
  private readSourceCall(call: SyntaxNode, targets: readonly TargetPattern[]): boolean {
    const callee = calleeOf(call);
    if (!callee) {
      return false;
    }
    const symbol = this.context.names.symbolOf(callee);
    if (symbol?.kind === 'load-data') {
      this.readLoadData(call, symbol.dataset, targets);
      return true;
    }
    const qualified = this.context.names.qualifiedName(callee);
    if (!qualified) {
      return false;
    }
    const displayName = this.context.snippet(callee);
    const generator = GENERATOR_PATHS[qualified];
    if (generator) {
      this.readGenerator(call, generator, displayName, targets);
      return true;
    }
    if (CSV_READER_PATHS.has(qualified)) {
      this.readCsv(call, qualified, displayName, targets);
      return true;
    }
    if (qualified === SPLIT_PATH) {
      this.readSplit(call, displayName, targets);
      return true;
    }
    return false;
  }

  private startSource(call: SyntaxNode, source: DataSource): void {
    this.source = source;
    this.loadCall = call;
    this.split = undefined;
    this.values.clear();
    this.trainImages = undefined;
    this.trainLabels = undefined;
  }

  private readLoadData(call: SyntaxNode, dataset: string, targets: readonly TargetPattern[]): void {
    this.startSource(call, { kind: 'keras', name: dataset });
    if (!LOADABLE_KERAS_DATASETS.has(dataset)) {
      this.context.sink.error(
        'unsupported-dataset',
        call,
        l10n.t('Gradient Flow loads mnist, fashion_mnist and cifar10 from keras.datasets, so it cannot load `{0}`. Use one of those, a scikit-learn generator such as make_moons, or a CSV file.', dataset),
      );
      return;
    }

    // Keras reads `path=` as a cache file name; here no value from the file names a file.
    const loadArguments = readCallArguments(call, (node) => this.context.text(node));
    if (loadArguments.length > 0) {
      this.context.sink.warning(
        'ignored-argument',
        { from: loadArguments[0].span.from, to: loadArguments[loadArguments.length - 1].span.to },
        l10n.t('Gradient Flow reads {0} from its own copy and no file the model file names, so it ignores the arguments of load_data().', dataset),
      );
    }

    for (const target of targets) {
      this.destructure(target, { kind: 'dataset' }, call);
    }
  }

  private readGenerator(call: SyntaxNode, name: GeneratorName, displayName: string, targets: readonly TargetPattern[]): void {
    const options = readGeneratorCall(this.context, call, name, displayName);
    this.startSource(call, { kind: 'generator', name, options: options ?? {} });
    if (!options) {
      this.loadCall = undefined;
      return;
    }
    for (const target of targets) {
      this.destructure(target, { kind: 'split', split: 'all' }, call);
    }
  }

  private readCsv(call: SyntaxNode, qualified: string, displayName: string, targets: readonly TargetPattern[]): void {
    if (this.source?.kind === 'csv') {
      // A second file is usually a separate test set, for which DatasetSpec has no field.
      this.context.sink.error(
        'unsupported-dataset',
        call,
        l10n.t('Gradient Flow reads one CSV file per model file, {0}, and splits it with train_test_split. Put all rows in that file, or train on this file alone.', this.source.read.path),
      );
      return;
    }
    const read = readCsvCall(this.context, call, qualified, displayName);
    if (!read) {
      return;
    }
    this.startSource(call, { kind: 'csv', read });
    for (const target of targets) {
      this.destructure(target, { kind: 'table', dropped: [] }, call);
    }
  }

  /** `X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)`. */
  private readSplit(call: SyntaxNode, displayName: string, targets: readonly TargetPattern[]): void {
    const argumentsList = readCallArguments(call, (node) => this.context.text(node));
    const arrays = argumentsList.filter((argument) => !argument.keyword && !argument.unpacking);
    const keywords = argumentsList.filter((argument) => argument.keyword);
    const settings = readSplitArguments(this.context, displayName, keywords);

    const parts: DataValue[] = [];
    for (const argument of arrays) {
      const lookup = this.lookup(argument.value);
      const array = lookup.kind === 'data' ? this.splittable(lookup.value) : undefined;
      if (!array) {
        if (lookup.kind !== 'none' || this.loaded) {
          this.context.sink.error(
            'unsupported-data-transform',
            argument.value,
            l10n.t('Gradient Flow can split only the arrays of the data the file loads, before any other split, so it cannot split `{0}`.', this.context.snippet(argument.value)),
          );
        }
        return;
      }
      parts.push({ ...array, split: 'train' }, { ...array, split: 'test' });
    }
    if (!settings || parts.length === 0) {
      return;
    }
    this.split = { ...settings, call };
    for (const target of targets) {
      this.destructure(target, { kind: 'parts', parts }, call);
    }
  }

  /** Returns the input array a split can take: a whole-dataset array, or a table used as inputs. */
  private splittable(value: DataValue): DataArray | undefined {
    const array = this.asInputs(value);
    return array && array.split === 'all' ? array : undefined;
  }

  /** `y = df.pop('label')` takes the column out of `df` as well. */
  private readPop(call: SyntaxNode): void {
    const callee = calleeOf(call);
    const [object, dot, property] = callee ? childrenOf(callee) : [];
    if (callee?.name !== 'MemberExpression' || dot?.name !== '.' || !property || this.context.text(property) !== 'pop' || object?.name !== 'VariableName') {
      return;
    }
    const name = this.context.text(object);
    const table = this.values.get(name);
    const column = this.columnArgument(call);
    if (table?.kind === 'table' && column !== undefined) {
      this.values.set(name, { kind: 'table', dropped: [...table.dropped, column] });
    }
  }

  private columnArgument(call: SyntaxNode): Column | undefined {
    const [first] = readCallArguments(call, (node) => this.context.text(node));
    if (!first || first.keyword) {
      return undefined;
    }
    const value = this.context.evaluator.evaluate(first.value, this.context.scope);
    return value.ok && (value.value.kind === 'string' || (value.value.kind === 'number' && value.value.isInteger)) ? value.value.value : undefined;
  }

  /** Binds the parts of a dataset value to the names of `target`, as Python unpacking would. */
  private destructure(target: TargetPattern, value: DataValue, at: Span): void {
    if (target.kind === 'name') {
      this.store(target.name, value);
      return;
    }
    if (target.kind === 'other') {
      return;
    }
    const parts = this.partsOf(value);
    if (parts && parts.length === target.elements.length) {
      target.elements.forEach((element, index) => this.destructure(element, parts[index], at));
      return;
    }
    this.context.sink.error(
      'unsupported-dataset-unpacking',
      at,
      value.kind === 'parts'
        ? l10n.t('train_test_split returns {0} arrays here, two for each array it splits, but the assignment unpacks {1}. Write X_train, X_test, y_train, y_test = train_test_split(X, y, ...).', value.parts.length, target.elements.length)
        : value.kind === 'split' && value.split === 'all'
          ? l10n.t('The generator returns two arrays, X and y. Write X, y = {0}.', this.context.snippet(at))
          : l10n.t('Gradient Flow cannot follow how the result of load_data() is unpacked here. Write (x_train, y_train), (x_test, y_test) = mnist.load_data().'),
    );
  }

  private partsOf(value: DataValue): readonly DataValue[] | undefined {
    if (value.kind === 'dataset') {
      return [
        { kind: 'split', split: 'train' },
        { kind: 'split', split: 'test' },
      ];
    }
    if (value.kind === 'split') {
      return [rawArray('images', value.split), rawArray('labels', value.split)];
    }
    return value.kind === 'parts' ? value.parts : undefined;
  }

  private assignTarget(
    target: TargetPattern,
    valueNode: SyntaxNode | undefined,
    valueElements: readonly SyntaxNode[] | undefined,
    valueSpan: Span,
  ): void {
    if (target.kind === 'other') {
      return;
    }
    if (target.kind === 'sequence') {
      this.assignSequence(target, valueNode, valueElements, valueSpan);
      return;
    }

    const lookup = valueNode ? this.lookup(valueNode) : this.lookupElements(valueElements);
    if (lookup.kind === 'data') {
      this.store(target.name, lookup.value);
      return;
    }
    if (lookup.kind === 'unsupported' && this.values.has(target.name)) {
      this.reportUnsupportedTransform(lookup.node);
    }
    this.values.delete(target.name);
  }

  private assignSequence(
    target: Extract<TargetPattern, { kind: 'sequence' }>,
    valueNode: SyntaxNode | undefined,
    valueElements: readonly SyntaxNode[] | undefined,
    valueSpan: Span,
  ): void {
    const inner = valueNode ? unparenthesize(valueNode) : undefined;
    const elements =
      valueElements ??
      (inner && (inner.name === 'TupleExpression' || inner.name === 'ArrayExpression')
        ? elementsOf(inner)
        : undefined);
    if (elements && elements.length === target.elements.length) {
      target.elements.forEach((element, index) => this.assignTarget(element, elements[index], undefined, elements[index]));
      return;
    }

    // `x, y = split_name` unpacks a dataset value held by a name.
    const lookup = inner ? this.lookup(inner) : { kind: 'none' as const };
    if (lookup.kind === 'data' && lookup.value.kind !== 'array' && lookup.value.kind !== 'table') {
      this.destructure(target, lookup.value, valueSpan);
      return;
    }
    const targetNames = namesOf(target).map((entry) => entry.name);
    if (targetNames.some((name) => this.values.has(name)) && (lookup.kind !== 'none' || (inner && this.mentionsData(inner)))) {
      this.reportUnsupportedTransform(inner ?? target.span);
    }
    for (const name of targetNames) {
      this.values.delete(name);
    }
  }

  /** Looks up an unbracketed tuple assigned to one name: `x = a, b`. */
  private lookupElements(elements: readonly SyntaxNode[] | undefined): DataLookup {
    const mentioning = elements?.find((element) => this.mentionsData(element));
    return mentioning ? { kind: 'unsupported', node: mentioning } : { kind: 'none' };
  }

  private lookupBinary(node: SyntaxNode): DataLookup {
    const [left, operator, right] = childrenOf(node);
    if (!left || !operator || !right) {
      return { kind: 'unsupported', node };
    }
    const leftLookup = this.lookup(left);
    if (leftLookup.kind === 'none') {
      return this.mentionsData(right) ? { kind: 'unsupported', node } : { kind: 'none' };
    }
    if (leftLookup.kind === 'unsupported') {
      return leftLookup;
    }
    const symbol = this.context.text(operator);
    const scaled =
      leftLookup.value.kind === 'array' && (symbol === '/' || symbol === '*') ? this.scale(leftLookup.value, symbol, right) : undefined;
    return scaled ? { kind: 'data', value: scaled } : { kind: 'unsupported', node };
  }

  /** `df['label']`, `df.iloc[:, :-1]`, `data[:, -1]`, `x[..., None]` and `df.values`. */
  private lookupMember(node: SyntaxNode): DataLookup {
    const subscript = readSubscript(this.context, node);
    if (!subscript) {
      const [object, dot, property] = childrenOf(node);
      if (object && dot?.name === '.' && property && IDENTITY_PROPERTIES.has(this.context.text(property))) {
        const objectLookup = this.lookup(object);
        return objectLookup.kind === 'none' ? { kind: 'none' } : objectLookup;
      }
      return this.mentionsData(node) ? { kind: 'unsupported', node } : { kind: 'none' };
    }

    // `df.iloc[...]` and `df.loc[...]` index a DataFrame as NumPy indexes a 2-D array.
    let object = subscript.object;
    const [base, dot, property] = childrenOf(object);
    const indexer = object.name === 'MemberExpression' && dot?.name === '.' && property ? this.context.text(property) : undefined;
    if (base && (indexer === 'iloc' || indexer === 'loc')) {
      object = base;
    }
    const objectLookup = this.lookup(object);
    if (objectLookup.kind !== 'data') {
      return objectLookup.kind === 'none' ? { kind: 'none' } : objectLookup;
    }
    const value = objectLookup.value;
    if (value.kind === 'table') {
      return this.selectColumns(node, value, subscript.items, indexer !== undefined);
    }
    if (value.kind === 'array') {
      return this.indexArray(node, value, subscript.items);
    }
    return { kind: 'unsupported', node };
  }

  /** Column selection on a CSV table: one column gives labels, several give inputs. */
  private selectColumns(node: SyntaxNode, table: Extract<DataValue, { kind: 'table' }>, items: readonly SubscriptItem[], positional: boolean): DataLookup {
    let columnItem: SubscriptItem | undefined;
    if (positional) {
      // `iloc[rows, columns]` with every row.
      if (items.length !== 2 || items[0].kind !== 'full') {
        return { kind: 'unsupported', node };
      }
      columnItem = items[1];
    } else if (items.length === 1 && (items[0].kind === 'index' || items[0].kind === 'list')) {
      // `df['label']` or `df[['a', 'b']]`.
      columnItem = items[0];
    } else if (items.length === 2 && items[0].kind === 'full') {
      // NumPy `data[:, -1]` on the array of `np.loadtxt`.
      columnItem = items[1];
    }

    const selection = columnItem ? columnSelection(columnItem) : undefined;
    if (!selection) {
      return { kind: 'unsupported', node };
    }
    if (selection.kind === 'column') {
      return { kind: 'data', value: { ...rawArray('labels', 'all'), columns: selection } };
    }
    const columns = selection.kind === 'drop' ? { kind: 'drop' as const, columns: [...table.dropped, ...selection.columns] } : selection;
    return { kind: 'data', value: { ...rawArray('images', 'all'), columns } };
  }

  /** `x[..., None]` and `x[:, :, :, np.newaxis]` add an axis; any other indexing selects examples. */
  private indexArray(node: SyntaxNode, array: DataArray, items: readonly SubscriptItem[]): DataLookup {
    const current = array.exampleShape ?? this.loadedExampleShape(array);
    if (array.role !== 'images' || !current) {
      return { kind: 'unsupported', node };
    }
    const change = indexExample(current, items);
    if (!change) {
      return { kind: 'unsupported', node };
    }
    return this.applyShapeChange(node, array, change, current);
  }

  private lookupCall(call: SyntaxNode): DataLookup {
    const callee = calleeOf(call);
    if (!callee) {
      return { kind: 'none' };
    }
    const symbol = this.context.names.symbolOf(callee);
    if (symbol?.kind === 'to-categorical') {
      return this.lookupToCategorical(call);
    }

    const argumentsList = readCallArguments(call, (node) => this.context.text(node));
    const qualified = this.context.names.qualifiedName(callee);
    if (qualified && IDENTITY_FUNCTIONS.has(qualified) && argumentsList[0] && !argumentsList[0].keyword) {
      const inner = this.lookup(argumentsList[0].value);
      if (inner.kind !== 'data' || inner.value.kind !== 'array') {
        return inner;
      }
      if (qualified.endsWith('.reshape')) {
        return this.reshape(call, inner.value, argumentsList.slice(1).map((argument) => argument.value));
      }
      if (qualified.endsWith('.expand_dims')) {
        return this.expandDims(call, inner.value, argumentsList[1]?.value);
      }
      return inner;
    }

    const [object, dot, property] = childrenOf(callee);
    if (callee.name === 'MemberExpression' && dot?.name === '.' && property) {
      const method = this.context.text(property);
      const objectLookup = this.lookup(object);
      if (objectLookup.kind === 'data' && objectLookup.value.kind === 'table' && method === 'drop') {
        return this.dropColumns(call, objectLookup.value);
      }
      if (objectLookup.kind === 'data' && objectLookup.value.kind === 'table' && method === 'pop') {
        const column = this.columnArgument(call);
        return column === undefined ? { kind: 'unsupported', node: call } : { kind: 'data', value: { ...rawArray('labels', 'all'), columns: { kind: 'column', column } } };
      }
      if (IDENTITY_METHODS.has(method) && objectLookup.kind !== 'none') {
        if (objectLookup.kind === 'data' && objectLookup.value.kind === 'array' && method === 'reshape') {
          return this.reshape(call, objectLookup.value, argumentsList.map((argument) => argument.value));
        }
        return objectLookup.kind === 'data' && (objectLookup.value.kind === 'array' || objectLookup.value.kind === 'table')
          ? objectLookup
          : { kind: 'unsupported', node: call };
      }
    }
    return this.mentionsData(call) ? { kind: 'unsupported', node: call } : { kind: 'none' };
  }

  /** `df.drop('label', axis=1)`, `df.drop(columns=['id', 'label'])`. */
  private dropColumns(call: SyntaxNode, table: Extract<DataValue, { kind: 'table' }>): DataLookup {
    const bound = bindArguments(this.context, call, { displayName: this.context.snippet(calleeOf(call) ?? call), positional: ['labels', 'axis'], keywords: ['columns'], ignored: ['inplace', 'errors'] });
    const read = (name: string): Column[] | undefined => {
      const argument = bound.get(name);
      if (!argument) {
        return undefined;
      }
      const value = this.context.evaluator.evaluate(argument.value, this.context.scope);
      if (!value.ok) {
        return undefined;
      }
      const items = value.value.kind === 'list' || value.value.kind === 'tuple' ? value.value.items : [value.value];
      const columns = items.map((item) => (item.kind === 'string' || (item.kind === 'number' && item.isInteger) ? item.value : undefined));
      return columns.every((column): column is Column => column !== undefined) ? columns : undefined;
    };
    const axis = bound.get('axis');
    const axisValue = axis ? this.context.evaluator.evaluate(axis.value, this.context.scope) : undefined;
    const byColumns = axisValue?.ok === true && ((axisValue.value.kind === 'number' && axisValue.value.value === 1) || (axisValue.value.kind === 'string' && axisValue.value.value === 'columns'));
    let columns: Column[] | undefined;
    if (bound.has('columns')) {
      columns = read('columns');
    } else if (byColumns) {
      columns = read('labels');
    }
    if (!columns || bound.has('inplace')) {
      return { kind: 'unsupported', node: call };
    }
    return { kind: 'data', value: { ...rawArray('images', 'all'), columns: { kind: 'drop', columns: [...table.dropped, ...columns] } } };
  }

  private reshape(call: SyntaxNode, array: DataArray, nodes: readonly SyntaxNode[]): DataLookup {
    if (array.role === 'labels') {
      // `y.reshape(-1, 1)` keeps one label per example.
      return { kind: 'data', value: array };
    }
    const dimensions = readReshapeDimensions(this.context, nodes);
    if (!dimensions) {
      return { kind: 'unsupported', node: call };
    }
    const current = array.exampleShape ?? this.loadedExampleShape(array);
    return this.applyShapeChange(call, array, reshapeExample(current, dimensions), current);
  }

  private expandDims(call: SyntaxNode, array: DataArray, axisNode: SyntaxNode | undefined): DataLookup {
    const current = array.exampleShape ?? this.loadedExampleShape(array);
    const axis = axisNode ? this.context.evaluator.evaluate(axisNode, this.context.scope) : undefined;
    if (!current || array.role !== 'images' || !axis?.ok || axis.value.kind !== 'number' || !axis.value.isInteger) {
      return { kind: 'unsupported', node: call };
    }
    return this.applyShapeChange(call, array, expandExample(current, axis.value.value), current);
  }

  private applyShapeChange(at: SyntaxNode, array: DataArray, change: ShapeChange, current: readonly number[] | undefined): DataLookup {
    if (change.ok) {
      return { kind: 'data', value: { ...array, exampleShape: change.exampleShape } };
    }
    const shape = current ? formatShape(current) : '?';
    this.context.sink.error(
      'invalid-reshape',
      at,
      change.problem === 'size'
        ? l10n.t('`{0}` is invalid: each example has shape {1}, {2} values, and the new shape has another number of values, so NumPy raises ValueError. Keep {2} values per example, such as reshape(-1, {2}).', this.context.snippet(at), shape, change.values ?? 0)
        : change.problem === 'several-unknown'
          ? l10n.t('`{0}` has more than one -1, so NumPy cannot work out the shape. Write the batch size as -1 and the other sizes as numbers.', this.context.snippet(at))
          : l10n.t('`{0}` changes the axis of the examples, which Gradient Flow does not follow. Keep the first axis and reshape each example, such as reshape(-1, 28, 28, 1).', this.context.snippet(at)),
    );
    // The array keeps its shape, so the error above is the only one this line causes.
    return { kind: 'data', value: array };
  }

  private lookupToCategorical(call: SyntaxNode): DataLookup {
    const bound = bindArguments(this.context, call, {
      displayName: this.context.snippet(calleeOf(call) ?? call),
      positional: ['x', 'num_classes'],
      ignored: ['dtype'],
    });
    const labels = bound.get('x');
    const labelsLookup = labels ? this.lookup(labels.value) : { kind: 'none' as const };
    const classes = bound.get('num_classes');
    const expected = this.classCount();
    if (classes) {
      const count = readIntegerArgument(this.context, classes, 'to_categorical', 1);
      if (count !== undefined && expected !== undefined && count !== expected) {
        this.context.sink.error(
          'invalid-value',
          classes.value,
          l10n.t('The labels have {0} classes, so `num_classes={1}` in `to_categorical` gives labels of the wrong length. Write num_classes={0}.', expected, count),
        );
      }
    }
    if (labelsLookup.kind === 'data' && labelsLookup.value.kind === 'array' && labelsLookup.value.role === 'labels') {
      return { kind: 'data', value: { ...labelsLookup.value, oneHot: true } };
    }
    return labelsLookup.kind === 'none' ? { kind: 'none' } : { kind: 'unsupported', node: call };
  }

  /** Scales an input array by `/ factor` or `* factor` with a static factor. */
  private scale(array: DataArray, operator: string, factorNode: SyntaxNode): DataArray | undefined {
    if (array.role !== 'images') {
      return undefined;
    }
    const factor = this.context.evaluator.evaluate(factorNode, this.context.scope);
    if (!factor.ok || factor.value.kind !== 'number' || factor.value.value <= 0 || !Number.isFinite(factor.value.value)) {
      return undefined;
    }
    const divisor = operator === '/' ? array.pixelDivisor * factor.value.value : array.pixelDivisor / factor.value.value;
    return { ...array, pixelDivisor: divisor };
  }

  private store(name: string, value: DataValue): void {
    this.values.set(name, value);
    if (value.kind === 'array' && value.split !== 'test') {
      if (value.role === 'images') {
        this.trainImages = value;
      } else {
        this.trainLabels = value;
      }
    }
  }

  /** True when any name inside `node` refers to dataset content. */
  private mentionsData(node: SyntaxNode): boolean {
    if (node.name === 'VariableName') {
      return this.values.has(this.context.text(node));
    }
    return childrenOf(node).some((child) => this.mentionsData(child));
  }

  reportUnsupportedTransform(at: Span): void {
    this.context.sink.error(
      'unsupported-data-transform',
      at,
      l10n.t('Gradient Flow cannot reproduce `{0}` on the dataset arrays. It follows division or multiplication by a number, astype(), reshape(), expand_dims(), to_categorical(), column selection and train_test_split(); remove this change or write it in one of those forms.', this.context.snippet(at)),
    );
  }
}

function rawArray(role: DataArray['role'], split: Split): DataArray {
  return { kind: 'array', role, split, pixelDivisor: 1, oneHot: false };
}

/**
 * Reads a column index item: one column (an index or a name), a list of them, or a slice.
 * A slice with a negative or open end keeps every column but those it cuts off, so
 * `:-1` drops the last column and `1:` the first.
 */
function columnSelection(item: SubscriptItem): ColumnSelection | undefined {
  if (item.kind === 'index') {
    return { kind: 'column', column: item.value };
  }
  if (item.kind === 'list') {
    return { kind: 'columns', columns: item.values };
  }
  if (item.kind !== 'slice') {
    return undefined;
  }
  const start = item.start ?? 0;
  const stop = item.stop;
  if (start < 0) {
    return undefined;
  }
  if (stop !== undefined && stop >= 0) {
    return stop > start ? { kind: 'columns', columns: Array.from({ length: stop - start }, (_, i) => start + i) } : undefined;
  }
  const dropped: Column[] = Array.from({ length: start }, (_, i) => i);
  for (let column = stop ?? 0; column < 0; column++) {
    dropped.push(column);
  }
  return dropped.length > 0 ? { kind: 'drop', columns: dropped } : undefined;
}
