/**
 * Dataset detection. The tracker follows the arrays that `mnist.load_data()` returns through
 * the file's assignments, to determine what `fit` and `evaluate` receive: which split, images
 * or labels, divided by what, one-hot or not.
 */
import * as l10n from '@vscode/l10n';
import { bindArguments, calleeOf, readCallArguments } from './callArguments';
import { readIntegerArgument } from './argumentValues';
import { namesOf, type AssignmentParts, type TargetPattern } from './assignments';
import type { ParseContext } from './context';
import { childrenOf, elementsOf, unparenthesize, type Span, type SyntaxNode } from './syntax';

export type Split = 'train' | 'test';

/** One array from the dataset, with the file's changes to it so far. */
export interface DataArray {
  readonly kind: 'array';
  readonly role: 'images' | 'labels';
  readonly split: Split;
  /** Pixels are divided by this: 255 after `x / 255`, 1 for raw values. */
  readonly pixelDivisor: number;
  /** True after `to_categorical`. */
  readonly oneHot: boolean;
}

/** Dataset content of a name: the whole `load_data()` result, one `(x, y)` split, or one array. */
export type DataValue = { readonly kind: 'dataset' } | { readonly kind: 'split'; readonly split: Split } | DataArray;

export type DataLookup =
  | { readonly kind: 'data'; readonly value: DataValue }
  /** The expression uses dataset arrays in a way the parser cannot follow. */
  | { readonly kind: 'unsupported'; readonly node: SyntaxNode }
  /** The expression does not involve the dataset. */
  | { readonly kind: 'none' };

/**
 * Calls that change only the type or shape of an array. The trainer gives the images the
 * model's input shape itself, so these leave the pixel values as they were.
 */
const IDENTITY_METHODS = new Set(['astype', 'reshape']);
const IDENTITY_FUNCTIONS = new Set([
  'numpy.array', 'numpy.asarray', 'numpy.float32', 'numpy.reshape', 'numpy.expand_dims',
  'tensorflow.cast', 'tensorflow.convert_to_tensor', 'tensorflow.reshape', 'tensorflow.expand_dims',
]);

export class DatasetTracker {
  /** The dataset name of the last `load_data()` call, such as `mnist`. */
  datasetName?: string;
  loadCall?: SyntaxNode;
  /** The latest training images and labels, for files that never call `fit`. */
  trainImages?: DataArray;
  trainLabels?: DataArray;
  private readonly values = new Map<string, DataValue>();

  constructor(private readonly context: ParseContext) {}

  get loaded(): boolean {
    return this.loadCall !== undefined;
  }

  readAssignment(parts: AssignmentParts): void {
    const valueNode = parts.value.node ? unparenthesize(parts.value.node) : undefined;
    const loadSymbol = valueNode?.name === 'CallExpression' ? this.loadDataSymbol(valueNode) : undefined;
    if (valueNode && loadSymbol) {
      this.readLoadData(valueNode, loadSymbol.dataset, parts.targets);
      return;
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
      default:
        return this.mentionsData(inner) ? { kind: 'unsupported', node: inner } : { kind: 'none' };
    }
  }

  private loadDataSymbol(call: SyntaxNode): { dataset: string } | undefined {
    const callee = calleeOf(call);
    const symbol = callee ? this.context.names.symbolOf(callee) : undefined;
    return symbol?.kind === 'load-data' ? { dataset: symbol.dataset } : undefined;
  }

  private readLoadData(call: SyntaxNode, dataset: string, targets: readonly TargetPattern[]): void {
    this.datasetName = dataset;
    this.loadCall = call;
    if (dataset !== 'mnist') {
      this.context.sink.error(
        'unsupported-dataset',
        call,
        l10n.t('Gradient Flow trains only on MNIST, which it ships, so it cannot load `{0}`. Use keras.datasets.mnist.load_data().', dataset),
      );
      return;
    }

    // Keras reads `path=` as a cache file name; here no value from the file names a file.
    const loadArguments = readCallArguments(call, (node) => this.context.text(node));
    if (loadArguments.length > 0) {
      this.context.sink.warning(
        'ignored-argument',
        { from: loadArguments[0].span.from, to: loadArguments[loadArguments.length - 1].span.to },
        l10n.t('Gradient Flow trains on the copy of MNIST that ships with it and reads no other file, so it ignores the arguments of load_data().'),
      );
    }

    for (const target of targets) {
      this.destructure(target, { kind: 'dataset' }, call);
    }
  }

  /** Binds the parts of a dataset value to the names of `target`, as Python unpacking would. */
  private destructure(target: TargetPattern, value: DataValue, at: Span): void {
    if (target.kind === 'name') {
      this.store(target.name, value);
      return;
    }
    const parts = this.partsOf(value);
    if (target.kind === 'sequence' && parts && target.elements.length === 2) {
      this.destructure(target.elements[0], parts[0], at);
      this.destructure(target.elements[1], parts[1], at);
      return;
    }
    this.context.sink.error(
      'unsupported-dataset-unpacking',
      at,
      l10n.t('Gradient Flow cannot follow how the result of load_data() is unpacked here. Write (x_train, y_train), (x_test, y_test) = mnist.load_data().'),
    );
  }

  private partsOf(value: DataValue): [DataValue, DataValue] | undefined {
    if (value.kind === 'dataset') {
      return [
        { kind: 'split', split: 'train' },
        { kind: 'split', split: 'test' },
      ];
    }
    if (value.kind === 'split') {
      const array = (role: DataArray['role']): DataArray => ({ kind: 'array', role, split: value.split, pixelDivisor: 1, oneHot: false });
      return [array('images'), array('labels')];
    }
    return undefined;
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
    if (lookup.kind === 'data' && lookup.value.kind !== 'array') {
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
      return this.lookup(argumentsList[0].value);
    }

    const [object, dot, property] = childrenOf(callee);
    if (callee.name === 'MemberExpression' && dot?.name === '.' && property && IDENTITY_METHODS.has(this.context.text(property))) {
      const objectLookup = this.lookup(object);
      if (objectLookup.kind !== 'none') {
        return objectLookup.kind === 'data' && objectLookup.value.kind === 'array' ? objectLookup : { kind: 'unsupported', node: call };
      }
    }
    return this.mentionsData(call) ? { kind: 'unsupported', node: call } : { kind: 'none' };
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
    if (classes) {
      const count = readIntegerArgument(this.context, classes, 'to_categorical', 1);
      if (count !== undefined && count !== 10) {
        this.context.sink.error(
          'invalid-value',
          classes.value,
          l10n.t('MNIST has 10 classes, so `num_classes={0}` in `to_categorical` gives labels of the wrong length. Write num_classes=10.', count),
        );
      }
    }
    if (labelsLookup.kind === 'data' && labelsLookup.value.kind === 'array' && labelsLookup.value.role === 'labels') {
      return { kind: 'data', value: { ...labelsLookup.value, oneHot: true } };
    }
    return labelsLookup.kind === 'none' ? { kind: 'none' } : { kind: 'unsupported', node: call };
  }

  /** Scales an image array by `/ factor` or `* factor` with a static factor. */
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
    if (value.kind === 'array' && value.split === 'train') {
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
      l10n.t('Gradient Flow cannot reproduce `{0}` on the MNIST arrays. It follows only division or multiplication by a number, astype(), reshape() and to_categorical(); remove this change or write it in one of those forms.', this.context.snippet(at)),
    );
  }
}
