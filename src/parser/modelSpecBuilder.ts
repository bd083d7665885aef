/**
 * Turns what the readers found into a `ModelSpec`. It picks the model to train and checks
 * that it can train on its dataset: input shape, layer shapes as Keras infers them, an output
 * of one score per class, loss versus labels. It fills in the Keras defaults that the file
 * leaves out and states them in information diagnostics.
 */
import * as l10n from '@vscode/l10n';
import { inferLayerShapes, type ShapeInference } from '../common/layerShapes';
import type { CompileSpec, DatasetSpec, LayerSpec, ModelSpec, SourceRange } from '../common/modelSpec';
import type { ParseContext } from './context';
import type { DatasetTracker } from './dataset';
import { buildDatasetSpec } from './datasetSpec';
import { datasetClassCount } from '../common/datasetShapes';
import { buildCompileSpec, checkLossAgainstModel, modelOutputOf } from './compile';
import { buildFitSpec } from './fit';
import type { LayerReading } from './layers';
import type { ModelRecord, ModelTracker } from './sequential';
import type { Span } from './syntax';
import { formatShape } from './values';

/** Layers whose output has the shape of their input. */
const SHAPE_PRESERVING_LAYERS: ReadonlySet<LayerSpec['className']> = new Set([
  'Activation', 'Dropout', 'Softmax', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'BatchNormalization',
]);

export function buildModelSpec(
  context: ParseContext,
  models: ModelTracker,
  dataset: DatasetTracker,
  fileName: string,
): ModelSpec | undefined {
  const record = chooseModel(context, models);
  if (!record) {
    return undefined;
  }
  const builder = new SpecBuilder(context, record, dataset);
  const spec = builder.build(fileName);
  return context.sink.hasErrors() ? undefined : spec;
}

/** Picks the first model that calls `fit`, or else the first model, and notes that the others are not trained. */
function chooseModel(context: ParseContext, models: ModelTracker): ModelRecord | undefined {
  if (models.models.length === 0) {
    if (!context.sink.hasErrors()) {
      context.sink.error(
        'model-missing',
        context.source.lineRange(0),
        l10n.t('This file creates no model, so there is nothing to train. Build one with Sequential([...]), or with keras.Input(...) and keras.Model(inputs, outputs).'),
      );
    }
    return undefined;
  }
  const chosen = models.models.find((model) => model.fit) ?? models.models[0];
  context.sink.downgradeErrorsExcept(chosen);
  const chosenLine = context.source.rangeOf(chosen.creation).startLine + 1;
  for (const other of models.models) {
    if (other !== chosen) {
      context.sink.information(
        'multiple-models',
        other.creation,
        l10n.t('Gradient Flow trains one model per file: the one created on line {0}. This model is not trained.', chosenLine),
      );
    }
  }
  return chosen;
}

class SpecBuilder {
  constructor(
    private readonly context: ParseContext,
    private readonly record: ModelRecord,
    private readonly dataset: DatasetTracker,
  ) {}

  build(fileName: string): ModelSpec | undefined {
    const layers = this.record.layers;
    const functional = this.record.topology === 'functional';
    if (functional && layers.length === 0) {
      // Model(...) reported why it has no layers.
      return undefined;
    }
    if (layers.length === 0 || (functional && layers.length === 1)) {
      this.context.sink.error(
        'empty-model',
        this.record.creation,
        functional
          ? l10n.t('This model has no layers between its input and its output. Call layers on the input, such as x = Dense(64, activation=\'relu\')(inputs), and pass the last result as outputs.')
          : l10n.t('This Sequential model has no layers. Add them with model.add(...), ending with Dense(units=10, activation=\'softmax\').'),
      );
      return undefined;
    }

    this.checkLayerNames(layers);
    const inputShape = this.readInputShape(layers);
    const dataset = buildDatasetSpec(this.context, this.record, this.dataset, inputShape);
    const specs = layers.map((layer): LayerSpec => layer.spec);
    const outputLayer = functional ? this.record.outputLayer : undefined;
    // After an error, a layer config may lack a value, and the shapes would only add noise.
    const inference = inputShape && !this.context.sink.hasErrors() ? this.inferShapes(specs, inputShape, outputLayer) : undefined;
    if (inference && !inference.error) {
      this.checkFlatten(inference, specs);
    }

    const compile = buildCompileSpec(this.context, this.record, dataset?.oneHotLabels ?? false);
    const fit = buildFitSpec(this.context, this.record, compile, this.record.compile);
    if (!inputShape || !dataset || !compile || !fit) {
      return undefined;
    }
    const outputChain = chainToOutput(specs, outputLayer);
    if (inference && !inference.error) {
      this.checkOutput(inference, specs, outputChain, compile, dataset);
    }
    checkLossAgainstModel(this.context, {
      compile,
      reading: this.record.compile,
      dataset,
      output: modelOutputOf(outputChain),
      labelsText: this.labelsText(),
    });

    return {
      fileName,
      inputShape,
      layers: specs,
      ...(outputLayer === undefined ? {} : { outputLayer }),
      topology: this.record.topology,
      compile,
      fit,
      evaluateRange: this.record.evaluate ? this.rangeOf(this.record.evaluate.call) : undefined,
      dataset,
      modelRange: this.rangeOf(this.record.creation),
    };
  }

