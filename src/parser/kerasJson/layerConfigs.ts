/**
 * The `config` of each serialized layer class, normalised to the keys `LayerSpec` documents
 * with the Keras 3 defaults for keys the file leaves out. Keras 2 and tfjs spellings are
 * renamed (`alpha` of LeakyReLU becomes `negative_slope`). Keys that change training but
 * that the trainer does not reproduce get a warning, or an error where the model would be a
 * different model without them.
 */
import * as l10n from '@vscode/l10n';
import type { LayerClassName } from '../../common/modelSpec';
import { formatJson, plainValue, propertyKeys } from './jsonDocument';
import type { ConfigReader } from './configValues';

type Config = Record<string, unknown>;

/** Keys every layer may carry that do not change what trains. */
const NEUTRAL_KEYS = new Set([
  'name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'batch_size', 'input_shape', 'input_dim', 'autocast',
]);

/**
 * Keys that make the layer a different layer than the one the trainer builds, with the value
 * under which they are harmless. Any other value is an error.
 */
const REJECTED_UNLESS: Readonly<Partial<Record<LayerClassName, Readonly<Record<string, unknown>>>>> = {
  InputLayer: { sparse: false, ragged: false },
  Dense: {},
  Dropout: { noise_shape: null },
  BatchNormalization: { renorm: false, virtual_batch_size: null, adjustment: null },
  Conv2D: { groups: 1 },
  SimpleRNN: { return_state: false, stateful: false, time_major: false },
  LSTM: { return_state: false, stateful: false, time_major: false },
  GRU: { return_state: false, stateful: false, time_major: false },
  Embedding: { sparse: false },
};

/** Keys that only choose how a layer computes, not what: the result is the same without them. */
const HOW_KEYS: Readonly<Partial<Record<LayerClassName, readonly string[]>>> = {
  BatchNormalization: ['synchronized', 'fused', 'renorm_clipping', 'renorm_momentum'],
  SimpleRNN: ['unroll', 'implementation', 'use_cudnn', 'seed', 'zero_output_for_mask'],
  LSTM: ['unroll', 'implementation', 'use_cudnn', 'seed', 'zero_output_for_mask'],
  GRU: ['unroll', 'implementation', 'use_cudnn', 'seed', 'zero_output_for_mask'],
  Embedding: ['input_length'],
  Dropout: ['seed'],
};

/** Keras 3 default initializers of BatchNormalization; others are warned about. */
const BATCH_NORMALIZATION_INITIALIZERS: Readonly<Record<string, string>> = {
  beta_initializer: 'Zeros',
  gamma_initializer: 'Ones',
  moving_mean_initializer: 'Zeros',
  moving_variance_initializer: 'Ones',
};

const PADDINGS = ['valid', 'same'] as const;
const DATA_FORMATS = ['channels_last', 'channels_first'] as const;

/** Reads the config of one layer; returns undefined after reporting an error. */
export function readLayerConfig(className: LayerClassName, reader: ConfigReader): Config | undefined {
  const config = readClassConfig(className, reader);
  checkLeftoverKeys(className, reader);
  if (!config || Object.values(config).some((value) => value === undefined)) {
    return undefined;
  }
  const trainable = reader.boolean('trainable', true);
  if (trainable === false) {
    config.trainable = false;
  }
  return config;
}

