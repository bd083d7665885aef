/**
 * Turns a loaded dataset into the arrays `fit` receives: optional limits for quick runs, the
 * Keras validation split, and batches built on demand from the stored values (a float copy of
 * the whole MNIST training set would take 188 MB). Each example is reshaped to the model's
 * input shape, which must hold the same number of values.
 */
import * as l10n from '@vscode/l10n';
import type * as tfCore from '@tensorflow/tfjs-core';
import { elementCount, fittedExampleShape } from '../common/datasetShapes';
import type { DatasetSpec, FitSpec, ModelSpec } from '../common/modelSpec';
import type { DataSplit } from './datasets/types';
import { TrainerError } from './errors';
import type { Tf } from './tensorflow';

/** Classes of MNIST; batches of a source without `targets` are one-hot over this many. */
const DEFAULT_ONE_HOT_DEPTH = 10;

/**
 * The encoding of labels in the `y` tensor. The losses take class labels one-hot, so
 * `sparse_categorical_crossentropy` labels and `to_categorical` labels are both one-hot
 * here, `[examples, depth]`. Any other loss receives the label values as the file passes
 * them, `[examples, 1]`, as Keras does for `binary_crossentropy` on 0/1 labels.
 */
export type TargetEncoding = { readonly kind: 'one-hot'; readonly depth: number } | { readonly kind: 'value' };

/** A split and how its labels are encoded. */
export interface ExampleSource extends DataSplit {
  /** Undefined means one-hot over MNIST's ten classes. */
  readonly targets?: TargetEncoding;
}

/** A set of examples: indices into one split. */
export interface ExampleSet {
  readonly source: ExampleSource;
  readonly indices: Int32Array;
}

export interface PreparedDataset {
  readonly train: ExampleSet;
  readonly validation?: ExampleSet;
  readonly test: ExampleSet;
}

export interface DatasetLimits {
  /** Use only the first N training examples, before the validation split. */
  readonly trainLimit?: number;
  /** Use only the first N test examples. */
  readonly testLimit?: number;
}

/**
 * Applies the limits and the validation settings of `fit`. `targets` sets how labels are
 * encoded in every batch; see `targetEncoding`.
 * @throws TrainerError when no training or test example is left, or the validation split
 * leaves no training or no validation example.
 */
export function prepareDataset(
  data: { readonly train: DataSplit; readonly test: DataSplit },
  fit: FitSpec,
  limits: DatasetLimits,
  targets?: TargetEncoding,
): PreparedDataset {
  const trainSource: ExampleSource = targets ? { ...data.train, targets } : data.train;
  const testSource: ExampleSource = targets ? { ...data.test, targets } : data.test;
  const trainCount = limitCount(data.train.count, limits.trainLimit);
  const testCount = limitCount(data.test.count, limits.testLimit);
  if (trainCount === 0 || testCount === 0) {
    // Keras raises on empty arrays too; training on none would report NaN losses.
    throw new TrainerError(
      l10n.t(
        'The dataset is empty: {0} training and {1} test examples are selected, and training needs at least one of each.',
        trainCount,
        testCount,
      ),
    );
  }
  const test: ExampleSet = { source: testSource, indices: range(0, testCount) };

  if (fit.validationOnTest) {
    return { train: { source: trainSource, indices: range(0, trainCount) }, validation: test, test };
  }
  if (fit.validationSplit <= 0) {
    return { train: { source: trainSource, indices: range(0, trainCount) }, test };
  }

  const splitAt = validationSplitIndex(trainCount, fit.validationSplit);
  return {
    train: { source: trainSource, indices: range(0, splitAt) },
    validation: { source: trainSource, indices: range(splitAt, trainCount) },
    test,
  };
}

/**
 * Returns where Keras cuts the arrays for `validation_split`: the first
 * `floor(count × (1 − split))` examples train and the rest validate, before any shuffling.
 * @throws TrainerError when either part would be empty, as Keras raises then too.
 */
export function validationSplitIndex(count: number, validationSplit: number): number {
  const splitAt = Math.floor(count * (1 - validationSplit));
  if (splitAt <= 0 || splitAt >= count) {
    throw new TrainerError(
      l10n.t({
        message:
          'validation_split={0} leaves no training or no validation examples out of {1}. Use a value between 0 and 1 that keeps both parts non-empty.',
        args: [validationSplit, count],
        comment: ['validation_split is the Keras argument name: keep it untranslated. {1} is a number of examples.'],
      }),
    );
  }
  return splitAt;
}

/**
 * Checks the pixel scaling before any batch is built: a divisor of 0, a negative one or a
 * non-finite one would feed NaN or infinite inputs to every layer.
 * @throws TrainerError naming the divisor.
 */
export function checkPixelScaling(dataset: DatasetSpec): void {
  if (!(Number.isFinite(dataset.pixelDivisor) && dataset.pixelDivisor > 0)) {
    throw new TrainerError(
      l10n.t(
        'The pixels are divided by {0}, which makes the inputs NaN or infinite. Divide x_train and x_test by 255.0 instead.',
        String(dataset.pixelDivisor),
      ),
    );
  }
}

/**
 * Checks that one example has as many values as the model's input, so that it can be
 * reshaped to it. `exampleShape` defaults to what the spec says about the dataset; CSV files
 * are checked once read.
 * @throws TrainerError at the input layer, naming both shapes.
 */
