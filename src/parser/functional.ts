/**
 * Layer objects and the functional API: `keras.Input(...)`, layers called on tensors
 * (`Dense(64)(x)`), merges (`Concatenate()([a, b])`, `layers.add([a, b])`) and
 * `Model(inputs, outputs)`, which collects the layers between its input and output.
 */
import * as l10n from '@vscode/l10n';
import type { LayerClassName } from '../common/modelSpec';
import { evaluateArgument } from './argumentValues';
import { bindArguments } from './callArguments';
import type { ParseContext } from './context';
import { readLayer, type LayerNamer } from './layers';
import { LayerObject, type Item, type TensorObject } from './objects';
import type { ModelRecord, ModelTracker } from './sequential';
import type { SyntaxNode } from './syntax';
import { formatPython } from './values';

/** Layer classes that take a list of tensors and merge them into one. */
const MERGE_LAYERS: ReadonlySet<LayerClassName> = new Set(['Concatenate', 'Add']);

/** The merge functions of `keras.layers` that Gradient Flow reads, with the layer class each creates. */
export const MERGE_FUNCTIONS: ReadonlyMap<string, 'Concatenate' | 'Add'> = new Map([
  ['keras.layers.concatenate', 'Concatenate'],
  ['keras.layers.add', 'Add'],
]);

/** Other merge functions of `keras.layers` (Keras 3), which the trainer cannot build. */
export const UNSUPPORTED_MERGE_FUNCTIONS: ReadonlySet<string> = new Set(
  ['subtract', 'multiply', 'average', 'maximum', 'minimum', 'dot'].map((name) => `keras.layers.${name}`),
);

export class LayerGraph {
  /** Every layer object the file creates, in creation order. */
  readonly layers: LayerObject[] = [];
  private useCount = 0;
  /** The models each layer belongs to. */
  private readonly memberships = new Map<LayerObject, Set<ModelRecord>>();

  constructor(
    private readonly context: ParseContext,
    private readonly models: ModelTracker,
    private readonly namer: LayerNamer,
    private readonly read: (node: SyntaxNode) => Item,
  ) {}

  /**
   * Reads a layer constructor call such as `Dense(64)`. `keras.Input(...)` returns the
   * tensor of a new `InputLayer`, as in Keras.
   */
  createLayer(call: SyntaxNode, isInput: boolean): Item {
    const reading = readLayer(this.context, call, this.namer);
    if (!reading) {
      return { kind: 'unknown', reported: true };
    }
    const layer = new LayerObject(reading, call);
    this.layers.push(layer);
    if (isInput) {
      // An input exists before any layer that reads it, which keeps the graph in order.
      layer.useOrder = ++this.useCount;
      return { kind: 'tensor', tensor: { producer: layer, node: call } };
    }
    return { kind: 'layer', layer };
  }

  /**
   * Marks a layer as used by `record` (added to a Sequential model) and returns true, or
   * reports that it is already used elsewhere and returns false.
   */
  use(layer: LayerObject, at: SyntaxNode, record?: ModelRecord): boolean {
    if (layer.usedAt) {
      this.reportSharedLayer(layer, at);
      return false;
    }
    layer.usedAt = at;
    layer.useOrder ??= ++this.useCount;
    if (record) {
      this.addMembership(layer, record);
    }
    return true;
  }

  /** Reads `layer(inputs)`: the layer takes the tensors and returns its output tensor. */
  apply(layer: LayerObject, call: SyntaxNode, displayName: string): Item {
    const bound = bindArguments(this.context, call, { displayName, positional: ['inputs'] });
    const inputs = bound.get('inputs');
    if (!inputs) {
      this.context.sink.error(
        'missing-argument',
        call,
        l10n.t('Calling the layer `{0}` needs the tensor it reads, which is missing. Write for example x = {0}(inputs).', layer.name),
      );
      return { kind: 'unknown', reported: true };
    }
    return this.connect(layer, this.read(inputs.value), inputs.value, call);
  }

  /** Reads `layers.concatenate([a, b], axis=-1)` or `layers.add([a, b])`, which create a merge layer and call it. */
  merge(call: SyntaxNode, className: 'Concatenate' | 'Add', displayName: string): Item {
    const positional = className === 'Concatenate' ? ['inputs', 'axis'] : ['inputs'];
    const bound = bindArguments(this.context, call, { displayName, positional, keywords: ['name'] });
    const inputs = bound.get('inputs');
    const config: Record<string, unknown> = {};
    if (className === 'Concatenate') {
      // Keras 3 `concatenate(inputs, axis=-1)`.
      const axisArgument = bound.get('axis');
      const axis = axisArgument ? evaluateArgument(this.context, axisArgument, displayName) : undefined;
      if (axisArgument && axis && !(axis.kind === 'number' && axis.isInteger)) {
        this.context.sink.error(
          'invalid-value',
          axisArgument.value,
          l10n.t('`axis={0}` in `{1}` is invalid: `axis` must be a whole number, such as -1 for the last axis.', formatPython(axis), displayName),
        );
      }
      config.axis = axis?.kind === 'number' ? axis.value : -1;
    }
    const nameArgument = bound.get('name');
    const name = nameArgument ? evaluateArgument(this.context, nameArgument, displayName) : undefined;
    const layer = new LayerObject(
      {
        spec: {
          className,
          name: name?.kind === 'string' && name.value.length > 0 ? name.value : this.namer.next(className),
          config,
          range: this.context.source.rangeOf(call),
        },
        isInputLayer: false,
      },
      call,
    );
    this.layers.push(layer);
    if (!inputs) {
      this.context.sink.error(
        'missing-argument',
        call,
        l10n.t('`{0}` needs the list of tensors to merge, which is missing. Write for example {0}([a, b]).', displayName),
      );
      return { kind: 'unknown', reported: true };
    }
    return this.connect(layer, this.read(inputs.value), inputs.value, call);
  }

