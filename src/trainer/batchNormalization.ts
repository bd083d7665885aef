/**
 * Keras 3 `BatchNormalization` on one feature axis (by default the last). In training it
 * normalizes with the batch's mean and variance and moves the moving averages toward them.
 * In inference, and for a layer with `trainable=False` as in Keras 3, it normalizes with the
 * moving averages.
 */
import * as l10n from '@vscode/l10n';
import type * as tfCore from '@tensorflow/tfjs-core';
import { normalizeAxis } from '../common/layerShapes';
import type { LayerSpec } from '../common/modelSpec';
import { TrainerError } from './errors';
import type { LayerBuildContext, LayerImplementation } from './layers/types';
import { createWeight, isTrainable } from './layers/weights';
import type { Tf } from './tensorflow';

/** The weights and options of one built BatchNormalization layer. */
export interface BatchNormalizationParts {
  /** Scale γ; undefined with `scale=False`. */
  readonly gamma?: tfCore.Variable;
  /** Offset β; undefined with `center=False`. */
  readonly beta?: tfCore.Variable;
  readonly movingMean: tfCore.Variable;
  readonly movingVariance: tfCore.Variable;
  readonly momentum: number;
  readonly epsilon: number;
  /** The normalized axis, counting the batch axis as 0. */
  readonly axis: number;
  /** False for `trainable=False`, which Keras 3 runs in inference mode even while training. */
  readonly trainable: boolean;
}

export interface BatchNormalizationOptions {
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
}

/**
 * Reads the layer's options from its spec, with Keras's defaults (momentum 0.99, epsilon
 * 0.001, center and scale on) where the spec leaves them out. The shape inference checks `axis`.
 * @throws TrainerError for an option out of range.
 */
export function batchNormalizationOptions(spec: LayerSpec, specIndex: number): BatchNormalizationOptions {
  const { momentum = 0.99, epsilon = 0.001, center = true, scale = true } = spec.config;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new TrainerError(l10n.t('BatchNormalization {0} needs a momentum from 0 to 1, got {1}.', spec.name, String(momentum)), specIndex);
  }
  if (typeof epsilon !== 'number' || !(epsilon > 0)) {
    throw new TrainerError(l10n.t('BatchNormalization {0} needs a positive epsilon, got {1}.', spec.name, String(epsilon)), specIndex);
  }
  return { momentum, epsilon, center: center !== false, scale: scale !== false };
}

/**
 * Builds the layer with Keras 3's initial values: γ ones, β zeros, moving mean zeros and
 * moving variance ones, or the `*_initializer` options the file sets.
 */
export function buildBatchNormalization(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex, shape } = context;
  const options = batchNormalizationOptions(spec, specIndex);
  const input = shape.inputShapes[0];
  const axis = normalizeAxis(spec, specIndex, input, typeof spec.config.axis === 'number' ? spec.config.axis : -1) + 1;
  const features = [input[axis - 1]];

  const gamma = options.scale ? createWeight(context, 'gamma', features, 'gamma_initializer', 'ones') : undefined;
  const beta = options.center ? createWeight(context, 'beta', features, 'beta_initializer', 'zeros') : undefined;
  const movingMean = createWeight(context, 'moving_mean', features, 'moving_mean_initializer', 'zeros', false);
  const movingVariance = createWeight(context, 'moving_variance', features, 'moving_variance_initializer', 'ones', false);
  const parts: BatchNormalizationParts = {
    gamma,
    beta,
    movingMean,
    movingVariance,
    momentum: options.momentum,
    epsilon: options.epsilon,
    axis,
    trainable: isTrainable(context),
  };
  const trainable = [gamma, beta].filter((variable): variable is tfCore.Variable => variable !== undefined);

  return {
    call: ([x], { training }) => batchNormalizationForward(tf, x, parts, training),
    variables: [...trainable, movingMean, movingVariance],
    trainableVariables: parts.trainable ? trainable : [],
    kernel: gamma,
    bias: beta,
    activation: 'linear',
    units: features[0],
    batchNormalization: parts,
  };
}

/**
 * Computes γ·(x − mean)/√(variance + ε) + β over every axis but the feature axis. In
 * training, mean and variance are the batch's (biased variance, as Keras 3 computes it), and
 * the moving averages become moving·momentum + batch·(1 − momentum) right away, as in Keras,
 * whether or not the optimizer applies the step afterwards.
 */
export function batchNormalizationForward(tf: Tf, x: tfCore.Tensor, parts: BatchNormalizationParts, training: boolean): tfCore.Tensor {
  const axes = Array.from({ length: x.rank }, (_, axis) => axis).filter((axis) => axis !== parts.axis);
  // Per-feature vectors broadcast along the feature axis, which need not be the last.
  const broadcastShape = Array.from({ length: x.rank }, (_, axis) => (axis === parts.axis ? x.shape[axis] : 1));
  const feature = (vector: tfCore.Tensor): tfCore.Tensor => (parts.axis === x.rank - 1 ? vector : tf.reshape(vector, broadcastShape));

  let mean: tfCore.Tensor;
  let variance: tfCore.Tensor;
  if (training && parts.trainable) {
    ({ mean, variance } = tf.moments(x, axes));
    updateMovingAverage(tf, parts.movingMean, mean, parts.momentum);
    updateMovingAverage(tf, parts.movingVariance, variance, parts.momentum);
  } else {
    mean = parts.movingMean;
    variance = parts.movingVariance;
  }

  let inverse: tfCore.Tensor = tf.rsqrt(tf.add(variance, parts.epsilon));
  if (parts.gamma) {
    inverse = tf.mul(inverse, parts.gamma);
  }
  let offset: tfCore.Tensor = tf.neg(tf.mul(mean, inverse));
  if (parts.beta) {
    offset = tf.add(offset, parts.beta);
  }
  return tf.add(tf.mul(x, feature(inverse)), feature(offset));
}

/** Moves `moving` toward the batch value. The update is not part of the loss, so backpropagation skips it. */
function updateMovingAverage(tf: Tf, moving: tfCore.Variable, batchValue: tfCore.Tensor, momentum: number): void {
  tf.tidy(() => moving.assign(tf.add(tf.mul(moving, momentum), tf.mul(batchValue, 1 - momentum))));
}