export function checkInputMatchesData(
  spec: ModelSpec,
  exampleShape: readonly number[] | undefined = fittedExampleShape(spec.dataset),
  displayName: string = datasetDisplayName(spec.dataset),
): void {
  if (!exampleShape) {
    return;
  }
  const inputValues = elementCount(spec.inputShape);
  const exampleValues = elementCount(exampleShape);
  if (inputValues === exampleValues) {
    return;
  }
  const inputIndex = spec.layers.findIndex((layer) => layer.className === 'InputLayer');
  throw new TrainerError(
    l10n.t({
      message:
        'The model expects inputs of shape ({0}), {1} values per example, but each {2} example has shape {3} = {4} values. Give the model an input shape with {4} values, such as input_shape=({5}).',
      args: [
        spec.inputShape.join(', '),
        inputValues,
        displayName,
        exampleShape.join('×'),
        exampleValues,
        exampleShape.length === 1 ? `${exampleShape[0]},` : exampleShape.join(', '),
      ],
      comment: ['{0} and {5} are shapes such as "28, 28"; {3} is a shape such as 28×28. input_shape is Keras code: keep it untranslated.'],
    }),
    inputIndex >= 0 ? inputIndex : 0,
  );
}

/**
 * Returns how labels are encoded for `spec`'s loss: one-hot for the categorical crossentropies,
 * over the model's output units for sparse labels (Keras one-hot encodes them to the output's
 * width) and over the dataset's classes for `to_categorical` labels.
 * @throws TrainerError when a label cannot be encoded: a sparse label that is not a whole
 * number in [0, depth), or class labels for a dataset whose labels are not classes.
 */
export function targetEncoding(
  spec: ModelSpec,
  data: { readonly classes: number; readonly displayName: string; readonly train: DataSplit; readonly test: DataSplit },
  outputShape: readonly number[],
): TargetEncoding {
  const sparse = spec.compile.loss === 'sparse_categorical_crossentropy';
  if (!sparse && !spec.dataset.oneHotLabels) {
    return { kind: 'value' };
  }
  if (data.classes === 0) {
    throw new TrainerError(
      l10n.t(
        'The labels of {0} are not class numbers 0, 1, 2, ..., so they cannot be one-hot encoded for {1}. Use a regression loss such as mean_squared_error, or labels that are whole numbers from 0.',
        data.displayName,
        sparse ? 'sparse_categorical_crossentropy' : 'to_categorical',
      ),
    );
  }
  const outputUnits = outputShape.length === 1 ? outputShape[0] : undefined;
  const depth = sparse && outputUnits !== undefined ? outputUnits : data.classes;
  if (sparse) {
    checkLabelsBelow(data.train, depth, data.displayName);
    checkLabelsBelow(data.test, depth, data.displayName);
  }
  return { kind: 'one-hot', depth };
}

function checkLabelsBelow(split: DataSplit, depth: number, displayName: string): void {
  for (let i = 0; i < split.count; i++) {
    const label = split.labels[i];
    if (!(Number.isInteger(label) && label >= 0 && label < depth)) {
      throw new TrainerError(
        l10n.t(
          'Example {0} of {1} has the label {2}, but sparse_categorical_crossentropy with {3} output units needs class numbers from 0 to {4}. Give the last layer as many units as there are classes.',
          i + 1,
          displayName,
          label,
          depth,
          depth - 1,
        ),
      );
    }
  }
}

/** Returns the name messages use for a dataset. */
export function datasetDisplayName(dataset: DatasetSpec): string {
  switch (dataset.name) {
    case 'mnist':
      return 'MNIST';
    case 'fashion_mnist':
      return 'Fashion-MNIST';
    case 'cifar10':
      return 'CIFAR-10';
    case 'csv':
      return dataset.csv?.path ?? 'CSV';
    default:
      return dataset.name;
  }
}

export interface Batch {
  /** Inputs divided by the dataset's divisor, shaped `[examples, ...inputShape]`. */
  readonly x: tfCore.Tensor;
  /** Labels in the source's `TargetEncoding`: `[examples, depth]` one-hot or `[examples, 1]` values. */
  readonly y: tfCore.Tensor2D;
}

/**
 * Builds the tensors for `indices[start, end)` of `examples`; the caller disposes them.
 * `inputShape` must hold as many values as one example of the source.
 */
export function makeBatch(
  tf: Tf,
  examples: ExampleSet,
  start: number,
  end: number,
  inputShape: readonly number[],
  dataset: DatasetSpec,
): Batch {
  const size = end - start;
  const { features, labels: sourceLabels, count } = examples.source;
  const exampleSize = count > 0 ? features.length / count : 0;
  const inputs = new Float32Array(size * exampleSize);
  const labels = new Float32Array(size);

  for (let row = 0; row < size; row++) {
    const example = examples.indices[start + row];
    const offset = example * exampleSize;
    const target = row * exampleSize;
    for (let i = 0; i < exampleSize; i++) {
      inputs[target + i] = features[offset + i] / dataset.pixelDivisor;
    }
    labels[row] = sourceLabels[example];
  }

  const targets = examples.source.targets ?? { kind: 'one-hot', depth: DEFAULT_ONE_HOT_DEPTH };
  return tf.tidy(() => ({
    x: tf.tensor(inputs, [size, ...inputShape]),
    y:
      targets.kind === 'one-hot'
        ? (tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), targets.depth), 'float32') as tfCore.Tensor2D)
        : tf.tensor2d(labels, [size, 1]),
  }));
}

function limitCount(count: number, limit: number | undefined): number {
  return limit === undefined ? count : Math.max(0, Math.min(count, Math.floor(limit)));
}

function range(start: number, end: number): Int32Array {
  const values = new Int32Array(Math.max(0, end - start));
  for (let i = 0; i < values.length; i++) {
    values[i] = start + i;
  }
  return values;
}