  /** Reports a merge function such as `layers.multiply` that the trainer cannot build. */
  reportUnsupportedMerge(call: SyntaxNode, displayName: string): Item {
    this.context.sink.error(
      'unsupported-layer',
      call,
      l10n.t('Gradient Flow cannot train `{0}`. It merges branches only with concatenate() or Concatenate() and add() or Add(). Use one of them, or remove this branch.', displayName),
    );
    return { kind: 'unknown', reported: true };
  }

  private connect(layer: LayerObject, inputItem: Item, inputNode: SyntaxNode, call: SyntaxNode): Item {
    const tensors = tensorsOf(inputItem);
    if (!tensors) {
      // A layer called on data rather than on a tensor computes a value; no model is built.
      return { kind: 'unknown' };
    }
    const isMerge = MERGE_LAYERS.has(layer.reading.spec.className);
    const isList = inputItem.kind === 'sequence';
    if (isMerge && (!isList || tensors.length < 2)) {
      this.context.sink.error(
        'invalid-value',
        inputNode,
        l10n.t('The merge layer `{0}` needs a list of at least two tensors, such as [a, b], and Keras raises ValueError for `{1}`.', layer.name, this.context.snippet(inputNode)),
      );
      return { kind: 'unknown', reported: true };
    }
    if (!isMerge && isList) {
      this.context.sink.error(
        'invalid-value',
        inputNode,
        l10n.t('The layer `{0}` takes one tensor, but it receives the list `{1}`. Merge the tensors first with Concatenate() or Add().', layer.name, this.context.snippet(inputNode)),
      );
      return { kind: 'unknown', reported: true };
    }
    if (layer.reading.isInputLayer) {
      this.context.sink.error(
        'misplaced-input',
        call,
        l10n.t('The input layer `{0}` cannot be called on a tensor. Use the tensor that keras.Input() returns directly.', layer.name),
      );
      return { kind: 'unknown', reported: true };
    }
    if (this.use(layer, call)) {
      layer.inputs = tensors.map((tensor) => tensor.producer);
      layer.inbound = layer.inputs.map((input) => input.name);
    }
    this.models.activity++;
    return { kind: 'tensor', tensor: { producer: layer, node: call } };
  }

  /** Reads `Model(inputs, outputs)` and collects the layers between them. */
  createModel(call: SyntaxNode, displayName: string): Item {
    const bound = bindArguments(this.context, call, {
      displayName,
      positional: ['inputs', 'outputs'],
      keywords: ['name'],
      ignored: ['trainable'],
    });
    const record = this.models.createRecord(call, 'functional');
    this.context.sink.withOwner(record, () => {
      const inputsArgument = bound.get('inputs');
      const outputsArgument = bound.get('outputs');
      if (!inputsArgument || !outputsArgument) {
        this.context.sink.error(
          'missing-argument',
          call,
          l10n.t('`{0}` needs both the input and the output tensor, as in {0}(inputs=inputs, outputs=outputs), to know which layers form the model.', displayName),
        );
        return;
      }
      const inputItem = this.read(inputsArgument.value);
      const outputItem = this.read(outputsArgument.value);
      // Even a model that cannot be built uses its layers, which are then not reported as unused.
      this.addReachable(inputItem, record);
      this.addReachable(outputItem, record);
      const input = this.singleTensor(inputItem, inputsArgument.value, call, 'inputs');
      const output = this.singleTensor(outputItem, outputsArgument.value, call, 'outputs');
      if (input && output) {
        this.collectLayers(record, input, output, call);
      }
    });
    return { kind: 'model', model: record };
  }

