/**
 * The layer list of a serialized model and how the layers connect: in file order for a
 * Sequential model, through each layer's `inbound_nodes` for a Functional one. Also finds the
 * model's single input shape and output layer.
 */
import * as l10n from '@vscode/l10n';
import type { Node } from 'jsonc-parser';
import type { LayerClassName } from '../../common/modelSpec';
import { LAYER_ALIASES, SUPPORTED_LAYERS } from '../kerasApi';
import { LayerNamer } from '../layers';
import { isKerasModule, ownEntry } from './configValues';
import { formatJson, isObjectNode, plainValue, propertyNode, propertyValue, stringProperty, type JsonDiagnostics } from './jsonDocument';
import type { ModelDescription } from './modelFormats';

/** Layers that take the outputs of several layers. */
const MERGE_LAYERS: ReadonlySet<LayerClassName> = new Set(['Concatenate', 'Add']);

/** One layer object of the JSON. */
export interface LayerEntry {
  readonly className: LayerClassName;
  readonly name: string;
  /** The `class_name` property, where the layer's range and its diagnostics point. */
  readonly anchor: Node;
  readonly config?: Node;
  /** Layer names this layer takes in a Functional model, and [] for its input layer. */
  readonly inbound?: readonly string[];
}

export interface ModelTopology {
  /** The layers that lead to the output, in file order. */
  readonly layers: readonly LayerEntry[];
  /** Input shape without the batch axis. */
  readonly inputShape: readonly number[];
  /** The property that declares the input shape. */
  readonly inputAt: Node;
  /** The output layer of a Functional model. */
  readonly outputLayer?: string;
}

/** A layer object as read, before its class is known to be supported. */
interface RawLayer {
  readonly node: Node;
  readonly anchor: Node;
  readonly className: LayerClassName;
  readonly name: string;
  readonly config?: Node;
}

/** Reads the layers and their connections; returns undefined after reporting an error. */
export function readTopology(model: ModelDescription, sink: JsonDiagnostics): ModelTopology | undefined {
  const layersNode = model.layers;
  if (layersNode?.type !== 'array' || !layersNode.children || layersNode.children.length === 0) {
    sink.error(
      'empty-model',
      propertyNode(model.config, 'layers') ?? model.anchor,
      l10n.t('This model has no layers, so there is nothing to train. Save a model that has layers with model.to_json().'),
    );
    return undefined;
  }

  const namer = new LayerNamer();
  const raw = layersNode.children.map((node) => readRawLayer(node, namer, sink));
  if (raw.some((layer) => layer === undefined)) {
    return undefined;
  }
  const layers = raw as RawLayer[];
  if (!checkUniqueNames(layers, sink)) {
    return undefined;
  }
  return model.topology === 'sequential' ? readSequential(model, layers, sink) : readFunctional(model, layers, sink);
}

function readRawLayer(node: Node, namer: LayerNamer, sink: JsonDiagnostics): RawLayer | undefined {
  const written = stringProperty(node, 'class_name');
  const anchor = propertyNode(node, 'class_name') ?? node;
  if (!isObjectNode(node) || written === undefined) {
    sink.error(
      'unknown-layer',
      node,
      l10n.t('This entry of "layers" is not a serialized Keras layer: it needs a "class_name" and a "config". Write the file again with model.to_json().'),
    );
    return undefined;
  }

  const className = ownEntry(LAYER_ALIASES, written) ?? SUPPORTED_LAYERS.find((name) => name === written);
  const registeredName = stringProperty(node, 'registered_name');
  const isCustom = !isKerasModule(stringProperty(node, 'module')) || (registeredName !== undefined && registeredName.includes('>'));
  if (!className || isCustom) {
    sink.error(
      'unsupported-layer',
      anchor,
      l10n.t({
        message: 'Gradient Flow cannot train `{0}` layers; it supports {1}. Replace or remove this layer.',
        args: [isCustom ? (registeredName ?? written) : written, SUPPORTED_LAYERS.join(', ')],
        comment: ['{1} is a comma-separated list of Keras layer class names.'],
      }),
    );
    return undefined;
  }

  const config = propertyValue(node, 'config');
  const name = stringProperty(node, 'name') ?? stringProperty(config, 'name') ?? namer.next(className);
  return { node, anchor, className, name, config: isObjectNode(config) ? config : undefined };
}

