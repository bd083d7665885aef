/**
 * Reads a Keras model saved as JSON (`model.to_json()` of Keras 2 or 3, Sequential or
 * Functional) or a TensorFlow.js layers `model.json` into a `ModelSpec`. Like the Python
 * parser it never throws: every problem is a diagnostic at its line. The layer ranges point at
 * each layer's `"class_name"` line. Such files hold no fit() call and no dataset, so the
 * Keras defaults and the dataset that fits the input shape apply, each stated in an
 * information diagnostic.
 */
import * as l10n from '@vscode/l10n';
import { datasetDisplayName } from '../common/datasets';
import { datasetClassCount } from '../common/datasetShapes';
import { inferLayerShapes, MODEL_INPUT, type ShapeInference } from '../common/layerShapes';
import type { CompileSpec, DatasetSpec, LayerSpec, ModelSpec, ParseResult } from '../common/modelSpec';
import { FIT_DEFAULTS } from './fit';
import { ConfigReader } from './kerasJson/configValues';
import { JsonDiagnostics, JsonDocument, parseJsonText } from './kerasJson/jsonDocument';
import { readLayerConfig } from './kerasJson/layerConfigs';
import { findModel, type ModelDescription } from './kerasJson/modelFormats';
import { readTopology, type LayerEntry, type ModelTopology } from './kerasJson/topology';
import { readCompileSettings } from './kerasJson/trainingConfig';
import { baseName, internalError } from './parseFailures';
import { formatShape } from './values';

/** Input shapes that hold one image of a dataset in its own pixel order, so that a reshape is enough. */
const INFERRED_DATASETS: readonly { readonly name: 'mnist' | 'cifar10'; readonly shapes: readonly (readonly number[])[] }[] = [
  { name: 'mnist', shapes: [[28, 28], [784], [28, 28, 1], [1, 28, 28]] },
  { name: 'cifar10', shapes: [[32, 32, 3], [3072]] },
];

/** Parses a Keras JSON or tfjs model.json text. `spec` is undefined when any diagnostic is an error. */
export function parseKerasJson(text: string, fileName: string): ParseResult {
  try {
    const document = new JsonDocument(text);
    const sink = new JsonDiagnostics(document);
    const spec = new KerasJsonReader(document, sink).read(baseName(fileName));
    return { spec: sink.hasErrors() ? undefined : spec, diagnostics: sink.diagnostics };
  } catch (error) {
    return { diagnostics: [internalError(error)] };
  }
}

class KerasJsonReader {
  constructor(
    private readonly document: JsonDocument,
    private readonly sink: JsonDiagnostics,
  ) {}

  read(fileName: string): ModelSpec | undefined {
    const root = parseJsonText(this.document, this.sink);
    const model = root && findModel(root, this.sink);
    const topology = model && readTopology(model, this.sink);
    if (!model || !topology) {
      return undefined;
    }

    const layers = this.readLayers(topology);
    if (!layers) {
      return undefined;
    }
    const inference = inferLayerShapes({ inputShape: topology.inputShape, layers, outputLayer: topology.outputLayer });
    if (inference.error) {
      const at = inference.error.specIndex === undefined ? model.anchor : topology.layers[inference.error.specIndex].anchor;
      this.sink.error('shape-mismatch', at, inference.error.message);
      return undefined;
    }
    const normalizedLayers = normalizeLastAxes(layers, inference);

    const dataset = this.inferDataset(topology);
    if (!dataset || !this.checkOutputShape(dataset, topology, inference)) {
      return undefined;
    }
    const output = outputActivation(normalizedLayers, inference);
    const compile = readCompileSettings(model.training, { sink: this.sink, modelAnchor: model.anchor, outputIsSoftmax: output.softmax });
    if (!compile) {
      return undefined;
    }
    if (model.training) {
      this.checkOutputActivation(compile, output, topology);
    }

    this.sink.information(
      'fit-missing',
      model.anchor,
      l10n.t('A model saved as JSON holds no fit() settings, so Gradient Flow trains with the Keras defaults of fit(): epochs=1, batch_size=32, shuffled, no validation split.'),
    );
    this.noteIgnoredWeights(model);

    return {
      fileName,
      inputShape: topology.inputShape,
      layers: normalizedLayers,
      ...(topology.outputLayer === undefined ? {} : { outputLayer: topology.outputLayer }),
      topology: model.topology,
      sourceFormat: model.sourceFormat,
      compile,
      fit: { ...FIT_DEFAULTS, validationOnTest: false },
      dataset: { ...dataset, oneHotLabels: compile.loss !== 'sparse_categorical_crossentropy' },
      modelRange: this.document.firstLineOf(model.anchor),
    };
  }

  /** Reads every layer's config; returns undefined when any of them has an error. */
  private readLayers(topology: ModelTopology): LayerSpec[] | undefined {
    const layers = topology.layers.map((entry, index) => this.readLayer(entry, index, topology));
    return layers.every((layer): layer is LayerSpec => layer !== undefined) ? layers : undefined;
  }

  private readLayer(entry: LayerEntry, index: number, topology: ModelTopology): LayerSpec | undefined {
    const reader = new ConfigReader({ label: l10n.t('layer `{0}`', entry.name), sink: this.sink, at: entry.anchor }, entry.config);
    const config = readLayerConfig(entry.className, reader);
    if (!config) {
      return undefined;
    }
    // As the Python parser does, the layer that declares the input shape carries it.
    const declaresInput = entry.className === 'InputLayer' || (index === 0 && topology.outputLayer === undefined);
    if (declaresInput) {
      config.input_shape = [...topology.inputShape];
    }
    return {
      className: entry.className,
      name: entry.name,
      config,
      range: this.document.rangeOf(entry.anchor),
      ...(entry.inbound === undefined ? {} : { inbound: entry.inbound }),
    };
  }

