/**
 * The config of each supported layer class, read with the Keras 3.x constructor defaults
 * filled in, so the trainer reads one spelling: `kernel_size=3` becomes [3, 3], a pooling
 * layer without `strides` gets its `pool_size`, and `padding='SAME'` becomes 'same'.
 */
import * as l10n from '@vscode/l10n';
import type { LayerClassName } from '../common/modelSpec';
import { evaluateArgument, readIntegerArgument, readNumberArgument } from './argumentValues';
import type { CallArgument } from './callArguments';
import type { LayerArgumentReader } from './layerArguments';
import { checkKeras1Convolution, type LegacyReading } from './legacyArguments';
import type { SyntaxNode } from './syntax';

type Config = Record<string, unknown>;

/** Dropout rates, which Keras and TensorFlow take from 0 up to but not including 1. */
const RATE = { minimum: 0, exclusiveMaximum: 1 };
const NON_NEGATIVE = { minimum: 0 };
const ANY_NUMBER = { minimum: Number.NEGATIVE_INFINITY };

export function readLayerConfig(className: LayerClassName, reader: LayerArgumentReader, call: SyntaxNode, legacy: LegacyReading): Config {
  switch (className) {
    case 'InputLayer':
      return {};
    case 'Flatten':
      return { data_format: reader.dataFormat('channels_last') };
    case 'Dense':
      return {
        units: reader.requiredInteger('units', 1, call),
        activation: reader.activation('activation', 'linear'),
        use_bias: reader.boolean('use_bias', true),
        kernel_initializer: reader.initializer('kernel_initializer', 'glorot_uniform'),
        bias_initializer: reader.initializer('bias_initializer', 'zeros'),
      };
    case 'Activation':
      return { activation: reader.required('activation', call, () => reader.activation()) };
    case 'Dropout':
      return readDropoutConfig(reader, call);
    case 'BatchNormalization':
      return readBatchNormalizationConfig(reader);
    case 'Conv2D':
      return readConv2DConfig(reader, call, legacy);
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return readPoolingConfig(reader);
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return { data_format: reader.dataFormat('channels_last'), keepdims: reader.boolean('keepdims', false) };
    case 'Reshape':
      return { target_shape: reader.required('target_shape', call, (argument) => readTargetShape(reader, argument)) };
    case 'LeakyReLU':
      // Keras 2 and 3 both default to a slope of 0.3; Keras 3 only renamed `alpha`.
      return { negative_slope: reader.number('negative_slope', NON_NEGATIVE, 0.3) };
    case 'ELU':
      return { alpha: reader.number('alpha', ANY_NUMBER, 1) };
    case 'PReLU':
      return {
        alpha_initializer: reader.initializer('alpha_initializer', 'zeros'),
        shared_axes: reader.optional('shared_axes', (argument) => readSharedAxes(reader, argument), null),
      };
    case 'ReLU':
      return {
        max_value: reader.optional('max_value', (argument) => readOptionalNonNegative(reader, argument), null),
        negative_slope: reader.number('negative_slope', NON_NEGATIVE, 0),
        threshold: reader.number('threshold', NON_NEGATIVE, 0),
      };
    case 'Softmax':
    case 'Concatenate':
      return { axis: reader.axis('axis', -1) };
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return readRecurrentConfig(className, reader, call);
    case 'Embedding':
      return {
        input_dim: reader.requiredInteger('input_dim', 1, call),
        output_dim: reader.requiredInteger('output_dim', 1, call),
        // Keras 3's 'uniform' is RandomUniform(minval=-0.05, maxval=0.05).
        embeddings_initializer: reader.initializer('embeddings_initializer', 'uniform'),
        mask_zero: reader.boolean('mask_zero', false),
      };
    case 'Add':
      return {};
  }
}

function readDropoutConfig(reader: LayerArgumentReader, call: SyntaxNode): Config {
  reader.noneOnly(['noise_shape']);
  const config: Config = {
    rate: reader.required('rate', call, (argument) => readNumberArgument(reader.context, argument, reader.callee, RATE)),
  };
  const seed = reader.integer('seed', 0);
  if (seed !== undefined) {
    config.seed = seed;
  }
  return config;
}

