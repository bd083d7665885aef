/**
 * Per-layer statistics of one training step, computed as tensors from what the step already
 * has (the layer outputs, the weight gradients and the gradients at the output probes) and
 * read back in one transfer for all layers.
 */
import type * as tfCore from '@tensorflow/tfjs-core';
import { HISTOGRAM_BINS, type LayerStatistics } from '../common/statistics';
import { activationFamily, boundedRange } from './activations';
import type { TrackedLayerState } from './model';
import type { Tf } from './tensorflow';

/** Within this distance of an asymptote a sigmoid or tanh output counts as saturated. */
export const SATURATION_MARGIN = 0.01;

/** Position of each statistic in a layer's flat vector; the histogram follows them. */
const SLOT = {
  weightGradNorm: 0,
  weightGradMeanAbs: 1,
  biasGradNorm: 2,
  gradNonFinite: 3,
  outputGradNorm: 4,
  activationMean: 5,
  activationStd: 6,
  histogramMin: 7,
  histogramMax: 8,
  saturatedFraction: 9,
  deadFraction: 10,
  updateRatio: 11,
  histogram: 12,
} as const;

/** Numbers each layer contributes to the read-back vector. */
export const VALUES_PER_LAYER = SLOT.histogram + HISTOGRAM_BINS;

export interface LayerStatisticsInputs {
  readonly state: TrackedLayerState;
  /** The layer's output for the batch. */
  readonly output: tfCore.Tensor;
  /** ∂L/∂output, the gradient at the layer's probe. */
  readonly outputGradient: tfCore.Tensor;
  /** ∂L/∂kernel and ∂L/∂bias; undefined when the layer has no such weight. */
  readonly kernelGradient?: tfCore.Tensor;
  readonly biasGradient?: tfCore.Tensor;
}

/** Returns one layer's statistics as a vector of VALUES_PER_LAYER numbers, in SLOT order. */
export function layerStatisticsTensor(tf: Tf, inputs: LayerStatisticsInputs, learningRate: number): tfCore.Tensor1D {
  return tf.tidy(() => {
    const { state, output, outputGradient, kernelGradient, biasGradient } = inputs;
    const nan = tf.scalar(NaN);
    const family = activationFamily(state.info.activation);

    const kernelGradNorm = kernelGradient ? l2Norm(tf, kernelGradient) : nan;
    // g·0 is NaN exactly where g is NaN or ±Inf, and one isNaN is cheaper than isNaN plus isInf.
    const nonFinite = [kernelGradient, biasGradient]
      .filter((gradient): gradient is tfCore.Tensor => gradient !== undefined)
      .map((gradient) => tf.sum(tf.cast(tf.isNaN(tf.mul(gradient, 0)), 'float32')));
    const updateRatio =
      kernelGradient && state.kernel
        ? state.trainable
          ? tf.div(tf.mul(kernelGradNorm, learningRate), l2Norm(tf, state.kernel))
          : tf.scalar(0)
        : nan;

    const values = tf.reshape(output, [-1]);
    const { mean, variance } = tf.moments(values);
    const [low, high] = histogramRange(tf, values, state.info.activation);

    const scalars = [
      kernelGradNorm,
      kernelGradient ? tf.mean(tf.abs(kernelGradient)) : nan,
      biasGradient ? l2Norm(tf, biasGradient) : nan,
      nonFinite.length > 0 ? tf.addN(nonFinite) : nan,
      l2Norm(tf, outputGradient),
      mean,
      tf.sqrt(variance),
      low,
      high,
      family === 'sigmoid' || family === 'tanh' ? saturatedFraction(tf, values, family) : nan,
      family === 'relu' ? deadFraction(tf, output, state.channelAxis) : nan,
      updateRatio,
    ].map((scalar) => tf.reshape(scalar, [1]));

    return tf.concat([...scalars, histogram(tf, values, low, high)]) as tfCore.Tensor1D;
  });
}

/** Reads one layer's statistics from the read-back vector at `offset`. */
export function decodeLayerStatistics(values: ArrayLike<number>, offset: number, state: TrackedLayerState): LayerStatistics {
  const at = (slot: number): number => values[offset + slot];
  const family = activationFamily(state.info.activation);
  const histogram: number[] = [];
  for (let bin = 0; bin < HISTOGRAM_BINS; bin++) {
    histogram.push(at(SLOT.histogram + bin));
  }

  return {
    weightGradNorm: at(SLOT.weightGradNorm),
    weightGradMeanAbs: at(SLOT.weightGradMeanAbs),
    biasGradNorm: at(SLOT.biasGradNorm),
    gradNonFinite: state.kernel ? at(SLOT.gradNonFinite) : 0,
    outputGradNorm: at(SLOT.outputGradNorm),
    activationMean: at(SLOT.activationMean),
    activationStd: at(SLOT.activationStd),
    histogram,
    histogramMin: at(SLOT.histogramMin),
    histogramMax: at(SLOT.histogramMax),
    saturatedFraction: family === 'sigmoid' || family === 'tanh' ? at(SLOT.saturatedFraction) : null,
    deadFraction: family === 'relu' ? at(SLOT.deadFraction) : null,
    updateRatio: at(SLOT.updateRatio),
  };
}

