/**
 * Turns what the readers found into a `ModelSpec`. It picks the model to train and checks
 * that it fits MNIST: input shape, Flatten, 10 softmax outputs, loss versus labels. It fills
 * in the Keras defaults that the file leaves out and states them in information diagnostics.
 */
import * as l10n from '@vscode/l10n';
import type { CompileSpec, DatasetSpec, FitSpec, LayerSpec, ModelSpec, SourceRange } from '../common/modelSpec';
import type { ParseContext } from './context';
import type { DataArray, DataLookup, DatasetTracker } from './dataset';
import { FIT_DEFAULTS } from './fit';
import type { LayerReading } from './layers';
import type { ModelRecord, ModelTracker } from './sequential';
import type { Span, SyntaxNode } from './syntax';
import { formatShape } from './values';

const MNIST_CLASSES = 10;
/** Input shapes that hold one 28×28 MNIST image without reshaping the pixel order. */
const MNIST_SHAPES: readonly (readonly number[])[] = [[28, 28], [784], [28, 28, 1]];

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
        l10n.t('This file creates no Sequential model, so there is nothing to train. Build one with model = Sequential() and model.add(...), or with Sequential([...]).'),
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
    if (layers.length === 0) {
      this.context.sink.error(
        'empty-model',
        this.record.creation,
        l10n.t('This Sequential model has no layers. Add them with model.add(...), ending with Dense(units=10, activation=\'softmax\').'),
      );
      return undefined;
    }

    this.checkLayerNames(layers);
    const inputShape = this.readInputShape(layers);
    const dataset = this.readDataset(inputShape);
    if (inputShape) {
      this.checkFlatten(layers, inputShape);
    }
    this.checkOutput(layers);

    const compile = this.readCompile(dataset?.oneHotLabels ?? false);
    const fit = this.readFit();
    if (!inputShape || !dataset || !compile || !fit) {
      return undefined;
    }
    this.checkLossMatchesLabels(compile, dataset);

    return {
      fileName,
      inputShape,
      layers: layers.map((layer): LayerSpec => layer.spec),
      compile,
      fit,
      evaluateRange: this.record.evaluate ? this.rangeOf(this.record.evaluate.call) : undefined,
      dataset,
      modelRange: this.rangeOf(this.record.creation),
    };
  }

  private checkLayerNames(layers: readonly LayerReading[]): void {
    const seen = new Set<string>();
    for (const layer of layers) {
      if (seen.has(layer.spec.name)) {
        this.context.sink.error(
          'duplicate-layer-name',
          layer.spec.range,
          l10n.t('Two layers are named `{0}`, and Keras rejects a Sequential model whose layers share a name. Rename one of them.', layer.spec.name),
        );
      }
      seen.add(layer.spec.name);
    }
  }

  /** Reads the input shape from the first layer and reports an input layer anywhere else. */
  private readInputShape(layers: readonly LayerReading[]): number[] | undefined {
    layers.slice(1).forEach((layer) => {
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

  private readDataset(inputShape: readonly number[] | undefined): DatasetSpec | undefined {
    const fitsMnist = inputShape !== undefined && MNIST_SHAPES.some((shape) => sameShape(shape, inputShape));
    const inputSpan = this.record.layers[0].inputShape?.span ?? this.record.layers[0].spec.range;

    if (this.dataset.loaded) {
      if (this.dataset.datasetName !== 'mnist') {
        return undefined;
      }
      if (inputShape && !fitsMnist) {
        this.context.sink.error(
          'input-shape-mismatch',
          inputSpan,
          l10n.t('The input shape {0} does not match MNIST images of 28×28 pixels. Use input_shape=(28, 28) with Flatten(), or (784,) after reshaping the images.', formatShape(inputShape)),
        );
        return undefined;
      }
      return this.readLoadedDataset();
    }

    if (!inputShape) {
      return undefined;
    }
    if (!fitsMnist) {
      this.context.sink.error(
        'unknown-dataset',
        inputSpan,
        l10n.t('The file loads no dataset, and the input shape {0} is not that of MNIST images (28, 28). Gradient Flow trains only on MNIST: load it with mnist.load_data() and use input_shape=(28, 28).', formatShape(inputShape)),
      );
      return undefined;
    }
    const oneHotLabels = this.record.compile?.loss === 'categorical_crossentropy';
    this.context.sink.information(
      'dataset-inferred',
      this.record.creation,
      l10n.t('This file loads no dataset. Because the input is {0}, Gradient Flow trains on MNIST, the handwritten digits of 28×28 pixels that keras.datasets.mnist.load_data() returns, with the pixels divided by 255.', formatShape(inputShape)),
    );
    return { name: 'mnist', origin: 'inferred', pixelDivisor: 255, oneHotLabels };
  }

  private readLoadedDataset(): DatasetSpec | undefined {
    // Without fit, the latest training arrays count, or the raw ones when the file never
    // unpacks the load_data() result.
    const fit = this.record.fit;
    const raw = { kind: 'array', split: 'train', pixelDivisor: 1, oneHot: false } as const;
    const images = fit ? this.trainingArray(fit.images, fit.imagesNode, 'images', fit.call) : (this.dataset.trainImages ?? { ...raw, role: 'images' });
    const labels = fit ? this.trainingArray(fit.labels, fit.labelsNode, 'labels', fit.call) : (this.dataset.trainLabels ?? { ...raw, role: 'labels' });
    if (!images || !labels) {
      return undefined;
    }

    const loadCall = this.dataset.loadCall as SyntaxNode;
    if (images.pixelDivisor === 1) {
      this.context.sink.information(
        'unscaled-pixels',
        loadCall,
        l10n.t('The pixels keep their raw values from 0 to 255 because the file does not divide them by 255, which often makes training slow or unstable. Add x_train = x_train / 255.0 and x_test = x_test / 255.0 after load_data().'),
      );
    }
    this.checkScaling(fit?.validationImages, images, fit?.call);
    this.checkScaling(this.record.evaluate?.images, images, this.record.evaluate?.call);

    return {
      name: 'mnist',
      origin: 'file',
      pixelDivisor: images.pixelDivisor,
      oneHotLabels: labels.oneHot,
      range: this.rangeOf(loadCall),
    };
  }

  /** Returns the array that `fit` trains on, which must come from the training split of the loaded dataset. */
  private trainingArray(
    lookup: DataLookup | undefined,
    node: SyntaxNode | undefined,
    role: DataArray['role'],
    call: SyntaxNode,
  ): DataArray | undefined {
    if (!lookup || !node) {
      this.context.sink.error(
        'missing-argument',
        call,
        role === 'images'
          ? l10n.t('fit() needs the training images as its first argument, which is missing. Write model.fit(x_train, y_train, ...).')
          : l10n.t('fit() needs the training labels as its second argument, which is missing. Write model.fit(x_train, y_train, ...).'),
      );
      return undefined;
    }
    if (lookup.kind === 'unsupported') {
      this.dataset.reportUnsupportedTransform(lookup.node);
      return undefined;
    }
    const array = lookup.kind === 'data' && lookup.value.kind === 'array' ? lookup.value : undefined;
    if (array && array.role === role && array.split === 'train') {
      return array;
    }
    this.context.sink.error(
      'unknown-training-data',
      node,
      role === 'images'
        ? l10n.t('Gradient Flow cannot trace `{0}` back to the training images from mnist.load_data(), so it does not know what fit() trains on. Pass x_train, scaled as you like.', this.context.snippet(node))
        : l10n.t('Gradient Flow cannot trace `{0}` back to the training labels from mnist.load_data(), so it does not know what fit() trains on. Pass y_train, or to_categorical(y_train, 10).', this.context.snippet(node)),
    );
    return undefined;
  }

  private checkScaling(lookup: DataLookup | undefined, training: DataArray, call: SyntaxNode | undefined): void {
    const array = lookup?.kind === 'data' && lookup.value.kind === 'array' ? lookup.value : undefined;
    if (!array || !call || array.role !== 'images' || array.pixelDivisor === training.pixelDivisor) {
      return;
    }
    this.context.sink.warning(
      'inconsistent-scaling',
      call,
      l10n.t('The test images here are divided by {0}, but the training images by {1}. Gradient Flow divides both by {1}; scale them the same way so the file gives the same results in Keras.', array.pixelDivisor, training.pixelDivisor),
    );
  }

  /** Reports the first `Dense` that receives more than one axis with no `Flatten` before it. */
  private checkFlatten(layers: readonly LayerReading[], inputShape: readonly number[]): void {
    let shape = inputShape;
    for (const layer of layers) {
      const className = layer.spec.className;
      if (className === 'Flatten') {
        shape = [shape.reduce((product, size) => product * size, 1)];
      } else if (className === 'Dense' && shape.length > 1) {
        this.context.sink.error(
          'missing-flatten',
          layer.spec.range,
          l10n.t('This Dense layer receives inputs of shape {0}, so Keras would apply it to the last axis only and the model would not output one score per class. Add Flatten() before it.', formatShape(shape)),
        );
        return;
      } else if (className === 'Dense' && typeof layer.spec.config.units === 'number') {
        shape = [layer.spec.config.units];
      }
    }
  }

  /** The model must end in `Dense(10)` followed by softmax, in the layer itself or an `Activation`. */
  private checkOutput(layers: readonly LayerReading[]): void {
    const lastDenseIndex = layers.map((layer) => layer.spec.className).lastIndexOf('Dense');
    const trailing = layers.slice(lastDenseIndex + 1);
    const last = layers[layers.length - 1];
    if (lastDenseIndex < 0 || trailing.some((layer) => layer.spec.className !== 'Activation' && layer.spec.className !== 'Dropout')) {
      this.context.sink.error(
        'output-units',
        last.spec.range,
        l10n.t('The model ends with `{0}`, but it must end with Dense(units=10, activation=\'softmax\') to score the 10 MNIST classes.', last.spec.className),
      );
      return;
    }

    const dense = layers[lastDenseIndex];
    const units = dense.spec.config.units;
    if (typeof units === 'number' && units !== MNIST_CLASSES) {
      this.context.sink.error(
        'output-units',
        dense.spec.range,
        l10n.t('The last Dense layer has {0} units, but MNIST has 10 classes. Set units=10.', units),
      );
    }

    const activationLayer = [...trailing].reverse().find((layer) => layer.spec.className === 'Activation') ?? dense;
    const activation = activationLayer.spec.config.activation;
    if (typeof activation === 'string' && activation !== 'softmax') {
      this.context.sink.error(
        'output-activation',
        activationLayer.spec.range,
        l10n.t('The output uses the activation \'{0}\', but cross-entropy on 10 classes expects probabilities from softmax. Set activation=\'softmax\' on the last layer.', activation),
      );
    }
  }

  private readCompile(oneHotLabels: boolean): CompileSpec | undefined {
    const fit = this.record.fit;
    const compile = this.record.compile;
    const late = this.record.compileAfterFit;
    if (!compile && late && fit) {
      this.context.sink.error(
        'compile-after-fit',
        fit.call,
        l10n.t('model.fit() runs here before model.compile() on line {0}, and Keras raises RuntimeError. Move compile() above fit().', this.rangeOf(late.call).startLine + 1),
      );
      return undefined;
    }

    if (!compile) {
      const loss = oneHotLabels ? 'categorical_crossentropy' : 'sparse_categorical_crossentropy';
      this.context.sink.information(
        'compile-missing',
        fit?.call ?? this.record.creation,
        l10n.t('The file never calls model.compile(), which Keras needs before fit(). Gradient Flow assumes compile(optimizer=\'rmsprop\', loss=\'{0}\', metrics=[\'accuracy\']): the Keras default optimizer and the loss that fits the labels.', loss),
      );
      return {
        optimizer: { className: 'RMSprop', learningRate: 0.001, momentum: 0, nesterov: false },
        loss,
        metrics: ['accuracy'],
      };
    }
    if (!compile.optimizer || !compile.loss) {
      return undefined;
    }
    return { optimizer: compile.optimizer, loss: compile.loss, metrics: compile.metrics, range: this.rangeOf(compile.call) };
  }

  private readFit(): FitSpec | undefined {
    const fit = this.record.fit;
    if (!fit) {
      this.context.sink.information(
        'fit-missing',
        this.record.creation,
        l10n.t('The file never calls model.fit(), so Gradient Flow trains with the Keras defaults: epochs=1, batch_size=32, shuffled, no validation split.'),
      );
      return { ...FIT_DEFAULTS, validationOnTest: false };
    }
    return {
      epochs: fit.epochs ?? FIT_DEFAULTS.epochs,
      batchSize: fit.batchSize ?? FIT_DEFAULTS.batchSize,
      validationSplit: fit.validationSplit ?? FIT_DEFAULTS.validationSplit,
      validationOnTest: fit.validationOnTest,
      shuffle: fit.shuffle ?? FIT_DEFAULTS.shuffle,
      range: this.rangeOf(fit.call),
    };
  }

  private checkLossMatchesLabels(compile: CompileSpec, dataset: DatasetSpec): void {
    const lossNode = this.record.compile?.lossNode;
    if (dataset.origin !== 'file' || !lossNode) {
      return;
    }
    const labels = this.labelsText();
    if (compile.loss === 'categorical_crossentropy' && !dataset.oneHotLabels) {
      this.context.sink.error(
        'loss-label-mismatch',
        lossNode,
        l10n.t('categorical_crossentropy expects one-hot labels, but `{0}` holds class numbers 0 to 9. Use loss=\'sparse_categorical_crossentropy\', or convert the labels with to_categorical({0}, 10).', labels),
      );
    } else if (compile.loss === 'sparse_categorical_crossentropy' && dataset.oneHotLabels) {
      this.context.sink.error(
        'loss-label-mismatch',
        lossNode,
        l10n.t('sparse_categorical_crossentropy expects class numbers 0 to 9, but `{0}` holds one-hot labels from to_categorical. Use loss=\'categorical_crossentropy\', or pass the labels without to_categorical.', labels),
      );
    }
  }

  private labelsText(): string {
    const node = this.record.fit?.labelsNode;
    return node ? this.context.snippet(node) : 'y_train';
  }

  private rangeOf(span: Span): SourceRange {
    return this.context.source.rangeOf(span);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, index) => size === b[index]);
}
