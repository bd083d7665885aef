import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LayerSpec, ModelSpec, ParseDiagnostic } from '../../src/common/modelSpec';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { parseModelFile, type ParserDiagnosticCode } from '../../src/parser';
import { ParseContext } from '../../src/parser/context';
import { LayerNamer, readLayer } from '../../src/parser/layers';
import { editDistance } from '../../src/parser/spelling';
import { elementsOf, PythonSource, type SyntaxNode } from '../../src/parser/syntax';
import { loadTensorFlow } from '../../src/trainer/tensorflow';
import { train } from '../../src/trainer/train';
import { messagesOfType, trainOptions, WASM_DIR } from '../helpers/modelSpecs';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'models');

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

function describeDiagnostics(diagnostics: readonly ParseDiagnostic[]): string {
  return diagnostics.map((d) => `${d.severity} ${d.code} line ${d.range.startLine}: ${d.message}`).join('\n');
}

function specOf(text: string): ModelSpec {
  const result = parseModelFile(text, '/home/student/model.py');
  assert.ok(result.spec, `expected a model spec, got:\n${describeDiagnostics(result.diagnostics)}`);
  return result.spec;
}

/** Finds the 0-based number of the first line of `text` that contains `fragment`. */
function lineOf(text: string, fragment: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(fragment));
  assert.ok(index >= 0, `no line contains ${fragment}`);
  return index;
}

/** Asserts one diagnostic with `code` and `severity` on the line containing `fragment`, and returns it. */
function expectDiagnostic(
  diagnostics: readonly ParseDiagnostic[],
  text: string,
  code: ParserDiagnosticCode,
  fragment: string,
  severity: ParseDiagnostic['severity'] = 'error',
): ParseDiagnostic {
  const line = lineOf(text, fragment);
  const found = diagnostics.find((diagnostic) => diagnostic.code === code && diagnostic.range.startLine === line);
  assert.ok(found, `expected ${code} on line ${line} (${fragment}), got:\n${describeDiagnostics(diagnostics)}`);
  assert.equal(found.severity, severity, `severity of ${code} on line ${line}`);
  return found;
}

const UNIT_IMPORTS = [
  'import tensorflow as tf',
  'import keras',
  'from keras import layers, activations, initializers',
];

interface LayerReadings {
  readonly text: string;
  readonly specs: LayerSpec[];
  readonly diagnostics: readonly ParseDiagnostic[];
}

/**
 * Reads each element of the list `LAYERS = [...]` in `lines` with `readLayer`, as a model
 * would, without building a model: the layer readings alone, whatever the model shape.
 */
function readLayers(lines: readonly string[]): LayerReadings {
  const text = [...UNIT_IMPORTS, ...lines].join('\n') + '\n';
  const source = new PythonSource(text);
  const context = new ParseContext(source);
  let list: SyntaxNode | undefined;
  source.tree.iterate({
    enter: (node) => {
      if (node.name === 'AssignStatement' && text.slice(node.from, node.to).startsWith('LAYERS')) {
        list = node.node.lastChild ?? undefined;
      }
    },
  });
  assert.ok(list, 'the test text needs LAYERS = [...]');
  const namer = new LayerNamer();
  const specs: LayerSpec[] = [];
  for (const element of elementsOf(list)) {
    const reading = readLayer(context, element, namer);
    if (reading) {
      specs.push(reading.spec);
    }
  }
  return { text, specs, diagnostics: context.sink.diagnostics };
}

/** Reads one layer call that must read without any diagnostic, and returns its spec. */
function layerOf(call: string, ...before: string[]): LayerSpec {
  const readings = readLayers([...before, `LAYERS = [${call}]`]);
  assert.equal(readings.diagnostics.length, 0, describeDiagnostics(readings.diagnostics));
  assert.equal(readings.specs.length, 1);
  return readings.specs[0];
}

/** Reads one layer call that must fail with `code` on its line, and returns the diagnostic. */
function errorOf(call: string, code: ParserDiagnosticCode, severity: ParseDiagnostic['severity'] = 'error'): ParseDiagnostic {
  const readings = readLayers([`LAYERS = [${call}]`]);
  return expectDiagnostic(readings.diagnostics, readings.text, code, 'LAYERS', severity);
}

