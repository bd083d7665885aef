/**
 * Keras 3 `BatchNormalization` on the last axis. In training it normalizes with the batch's
 * mean and variance and moves the moving averages toward them. In inference it normalizes
 * with the moving averages.
 */
import * as l10n from '@vscode/l10n';
import type * as tfCore from '@tensorflow/tfjs-core';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { LayerSpec } from '../common/modelSpec';
import { TrainerError } from './errors';
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
}

export interface BatchNormalizationOptions {
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
}

/**
 * Reads the layer's options from its spec, with Keras's defaults (momentum 0.99, epsilon
 * 0.001, center and scale on) where the spec leaves them out.
 * @throws TrainerError for an axis other than the last or an option out of range.
 */
export function batchNormalizationOptions(spec: LayerSpec, specIndex: number): BatchNormalizationOptions {
  const { axis = -1, momentum = 0.99, epsilon = 0.001, center = true, scale = true } = spec.config;
  if (axis !== -1) {
    throw new TrainerError(l10n.t('BatchNormalization {0} supports only axis=-1, got {1}.', spec.name, String(axis)), specIndex);
  }
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new TrainerError(l10n.t('BatchNormalization {0} needs a momentum from 0 to 1, got {1}.', spec.name, String(momentum)), specIndex);
  }
  if (typeof epsilon !== 'number' || !(epsilon > 0)) {
    throw new TrainerError(l10n.t('BatchNormalization {0} needs a positive epsilon, got {1}.', spec.name, String(epsilon)), specIndex);
  }
  return { momentum, epsilon, center: center !== false, scale: scale !== false };
}

/**
 * Finds the variables of a built tfjs `batchNormalization` layer. tfjs initializes them as
 * Keras does: γ to ones, β and the moving mean to zeros, the moving variance to ones.
 */
export function batchNormalizationParts(layer: Layer, options: BatchNormalizationOptions): BatchNormalizationParts {
  const variable = (name: string): tfCore.Variable | undefined => layerVariable(layer, name);
  const movingMean = variable('moving_mean');
  const movingVariance = variable('moving_variance');
  if (!movingMean || !movingVariance) {
    throw new Error(`BatchNormalization ${layer.name} was built without its moving mean and variance.`);
  }
  return {
    gamma: options.scale ? variable('gamma') : undefined,
    beta: options.center ? variable('beta') : undefined,
    movingMean,
    movingVariance,
    momentum: options.momentum,
    epsilon: options.epsilon,
  };
}

/** Returns the variable of a built tfjs layer by its Keras name, such as `gamma`. */
export function layerVariable(layer: Layer, name: string): tfCore.Variable | undefined {
  return layer.weights.find((weight) => weight.originalName.endsWith(`/${name}`))?.read() as tfCore.Variable | undefined;
}

/**
 * Computes γ·(x − mean)/√(variance + ε) + β over every axis but the last. In training, mean
 * and variance are the batch's (biased variance, as Keras 3 computes it), and the moving
 * averages become moving·momentum + batch·(1 − momentum) right away, as in Keras, whether
 * or not the optimizer applies the step afterwards.
 */
export function batchNormalizationForward(tf: Tf, x: tfCore.Tensor, parts: BatchNormalizationParts, training: boolean): tfCore.Tensor {
  let mean: tfCore.Tensor;
  let variance: tfCore.Tensor;
  if (training) {
    const axes = Array.from({ length: x.rank - 1 }, (_, axis) => axis);
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
  return tf.add(tf.mul(x, inverse), offset);
}

/** Moves `moving` toward the batch value. The update is not part of the loss, so backpropagation skips it. */
function updateMovingAverage(tf: Tf, moving: tfCore.Variable, batchValue: tfCore.Tensor, momentum: number): void {
  tf.tidy(() => moving.assign(tf.add(tf.mul(moving, momentum), tf.mul(batchValue, 1 - momentum))));
}