function readClassConfig(className: LayerClassName, reader: ConfigReader): Config | undefined {
  switch (className) {
    case 'InputLayer':
      // The shape itself is read with the model's topology; see topology.ts.
      return {};
    case 'Flatten':
      return { data_format: reader.choice('data_format', DATA_FORMATS, 'channels_last') };
    case 'Dense':
      return {
        units: reader.positiveInteger('units'),
        activation: reader.activation('activation', 'linear'),
        use_bias: reader.boolean('use_bias', true),
        kernel_initializer: reader.initializer('kernel_initializer', 'glorot_uniform'),
        bias_initializer: reader.initializer('bias_initializer', 'zeros'),
      };
    case 'Activation':
      return { activation: reader.activation('activation', undefined) };
    case 'Dropout':
      return readDropout(reader);
    case 'BatchNormalization':
      return readBatchNormalization(reader);
    case 'Conv2D':
      return {
        filters: reader.positiveInteger('filters'),
        kernel_size: reader.pair('kernel_size', undefined),
        strides: reader.pair('strides', [1, 1]),
        padding: reader.choice('padding', PADDINGS, 'valid'),
        data_format: reader.choice('data_format', DATA_FORMATS, 'channels_last'),
        dilation_rate: reader.pair('dilation_rate', [1, 1]),
        activation: reader.activation('activation', 'linear'),
        use_bias: reader.boolean('use_bias', true),
        kernel_initializer: reader.initializer('kernel_initializer', 'glorot_uniform'),
        bias_initializer: reader.initializer('bias_initializer', 'zeros'),
      };
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const poolSize = reader.pair('pool_size', [2, 2]);
      // Keras writes strides = pool_size when the constructor got none; null means the same.
      const strides = reader.pair('strides', poolSize ?? [2, 2]);
      return {
        pool_size: poolSize,
        strides,
        padding: reader.choice('padding', PADDINGS, 'valid'),
        data_format: reader.choice('data_format', DATA_FORMATS, 'channels_last'),
      };
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return withTrueFlag({ data_format: reader.choice('data_format', DATA_FORMATS, 'channels_last') }, reader, 'keepdims');
    case 'Reshape':
      return { target_shape: readTargetShape(reader) };
    case 'LeakyReLU':
      return readLeakyReLU(reader);
    case 'ELU':
      return { alpha: reader.number('alpha', 1, Number.isFinite, 'number') };
    case 'PReLU':
      return {
        alpha_initializer: reader.initializer('alpha_initializer', 'zeros'),
        shared_axes: reader.integerList('shared_axes'),
      };
    case 'ReLU':
      return readReLU(reader);
    case 'Softmax':
      return { axis: reader.integer('axis', -1) };
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return readRecurrent(className, reader);
    case 'Embedding':
      return {
        input_dim: reader.positiveInteger('input_dim'),
        output_dim: reader.positiveInteger('output_dim'),
        // Keras 3 `Embedding` defaults to "uniform", which is RandomUniform(-0.05, 0.05).
        embeddings_initializer: reader.initializer('embeddings_initializer', 'uniform'),
        mask_zero: reader.boolean('mask_zero', false),
      };
    case 'Concatenate':
      return { axis: reader.integer('axis', -1) };
    case 'Add':
      return {};
  }
}

function readDropout(reader: ConfigReader): Config {
  const config: Config = { rate: reader.number('rate', undefined, (value) => value >= 0 && value < 1, 'rate') };
  const seed = reader.node('seed');
  if (seed?.type === 'number' && Number.isInteger(seed.value)) {
    config.seed = seed.value as number;
  }
  return config;
}

/**
 * Keras 3 `BatchNormalization` defaults: axis −1, momentum 0.99, epsilon 0.001, center and
 * scale on. Keras 2 writes a built layer's axis as a list of one positive axis, such as [3]
 * for images. That axis is kept as a number here, and kerasJson.ts turns the last axis into
 * −1 once the input shapes are known.
 */
function readBatchNormalization(reader: ConfigReader): Config {
  for (const [key, keras3Default] of Object.entries(BATCH_NORMALIZATION_INITIALIZERS)) {
    const initializer = reader.initializer(key, keras3Default.toLowerCase());
    const className = typeof initializer === 'string' ? initializer : initializer?.class_name;
    if (className !== undefined && className.replace(/_/g, '').toLowerCase() !== keras3Default.toLowerCase()) {
      warnIgnored(reader, key);
    }
  }
  return {
    axis: readBatchNormalizationAxis(reader),
    momentum: reader.number('momentum', 0.99, (value) => value >= 0 && value <= 1, 'fraction'),
    epsilon: reader.number('epsilon', 0.001, (value) => value > 0, 'positive-number'),
    center: reader.boolean('center', true),
    scale: reader.boolean('scale', true),
  };
}

function readBatchNormalizationAxis(reader: ConfigReader): number | undefined {
  const node = reader.node('axis');
  if (node === undefined || node.type === 'null') {
    return -1;
  }
  const value = plainValue(node);
  const axis = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    return reader.invalid('axis', value, 'integer');
  }
  return axis;
}

function readTargetShape(reader: ConfigReader): number[] | undefined {
  const node = reader.node('target_shape');
  if (node === undefined || node.type === 'null') {
    return reader.missing('target_shape');
  }
  const value = plainValue(node);
  const isSize = (item: unknown): boolean => typeof item === 'number' && Number.isInteger(item) && (item > 0 || item === -1);
  if (!Array.isArray(value) || value.length === 0 || !value.every(isSize) || value.filter((item) => item === -1).length > 1) {
    return reader.invalid('target_shape', value, 'shape');
  }
  return value as number[];
}

