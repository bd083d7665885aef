/**
 * The constructor signatures of the supported layers, as Keras 3.x declares them. Positional
 * parameters follow Keras 3's order up to the last one the parser reads, so `Dense(64, 'relu')`
 * and `Conv2D(32, 3, 1, 'same')` bind as Python would bind them.
 */
import type { LayerClassName } from '../common/modelSpec';
import type { Signature } from './callArguments';

export type LayerSignature = Omit<Signature, 'displayName'>;

/** Keyword arguments of the Keras 3 base `Layer` that every layer other than `InputLayer` accepts. */
const BASE_KEYWORDS = ['name', 'input_shape', 'trainable', 'dtype'];

/** Regularizers and constraints, accepted only as `None` because the trainer applies none. */
const WEIGHT_EXTRAS = ['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'];
const RECURRENT_EXTRAS = [...WEIGHT_EXTRAS, 'recurrent_regularizer', 'recurrent_constraint'];

const RECURRENT_KEYWORDS = [
  ...BASE_KEYWORDS, ...RECURRENT_EXTRAS, 'dropout', 'recurrent_dropout', 'return_sequences', 'return_state', 'go_backwards', 'stateful',
];
/** `seed` only seeds dropout masks, which the run seed replaces; `unroll` and `use_cudnn` change speed, not results. */
const RECURRENT_IGNORED = ['seed', 'unroll', 'use_cudnn'];

const POOLING: LayerSignature = {
  positional: ['pool_size', 'strides', 'padding', 'data_format', 'name'],
  keywords: BASE_KEYWORDS,
};

const GLOBAL_POOLING: LayerSignature = { positional: ['data_format', 'keepdims'], keywords: BASE_KEYWORDS };

export const LAYER_SIGNATURES: Readonly<Record<LayerClassName, LayerSignature>> = {
  InputLayer: { positional: ['shape'], keywords: ['input_shape', 'batch_shape', 'batch_input_shape', 'name'], ignored: ['batch_size'] },
  Flatten: { positional: ['data_format'], keywords: BASE_KEYWORDS },
  Dense: {
    positional: ['units', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer'],
    keywords: [...BASE_KEYWORDS, ...WEIGHT_EXTRAS, 'input_dim'],
  },
  Activation: { positional: ['activation'], keywords: BASE_KEYWORDS },
  Dropout: { positional: ['rate', 'noise_shape', 'seed'], keywords: BASE_KEYWORDS },
  BatchNormalization: { positional: ['axis', 'momentum', 'epsilon', 'center', 'scale'], keywords: BASE_KEYWORDS },
  Conv2D: {
    positional: [
      'filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'groups', 'activation', 'use_bias',
      'kernel_initializer', 'bias_initializer',
    ],
    keywords: [...BASE_KEYWORDS, ...WEIGHT_EXTRAS],
  },
  MaxPooling2D: POOLING,
  AveragePooling2D: POOLING,
  GlobalAveragePooling2D: GLOBAL_POOLING,
  GlobalMaxPooling2D: GLOBAL_POOLING,
  Reshape: { positional: ['target_shape'], keywords: BASE_KEYWORDS },
  LeakyReLU: { positional: ['negative_slope'], keywords: BASE_KEYWORDS },
  ELU: { positional: ['alpha'], keywords: BASE_KEYWORDS },
  PReLU: {
    positional: ['alpha_initializer', 'alpha_regularizer', 'alpha_constraint', 'shared_axes'],
    keywords: BASE_KEYWORDS,
  },
  ReLU: { positional: ['max_value', 'negative_slope', 'threshold'], keywords: BASE_KEYWORDS },
  Softmax: { positional: ['axis'], keywords: BASE_KEYWORDS },
  SimpleRNN: {
    positional: ['units', 'activation', 'use_bias', 'kernel_initializer', 'recurrent_initializer', 'bias_initializer'],
    keywords: RECURRENT_KEYWORDS,
    ignored: RECURRENT_IGNORED,
  },
  LSTM: {
    positional: [
      'units', 'activation', 'recurrent_activation', 'use_bias', 'kernel_initializer', 'recurrent_initializer',
      'bias_initializer', 'unit_forget_bias',
    ],
    keywords: RECURRENT_KEYWORDS,
    ignored: [...RECURRENT_IGNORED, 'implementation'],
  },
  GRU: {
    positional: [
      'units', 'activation', 'recurrent_activation', 'use_bias', 'kernel_initializer', 'recurrent_initializer',
      'bias_initializer',
    ],
    keywords: [...RECURRENT_KEYWORDS, 'reset_after'],
    ignored: [...RECURRENT_IGNORED, 'implementation'],
  },
  Embedding: {
    positional: ['input_dim', 'output_dim', 'embeddings_initializer', 'embeddings_regularizer', 'embeddings_constraint', 'mask_zero'],
    keywords: [...BASE_KEYWORDS, 'activity_regularizer'],
  },
  Concatenate: { positional: ['axis'], keywords: BASE_KEYWORDS },
  Add: { positional: [], keywords: BASE_KEYWORDS },
};

/** `keras.Input(shape, batch_size, dtype, sparse, batch_shape, name)`; dtype and sparse are not read. */
export const INPUT_SIGNATURE: LayerSignature = {
  positional: ['shape', 'batch_size'],
  keywords: ['batch_shape', 'name'],
  ignored: ['batch_size'],
};

/** Returns the regularizer and constraint keywords that a layer class accepts, each only as `None`. */
export function noneOnlyKeywords(className: LayerClassName): readonly string[] {
  switch (className) {
    case 'Dense':
    case 'Conv2D':
      return WEIGHT_EXTRAS;
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return RECURRENT_EXTRAS;
    case 'Embedding':
      return ['embeddings_regularizer', 'embeddings_constraint', 'activity_regularizer'];
    case 'PReLU':
      return ['alpha_regularizer', 'alpha_constraint'];
    default:
      return [];
  }
}