/**
 * Keras 3 `BatchNormalization` defaults: axis −1, momentum 0.99, epsilon 0.001, center and
 * scale on. The shape inference checks that the axis exists in the input.
 */
function readBatchNormalizationConfig(reader: LayerArgumentReader): Config {
  return {
    axis: reader.axis('axis', -1),
    momentum: reader.number('momentum', { minimum: 0, maximum: 1 }, 0.99),
    epsilon: reader.number('epsilon', { minimum: 0, exclusiveMinimum: true }, 0.001),
    center: reader.boolean('center', true),
    scale: reader.boolean('scale', true),
  };
}

/** Keras 3 `Conv2D` defaults: strides 1, padding 'valid', dilation 1, no activation, glorot_uniform kernel. */
function readConv2DConfig(reader: LayerArgumentReader, call: SyntaxNode, legacy: LegacyReading): Config {
  const filters = reader.requiredInteger('filters', 1, call);
  const kernelSize = legacy.kernelSize ? readRowsAndColumns(reader, legacy.kernelSize) : reader.requiredPair('kernel_size', call);
  const strides = reader.pair('strides', [1, 1]);
  const dilationRate = reader.pair('dilation_rate', [1, 1]);

  const groups = reader.integer('groups', 1);
  const groupsArgument = reader.argument('groups');
  if (groups !== undefined && groups !== 1 && groupsArgument) {
    reader.reportUnsupportedSetting(groupsArgument, 'groups');
  }
  const dilationArgument = reader.argument('dilation_rate');
  if (strides && dilationRate && Math.max(...strides) > 1 && Math.max(...dilationRate) > 1 && dilationArgument) {
    reader.context.sink.error(
      'invalid-value',
      dilationArgument.span,
      l10n.t('`{0}` sets both strides ({1}) and dilation_rate ({2}) above 1, which Keras rejects with ValueError. Keep one of them at 1.', reader.callee, strides.join(', '), dilationRate.join(', ')),
    );
  }
  checkKeras1Convolution(reader.context, call, reader.callee, legacy.writtenClassName, {
    filters: reader.argument('filters'),
    kernelSize: reader.argument('kernel_size'),
    strides: reader.argument('strides'),
  });

  return {
    filters,
    kernel_size: kernelSize,
    strides,
    padding: reader.padding('valid'),
    data_format: reader.dataFormat('channels_last'),
    dilation_rate: dilationRate,
    activation: reader.activation('activation', 'linear'),
    use_bias: reader.boolean('use_bias', true),
    kernel_initializer: reader.initializer('kernel_initializer', 'glorot_uniform'),
    bias_initializer: reader.initializer('bias_initializer', 'zeros'),
  };
}

function readRowsAndColumns(reader: LayerArgumentReader, kernelSize: NonNullable<LegacyReading['kernelSize']>): [number, number] | undefined {
  if (reader.argument('kernel_size')) {
    reader.context.sink.error(
      'duplicate-argument',
      kernelSize.rows.span,
      l10n.t('`{0}` receives the argument `{1}` twice, which Python rejects with TypeError. Remove one of them.', reader.callee, 'kernel_size'),
    );
    return undefined;
  }
  const rows = readIntegerArgument(reader.context, kernelSize.rows, reader.callee, 1);
  const columns = readIntegerArgument(reader.context, kernelSize.columns, reader.callee, 1);
  return rows === undefined || columns === undefined ? undefined : [rows, columns];
}

/** Keras 3 pooling: pool_size (2, 2), and strides equal to pool_size when left out or None. */
function readPoolingConfig(reader: LayerArgumentReader): Config {
  const poolSize = reader.pair('pool_size', [2, 2]);
  const strides = reader.optional(
    'strides',
    (argument) => {
      const value = evaluateArgument(reader.context, argument, reader.callee);
      if (value?.kind === 'none') {
        return poolSize;
      }
      return value === undefined ? undefined : reader.readPair(argument);
    },
    poolSize,
  );
  return {
    pool_size: poolSize,
    strides,
    padding: reader.padding('valid'),
    data_format: reader.dataFormat('channels_last'),
  };
}