/** Keras 3 calls the slope `negative_slope` (default 0.3); Keras 2 and tfjs call it `alpha`. */
function readLeakyReLU(reader: ConfigReader): Config {
  const key = reader.has('negative_slope') || !reader.has('alpha') ? 'negative_slope' : 'alpha';
  const slope = reader.number(key, 0.3, (value) => value >= 0, 'non-negative-number');
  // The other spelling, when both are present, is the one Keras does not read.
  reader.node(key === 'alpha' ? 'negative_slope' : 'alpha');
  return { negative_slope: slope };
}

/** Keras 3 `ReLU` defaults: no maximum, negative slope 0, threshold 0. */
function readReLU(reader: ConfigReader): Config {
  const maxValueNode = reader.node('max_value');
  let maxValue: number | null | undefined = null;
  if (maxValueNode !== undefined && maxValueNode.type !== 'null') {
    maxValue =
      maxValueNode.type === 'number' && (maxValueNode.value as number) >= 0
        ? (maxValueNode.value as number)
        : reader.invalid('max_value', plainValue(maxValueNode), 'non-negative-number');
  }
  return {
    max_value: maxValue,
    negative_slope: reader.number('negative_slope', 0, (value) => value >= 0, 'non-negative-number'),
    threshold: reader.number('threshold', 0, Number.isFinite, 'number'),
  };
}

/** Keras 3 recurrent layer defaults: tanh, sigmoid gates, orthogonal recurrent kernel, no dropout. */
function readRecurrent(className: 'SimpleRNN' | 'LSTM' | 'GRU', reader: ConfigReader): Config {
  const config: Config = {
    units: reader.positiveInteger('units'),
    activation: reader.activation('activation', 'tanh'),
    use_bias: reader.boolean('use_bias', true),
    kernel_initializer: reader.initializer('kernel_initializer', 'glorot_uniform'),
    recurrent_initializer: reader.initializer('recurrent_initializer', 'orthogonal'),
    bias_initializer: reader.initializer('bias_initializer', 'zeros'),
    return_sequences: reader.boolean('return_sequences', false),
    dropout: reader.number('dropout', 0, (value) => value >= 0 && value < 1, 'rate'),
    recurrent_dropout: reader.number('recurrent_dropout', 0, (value) => value >= 0 && value < 1, 'rate'),
  };
  if (className !== 'SimpleRNN') {
    config.recurrent_activation = reader.activation('recurrent_activation', 'sigmoid');
  }
  if (className === 'LSTM') {
    config.unit_forget_bias = reader.boolean('unit_forget_bias', true);
  }
  if (className === 'GRU') {
    // tfjs writes reset_after: false, which its GRU requires; Keras 2 (TF 2) and 3 default to true.
    config.reset_after = reader.boolean('reset_after', true);
  }
  return withTrueFlag(config, reader, 'go_backwards');
}

/** Adds `key` to `config` when the file sets it to true; its Keras default is false. */
function withTrueFlag(config: Config, reader: ConfigReader, key: string): Config {
  if (reader.boolean(key, false) === true) {
    config[key] = true;
  }
  return config;
}

/** Reports keys that the class reader did not read and that change training. */
function checkLeftoverKeys(className: LayerClassName, reader: ConfigReader): void {
  const rejected = REJECTED_UNLESS[className] ?? {};
  const howKeys = HOW_KEYS[className] ?? [];
  for (const key of propertyKeys(reader.config)) {
    if (reader.used.has(key) || NEUTRAL_KEYS.has(key) || howKeys.includes(key)) {
      continue;
    }
    const value = plainValue(reader.node(key));
    if (key in rejected) {
      if (value !== null && value !== rejected[key]) {
        reader.sink.error(
          'unsupported-argument',
          reader.at(key),
          l10n.t('Gradient Flow cannot train {0} with "{1}": {2}, because it builds this layer only with "{1}": {3}. Change the value or remove the layer.', reader.owner.label, key, formatJson(value), formatJson(rejected[key])),
        );
      }
      continue;
    }
    // Null and false are the Keras defaults of the regularizers, constraints and flags left here.
    if (value !== null && value !== false) {
      warnIgnored(reader, key);
    }
  }
}

function warnIgnored(reader: ConfigReader, key: string): void {
  reader.sink.warning(
    'ignored-argument',
    reader.at(key),
    l10n.t('Gradient Flow ignores "{0}" of {1} and trains without it, so the results may differ from Keras.', key, reader.owner.label),
  );
}
