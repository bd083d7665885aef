/** Keras activation names, their tfjs counterparts, and what the statistics measure for each. */
import * as l10n from '@vscode/l10n';
import type * as tfCore from '@tensorflow/tfjs-core';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology';
import { relu } from './layers/activationLayers';
import type { Tf } from './tensorflow';

type TfjsActivation = NonNullable<Parameters<Tf['layers']['activation']>[0]['activation']>;

/**
 * Keras names the trainer supports. Keras `hard_sigmoid` is left out on purpose: Keras 3
 * computes relu6(x + 3) / 6, while tfjs's `hardSigmoid` computes clip(0.2x + 0.5, 0, 1).
 */
const KERAS_TO_TFJS: Readonly<Record<string, TfjsActivation>> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  softmax: 'softmax',
  tanh: 'tanh',
  elu: 'elu',
  selu: 'selu',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
  silu: 'swish',
  // Both compute the exact x·Φ(x) with erf, the Keras default `approximate=False`.
  gelu: 'gelu',
  mish: 'mish',
};

export interface Activation {
  /** Keras name, as shown to the user. */
  readonly keras: string;
  readonly tfjs: TfjsActivation;
  /** Set for activations with settings, such as LeakyReLU(negative_slope=0.1); `tfjs` is then unused. */
  readonly apply?: (tf: Tf, x: tfCore.Tensor) => tfCore.Tensor;
}

/** Keras 3 `keras.activations.leaky_relu` default slope; the LeakyReLU layer's default is 0.3. */
const LEAKY_RELU_FUNCTION_SLOPE = 0.2;

/**
 * Resolves the `activation` option of a Keras layer; `None` or a missing value is `linear`.
 * @throws Error with a localized message for activations the trainer does not support.
 */
export function resolveActivation(value: unknown): Activation {
  if (value === undefined || value === null) {
    return { keras: 'linear', tfjs: 'linear' };
  }
  const configured = configuredActivation(value);
  if (configured) {
    return configured;
  }
  const name = typeof value === 'string' ? value : '';
  const tfjs = KERAS_TO_TFJS[name];
  if (tfjs === undefined) {
    throw new Error(
      l10n.t(
        'The activation {0} is not supported. Use one of: {1}.',
        JSON.stringify(value),
        [...Object.keys(KERAS_TO_TFJS), 'leaky_relu'].join(', '),
      ),
    );
  }
  return { keras: name, tfjs };
}

/**
 * Reads the activations Keras 3 accepts beyond plain names: the string `leaky_relu`, and
 * activation layers passed as `activation=` (`LeakyReLU()`, `ReLU(max_value=...)`, `ELU(alpha=...)`),
 * which the parser stores as `{ class_name, config }`.
 */
function configuredActivation(value: unknown): Activation | undefined {
  if (value === 'leaky_relu') {
    return { keras: 'leaky_relu', tfjs: 'linear', apply: (tf, x) => tf.leakyRelu(x, LEAKY_RELU_FUNCTION_SLOPE) };
  }
  if (typeof value !== 'object' || value === null || !('class_name' in value)) {
    return undefined;
  }
  const { class_name: className, config = {} } = value as { class_name: unknown; config?: Record<string, unknown> };
  const numberOr = (key: string, fallback: number): number => (typeof config[key] === 'number' ? (config[key] as number) : fallback);
  switch (className) {
    case 'LeakyReLU': {
      const slope = numberOr('negative_slope', 0.3);
      return { keras: 'leaky_relu', tfjs: 'linear', apply: (tf, x) => tf.leakyRelu(x, slope) };
    }
    case 'ReLU': {
      const reluConfig = {
        maxValue: typeof config.max_value === 'number' ? config.max_value : null,
        negativeSlope: numberOr('negative_slope', 0),
        threshold: numberOr('threshold', 0),
      };
      return { keras: reluConfig.negativeSlope === 0 ? 'relu' : 'leaky_relu', tfjs: 'linear', apply: (tf, x) => relu(tf, x, reluConfig) };
    }
    case 'ELU': {
      const alpha = numberOr('alpha', 1);
      return {
        keras: 'elu',
        tfjs: 'linear',
        apply: (tf, x) => {
          const elu = tf.elu(x);
          // (1 − alpha)·relu(x) + alpha·elu(x) is x above 0 and alpha·(exp(x) − 1) below. It avoids
      // a comparison on the gradient path, for which tfjs has no gradient.
      return alpha === 1 ? elu : tf.add(tf.mul(tf.relu(x), 1 - alpha), tf.mul(elu, alpha));
        },
      };
    }
    default:
      return undefined;
  }
}

const activationLayers = new WeakMap<Tf, Map<TfjsActivation, Layer>>();

/** Applies `activation` to `x` with tfjs-layers' implementation, which has no weights and is shared. */
export function applyActivation(tf: Tf, activation: Activation, x: tfCore.Tensor): tfCore.Tensor {
  if (activation.apply) {
    return activation.apply(tf, x);
  }
  // tfjs-layers computes these three with the same core ops, so calling them directly skips
  // the layer's per-call bookkeeping, which recurrent layers pay at every timestep.
  switch (activation.tfjs) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
  }
  let layers = activationLayers.get(tf);
  if (!layers) {
    layers = new Map();
    activationLayers.set(tf, layers);
  }
  let layer = layers.get(activation.tfjs);
  if (!layer) {
    layer = tf.layers.activation({ activation: activation.tfjs });
    layers.set(activation.tfjs, layer);
  }
  return layer.apply(x) as tfCore.Tensor;
}

/** Returns the family that decides whether statistics report the saturated fraction (sigmoid, tanh), the dead fraction (ReLU), or neither. */
export function activationFamily(keras: string): 'sigmoid' | 'tanh' | 'relu' | 'other' {
  switch (keras) {
    case 'sigmoid':
    case 'tanh':
      return keras;
    // A ReLU layer reports `relu` only when its negative_slope is 0, so its units can die.
    case 'relu':
    case 'relu6':
      return 'relu';
    default:
      return 'other';
  }
}

/** Returns the output range of a bounded activation, used as a fixed histogram range, or undefined for unbounded ones. */
export function boundedRange(keras: string): readonly [number, number] | undefined {
  switch (keras) {
    case 'sigmoid':
    case 'softmax':
      return [0, 1];
    case 'tanh':
    case 'softsign':
      return [-1, 1];
    default:
      return undefined;
  }
}
