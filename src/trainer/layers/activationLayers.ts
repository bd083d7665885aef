/** Keras 3 activation layers: Activation, LeakyReLU, ELU, PReLU, ReLU and Softmax, each with a heatmap row. */
import type * as tfCore from '@tensorflow/tfjs-core';
import { readAxis, readEluAlpha, readLeakyReluSlope, readReluConfig, type ReluConfig } from '../../common/layerConfig';
import { normalizeAxis, preluAlphaShape } from '../../common/layerShapes';
import { applyActivation, resolveActivation } from '../activations';
import type { Tf } from '../tensorflow';
import { logitsActivationOf, type LayerBuildContext, type LayerImplementation } from './types';
import { createWeight, isTrainable } from './weights';

const NO_WEIGHTS = { variables: [], trainableVariables: [] } as const;

export function buildActivation(context: LayerBuildContext): LayerImplementation {
  const { tf, spec } = context;
  const activation = resolveActivation(spec.config.activation);
  const logitsActivation = logitsActivationOf(activation.keras);
  return {
    ...NO_WEIGHTS,
    call: ([x], { onLogits }) => {
      if (logitsActivation) {
        onLogits?.(x);
      }
      return applyActivation(tf, activation, x);
    },
    activation: activation.keras,
    logitsActivation,
  };
}

/** Keras 3 LeakyReLU: x for x ≥ 0, negative_slope·x below. */
export function buildLeakyRelu(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex } = context;
  const slope = readLeakyReluSlope(spec, specIndex);
  return { ...NO_WEIGHTS, call: ([x]) => tf.leakyRelu(x, slope), activation: 'leaky_relu' };
}

/**
 * Keras 3 ELU: x for x > 0, alpha·(exp(x) − 1) below. With alpha 1 this is tfjs's elu, and
 * with another alpha the negative part is scaled, as Keras's TensorFlow backend does.
 */
export function buildElu(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex } = context;
  const alpha = readEluAlpha(spec, specIndex);
  return {
    ...NO_WEIGHTS,
    call: ([x]) => {
      const elu = tf.elu(x);
      // (1 − alpha)·relu(x) + alpha·elu(x) is x above 0 and alpha·(exp(x) − 1) below. It avoids
      // a comparison on the gradient path, for which tfjs has no gradient.
      return alpha === 1 ? elu : tf.add(tf.mul(tf.relu(x), 1 - alpha), tf.mul(elu, alpha));
    },
    activation: 'elu',
  };
}

/**
 * Keras 3 PReLU: relu(x) − alpha·relu(−x), with one learned alpha per input position, shared
 * along `shared_axes`, starting at zeros (Keras 3 `alpha_initializer='Zeros'`).
 */
export function buildPrelu(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex, shape } = context;
  const alphaShape = preluAlphaShape(spec, specIndex, shape.inputShapes[0]);
  const alpha = createWeight(context, 'alpha', alphaShape, 'alpha_initializer', 'zeros');
  return {
    call: ([x]) => tf.sub(tf.relu(x), tf.mul(alpha, tf.relu(tf.neg(x)))),
    variables: [alpha],
    trainableVariables: isTrainable(context) ? [alpha] : [],
    kernel: alpha,
    activation: 'prelu',
  };
}

/** Keras 3 ReLU layer with `max_value`, `negative_slope` and `threshold`. */
export function buildRelu(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex } = context;
  const config = readReluConfig(spec, specIndex);
  return {
    ...NO_WEIGHTS,
    call: ([x]) => relu(tf, x, config),
    // Only without a negative slope can a unit output exactly 0 everywhere, which dead % measures.
    activation: config.negativeSlope === 0 ? 'relu' : 'leaky_relu',
  };
}

/** Keras 3 `ReLU.static_call` (keras/src/activations/activations.py), step by step. */
export function relu(tf: Tf, x: tfCore.Tensor, config: ReluConfig): tfCore.Tensor {
  const { maxValue, negativeSlope, threshold } = config;
  let negativePart: tfCore.Tensor | undefined;
  if (negativeSlope !== 0) {
    if (maxValue === null && threshold === 0) {
      return tf.leakyRelu(x, negativeSlope);
    }
    negativePart = tf.relu(threshold !== 0 ? tf.add(tf.neg(x), threshold) : tf.neg(x));
  }

  let clipMax = maxValue !== null;
  let y: tfCore.Tensor;
  if (threshold !== 0) {
    // step(x − threshold) is 1 above the threshold and 0 elsewhere, like Keras's
    // cast(x > threshold), but it has a (zero) gradient, which tfjs's comparisons lack.
    y = tf.mul(x, tf.step(tf.sub(x, threshold)));
  } else if (maxValue === 6) {
    y = tf.relu6(x);
    clipMax = false;
  } else {
    y = tf.relu(x);
  }
  if (clipMax && maxValue !== null) {
    y = tf.clipByValue(y, 0, maxValue);
  }
  if (negativePart) {
    y = tf.sub(y, tf.mul(negativePart, negativeSlope));
  }
  return y;
}

/** Keras 3 Softmax along `axis` (default -1). tfjs's softmax works on the last axis only, so other axes are transposed there. */
export function buildSoftmax(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex, shape } = context;
  const input = shape.inputShapes[0];
  const axis = normalizeAxis(spec, specIndex, input, readAxis(spec, specIndex, 'axis', -1)) + 1;
  const last = input.length;
  const lastAxis = axis === last;
  const permutation = Array.from({ length: last + 1 }, (_, i) => i);
  permutation[axis] = last;
  permutation[last] = axis;
  return {
    ...NO_WEIGHTS,
    call: ([x], { onLogits }) => {
      if (lastAxis) {
        onLogits?.(x);
        return tf.softmax(x);
      }
      return tf.transpose(tf.softmax(tf.transpose(x, permutation)), permutation);
    },
    activation: 'softmax',
    logitsActivation: lastAxis ? 'softmax' : undefined,
  };
}