describe('parser layers: Keras 3 configs', () => {
  it('Conv2D fills Keras 3 defaults', () => {
    const layer = layerOf('layers.Conv2D(32, 3)');
    assert.equal(layer.className, 'Conv2D');
    assert.equal(layer.name, 'conv2d');
    assert.deepEqual(layer.config, {
      filters: 32,
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'valid',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: 'linear',
      use_bias: true,
      kernel_initializer: 'glorot_uniform',
      bias_initializer: 'zeros',
    });
  });

  it('Conv2D binds positional arguments in Keras 3 order', () => {
    const layer = layerOf("layers.Conv2D(16, (5, 3), 2, 'same', None, 1, 1, 'relu', False, 'he_uniform', 'ones')");
    assert.deepEqual(layer.config.kernel_size, [5, 3]);
    assert.deepEqual(layer.config.strides, [2, 2]);
    assert.equal(layer.config.padding, 'same');
    assert.equal(layer.config.data_format, 'channels_last');
    assert.deepEqual(layer.config.dilation_rate, [1, 1]);
    assert.equal(layer.config.activation, 'relu');
    assert.equal(layer.config.use_bias, false);
    assert.equal(layer.config.kernel_initializer, 'he_uniform');
    assert.equal(layer.config.bias_initializer, 'ones');
  });

  it('padding and data_format ignore case', () => {
    const layer = layerOf("layers.Conv2D(8, kernel_size=[3, 3], padding='SAME', data_format='Channels_First')");
    assert.equal(layer.config.padding, 'same');
    assert.equal(layer.config.data_format, 'channels_first');
    assert.deepEqual(layer.config.kernel_size, [3, 3]);
  });

  it('Conv2D reads dilation_rate', () => {
    assert.deepEqual(layerOf('layers.Conv2D(8, 3, dilation_rate=2)').config.dilation_rate, [2, 2]);
  });

  it('pooling strides default to pool_size', () => {
    const readings = readLayers([
      'LAYERS = [layers.MaxPooling2D(), layers.MaxPooling2D(3), layers.AveragePooling2D(2, 1, "same"),',
      '          layers.MaxPooling2D(pool_size=(2, 3), strides=None), layers.AveragePooling2D(pool_size=2, data_format="channels_first")]',
    ]);
    assert.equal(readings.diagnostics.length, 0, describeDiagnostics(readings.diagnostics));
    const [first, second, third, fourth, fifth] = readings.specs.map((layer) => layer.config);
    assert.deepEqual(first, { pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' });
    assert.deepEqual(second, { pool_size: [3, 3], strides: [3, 3], padding: 'valid', data_format: 'channels_last' });
    assert.deepEqual(third, { pool_size: [2, 2], strides: [1, 1], padding: 'same', data_format: 'channels_last' });
    assert.deepEqual(fourth.strides, [2, 3]);
    assert.equal(fifth.data_format, 'channels_first');
  });

  it('global pooling reads data_format and keepdims', () => {
    assert.deepEqual(layerOf('layers.GlobalAveragePooling2D()').config, { data_format: 'channels_last', keepdims: false });
    assert.deepEqual(layerOf("layers.GlobalMaxPooling2D('channels_first', True)").config, { data_format: 'channels_first', keepdims: true });
  });

  it('Reshape accepts one -1', () => {
    assert.deepEqual(layerOf('layers.Reshape((-1, 28, 1))').config, { target_shape: [-1, 28, 1] });
    assert.deepEqual(layerOf('layers.Reshape(target_shape=[784])').config, { target_shape: [784] });
  });

  it('Flatten keeps channels_first', () => {
    assert.deepEqual(layerOf('layers.Flatten()').config, { data_format: 'channels_last' });
    assert.deepEqual(layerOf("layers.Flatten(data_format='channels_first')").config, { data_format: 'channels_first' });
  });

  it('activation layers fill defaults', () => {
    assert.deepEqual(layerOf('layers.LeakyReLU()').config, { negative_slope: 0.3 });
    assert.deepEqual(layerOf('layers.LeakyReLU(0.1)').config, { negative_slope: 0.1 });
    assert.deepEqual(layerOf('layers.ReLU()').config, { max_value: null, negative_slope: 0, threshold: 0 });
    assert.deepEqual(layerOf('layers.ReLU(6.0, 0.1, threshold=0.5)').config, { max_value: 6, negative_slope: 0.1, threshold: 0.5 });
    assert.deepEqual(layerOf('layers.ELU()').config, { alpha: 1 });
    assert.deepEqual(layerOf('layers.PReLU()').config, { alpha_initializer: 'zeros', shared_axes: null });
    assert.deepEqual(layerOf("layers.PReLU('ones', shared_axes=1)").config, { alpha_initializer: 'ones', shared_axes: [1] });
    assert.deepEqual(layerOf('layers.Softmax()').config, { axis: -1 });
    assert.deepEqual(layerOf("layers.Activation('tanh')").config, { activation: 'tanh' });
  });

  it('LSTM fills Keras 3 defaults', () => {
    assert.deepEqual(layerOf('layers.LSTM(64)').config, {
      units: 64,
      activation: 'tanh',
      recurrent_activation: 'sigmoid',
      use_bias: true,
      kernel_initializer: 'glorot_uniform',
      recurrent_initializer: 'orthogonal',
      bias_initializer: 'zeros',
      return_sequences: false,
      go_backwards: false,
      dropout: 0,
      recurrent_dropout: 0,
      unit_forget_bias: true,
    });
  });

  it('GRU defaults to reset_after', () => {
    const config = layerOf('layers.GRU(32, return_sequences=True, dropout=0.2)').config;
    assert.equal(config.reset_after, true);
    assert.equal(config.recurrent_activation, 'sigmoid');
    assert.equal(config.recurrent_initializer, 'orthogonal');
    assert.equal(config.return_sequences, true);
    assert.equal(config.dropout, 0.2);
    assert.equal('unit_forget_bias' in config, false);
  });

  it('SimpleRNN has no recurrent activation', () => {
    const config = layerOf("layers.SimpleRNN(16, 'relu')").config;
    assert.equal(config.activation, 'relu');
    assert.equal('recurrent_activation' in config, false);
    assert.equal(config.recurrent_initializer, 'orthogonal');
  });

  it('Embedding fills Keras 3 defaults', () => {
    assert.deepEqual(layerOf('layers.Embedding(1000, 64)').config, {
      input_dim: 1000,
      output_dim: 64,
      embeddings_initializer: 'uniform',
      mask_zero: false,
    });
  });

  it('Concatenate and Add read as layers', () => {
    assert.deepEqual(layerOf('layers.Concatenate()').config, { axis: -1 });
    assert.deepEqual(layerOf('layers.Concatenate(axis=1)').config, { axis: 1 });
    const add = layerOf('layers.Add()');
    assert.equal(add.className, 'Add');
    assert.deepEqual(add.config, {});
  });

  it('Dropout and BatchNormalization keep their config', () => {
    assert.deepEqual(layerOf('layers.Dropout(0.5, seed=3)').config, { rate: 0.5, seed: 3 });
    assert.deepEqual(layerOf('layers.BatchNormalization(momentum=0.9)').config, {
      axis: -1, momentum: 0.9, epsilon: 0.001, center: true, scale: true,
    });
  });

  it('trainable and input_shape join the config', () => {
    const layer = layerOf('layers.Conv2D(8, 3, trainable=False, input_shape=(28, 28, 1))');
    assert.equal(layer.config.trainable, false);
    assert.deepEqual(layer.config.input_shape, [28, 28, 1]);
  });

  it('regularizers of None are accepted', () => {
    const layer = layerOf('layers.Dense(8, kernel_regularizer=None, bias_constraint=None, dtype="float32")');
    assert.equal(layer.config.units, 8);
  });
});

describe('parser layers: Keras auto-names', () => {
  it('names follow keras to_snake_case', () => {
    const readings = readLayers([
      'LAYERS = [layers.Conv2D(8, 3), layers.Conv2D(8, 3), layers.MaxPooling2D(), layers.LeakyReLU(),',
      '          layers.GlobalAveragePooling2D(), layers.BatchNormalization(), layers.SimpleRNN(4), layers.LSTM(4),',
      '          layers.GRU(4), layers.PReLU(), layers.ReLU(), layers.ELU(), layers.Softmax(), layers.Embedding(10, 4),',
      '          layers.Reshape((4,)), layers.AveragePooling2D(), layers.GlobalMaxPooling2D(), layers.Concatenate(), layers.Add()]',
    ]);
    assert.equal(readings.diagnostics.length, 0, describeDiagnostics(readings.diagnostics));
    assert.deepEqual(readings.specs.map((layer) => layer.name), [
      'conv2d', 'conv2d_1', 'max_pooling2d', 'leaky_re_lu', 'global_average_pooling2d', 'batch_normalization',
      'simple_rnn', 'lstm', 'gru', 'p_re_lu', 're_lu', 'elu', 'softmax', 'embedding', 'reshape', 'average_pooling2d',
      'global_max_pooling2d', 'concatenate', 'add',
    ]);
  });

  it('aliases are named after their class', () => {
    const readings = readLayers([
      'LAYERS = [layers.Convolution2D(8, 3), layers.MaxPool2D(), layers.AvgPool2D(), layers.GlobalAvgPool2D(), layers.GlobalMaxPool2D()]',
    ]);
    assert.deepEqual(readings.specs.map((layer) => [layer.className, layer.name]), [
      ['Conv2D', 'conv2d'],
      ['MaxPooling2D', 'max_pooling2d'],
      ['AveragePooling2D', 'average_pooling2d'],
      ['GlobalAveragePooling2D', 'global_average_pooling2d'],
      ['GlobalMaxPooling2D', 'global_max_pooling2d'],
    ]);
  });

  it('name= leaves the counter alone', () => {
    const readings = readLayers(["LAYERS = [layers.Conv2D(8, 3, name='stem'), layers.Conv2D(8, 3), layers.Conv2D(8, 3)]"]);
    assert.deepEqual(readings.specs.map((layer) => layer.name), ['stem', 'conv2d', 'conv2d_1']);
  });

  it('activation layer object uses a name', () => {
    const readings = readLayers(['LAYERS = [layers.Dense(8, activation=layers.LeakyReLU()), layers.LeakyReLU()]']);
    assert.deepEqual(readings.specs.map((layer) => layer.name), ['dense', 'leaky_re_lu_1']);
  });
});

describe('parser layers: value checks', () => {
  const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
    ["layers.Conv2D(8, 3, padding='full')", 'invalid-value', /padding='full'.*'valid'.*'same'/],
    ['layers.Conv2D(8, 0)', 'invalid-value', /kernel_size=0/],
    ['layers.Conv2D(8, (3, 3, 3))', 'invalid-value', /kernel_size=\(3, 3, 3\).*tuple of two/],
    ['layers.Conv2D(0, 3)', 'invalid-value', /filters=0/],
    ['layers.Conv2D(8, 3, strides=2, dilation_rate=2)', 'invalid-value', /strides.*dilation_rate.*ValueError/],
    ["layers.Conv2D(8, 3, data_format='channels_middle')", 'invalid-value', /channels_middle.*channels_last/],
    ['layers.MaxPooling2D(pool_size=(2, 0))', 'invalid-value', /pool_size=\(2, 0\)/],
    ['layers.LeakyReLU(negative_slope=-0.1)', 'invalid-value', /negative_slope=-0\.1/],
    ['layers.ReLU(max_value=-1)', 'invalid-value', /max_value=-1.*None/],
    ['layers.Reshape((-1, -1))', 'invalid-value', /target_shape=\(-1, -1\).*one -1/],
    ['layers.Reshape(784)', 'invalid-value', /target_shape=784/],
    ['layers.LSTM(8, dropout=1.0)', 'invalid-value', /dropout=1\.0/],
    ['layers.Embedding(0, 8)', 'invalid-value', /input_dim=0/],
    ['layers.Conv2D(8)', 'missing-argument', /kernel_size/],
    ['layers.Embedding(100)', 'missing-argument', /output_dim/],
    ['layers.Conv2D(8, 3, groups=2)', 'unsupported-argument', /groups/],
    ['layers.LSTM(8, stateful=True)', 'unsupported-argument', /stateful/],
    ['layers.LSTM(8, return_state=True)', 'unsupported-argument', /return_state/],
    ["layers.Dense(8, kernel_regularizer='l2')", 'unsupported-argument', /kernel_regularizer/],
    ["layers.Dense(8, dtype='float16')", 'unsupported-argument', /dtype/],
    ['layers.Dropout(0.5, noise_shape=(1, 28))', 'unsupported-argument', /noise_shape/],
  ];
  for (const [call, code, message] of cases) {
    it(`${call} is rejected`, () => {
      const diagnostic = errorOf(call, code as ParserDiagnosticCode);
      assert.match(diagnostic.message, message);
    });
  }
});

describe('parser layers: activations', () => {
  it('fixture reads every activation form', () => {
    const spec = specOf(fixture('layers_activations.py'));
    const dense = spec.layers.filter((layer) => layer.className === 'Dense');
    assert.deepEqual(dense.map((layer) => layer.config.activation), [
      'relu', 'relu', 'tanh', 'sigmoid', 'relu',
      { class_name: 'LeakyReLU', config: { negative_slope: 0.3 } },
      'relu6', 'linear', 'linear', 'linear', 'linear', 'linear',
    ]);
    const activationLayers = spec.layers.filter((layer) => layer.className !== 'Dense' && layer.className !== 'Flatten');
    assert.deepEqual(activationLayers.map((layer) => [layer.className, layer.name, layer.config]), [
      ['LeakyReLU', 'leaky_re_lu_1', { negative_slope: 0.2 }],
      ['ELU', 'elu', { alpha: 0.5 }],
      ['PReLU', 'p_re_lu', { alpha_initializer: 'zeros', shared_axes: null }],
      ['ReLU', 're_lu_1', { max_value: 6, negative_slope: 0.1, threshold: 0.5 }],
      ['Activation', 'activation', { activation: 'softmax' }],
    ]);
  });

  it('ELU and Softmax objects become names', () => {
    assert.equal(layerOf('layers.Dense(8, activation=layers.ELU())').config.activation, 'elu');
    assert.equal(layerOf('layers.Dense(8, activation=layers.Softmax())').config.activation, 'softmax');
    assert.deepEqual(layerOf('layers.Dense(8, activation=layers.ELU(alpha=0.3))').config.activation, { class_name: 'ELU', config: { alpha: 0.3 } });
  });

  it('activation variable resolves', () => {
    const layer = layerOf('layers.Dense(8, activation=act)', 'act = tf.keras.activations.softmax');
    assert.equal(layer.config.activation, 'softmax');
  });

  it('misspelt activation suggests a name', () => {
    const error = errorOf("layers.Dense(8, activation='rleu')", 'unsupported-activation');
    assert.match(error.message, /'rleu'/);
    assert.match(error.message, /Did you mean 'relu'\?/);
  });

  it('misspelt tf.nn function suggests a name', () => {
    const error = errorOf('layers.Dense(8, activation=tf.nn.sigmod)', 'unsupported-activation');
    assert.match(error.message, /tf\.nn\.sigmod/);
    assert.match(error.message, /Did you mean 'sigmoid'\?/);
  });

  it('unsupported Keras activation lists the supported', () => {
    const error = errorOf("layers.Dense(8, activation='hard_sigmoid')", 'unsupported-activation');
    assert.doesNotMatch(error.message, /Did you mean/);
    assert.match(error.message, /relu, relu6, tanh/);
  });

  it('PReLU as activation is rejected', () => {
    const error = errorOf('layers.Dense(8, activation=layers.PReLU())', 'unsupported-activation');
    assert.match(error.message, /separate layer/);
  });

  it('Dense as activation is rejected', () => {
    const error = errorOf('layers.Dense(8, activation=layers.Dense(4))', 'unsupported-activation');
    assert.match(error.message, /is a layer, not an activation/);
  });
});

describe('parser layers: initializers', () => {
  it('fixture reads strings, classes and objects', () => {
    const spec = specOf(fixture('layers_initializers.py'));
    const dense = spec.layers.filter((layer) => layer.className === 'Dense');
    assert.deepEqual(dense.map((layer) => [layer.config.kernel_initializer, layer.config.bias_initializer]), [
      ['he_normal', { class_name: 'Constant', config: { value: 0.1 } }],
      [{ class_name: 'RandomNormal', config: { mean: 0, stddev: 0.01, seed: 1 } }, 'zeros'],
      [{ class_name: 'GlorotUniform', config: { seed: 0 } }, 'zeros'],
      [{ class_name: 'Orthogonal', config: { gain: 1, seed: null } }, 'zeros'],
      ['he_uniform', 'zeros'],
      [{ class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_out', distribution: 'truncated_normal', seed: null } }, 'zeros'],
      ['he_normal', { class_name: 'RandomUniform', config: { minval: -0.1, maxval: 0.1, seed: null } }],
    ]);
  });

  it('initializer strings keep Keras aliases', () => {
    assert.equal(layerOf("layers.Dense(8, kernel_initializer='orthogonal')").config.kernel_initializer, 'orthogonal');
    assert.equal(layerOf("layers.Dense(8, kernel_initializer='VarianceScaling')").config.kernel_initializer, 'variance_scaling');
    assert.equal(layerOf("layers.Dense(8, kernel_initializer='normal')").config.kernel_initializer, 'normal');
    assert.equal(layerOf('layers.Dense(8, kernel_initializer=initializers.Zeros)').config.kernel_initializer, 'zeros');
  });

  it('TensorFlow initializers read as Keras', () => {
    const layer = layerOf('layers.Dense(8, kernel_initializer=tf.random_normal_initializer(stddev=0.02), bias_initializer=tf.zeros_initializer())');
    assert.deepEqual(layer.config.kernel_initializer, { class_name: 'RandomNormal', config: { mean: 0, stddev: 0.02, seed: null } });
    assert.equal(layer.config.bias_initializer, 'zeros');
    assert.equal(layerOf('layers.Dense(8, kernel_initializer=tf.initializers.GlorotNormal())').config.kernel_initializer, 'glorot_normal');
  });

  it('TruncatedNormal reads positional settings', () => {
    const layer = layerOf('layers.LSTM(8, recurrent_initializer=initializers.TruncatedNormal(0.0, 0.02))');
    assert.deepEqual(layer.config.recurrent_initializer, { class_name: 'TruncatedNormal', config: { mean: 0, stddev: 0.02, seed: null } });
  });

  it('misspelt initializer suggests a name', () => {
    const error = errorOf("layers.Dense(8, kernel_initializer='he_normall')", 'unsupported-initializer');
    assert.match(error.message, /Did you mean `he_normal`\?/);
    const wrongCase = errorOf("layers.Dense(8, kernel_initializer='Henormal')", 'unsupported-initializer');
    assert.match(wrongCase.message, /Did you mean `HeNormal`\?/);
  });

  it('invalid initializer settings are rejected', () => {
    assert.match(errorOf("layers.Dense(8, kernel_initializer=initializers.VarianceScaling(mode='fan'))", 'invalid-value').message, /mode='fan'.*'fan_in'/);
    assert.match(errorOf('layers.Dense(8, kernel_initializer=initializers.RandomNormal(seed=1.5))', 'invalid-value').message, /seed=1\.5/);
    assert.match(errorOf('layers.Dense(8, kernel_initializer=initializers.VarianceScaling(scale=0))', 'invalid-value').message, /scale=0/);
  });

  it('Identity initializer reads its gain', () => {
    const layer = layerOf('layers.Dense(8, kernel_initializer=initializers.IdentityInitializer(gain=2.0))');
    assert.deepEqual(layer.config.kernel_initializer, { class_name: 'Identity', config: { gain: 2 } });
  });

  it('STFT initializer is unsupported', () => {
    const error = errorOf('layers.Dense(8, kernel_initializer=initializers.STFT())', 'unsupported-initializer');
    assert.doesNotMatch(error.message, /Did you mean/);
    assert.match(error.message, /initializers\.STFT/);
  });
});

describe('parser layers: Keras 1 and 2 spellings', () => {
  it('Keras 1 fixture reads as Keras 3 builds it', () => {
    const text = fixture('layers_keras1.py');
    const result = parseModelFile(text, 'layers_keras1.py');
    assert.ok(result.spec, describeDiagnostics(result.diagnostics));
    const [conv, leaky, pool, conv1, , dropout, , dense] = result.spec.layers;
    assert.deepEqual([conv.config.filters, conv.config.kernel_size, conv.config.strides, conv.config.padding], [32, [3, 3], [3, 3], 'same']);
    assert.equal(conv.config.kernel_initializer, 'he_normal');
    assert.deepEqual(leaky.config, { negative_slope: 0.1 });
    assert.equal(pool.config.data_format, 'channels_last');
    assert.deepEqual([conv1.name, conv1.config.filters, conv1.config.kernel_size, conv1.config.strides], ['conv2d_1', 64, [3, 5], [1, 1]]);
    assert.equal(dropout.config.rate, 0.25);
    assert.deepEqual([dense.config.units, dense.config.kernel_initializer, dense.config.use_bias], [128, 'uniform', true]);
  });

  it('Keras 1 fixture warns at each old spelling', () => {
    const text = fixture('layers_keras1.py');
    const { diagnostics } = parseModelFile(text, 'layers_keras1.py');
    const strides = expectDiagnostic(diagnostics, text, 'legacy-positional-argument', 'model.add(Convolution2D(32', 'warning');
    assert.match(strides.message, /Keras 1/);
    assert.match(strides.message, /32 filters of 3×3/);
    assert.match(strides.message, /strides/);
    assert.match(strides.message, /Conv2D\(32, \(3, 3\)\)/);
    assert.match(expectDiagnostic(diagnostics, text, 'legacy-argument', 'border_mode', 'warning').message, /border_mode.*padding='same'/);
    assert.match(expectDiagnostic(diagnostics, text, 'legacy-argument', 'alpha=0.1', 'warning').message, /negative_slope=0\.1/);
    assert.match(expectDiagnostic(diagnostics, text, 'legacy-argument', "dim_ordering='tf'", 'warning').message, /data_format='channels_last'/);
    assert.match(expectDiagnostic(diagnostics, text, 'legacy-argument', 'nb_filter=64', 'warning').message, /nb_filter|kernel_size=\(3, 5\)/);
    assert.match(expectDiagnostic(diagnostics, text, 'legacy-argument', 'p=0.25', 'warning').message, /rate=0\.25/);
    assert.match(expectDiagnostic(diagnostics, text, 'legacy-argument', 'output_dim=128', 'warning').message, /units=128|kernel_initializer='uniform'|use_bias=True/);
    const messages = diagnostics.filter((d) => d.code === 'legacy-argument').map((d) => d.message).join('\n');
    for (const fix of ["kernel_initializer='he_normal'", 'kernel_size=(3, 5)', 'filters=64', 'strides=(1, 1)', 'units=128', 'use_bias=True']) {
      assert.ok(messages.includes(fix), `no legacy warning suggests ${fix}:\n${messages}`);
    }
  });

  it('Conv2D with three numbers has no warning', () => {
    const readings = readLayers(['LAYERS = [layers.Conv2D(32, 3, 3)]']);
    assert.equal(readings.diagnostics.length, 0, describeDiagnostics(readings.diagnostics));
    assert.deepEqual(readings.specs[0].config.strides, [3, 3]);
  });

  it('Convolution2D rows and strides differ', () => {
    const diagnostic = errorOf('layers.Convolution2D(16, 5, 3)', 'legacy-positional-argument', 'warning');
    assert.match(diagnostic.message, /16 filters of 5×3/);
    assert.match(diagnostic.message, /5×5 kernel that moves 3 pixels/);
    assert.match(diagnostic.message, /Conv2D\(16, \(5, 3\)\)/);
  });

  it('renamed Convolution2D import still warns', () => {
    const readings = readLayers(['from keras.layers import Convolution2D as Conv', 'LAYERS = [Conv(16, 5, 3)]']);
    const warning = expectDiagnostic(readings.diagnostics, readings.text, 'legacy-positional-argument', 'LAYERS', 'warning');
    assert.match(warning.message, /`Conv\(16, 5, 3\)`/);
  });

  it('nb_row alone is an error', () => {
    const error = errorOf('layers.Conv2D(8, nb_row=3)', 'legacy-argument');
    assert.match(error.message, /kernel_size=\(rows, columns\)/);
  });

  it('forget_bias_init is an error', () => {
    const error = errorOf("layers.LSTM(8, forget_bias_init='one')", 'legacy-argument');
    assert.match(error.message, /unit_forget_bias/);
  });

  it('Keras 1 recurrent keywords map', () => {
    const readings = readLayers(["LAYERS = [layers.LSTM(output_dim=8, inner_activation='relu', dropout_W=0.2, dropout_U=0.1, inner_init='zeros')]"]);
    const legacy = readings.diagnostics.filter((diagnostic) => diagnostic.code === 'legacy-argument');
    assert.equal(legacy.length, 5, describeDiagnostics(readings.diagnostics));
    assert.ok(legacy.every((diagnostic) => diagnostic.severity === 'warning'));
    const config = readings.specs[0].config;
    assert.deepEqual(
      [config.units, config.recurrent_activation, config.dropout, config.recurrent_dropout, config.recurrent_initializer],
      [8, 'relu', 0.2, 0.1, 'zeros'],
    );
  });

  it('Embedding input_length gives the input shape', () => {
    const readings = readLayers(['LAYERS = [layers.Embedding(256, 8, input_length=784)]']);
    const warning = expectDiagnostic(readings.diagnostics, readings.text, 'legacy-argument', 'LAYERS', 'warning');
    assert.match(warning.message, /input_shape=\(784,\)/);
    assert.deepEqual(readings.specs[0].config.input_shape, [784]);
  });

  it('old import paths resolve', () => {
    const readings = readLayers([
      'from keras.layers.core import Dense',
      'from keras.layers.embeddings import Embedding',
      'from keras.layers.recurrent import LSTM',
      'from keras.layers.normalization import BatchNormalization',
      'from tensorflow.keras.layers.experimental import preprocessing',
      'from keras.layers.normalization.batch_normalization import BatchNormalization as BN',
      'LAYERS = [Dense(4), Embedding(10, 4), LSTM(4), BatchNormalization(), BN()]',
    ]);
    assert.equal(readings.diagnostics.length, 0, describeDiagnostics(readings.diagnostics));
    assert.deepEqual(readings.specs.map((layer) => layer.className), ['Dense', 'Embedding', 'LSTM', 'BatchNormalization', 'BatchNormalization']);
  });
});

describe('parser layers: misspelt names', () => {
  it('typos fixture reports each typo with a fix', () => {
    const text = fixture('layers_typos.py');
    const result = parseModelFile(text, 'layers_typos.py');
    assert.equal(result.spec, undefined);
    const diagnostics = result.diagnostics;
    assert.match(expectDiagnostic(diagnostics, text, 'unknown-import', 'from keras.layer import').message, /`keras\.layer`.*Did you mean `keras\.layers`\?/);
    assert.match(expectDiagnostic(diagnostics, text, 'unknown-import', 'import tensorflow.kears').message, /Did you mean `tensorflow\.keras`\?/);
    assert.match(expectDiagnostic(diagnostics, text, 'unknown-import', 'import Flaten').message, /Did you mean `tensorflow\.keras\.layers\.Flatten`\?/);
    assert.match(expectDiagnostic(diagnostics, text, 'unknown-layer', 'layers.Conv2d').message, /`layers\.Conv2d`.*Did you mean `layers\.Conv2D`\?/);
    assert.match(expectDiagnostic(diagnostics, text, 'unknown-layer', 'Dnese(').message, /Did you mean `Dense`\?/);
    assert.match(expectDiagnostic(diagnostics, text, 'unsupported-activation', "'rleu'").message, /Did you mean 'relu'\?/);
    assert.match(expectDiagnostic(diagnostics, text, 'unsupported-initializer', 'he_normall').message, /he_normal/);
  });

  it('corrected import reads the intended layer', () => {
    const text = fixture('layers_typos.py');
    const result = parseModelFile(text, 'layers_typos.py');
    // `Dense` comes from the misspelt `keras.layer`: one error at the import, none where it is used.
    assert.equal(result.diagnostics.filter((d) => d.code === 'unknown-layer' && d.range.startLine === lineOf(text, 'model.add(Dense(10')).length, 0);
    assert.equal(result.diagnostics.filter((d) => d.code === 'unknown-layer' && d.range.startLine === lineOf(text, 'Flaten()')).length, 0);
  });

  it('attribute typo in a tf.keras chain', () => {
    const readings = readLayers(['LAYERS = [tf.keras.layer.Dense(8), tf.kears.layers.Dense(8)]']);
    const messages = readings.diagnostics.filter((d) => d.code === 'unknown-layer').map((d) => d.message);
    assert.equal(messages.length, 2, describeDiagnostics(readings.diagnostics));
    assert.match(messages[0], /Did you mean `tf\.keras\.layers\.Dense`\?/);
    assert.match(messages[1], /Did you mean `tf\.keras\.layers\.Dense`\?/);
  });

  it('misspelt package gets a suggestion', () => {
    const readings = readLayers(['import kears', 'LAYERS = []']);
    assert.match(expectDiagnostic(readings.diagnostics, readings.text, 'unknown-import', 'import kears').message, /`keras`/);
  });

  it('real names are never flagged', () => {
    const readings = readLayers([
      'import tensorboard',
      'import tensorflow_datasets as tfds',
      'from tensorflow.keras.layers import Conv1D, LayerNormalization, concatenate',
      'from keras import backend as K, regularizers, Input, Model',
      'from tensorflow.keras.utils import to_categorical',
      'from keras.layers.merge import Concatenate',
      'from tensorflow.keras.activations import swish',
      'from tensorflow.keras.initializers import lecun_normal',
      'LAYERS = []',
    ]);
    assert.equal(readings.diagnostics.length, 0, describeDiagnostics(readings.diagnostics));
  });

  it('real unsupported layer is not a typo', () => {
    const error = errorOf('layers.Conv1D(8, 3)', 'unsupported-layer');
    assert.match(error.message, /Conv1D/);
  });

  it('local function is not corrected', () => {
    const readings = readLayers(['def dense(units):', '    return units', 'LAYERS = [dense(8)]']);
    const error = expectDiagnostic(readings.diagnostics, readings.text, 'unknown-layer', 'LAYERS');
    assert.doesNotMatch(error.message, /Did you mean/);
  });

  it('edit distance counts a swap once', () => {
    assert.equal(editDistance('Dnese', 'Dense'), 1);
    assert.equal(editDistance('kears', 'keras'), 1);
    assert.equal(editDistance('layer', 'layers'), 1);
    assert.equal(editDistance('relu', 'tanh'), 4);
  });
});

describe('parser layers: fixtures build models', () => {
  it('CNN fixture reads Conv2D and pooling', () => {
    const spec = specOf(fixture('layers_cnn.py'));
    assert.deepEqual(spec.inputShape, [28, 28, 1]);
    assert.deepEqual(spec.layers.map((layer) => layer.name), [
      'conv2d', 'max_pooling2d', 'conv2d_1', 'batch_normalization', 're_lu', 'average_pooling2d', 'dropout', 'flatten', 'dense', 'dense_1',
    ]);
    const [conv, pool, conv1, , relu, average, , , dense, output] = spec.layers;
    assert.deepEqual([conv.config.kernel_size, conv.config.activation, conv.config.input_shape], [[3, 3], 'relu', [28, 28, 1]]);
    assert.deepEqual([pool.config.pool_size, pool.config.strides], [[2, 2], [2, 2]]);
    assert.deepEqual([conv1.config.padding, conv1.config.strides, conv1.config.use_bias], ['same', [1, 1], false]);
    assert.deepEqual(relu.config, { max_value: null, negative_slope: 0, threshold: 0 });
    assert.deepEqual([average.config.strides, average.config.padding], [[2, 2], 'same']);
    assert.deepEqual([dense.config.activation, dense.config.kernel_initializer], ['relu', { class_name: 'HeNormal', config: { seed: 0 } }]);
    assert.equal(output.config.activation, 'softmax');
  });

  it('alias fixture names layers by class', () => {
    const text = fixture('layers_aliases.py');
    const result = parseModelFile(text, 'layers_aliases.py');
    assert.ok(result.spec, describeDiagnostics(result.diagnostics));
    assert.deepEqual(result.spec.layers.map((layer) => [layer.className, layer.name]), [
      ['Reshape', 'reshape'],
      ['Conv2D', 'conv2d'],
      ['MaxPooling2D', 'max_pooling2d'],
      ['Conv2D', 'conv2d_1'],
      ['AveragePooling2D', 'average_pooling2d'],
      ['GlobalAveragePooling2D', 'global_average_pooling2d'],
      ['Dense', 'dense'],
    ]);
    const [, conv, pool, dilated, average] = result.spec.layers;
    assert.deepEqual(conv.config.kernel_size, [5, 3]);
    assert.deepEqual(pool.config.strides, [1, 1]);
    assert.deepEqual(dilated.config.dilation_rate, [2, 2]);
    assert.deepEqual([average.config.pool_size, average.config.strides, average.config.padding], [[3, 3], [3, 3], 'same']);
  });

  it('recurrent fixture reads LSTM, GRU and SimpleRNN', () => {
    const spec = specOf(fixture('layers_recurrent.py'));
    assert.deepEqual(spec.inputShape, [28, 28]);
    const [lstm, gru, rnn] = spec.layers;
    assert.deepEqual([lstm.name, lstm.config.units, lstm.config.return_sequences], ['lstm', 64, true]);
    assert.deepEqual([gru.name, gru.config.reset_after, gru.config.dropout], ['gru', false, 0.1]);
    assert.deepEqual([rnn.name, rnn.config.activation, rnn.config.go_backwards], ['simple_rnn', 'relu', true]);
  });
});

describe('parser layers: fixtures train', () => {
  before(async () => {
    await loadTensorFlow('wasm', WASM_DIR);
  });

  for (const fileName of ['layers_cnn.py', 'layers_activations.py', 'layers_aliases.py', 'layers_initializers.py', 'layers_recurrent.py', 'layers_keras1.py']) {
    it(`${fileName} trains to a finite loss`, async function () {
      this.timeout(600_000);
      const spec = specOf(fixture(fileName));
      const messages: TrainerToHost[] = [];
      // One epoch of 320 examples keeps each run to a few seconds.
      await train(spec, trainOptions({ trainLimit: 320, testLimit: 100, maxEpochs: 1, samplesPerEpoch: 2 }), (message) => messages.push(message), () => false);
      assert.deepEqual(messagesOfType(messages, 'failed'), []);
      const [started] = messagesOfType(messages, 'trainingStarted');
      assert.ok(started, 'no trainingStarted message');
      assert.ok(started.layers.length > 0, 'no heatmap rows');
      const [evaluation] = messagesOfType(messages, 'evaluation');
      assert.ok(evaluation, 'no evaluation message');
      assert.ok(Number.isFinite(evaluation.evaluation.loss), `test loss ${evaluation.evaluation.loss}`);
    });
  }
});