function checkUniqueNames(layers: readonly RawLayer[], sink: JsonDiagnostics): boolean {
  const seen = new Set<string>();
  let unique = true;
  for (const layer of layers) {
    if (seen.has(layer.name)) {
      sink.error(
        'duplicate-layer-name',
        layer.anchor,
        l10n.t('Two layers are named `{0}`, and Keras rejects a model whose layers share a name. Rename one of them.', layer.name),
      );
      unique = false;
    }
    seen.add(layer.name);
  }
  return unique;
}

function readSequential(model: ModelDescription, layers: readonly RawLayer[], sink: JsonDiagnostics): ModelTopology | undefined {
  for (const layer of layers.slice(1)) {
    if (layer.className === 'InputLayer') {
      sink.error(
        'misplaced-input',
        layer.anchor,
        l10n.t('An input layer can only be the first layer of a Sequential model. Move it to the start or remove it.'),
      );
      return undefined;
    }
  }

  const first = layers[0];
  const declared =
    declaredInputShape(first, sink) ??
    batchShapeAt(propertyNode(model.config, 'build_input_shape'), sink) ??
    batchShapeAt(propertyNode(model.buildConfig, 'input_shape'), sink);
  if (declared === 'invalid') {
    return undefined;
  }
  if (!declared) {
    sink.error(
      'missing-input-shape',
      first.anchor,
      l10n.t('The first layer `{0}` does not record the input shape, so the model cannot be built before training. Save the model after building it, for example with keras.Input(shape=(28, 28)) as its first layer.', first.name),
    );
    return undefined;
  }

  return {
    layers: layers.map(({ className, name, anchor, config }) => ({ className, name, anchor, config })),
    inputShape: declared.shape,
    inputAt: declared.at,
  };
}

function readFunctional(model: ModelDescription, layers: readonly RawLayer[], sink: JsonDiagnostics): ModelTopology | undefined {
  const inbound = new Map<string, string[]>();
  const earlier = new Set<string>();
  let connected = true;
  for (const layer of layers) {
    const names = readInboundNodes(layer, earlier, sink);
    if (names) {
      inbound.set(layer.name, names);
    } else {
      connected = false;
    }
    earlier.add(layer.name);
  }
  if (!connected) {
    return undefined;
  }

  const byName = new Map(layers.map((layer) => [layer.name, layer]));
  const input = readEndpoint(model, 'input_layers', byName, sink);
  const output = readEndpoint(model, 'output_layers', byName, sink);
  if (!input || !output) {
    return undefined;
  }
  if (input.layer.className !== 'InputLayer') {
    sink.error(
      'missing-input-shape',
      input.at,
      l10n.t('The model input `{0}` is not an InputLayer, so its shape is unknown. Build the model from keras.Input(shape=...) and save it again.', input.layer.name),
    );
    return undefined;
  }
  const declared = declaredInputShape(input.layer, sink);
  if (declared === 'invalid') {
    return undefined;
  }
  if (!declared) {
    sink.error(
      'missing-input-shape',
      input.layer.anchor,
      l10n.t('The input layer `{0}` records no shape. Build the model from keras.Input(shape=...) and save it again.', input.layer.name),
    );
    return undefined;
  }

  const reached = reachableFrom(output.layer.name, inbound);
  for (const layer of layers) {
    if (layer.className === 'InputLayer' && layer !== input.layer && reached.has(layer.name)) {
      reportMultipleInputs(layer.anchor, sink);
      return undefined;
    }
  }
  if (!reached.has(input.layer.name)) {
    sink.error(
      'unconnected-layer',
      output.at,
      l10n.t('The output layer `{0}` does not depend on the input `{1}`, so the model computes nothing from its input. Check the "inbound_nodes" of the layers.', output.layer.name, input.layer.name),
    );
    return undefined;
  }
  for (const layer of layers) {
    if (!reached.has(layer.name)) {
      sink.warning(
        'unconnected-layer',
        layer.anchor,
        l10n.t('The output of layer `{0}` does not reach the model output `{1}`, so Gradient Flow leaves this layer out, as Keras does not train it either.', layer.name, output.layer.name),
      );
    }
  }

  return {
    layers: layers
      .filter((layer) => reached.has(layer.name))
      .map(({ className, name, anchor, config }) => ({ className, name, anchor, config, inbound: inbound.get(name) ?? [] })),
    inputShape: declared.shape,
    inputAt: declared.at,
    outputLayer: output.layer.name,
  };
}

/**
 * Reads the layer names of `inbound_nodes` in the Keras 2 and tfjs form
 * `[[["dense", 0, 0, {}], ...]]` or the Keras 3 form
 * `[{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["dense", 0, 0]}}], "kwargs": {}}]`.
 */
