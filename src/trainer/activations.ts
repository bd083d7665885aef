/** Keras activation names, their tfjs counterparts, and what the statistics measure for each. */
import * as l10n from '@vscode/l10n';
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
}

/**
 * Resolves the `activation` option of a Keras layer; `None` or a missing value is `linear`.
 * @throws Error with a localized message for activations the trainer does not support.
 */
export function resolveActivation(value: unknown): Activation {
  if (value === undefined || value === null) {
    return { keras: 'linear', tfjs: 'linear' };
  }
  const name = typeof value === 'string' ? value : '';
  const tfjs = KERAS_TO_TFJS[name];
  if (tfjs === undefined) {
    throw new Error(
      l10n.t(
        'The activation {0} is not supported. Use one of: {1}.',
        JSON.stringify(value),
        Object.keys(KERAS_TO_TFJS).join(', '),
      ),
    );
  }
  return { keras: name, tfjs };
}

/** Returns the family that decides whether statistics report the saturated fraction (sigmoid, tanh), the dead fraction (ReLU), or neither. */
export function activationFamily(keras: string): 'sigmoid' | 'tanh' | 'relu' | 'other' {
  switch (keras) {
    case 'sigmoid':
    case 'tanh':
      return keras;
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