/**
 * Returns the 0-based batches of an epoch that get statistics: `samplesPerEpoch` of them
 * spread evenly, always including the first and the last batch. A `samplesPerEpoch` below 1
 * turns statistics off, and one of at least `stepsPerEpoch` samples every batch.
 */
export function sampledBatches(stepsPerEpoch: number, samplesPerEpoch: number): Set<number> {
  const batches = new Set<number>();
  if (stepsPerEpoch <= 0 || !(samplesPerEpoch >= 1)) {
    return batches;
  }
  const count = Math.max(2, Math.min(stepsPerEpoch, Math.floor(samplesPerEpoch)));
  for (let i = 0; i < count; i++) {
    batches.add(Math.round((i * (stepsPerEpoch - 1)) / (count - 1)));
  }
  return batches;
}

/**
 * Returns the histogram range: the output range of bounded activations (sigmoid [0, 1],
 * tanh [−1, 1]) so that histograms of different steps line up, else the batch's min and max.
 */
function histogramRange(tf: Tf, values: tfCore.Tensor, activation: string): [tfCore.Scalar, tfCore.Scalar] {
  const bounds = boundedRange(activation);
  if (bounds) {
    return [tf.scalar(bounds[0]), tf.scalar(bounds[1])];
  }
  const low = tf.min(values) as tfCore.Scalar;
  const max = tf.max(values) as tfCore.Scalar;
  // A constant output (a dead ReLU layer) gets a range of width 1 so the bins stay finite.
  const high = tf.where(tf.greater(max, low), max, tf.add(low, 1)) as tfCore.Scalar;
  return [low, high];
}

/** Fraction of values in each of HISTOGRAM_BINS equal bins over [low, high]; values outside go to the end bins. */
function histogram(tf: Tf, values: tfCore.Tensor, low: tfCore.Scalar, high: tfCore.Scalar): tfCore.Tensor1D {
  const scaled = tf.div(tf.sub(values, low), tf.sub(high, low));
  const bins = tf.cast(tf.clipByValue(tf.floor(tf.mul(scaled, HISTOGRAM_BINS)), 0, HISTOGRAM_BINS - 1), 'int32');
  const counts = tf.bincount(tf.reshape(bins, [-1]) as tfCore.Tensor1D, [], HISTOGRAM_BINS);
  return tf.div(tf.cast(counts, 'float32'), values.size) as tfCore.Tensor1D;
}

/** Euclidean norm over all entries; `tf.norm` computes the same but runs about 10× slower on wasm. */
function l2Norm(tf: Tf, x: tfCore.Tensor): tfCore.Scalar {
  return tf.sqrt(tf.sum(tf.square(x))) as tfCore.Scalar;
}

function saturatedFraction(tf: Tf, values: tfCore.Tensor, family: 'sigmoid' | 'tanh'): tfCore.Scalar {
  const lowAsymptote = family === 'sigmoid' ? 0 : -1;
  const nearLow = tf.lessEqual(values, lowAsymptote + SATURATION_MARGIN);
  const nearHigh = tf.greaterEqual(values, 1 - SATURATION_MARGIN);
  return tf.mean(tf.cast(tf.logicalOr(nearLow, nearHigh), 'float32')) as tfCore.Scalar;
}

/**
 * Fraction of units or channels (entries along `channelAxis`) that output 0 at every other
 * position of every example in the batch: a Dense unit, a Conv2D filter over all pixels, a
 * recurrent unit over all timesteps.
 */
function deadFraction(tf: Tf, output: tfCore.Tensor, channelAxis: number): tfCore.Scalar {
  const last = output.rank - 1;
  const channelsLast =
    channelAxis === last
      ? output
      : tf.transpose(output, [...Array.from({ length: output.rank }, (_, axis) => axis).filter((axis) => axis !== channelAxis), channelAxis]);
  const perChannel = tf.reshape(channelsLast, [-1, output.shape[channelAxis]]);
  const largest = tf.max(tf.abs(perChannel), 0);
  return tf.mean(tf.cast(tf.equal(largest, 0), 'float32')) as tfCore.Scalar;
}
