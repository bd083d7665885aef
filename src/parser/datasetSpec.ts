/**
 * Builds the `DatasetSpec`: the dataset the file loads, with its scaling, labels, example
 * shape and source arguments as `fit` receives them, or a dataset inferred from the model's
 * input shape when the file loads none. It also checks that one example fits the input.
 */
import * as l10n from '@vscode/l10n';
import { isImageDataset } from '../common/datasets';
import { elementCount, fittedExampleShape } from '../common/datasetShapes';
import type { CsvSource, DatasetName, DatasetSpec, SourceRange } from '../common/modelSpec';
import type { ParseContext } from './context';
import type { Column, DataArray, DataLookup, DatasetTracker } from './dataset';
import type { ModelRecord } from './sequential';
import type { Span, SyntaxNode } from './syntax';
import { formatShape } from './values';

/** Input shapes that hold one example of a dataset without reordering its values. */
const MNIST_SHAPES: readonly (readonly number[])[] = [[28, 28], [784], [28, 28, 1]];
const CIFAR10_SHAPES: readonly (readonly number[])[] = [[32, 32, 3], [3072]];

/** The generator Gradient Flow picks for a model with two input features and no data. */
const INFERRED_MOONS = { n_samples: 1000, noise: 0.2, random_state: 0, test_size: 0.25, split_random_state: 0 } as const;

/** Returns the dataset the chosen model trains on, or undefined after reporting why there is none. */
export function buildDatasetSpec(
  context: ParseContext,
  record: ModelRecord,
  dataset: DatasetTracker,
  inputShape: readonly number[] | undefined,
): DatasetSpec | undefined {
  return new DatasetSpecBuilder(context, record, dataset).build(inputShape);
}

class DatasetSpecBuilder {
  constructor(
    private readonly context: ParseContext,
    private readonly record: ModelRecord,
    private readonly dataset: DatasetTracker,
  ) {}

  private get inputSpan(): Span | SourceRange {
    return this.record.layers[0].inputShape?.span ?? this.record.layers[0].spec.range;
  }

  build(inputShape: readonly number[] | undefined): DatasetSpec | undefined {
    if (!this.dataset.loaded) {
      return inputShape ? this.inferDataset(inputShape) : undefined;
    }
    const spec = this.readLoadedDataset();
    if (spec && inputShape) {
      this.checkInputShape(spec, inputShape);
    }
    return spec;
  }

  private inferDataset(inputShape: readonly number[]): DatasetSpec | undefined {
    const oneHotLabels = this.record.compile?.loss === 'categorical_crossentropy';
    const shape = formatShape(inputShape);
    if (MNIST_SHAPES.some((candidate) => sameShape(candidate, inputShape))) {
      this.context.sink.information(
        'dataset-inferred',
        this.record.creation,
        l10n.t('This file loads no dataset. Because the input is {0}, Gradient Flow trains on MNIST, the handwritten digits of 28×28 pixels that keras.datasets.mnist.load_data() returns, with the pixels divided by 255.', shape),
      );
      return { name: 'mnist', origin: 'inferred', pixelDivisor: 255, oneHotLabels };
    }
    if (CIFAR10_SHAPES.some((candidate) => sameShape(candidate, inputShape))) {
      this.context.sink.information(
        'dataset-inferred',
        this.record.creation,
        l10n.t('This file loads no dataset. Because the input is {0}, Gradient Flow trains on CIFAR-10, the 32×32 colour images in 10 classes that keras.datasets.cifar10.load_data() returns, with the pixels divided by 255. The first run downloads it (163 MB).', shape),
      );
      return { name: 'cifar10', origin: 'inferred', pixelDivisor: 255, oneHotLabels };
    }
    if (sameShape([2], inputShape)) {
      this.context.sink.information(
        'dataset-inferred',
        this.record.creation,
        l10n.t('This file loads no dataset. Because the input has 2 features, Gradient Flow trains on scikit-learn\'s two half-moons, make_moons(n_samples=1000, noise=0.2, random_state=0), with a quarter held out as the test set.'),
      );
      return { name: 'make_moons', origin: 'inferred', pixelDivisor: 1, oneHotLabels, generator: { ...INFERRED_MOONS } };
    }
    this.context.sink.error(
      'unknown-dataset',
      this.inputSpan,
      l10n.t('The file loads no dataset, and the input shape {0} fits none that Gradient Flow can pick: (28, 28) gives MNIST, (32, 32, 3) CIFAR-10, and (2,) make_moons. Load the data in the file, for example with keras.datasets.mnist.load_data(), make_moons() or pandas.read_csv().', shape),
    );
    return undefined;
  }

