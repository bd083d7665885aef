/**
 * Turns MNIST into the arrays `fit` receives: optional limits for quick runs, the Keras
 * validation split, and batches built on demand from the 0–255 pixels (a float copy of the
 * whole training set would take 188 MB).
 */
import * as l10n from '@vscode/l10n';
import type * as tfCore from '@tensorflow/tfjs-core';
import type { DatasetSpec, FitSpec } from '../common/modelSpec';
import type { Tf } from './tensorflow';
import { TrainerError } from './errors';
import { MNIST_CLASSES, MNIST_PIXELS, type Mnist, type MnistSplit } from './mnist';

/** A set of examples: indices into one MNIST split. */
export interface ExampleSet {
  readonly source: MnistSplit;
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
 * Applies the limits and the validation settings of `fit`.
 * @throws TrainerError when no training or test example is left, or the validation split
 * leaves no training or no validation example.
 */
export function prepareDataset(mnist: Mnist, fit: FitSpec, limits: DatasetLimits): PreparedDataset {
  const trainCount = limitCount(mnist.train.count, limits.trainLimit);
  const testCount = limitCount(mnist.test.count, limits.testLimit);
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
  const test: ExampleSet = { source: mnist.test, indices: range(0, testCount) };

  if (fit.validationOnTest) {
    return { train: { source: mnist.train, indices: range(0, trainCount) }, validation: test, test };
  }
  if (fit.validationSplit <= 0) {
    return { train: { source: mnist.train, indices: range(0, trainCount) }, test };
  }

  const splitAt = validationSplitIndex(trainCount, fit.validationSplit);
  return {
    train: { source: mnist.train, indices: range(0, splitAt) },
    validation: { source: mnist.train, indices: range(splitAt, trainCount) },
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

export interface Batch {
  /** Pixels divided by the dataset's divisor, shaped `[examples, ...inputShape]`. */
  readonly x: tfCore.Tensor;
  /** One-hot labels `[examples, 10]`. */
  readonly y: tfCore.Tensor2D;
}

/**
 * Builds the tensors for `indices[start, end)` of `examples`; the caller disposes them.
 * `inputShape` must hold 784 values per example.
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
  const pixels = new Float32Array(size * MNIST_PIXELS);
  const labels = new Int32Array(size);
  const { images, labels: sourceLabels } = examples.source;

  for (let row = 0; row < size; row++) {
    const example = examples.indices[start + row];
    const offset = example * MNIST_PIXELS;
    const target = row * MNIST_PIXELS;
    for (let i = 0; i < MNIST_PIXELS; i++) {
      pixels[target + i] = images[offset + i] / dataset.pixelDivisor;
    }
    labels[row] = sourceLabels[example];
  }

  return tf.tidy(() => ({
    x: tf.tensor(pixels, [size, ...inputShape]),
    y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), MNIST_CLASSES), 'float32') as tfCore.Tensor2D,
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