/** Keras 3 recurrent defaults: tanh, sigmoid gates, orthogonal recurrent kernel, no dropout, last output only. */
function readRecurrentConfig(className: 'SimpleRNN' | 'LSTM' | 'GRU', reader: LayerArgumentReader, call: SyntaxNode): Config {
  reader.falseOnly('return_state');
  reader.falseOnly('stateful');
  const config: Config = {
    units: reader.requiredInteger('units', 1, call),
    activation: reader.activation('activation', 'tanh'),
  };
  if (className !== 'SimpleRNN') {
    config.recurrent_activation = reader.activation('recurrent_activation', 'sigmoid');
  }
  Object.assign(config, {
    use_bias: reader.boolean('use_bias', true),
    kernel_initializer: reader.initializer('kernel_initializer', 'glorot_uniform'),
    recurrent_initializer: reader.initializer('recurrent_initializer', 'orthogonal'),
    bias_initializer: reader.initializer('bias_initializer', 'zeros'),
    return_sequences: reader.boolean('return_sequences', false),
    go_backwards: reader.boolean('go_backwards', false),
    dropout: reader.number('dropout', RATE, 0),
    recurrent_dropout: reader.number('recurrent_dropout', RATE, 0),
  });
  if (className === 'LSTM') {
    config.unit_forget_bias = reader.boolean('unit_forget_bias', true);
  }
  if (className === 'GRU') {
    config.reset_after = reader.boolean('reset_after', true);
  }
  return config;
}

/** Keras 3 `Reshape` takes a tuple of positive sizes, one of which may be -1 to be inferred. */
function readTargetShape(reader: LayerArgumentReader, argument: CallArgument): number[] | undefined {
  const value = evaluateArgument(reader.context, argument, reader.callee);
  if (value === undefined) {
    return undefined;
  }
  const items = value.kind === 'tuple' || value.kind === 'list' ? value.items : undefined;
  const sizes = items?.map((item) => (item.kind === 'number' && item.isInteger ? item.value : Number.NaN));
  const valid =
    sizes !== undefined &&
    sizes.length > 0 &&
    sizes.every((size) => size > 0 || size === -1) &&
    sizes.filter((size) => size === -1).length <= 1;
  if (!valid || !sizes) {
    reader.reportInvalid(argument, value, l10n.t('use a tuple of positive whole numbers, with at most one -1 for the size Keras infers, such as (28, 28, 1).'));
    return undefined;
  }
  return sizes;
}

/** Keras 3 `PReLU` keeps `shared_axes` as a list: `1` becomes [1]. Axis 0 is the batch and cannot be shared. */
function readSharedAxes(reader: LayerArgumentReader, argument: CallArgument): number[] | null | undefined {
  const value = evaluateArgument(reader.context, argument, reader.callee);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind === 'none') {
    return null;
  }
  const items = value.kind === 'tuple' || value.kind === 'list' ? value.items : [value];
  const axes = items.map((item) => (item.kind === 'number' && item.isInteger ? item.value : Number.NaN));
  if (axes.length === 0 || !axes.every((axis) => axis >= 1)) {
    reader.reportInvalid(argument, value, l10n.t('use None, an axis of at least 1, or a list of such axes, such as [1, 2].'));
    return undefined;
  }
  return axes;
}

function readOptionalNonNegative(reader: LayerArgumentReader, argument: CallArgument): number | null | undefined {
  const value = evaluateArgument(reader.context, argument, reader.callee);
  if (value?.kind === 'none') {
    return null;
  }
  if (value?.kind === 'number' && Number.isFinite(value.value) && value.value >= 0) {
    return value.value;
  }
  if (value !== undefined) {
    reader.reportInvalid(argument, value, l10n.t('use None for no limit, or a number of at least 0.'));
  }
  return undefined;
}