  private readLoadedDataset(): DatasetSpec | undefined {
    const source = this.dataset.source;
    const loadCall = this.dataset.loadCall as SyntaxNode;
    if (!source || (source.kind === 'keras' && !isImageDataset(source.name as DatasetName))) {
      // The tracker has already reported the dataset it cannot load.
      return undefined;
    }

    // Without fit, the latest training arrays count, or the raw ones when the file never
    // unpacks what it loads.
    const fit = this.record.fit;
    const raw = { kind: 'array', split: source.kind === 'keras' ? 'train' : 'all', pixelDivisor: 1, oneHot: false } as const;
    const images = fit ? this.trainingArray(fit.images, fit.imagesNode, 'images', fit.call) : (this.dataset.trainImages ?? { ...raw, role: 'images' });
    const labels = fit ? this.trainingArray(fit.labels, fit.labelsNode, 'labels', fit.call) : (this.dataset.trainLabels ?? { ...raw, role: 'labels' });
    if (!images || !labels) {
      return undefined;
    }
    const common = {
      origin: 'file' as const,
      pixelDivisor: images.pixelDivisor,
      oneHotLabels: labels.oneHot,
      ...(images.exampleShape ? { exampleShape: [...images.exampleShape] } : {}),
      range: this.rangeOf(loadCall),
    };

    if (source.kind === 'keras') {
      if (images.pixelDivisor === 1) {
        this.context.sink.information(
          'unscaled-pixels',
          loadCall,
          l10n.t('The pixels keep their raw values from 0 to 255 because the file does not divide them by 255, which often makes training slow or unstable. Add x_train = x_train / 255.0 and x_test = x_test / 255.0 after load_data().'),
        );
      }
      this.checkScaling(fit?.validationImages, images, fit?.call);
      this.checkScaling(this.record.evaluate?.images, images, this.record.evaluate?.call);
      return { name: source.name as DatasetName, ...common };
    }

    // A split applies only when fit trains on its training part.
    const split = images.split === 'train' ? this.dataset.split : undefined;
    if (source.kind === 'generator') {
      const generator: Record<string, unknown> = { ...source.options };
      if (split) {
        generator.test_size = split.testSize;
        generator.split_shuffle = split.shuffle;
        if (split.randomState !== undefined) {
          generator.split_random_state = split.randomState;
        }
      }
      return { name: source.name, ...common, generator };
    }

    const csv = this.csvSource(images, labels, split);
    return csv ? { name: 'csv', ...common, csv } : undefined;
  }

  /** Works out the label and feature columns from the arrays `fit` receives. */
  private csvSource(images: DataArray, labels: DataArray, split: DatasetTracker['split']): CsvSource | undefined {
    const source = this.dataset.source;
    if (source?.kind !== 'csv') {
      return undefined;
    }
    const labelColumn = labels.columns?.kind === 'column' ? labels.columns.column : undefined;
    const features = images.columns;
    if (labelColumn === undefined || !features || features.kind === 'column') {
      const node = this.record.fit?.call ?? (this.dataset.loadCall as SyntaxNode);
      this.context.sink.error(
        'unknown-training-data',
        node,
        l10n.t('Gradient Flow cannot tell which columns of {0} are the features and which is the label. Select them by column, such as X = df.drop(\'label\', axis=1) and y = df[\'label\'], or X = data[:, :-1] and y = data[:, -1].', source.read.path),
      );
      return undefined;
    }
    const namesWithoutHeader = [labelColumn, ...(features.kind === 'columns' ? features.columns : features.columns)].filter((column) => typeof column === 'string');
    if (!source.read.hasHeader && namesWithoutHeader.length > 0) {
      this.context.sink.error(
        'unknown-training-data',
        this.dataset.loadCall as SyntaxNode,
        l10n.t('{0} is read without a header row, so its columns have numbers, not names such as \'{1}\'. Read the header, or select the columns by number.', source.read.path, String(namesWithoutHeader[0])),
      );
      return undefined;
    }

    const csv: CsvSource = {
      path: source.read.path,
      delimiter: source.read.delimiter,
      skipRows: source.read.skipRows,
      labelColumn,
      testFraction: split?.testSize ?? 0,
      ...(features.kind === 'columns' ? { featureColumns: [...features.columns] } : {}),
      ...(features.kind === 'drop' && !sameColumns(features.columns, [labelColumn]) ? { dropColumns: [...features.columns] } : {}),
      ...(split?.randomState !== undefined ? { randomState: split.randomState } : {}),
    };
    return csv;
  }