  private singleTensor(item: Item, node: SyntaxNode, call: SyntaxNode, role: 'inputs' | 'outputs'): TensorObject | undefined {
    const tensors = tensorsOf(item);
    if (!tensors || tensors.length === 0) {
      if (!(item.kind === 'unknown' && item.reported)) {
        this.context.sink.error(
          'disconnected-graph',
          node,
          role === 'inputs'
            ? l10n.t('Gradient Flow cannot trace `{0}` back to keras.Input(...), so it does not know the model input. Pass the tensor that Input() returns, such as inputs = keras.Input(shape=(28, 28)).', this.context.snippet(node))
            : l10n.t('Gradient Flow cannot trace `{0}` back to layer calls on the input, so it does not know what the model computes. Pass the tensor that the last layer call returns, such as outputs = Dense(10, activation=\'softmax\')(x).', this.context.snippet(node)),
        );
      }
      return undefined;
    }
    if (tensors.length > 1) {
      this.context.sink.error(
        role === 'inputs' ? 'multiple-inputs' : 'multiple-outputs',
        call,
        role === 'inputs'
          ? l10n.t('This model takes {0} inputs, but a dataset gives one input array, so Gradient Flow trains models with one keras.Input only. Merge the inputs into one, or keep one of them.', tensors.length)
          : l10n.t('This model has {0} outputs, but Gradient Flow trains models with one output and one loss. Keep one output, or merge the outputs with Concatenate().', tensors.length),
      );
      return undefined;
    }
    const tensor = tensors[0];
    if (role === 'inputs' && !tensor.producer.reading.isInputLayer) {
      this.context.sink.error(
        'disconnected-graph',
        node,
        l10n.t('`{0}` is the output of the layer `{1}`, not a model input. Pass the tensor that keras.Input() returns as inputs.', this.context.snippet(node), tensor.producer.name),
      );
      return undefined;
    }
    return tensor;
  }

  private addReachable(tensors: Item, record: ModelRecord): void {
    const pending = (tensorsOf(tensors) ?? []).map((tensor) => tensor.producer);
    while (pending.length > 0) {
      const layer = pending.pop() as LayerObject;
      if (!this.memberships.has(layer)) {
        this.addMembership(layer, record);
        pending.push(...(layer.inputs ?? []));
      }
    }
  }

  /** Walks back from the output to the input and stores the layers found, in the order the file uses them. */
  private collectLayers(record: ModelRecord, input: TensorObject, output: TensorObject, call: SyntaxNode): void {
    const reached = new Set<LayerObject>();
    const pending = [output.producer];
    while (pending.length > 0) {
      const layer = pending.pop() as LayerObject;
      if (reached.has(layer)) {
        continue;
      }
      reached.add(layer);
      if (layer.reading.isInputLayer && layer !== input.producer) {
        this.context.sink.error(
          'multiple-inputs',
          call,
          l10n.t('The output depends on the input `{0}` created on line {1}, which is not the model input. Gradient Flow trains models with one keras.Input, so pass that input to Model, or build the output from it.', layer.name, this.lineOf(layer.creation)),
        );
        return;
      }
      pending.push(...(layer.inputs ?? []));
    }
    if (!reached.has(input.producer)) {
      this.context.sink.error(
        'disconnected-graph',
        call,
        l10n.t('The model output does not depend on the input `{0}`, because no chain of layer calls leads from it to the output. Call the first layer on the input tensor.', input.producer.name),
      );
      return;
    }
    const ordered = [...reached].sort((a, b) => (a.useOrder ?? 0) - (b.useOrder ?? 0));
    for (const layer of ordered) {
      record.layers.push({ ...layer.reading, spec: { ...layer.reading.spec, inbound: layer.inbound ?? [] } });
    }
    record.outputLayer = output.producer.name;
  }

  /** Reports a model used as a layer of another model. */
  reportNestedModel(at: SyntaxNode): void {
    this.context.sink.error(
      'unsupported-model',
      at,
      l10n.t('`{0}` uses a whole model as a layer of another model, which Gradient Flow cannot train. Add that model\'s layers to this model directly.', this.context.snippet(at)),
    );
  }

  /** Notes every layer that the file creates but no model uses. */
  reportUnusedLayers(): void {
    for (const layer of this.layers) {
      if (this.memberships.has(layer)) {
        continue;
      }
      this.context.sink.information(
        'unused-layer',
        layer.creation,
        l10n.t('The layer `{0}` is created here, but no model uses it, so Gradient Flow does not train it.', layer.name),
      );
    }
  }

  private reportSharedLayer(layer: LayerObject, at: SyntaxNode): void {
    this.context.sink.error(
      'shared-layer',
      at,
      l10n.t('The layer `{0}` is used a second time here, after line {1}. Keras would share its weights between both uses, which Gradient Flow cannot train. Create a separate layer for each use.', layer.name, layer.usedAt ? this.lineOf(layer.usedAt) : '?'),
    );
  }

  private addMembership(layer: LayerObject, record: ModelRecord): void {
    const records = this.memberships.get(layer) ?? new Set<ModelRecord>();
    records.add(record);
    this.memberships.set(layer, records);
  }

  private lineOf(node: SyntaxNode): number {
    return this.context.source.rangeOf(node).startLine + 1;
  }
}

/** Returns the tensors an item holds: one tensor, or a list or tuple of tensors. */
function tensorsOf(item: Item): TensorObject[] | undefined {
  if (item.kind === 'tensor') {
    return [item.tensor];
  }
  if (item.kind === 'sequence' && item.items.every((element) => element.kind === 'tensor')) {
    return item.items.map((element) => (element as Extract<Item, { kind: 'tensor' }>).tensor);
  }
  return undefined;
}
