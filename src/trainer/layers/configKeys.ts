/** The Keras config keys the trainer reads per layer class, and the warning for the others. */
import * as l10n from '@vscode/l10n';
import type { LayerClassName, LayerSpec } from '../../common/modelSpec';

/** Config keys every layer may carry that do not change training. */
const COMMON_KEYS = ['name', 'trainable', 'dtype', 'input_shape', 'input_dim', 'batch_input_shape', 'batch_size'];

const RECURRENT_KEYS = [
  'units',
  'activation',
  'recurrent_activation',
  'use_bias',
  'kernel_initializer',
  'recurrent_initializer',
  'bias_initializer',
  'return_sequences',
  'return_state',
  'go_backwards',
  'stateful',
  'dropout',
  'recurrent_dropout',
  // The run seed replaces Keras's dropout seed. unroll and implementation change speed, not results.
  'seed',
  'unroll',
  'implementation',
];

/** Config keys each layer class uses. Other non-null keys get a warning that they are ignored. */
const USED_KEYS: Readonly<Record<LayerClassName, readonly string[]>> = {
  InputLayer: ['shape', 'sparse', 'ragged'],
  Flatten: ['data_format'],
  Dense: ['units', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer'],
  Activation: ['activation'],
  // Keras's own dropout seed is replaced by the run seed.
  Dropout: ['rate', 'seed'],
  BatchNormalization: [
    'axis',
    'momentum',
    'epsilon',
    'center',
    'scale',
    'beta_initializer',
    'gamma_initializer',
    'moving_mean_initializer',
    'moving_variance_initializer',
  ],
  Conv2D: [
    'filters',
    'kernel_size',
    'strides',
    'padding',
    'data_format',
    'dilation_rate',
    'groups',
    'activation',
    'use_bias',
    'kernel_initializer',
    'bias_initializer',
  ],
  MaxPooling2D: ['pool_size', 'strides', 'padding', 'data_format'],
  AveragePooling2D: ['pool_size', 'strides', 'padding', 'data_format'],
  GlobalAveragePooling2D: ['data_format', 'keepdims'],
  GlobalMaxPooling2D: ['data_format', 'keepdims'],
  Reshape: ['target_shape'],
  LeakyReLU: ['negative_slope', 'alpha'],
  ELU: ['alpha'],
  PReLU: ['alpha_initializer', 'shared_axes'],
  ReLU: ['max_value', 'negative_slope', 'threshold'],
  Softmax: ['axis'],
  SimpleRNN: RECURRENT_KEYS,
  LSTM: [...RECURRENT_KEYS, 'unit_forget_bias'],
  GRU: [...RECURRENT_KEYS, 'reset_after'],
  // Keras 3 ignores input_length, which older files still pass.
  Embedding: ['input_dim', 'output_dim', 'embeddings_initializer', 'mask_zero', 'input_length'],
  Concatenate: ['axis'],
  Add: [],
};

/** Warns about each non-null config key that the layer's class does not use. */
export function warnAboutIgnoredKeys(spec: LayerSpec, warn: (message: string) => void): void {
  const used = USED_KEYS[spec.className];
  for (const [key, value] of Object.entries(spec.config)) {
    if (value !== null && value !== undefined && !used.includes(key) && !COMMON_KEYS.includes(key)) {
      warn(
        l10n.t(
          'Layer {0}: the option {1} is ignored by the trainer, so results may differ from Keras.',
          spec.name,
          key,
        ),
      );
    }
  }
}