  /** Returns the array that `fit` trains on, which must come from the training part of the loaded data. */
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
    const value = lookup.kind === 'data' ? lookup.value : undefined;
    let array: DataArray | undefined;
    if (value && role === 'images') {
      array = this.dataset.asInputs(value);
    } else if (value?.kind === 'array') {
      array = value;
    }
    if (array && array.role === role && array.split !== 'test') {
      return array;
    }
    this.context.sink.error(
      'unknown-training-data',
      node,
      role === 'images'
        ? l10n.t('Gradient Flow cannot trace `{0}` back to the training inputs of the data the file loads, so it does not know what fit() trains on. It follows data through assignments, but not through the value a function returns or an attribute such as self.x_train: load and preprocess the data in the function that calls fit(), or at the top level of the file, and pass x_train (or X_train from train_test_split).', this.context.snippet(node))
        : l10n.t('Gradient Flow cannot trace `{0}` back to the training labels of the data the file loads, so it does not know what fit() trains on. It follows data through assignments, but not through the value a function returns or an attribute such as self.y_train: load the labels in the function that calls fit(), or at the top level of the file, and pass y_train or to_categorical(y_train).', this.context.snippet(node)),
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

  /**
   * Reports an input shape with another number of values than one example, which the
   * trainer cannot reshape, and notes a shape Keras would reject although the trainer
   * reshapes to it. Keras 3 itself adds or drops a trailing axis of size 1.
   */
  private checkInputShape(spec: DatasetSpec, inputShape: readonly number[]): void {
    const exampleShape = fittedExampleShape(spec) ?? this.csvExampleShape(spec);
    if (!exampleShape) {
      return;
    }
    const arrays = this.record.fit?.imagesNode ? this.context.snippet(this.record.fit.imagesNode) : 'x_train';
    if (elementCount(exampleShape) !== elementCount(inputShape)) {
      this.context.sink.error(
        'input-shape-mismatch',
        this.inputSpan,
        l10n.t(
          'The model expects inputs of shape {0}, {1} values per example, but each example of `{2}` has shape {3}, {4} values. Give the first layer input_shape={3}, or reshape the data to the input shape.',
          formatShape(inputShape),
          elementCount(inputShape),
          arrays,
          formatShape(exampleShape),
          elementCount(exampleShape),
        ),
      );
      return;
    }
    if (!sameShape(exampleShape, inputShape) && !differOnlyInTrailingOne(exampleShape, inputShape)) {
      this.context.sink.information(
        'input-reshaped',
        this.inputSpan,
        l10n.t(
          'Each example of `{0}` has shape {1}, but the model expects {2}. Keras would raise ValueError in fit(); Gradient Flow reshapes each example to {2}, as {0}.reshape(-1, {3}) would.',
          arrays,
          formatShape(exampleShape),
          formatShape(inputShape),
          inputShape.join(', '),
        ),
      );
    }
  }

  /** Returns a CSV file's example shape, known only when the file lists its feature columns. */
  private csvExampleShape(spec: DatasetSpec): readonly number[] | undefined {
    return spec.csv?.featureColumns ? [spec.csv.featureColumns.length] : undefined;
  }

  private rangeOf(span: Span): SourceRange {
    return this.context.source.rangeOf(span);
  }
}

/** Keras 3 adapts `(28, 28)` data to a `(28, 28, 1)` input, and the reverse. */
function differOnlyInTrailingOne(a: readonly number[], b: readonly number[]): boolean {
  const [longer, shorter] = a.length > b.length ? [a, b] : [b, a];
  return longer.length === shorter.length + 1 && longer[longer.length - 1] === 1 && sameShape(longer.slice(0, -1), shorter);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, index) => size === b[index]);
}

function sameColumns(a: readonly Column[], b: readonly Column[]): boolean {
  return a.length === b.length && a.every((column, index) => column === b[index]);
}