function readInboundNodes(layer: RawLayer, earlier: ReadonlySet<string>, sink: JsonDiagnostics): string[] | undefined {
  const nodesProperty = propertyNode(layer.node, 'inbound_nodes');
  const nodes = propertyValue(layer.node, 'inbound_nodes');
  const malformed = (): undefined => {
    sink.error(
      'unknown-inbound-layer',
      nodesProperty ?? layer.anchor,
      l10n.t('The "inbound_nodes" of layer `{0}` are not in a form Keras writes, so Gradient Flow cannot tell which layers feed it. Write the file again with model.to_json().', layer.name),
    );
    return undefined;
  };
  if (nodes?.type !== 'array' || !nodes.children) {
    return malformed();
  }
  if (nodes.children.length === 0) {
    if (layer.className !== 'InputLayer') {
      return malformed();
    }
    return [];
  }
  if (nodes.children.length > 1) {
    sink.error(
      'shared-layer',
      layer.anchor,
      l10n.t('Layer `{0}` is called {1} times, sharing its weights between the calls, which Gradient Flow does not support. Use a separate layer for each call.', layer.name, nodes.children.length),
    );
    return undefined;
  }

  const history = tensorHistories(plainValue(nodes.children[0]));
  if (!history || history.length === 0) {
    return malformed();
  }
  const names: string[] = [];
  for (const [name, nodeIndex, tensorIndex] of history) {
    if (!earlier.has(name)) {
      sink.error(
        'unknown-inbound-layer',
        nodesProperty ?? layer.anchor,
        l10n.t('Layer `{0}` takes the output of `{1}`, but no layer of that name comes before it in "layers". Keras writes layers in the order they are called; check the name.', layer.name, name),
      );
      return undefined;
    }
    if (nodeIndex !== 0 || tensorIndex !== 0) {
      sink.error(
        'shared-layer',
        nodesProperty ?? layer.anchor,
        l10n.t('Layer `{0}` takes output {1} of call {2} of `{3}`, but Gradient Flow supports only layers called once with one output. Use a separate layer for each call.', layer.name, tensorIndex, nodeIndex, name),
      );
      return undefined;
    }
    names.push(name);
  }

  const isMerge = MERGE_LAYERS.has(layer.className);
  if ((isMerge && names.length < 2) || (!isMerge && names.length !== 1)) {
    sink.error(
      'invalid-value',
      nodesProperty ?? layer.anchor,
      isMerge
        ? l10n.t('The {0} layer `{1}` takes {2} input here, but it merges two or more. Connect it to the outputs it should merge.', layer.className, layer.name, names.length)
        : l10n.t('The {0} layer `{1}` takes {2} inputs here, but it takes exactly one. Merge them first with Concatenate or Add.', layer.className, layer.name, names.length),
    );
    return undefined;
  }
  return names;
}

/** Collects `[layer name, node index, tensor index]` of every tensor one inbound node passes, in order. */
function tensorHistories(node: unknown): [string, number, number][] | undefined {
  const found: [string, number, number][] = [];
  let valid = true;
  const visit = (value: unknown, keras2Node: boolean): void => {
    if (Array.isArray(value)) {
      if (keras2Node && typeof value[0] === 'string') {
        found.push(historyOf(value) ?? invalid());
        return;
      }
      value.forEach((item) => visit(item, keras2Node));
      return;
    }
    if (typeof value === 'object' && value !== null) {
      const object = value as Record<string, unknown>;
      if (object.class_name === '__keras_tensor__') {
        const config = object.config as Record<string, unknown> | undefined;
        found.push(historyOf(config?.keras_history) ?? invalid());
        return;
      }
      // A Keras 3 node is {"args": [...], "kwargs": {...}}, and tensors may sit in either.
      if ('args' in object) {
        visit(object.args, false);
        visit(object.kwargs, false);
      }
    }
  };
  const invalid = (): [string, number, number] => {
    valid = false;
    return ['', 0, 0];
  };
  const isKeras3 = typeof node === 'object' && node !== null && !Array.isArray(node);
  visit(node, !isKeras3);
  return valid ? found : undefined;
}

function historyOf(value: unknown): [string, number, number] | undefined {
  if (!Array.isArray(value) || typeof value[0] !== 'string' || !Number.isInteger(value[1]) || !Number.isInteger(value[2])) {
    return undefined;
  }
  return [value[0], value[1] as number, value[2] as number];
}