  /** Infers every layer's output shape as Keras builds the model, and reports the first layer that does not fit. */
  private inferShapes(specs: readonly LayerSpec[], inputShape: readonly number[], outputLayer: string | undefined): ShapeInference {
    const inference = inferLayerShapes({ inputShape, layers: specs, outputLayer });
    if (inference.error) {
      const index = inference.error.specIndex;
      this.context.sink.error('shape-mismatch', index === undefined ? this.record.creation : specs[index].range, inference.error.message);
    }
    return inference;
  }

  private checkLayerNames(layers: readonly LayerReading[]): void {
    const seen = new Set<string>();
    for (const layer of layers) {
      if (seen.has(layer.spec.name)) {
        this.context.sink.error(
          'duplicate-layer-name',
          layer.spec.range,
          l10n.t('Two layers are named `{0}`, and Keras rejects a model whose layers share a name. Rename one of them.', layer.spec.name),
        );
      }
      seen.add(layer.spec.name);
    }
  }

  /**
   * Reads the input shape from the first layer (a functional model's `InputLayer`) and
   * reports an input layer anywhere else in a Sequential model.
   */
  private readInputShape(layers: readonly LayerReading[]): number[] | undefined {
    const sequentialLayers = this.record.topology === 'functional' ? [] : layers.slice(1);
    sequentialLayers.forEach((layer) => {
      if (layer.isInputLayer) {
        this.context.sink.error(
          'misplaced-input',
          layer.spec.range,
          l10n.t('An input layer can only be the first layer of a Sequential model. Move it to the start or remove it.'),
        );
      }
    });

    const first = layers[0];
    if (first.inputShape) {
      return [...first.inputShape.shape];
    }
    if (!first.isInputLayer) {
      this.context.sink.error(
        'missing-input-shape',
        first.spec.range,
        l10n.t('The first layer `{0}` does not give the input shape, so the model cannot be built before training. Add input_shape=(28, 28) to it, or put InputLayer(input_shape=(28, 28)) first.', first.spec.className),
      );
    }
    return undefined;
  }

  /**
   * Reports the first `Dense` that receives more than one axis when the model output also has
   * more than one axis: Keras applies Dense to the last axis only, so the model would not
   * output one score per class.
   */
  private checkFlatten(inference: ShapeInference, specs: readonly LayerSpec[]): void {
    if ((inference.outputShape?.length ?? 1) <= 1) {
      return;
    }
    for (const shape of inference.layers) {
      const layer = specs[shape.specIndex];
      const input = shape.inputShapes[0];
      if (layer.className === 'Dense' && input && input.length > 1) {
        this.context.sink.error(
          'missing-flatten',
          layer.range,
          l10n.t('This Dense layer receives inputs of shape {0}, so Keras would apply it to the last axis only and the model would not output one score per class. Add Flatten() before it.', formatShape(input)),
        );
        return;
      }
    }
  }

  /**
   * Reports an output that is not one score per class under a classification loss. Outputs
   * that end in Dense are left to `checkLossAgainstModel`, so this covers other endings, such
   * as Flatten or a pooling layer, whose inferred shape does not fit.
   */
  private checkOutput(
    inference: ShapeInference,
    specs: readonly LayerSpec[],
    outputChain: readonly LayerSpec[],
    compile: CompileSpec,
    dataset: DatasetSpec,
  ): void {
    const classes = datasetClassCount(dataset);
    const isClassifier = compile.loss === 'sparse_categorical_crossentropy' || compile.loss === 'categorical_crossentropy';
    const outputShape = inference.outputShape;
    if (!isClassifier || classes === undefined || !outputShape || modelOutputOf(outputChain)) {
      return;
    }
    if (outputShape.length === 1 && outputShape[0] === classes) {
      return;
    }
    // Name the layer that gives the output its shape, not an activation or dropout after it.
    const shaping = [...outputChain].reverse().find((layer) => !SHAPE_PRESERVING_LAYERS.has(layer.className));
    const output = shaping ?? specs[inference.outputIndex] ?? specs[specs.length - 1];
    this.context.sink.error(
      'output-units',
      output.range,
      l10n.t('The model ends with `{0}`, whose output has shape {1} for each example, but {2} needs one score for each of its {3} classes. End the model with Dense(units={3}, activation=\'softmax\').', output.className, formatShape(outputShape), datasetTitle(dataset), classes),
    );
  }

  private labelsText(): string {
    const node = this.record.fit?.labelsNode;
    return node ? this.context.snippet(node) : 'y_train';
  }

  private rangeOf(span: Span): SourceRange {
    return this.context.source.rangeOf(span);
  }
}

/**
 * Returns the layers from the input to the output along each layer's first input: the
 * whole list for a Sequential model, one path through the graph for a functional one.
 */
function chainToOutput(specs: readonly LayerSpec[], outputLayer: string | undefined): LayerSpec[] {
  if (outputLayer === undefined) {
    return [...specs];
  }
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const chain: LayerSpec[] = [];
  const seen = new Set<string>();
  let current = byName.get(outputLayer);
  while (current && !seen.has(current.name)) {
    seen.add(current.name);
    chain.unshift(current);
    const previous: string | undefined = current.inbound?.[0];
    current = previous === undefined ? undefined : byName.get(previous);
  }
  return chain;
}

/** The dataset's name as the Keras or scikit-learn function that loads it, for messages. */
function datasetTitle(dataset: DatasetSpec): string {
  return dataset.name === 'csv' ? (dataset.csv?.path ?? dataset.name) : dataset.name;
}