  /** Chooses the dataset whose images fit the input shape, as the file names none. */
  private inferDataset(topology: ModelTopology): Omit<DatasetSpec, 'oneHotLabels'> | undefined {
    const shape = topology.inputShape;
    const dataset = INFERRED_DATASETS.find((candidate) => candidate.shapes.some((known) => sameShape(known, shape)));
    if (!dataset) {
      this.sink.error(
        'unknown-dataset',
        topology.inputAt,
        l10n.t('Gradient Flow chooses the dataset of a JSON model from its input shape, and {0} fits none of its datasets. Use the input shape (28, 28), (784,) or (28, 28, 1) for MNIST, or (32, 32, 3) for CIFAR-10.', formatShape(shape)),
      );
      return undefined;
    }
    this.sink.information(
      'dataset-inferred',
      topology.inputAt,
      dataset.name === 'mnist'
        ? l10n.t('A JSON model names no dataset. Because its input shape is {0}, Gradient Flow trains it on MNIST, the handwritten digits of 28×28 pixels, with the pixels divided by 255.', formatShape(shape))
        : l10n.t('A JSON model names no dataset. Because its input shape is {0}, Gradient Flow trains it on CIFAR-10, the colour images of 32×32 pixels in 10 classes, with the pixels divided by 255.', formatShape(shape)),
    );
    return { name: dataset.name, origin: 'inferred', pixelDivisor: 255 };
  }

  /** The model must output one score per class of the dataset. */
  private checkOutputShape(dataset: Omit<DatasetSpec, 'oneHotLabels'>, topology: ModelTopology, inference: ShapeInference): boolean {
    const classes = datasetClassCount({ ...dataset, oneHotLabels: false }) as number;
    const shape = inference.outputShape ?? [];
    if (shape.length === 1 && shape[0] === classes) {
      return true;
    }
    const outputLayer = topology.layers[inference.outputIndex];
    this.sink.error(
      'output-units',
      outputLayer?.anchor ?? topology.inputAt,
      l10n.t('The model outputs shape {0}, but {1} has {2} classes, so the output must have shape ({2},). End the model with a Dense layer of {2} units.', formatShape(shape), datasetDisplayName(dataset.name), classes),
    );
    return false;
  }

  /** Cross-entropy over classes needs softmax outputs, unless the loss takes logits. */
  private checkOutputActivation(compile: CompileSpec, output: OutputActivation, topology: ModelTopology): void {
    if (compile.loss !== 'sparse_categorical_crossentropy' && compile.loss !== 'categorical_crossentropy') {
      return;
    }
    const at = topology.layers[output.index]?.anchor ?? topology.inputAt;
    const layerName = topology.layers[output.index]?.name ?? '';
    if (!compile.fromLogits && !output.softmax) {
      this.sink.error(
        'output-activation',
        at,
        l10n.t('The loss {0} expects probabilities, but the output of layer `{1}` has no softmax. Set its "activation" to "softmax", or give the loss "from_logits": true.', compile.loss, layerName),
      );
    } else if (compile.fromLogits && output.softmax) {
      this.sink.warning(
        'output-activation',
        at,
        l10n.t('The loss takes raw scores ("from_logits": true), but layer `{0}` already applies softmax, so softmax is applied twice and training slows down. Remove the softmax, or set "from_logits" to false.', layerName),
      );
    }
  }

  private noteIgnoredWeights(model: ModelDescription): void {
    const manifest = model.weightsManifest;
    if (!manifest) {
      return;
    }
    this.sink.information(
      'weights-ignored',
      manifest,
      l10n.t('Gradient Flow does not load the weights that weightsManifest lists: training starts from new Keras initial weights, so the run shows how this architecture learns, not how the saved model goes on.'),
    );
  }
}

interface OutputActivation {
  readonly softmax: boolean;
  /** Index of the layer whose activation makes the output, for messages. */
  readonly index: number;
}

/** Follows the output back through layers that keep values as they are, to the activation that makes it. */
function outputActivation(layers: readonly LayerSpec[], inference: ShapeInference): OutputActivation {
  let index = inference.outputIndex;
  while (index !== MODEL_INPUT) {
    const layer = layers[index];
    switch (layer.className) {
      case 'Softmax':
        return { softmax: true, index };
      case 'Activation':
      case 'Dense':
      case 'Conv2D':
        return { softmax: layer.config.activation === 'softmax', index };
      case 'Dropout':
      case 'Flatten':
      case 'Reshape':
        index = inference.layers[index].inputs[0];
        break;
      default:
        return { softmax: false, index };
    }
  }
  return { softmax: false, index: inference.outputIndex };
}

/**
 * Turns a positive BatchNormalization `axis` that names the last axis, as Keras 2 writes it,
 * into −1, the spelling the Python parser gives the same layer.
 */
function normalizeLastAxes(layers: readonly LayerSpec[], inference: ShapeInference): LayerSpec[] {
  return layers.map((layer, index) => {
    const rank = inference.layers[index]?.inputShapes[0]?.length;
    if (layer.className !== 'BatchNormalization' || rank === undefined || layer.config.axis !== rank) {
      return layer;
    }
    return { ...layer, config: { ...layer.config, axis: -1 } };
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, index) => size === b[index]);
}