/** Reads `input_layers` or `output_layers`, which must name exactly one layer. */
function readEndpoint(
  model: ModelDescription,
  key: 'input_layers' | 'output_layers',
  byName: ReadonlyMap<string, RawLayer>,
  sink: JsonDiagnostics,
): { layer: RawLayer; at: Node } | undefined {
  const property = propertyNode(model.config, key);
  const value = plainValue(propertyValue(model.config, key));
  const endpoints = endpointList(value);
  const at = property ?? model.anchor;
  if (endpoints.length > 1) {
    if (key === 'input_layers') {
      reportMultipleInputs(at, sink);
    } else {
      sink.error(
        'multiple-outputs',
        at,
        l10n.t('This model has {0} outputs, but Gradient Flow trains models with one output and one loss. Save a model with a single output.', endpoints.length),
      );
    }
    return undefined;
  }
  const history = historyOf(endpoints[0]);
  const layer = history && byName.get(history[0]);
  if (!layer) {
    sink.error(
      'unknown-inbound-layer',
      at,
      l10n.t('"{0}" is {1}, which names no layer of this model. It must name one layer, as in [["{2}", 0, 0]].', key, formatJson(value), [...byName.keys()][0] ?? 'input_layer'),
    );
    return undefined;
  }
  return { layer, at };
}

/** Lists the endpoints of `input_layers` or `output_layers`: ["name", 0, 0], [["name", 0, 0]], a list of them, or a dict of them. */
function endpointList(value: unknown): unknown[] {
  if (Array.isArray(value)) {
    return typeof value[0] === 'string' ? [value] : value;
  }
  if (typeof value === 'object' && value !== null) {
    return Object.values(value);
  }
  return [];
}

function reportMultipleInputs(at: Node, sink: JsonDiagnostics): void {
  sink.error(
    'multiple-inputs',
    at,
    l10n.t('This model has more than one input, but Gradient Flow trains models with exactly one input, fed from one dataset. Save a model with a single keras.Input.'),
  );
}

function reachableFrom(output: string, inbound: ReadonlyMap<string, readonly string[]>): Set<string> {
  const reached = new Set<string>();
  const pending = [output];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (!reached.has(name)) {
      reached.add(name);
      pending.push(...(inbound.get(name) ?? []));
    }
  }
  return reached;
}

type DeclaredShape = { shape: number[]; at: Node } | 'invalid' | undefined;

/**
 * Reads the input shape a layer records: an InputLayer's `batch_shape` (Keras 3) or
 * `batch_input_shape` (Keras 2, tfjs), the `batch_input_shape` Keras 2 gives the first layer
 * of a Sequential model, or Keras 3's `build_config.input_shape`.
 */
function declaredInputShape(layer: RawLayer, sink: JsonDiagnostics): DeclaredShape {
  for (const key of ['batch_shape', 'batch_input_shape']) {
    const shape = batchShapeAt(propertyNode(layer.config, key), sink);
    if (shape) {
      return shape;
    }
  }
  const shapeProperty = propertyNode(layer.config, 'shape') ?? propertyNode(layer.config, 'input_shape');
  if (shapeProperty && layer.className === 'InputLayer') {
    return exampleShapeAt(shapeProperty, plainValue(shapeProperty.children?.[1]), sink);
  }
  return batchShapeAt(propertyNode(propertyValue(layer.node, 'build_config'), 'input_shape'), sink);
}

/** Reads a shape with its batch axis first, such as [null, 28, 28]. */
function batchShapeAt(property: Node | undefined, sink: JsonDiagnostics): DeclaredShape {
  const value = plainValue(property?.children?.[1]);
  if (!property || value === null || value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value) || value.length < 2) {
    return exampleShapeAt(property, undefined, sink, value);
  }
  return exampleShapeAt(property, value.slice(1), sink, value);
}

/** Checks a shape without the batch axis: every axis a positive integer. */
function exampleShapeAt(property: Node, shape: unknown, sink: JsonDiagnostics, written: unknown = shape): DeclaredShape {
  const isSize = (item: unknown): item is number => typeof item === 'number' && Number.isInteger(item) && item > 0;
  if (Array.isArray(shape) && shape.length > 0 && shape.every(isSize)) {
    return { shape: shape as number[], at: property };
  }
  const openAxis = Array.isArray(shape) && shape.some((item) => item === null);
  sink.error(
    'invalid-value',
    property,
    openAxis
      ? l10n.t('The input shape {0} leaves the size of an axis open (null). Gradient Flow trains on examples of one fixed shape, so give every axis after the batch axis a size, such as [null, 28, 28].', formatJson(written))
      : l10n.t('The input shape {0} is not a list of positive sizes after the batch axis, such as [null, 28, 28].', formatJson(written)),
  );
  return 'invalid';
}

