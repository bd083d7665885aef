import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LayerSpec, ModelSpec, ParseDiagnostic, ParseResult } from '../../src/common/modelSpec';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { isJsonModelDocument, parseModelDocument } from '../../src/parser/modelDocument';
import { train } from '../../src/trainer/train';
import { messagesOfType, REPOSITORY_ROOT, trainOptions } from '../helpers/modelSpecs';

const FIXTURES = path.join(REPOSITORY_ROOT, 'test', 'fixtures', 'json');

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

function describeDiagnostics(result: ParseResult): string {
  return result.diagnostics.map((d) => `${d.severity} ${d.code} line ${d.range.startLine}: ${d.message}`).join('\n');
}

/** Parses and returns the spec, failing with the diagnostics when there is none. */
function specOf(text: string, fileName = 'model.json'): ModelSpec {
  const result = parseModelDocument(text, fileName);
  assert.ok(result.spec, `expected a model spec, got:\n${describeDiagnostics(result)}`);
  return result.spec;
}

/** Returns the 0-based line of the `occurrence`-th (from 0) line of `text` containing `fragment`. */
function lineOf(text: string, fragment: string, occurrence = 0): number {
  const lines = text.split('\n');
  let seen = 0;
  for (let index = 0; index < lines.length; index += 1) {
    if (lines[index].includes(fragment)) {
      if (seen === occurrence) {
        return index;
      }
      seen += 1;
    }
  }
  assert.fail(`no line ${occurrence} contains ${fragment}`);
}

/** Asserts a diagnostic with `code` on 0-based `line` and returns it. */
function expectDiagnostic(
  result: ParseResult,
  code: string,
  line: number,
  severity: ParseDiagnostic['severity'] = 'error',
): ParseDiagnostic {
  const found = result.diagnostics.find((diagnostic) => diagnostic.code === code && diagnostic.range.startLine === line);
  assert.ok(found, `expected ${code} on line ${line}, got:\n${describeDiagnostics(result)}`);
  assert.equal(found.severity, severity, `severity of ${code}`);
  return found;
}

/** Parses `text`, which must fail with `code` on the line containing `fragment`. */
function expectError(text: string, code: string, fragment: string, occurrence = 0): ParseDiagnostic {
  const result = parseModelDocument(text, 'model.json');
  const diagnostic = expectDiagnostic(result, code, lineOf(text, fragment, occurrence));
  assert.equal(result.spec, undefined, 'an error leaves no spec');
  return diagnostic;
}

function byName(spec: ModelSpec, name: string): LayerSpec {
  const layer = spec.layers.find((candidate) => candidate.name === name);
  assert.ok(layer, `no layer ${name}`);
  return layer;
}

/** Replaces exactly one occurrence of `from` in `text`. */
function replaceOnce(text: string, from: string, to: string): string {
  const index = text.indexOf(from);
  assert.ok(index >= 0, `fixture has no ${from}`);
  assert.equal(text.indexOf(from, index + 1), -1, `fixture has ${from} more than once`);
  return text.slice(0, index) + to + text.slice(index + from.length);
}

describe('Keras JSON: Keras 3 files', () => {
  const mlpText = fixture('keras3_sequential_mlp.json');
  const cnnText = fixture('keras3_sequential_cnn.json');
  const functionalText = fixture('keras3_functional_concat.json');

  it('Sequential MLP reads its layers in order', () => {
    const spec = specOf(mlpText);

    assert.deepEqual(
      spec.layers.map((layer) => [layer.className, layer.name]),
      [['InputLayer', 'input_layer'], ['Flatten', 'flatten'], ['Dense', 'dense'], ['Dropout', 'dropout'], ['Dense', 'dense_1']],
    );
    assert.equal(spec.topology, 'sequential');
    assert.equal(spec.sourceFormat, 'keras-json');
    assert.equal(spec.outputLayer, undefined);
    assert.ok(spec.layers.every((layer) => layer.inbound === undefined));
  });

  it('Sequential MLP normalises Dense and Dropout configs', () => {
    const spec = specOf(mlpText);

    assert.deepEqual(byName(spec, 'dense').config, {
      units: 64,
      activation: 'relu',
      use_bias: true,
      kernel_initializer: { class_name: 'HeNormal', config: { seed: 7 } },
      bias_initializer: { class_name: 'Zeros', config: {} },
    });
    assert.deepEqual(byName(spec, 'dropout').config, { rate: 0.2 });
    assert.deepEqual(byName(spec, 'flatten').config, { data_format: 'channels_last' });
  });

  it('Sequential MLP takes the input shape from batch_shape', () => {
    const spec = specOf(mlpText);

    assert.deepEqual(spec.inputShape, [28, 28]);
    assert.deepEqual(byName(spec, 'input_layer').config, { input_shape: [28, 28] });
  });

  it('layer ranges point at the class_name lines', () => {
    const spec = specOf(mlpText);

    assert.deepEqual(
      spec.layers.map((layer) => layer.range.startLine),
      [
        lineOf(mlpText, '"class_name": "InputLayer"'),
        lineOf(mlpText, '"class_name": "Flatten"'),
        lineOf(mlpText, '"class_name": "Dense"', 0),
        lineOf(mlpText, '"class_name": "Dropout"'),
        lineOf(mlpText, '"class_name": "Dense"', 1),
      ],
    );
    const dense = byName(spec, 'dense').range;
    assert.equal(dense.endLine, dense.startLine);
    assert.equal(mlpText.split('\n')[dense.startLine].slice(dense.startCharacter, dense.endCharacter), '"class_name": "Dense"');
  });

  it('compile_config gives Adam with float32 values simplified', () => {
    const spec = specOf(mlpText);

    assert.deepEqual(spec.compile.optimizer, {
      className: 'Adam',
      learningRate: 0.001,
      momentum: 0,
      nesterov: false,
      clipvalue: 0.5,
      options: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false },
    });
    assert.equal(spec.compile.loss, 'sparse_categorical_crossentropy');
    assert.equal(spec.compile.fromLogits, undefined);
    assert.deepEqual(spec.compile.metrics, ['accuracy']);
    assert.equal(spec.compile.range?.startLine, lineOf(mlpText, '"optimizer": {'));
  });

  it('compiled file states only the fit defaults', () => {
    const result = parseModelDocument(mlpText, 'model.json');

    assert.deepEqual(result.spec?.fit, { epochs: 1, batchSize: 32, validationSplit: 0, shuffle: true, validationOnTest: false });
    expectDiagnostic(result, 'fit-missing', lineOf(mlpText, '"class_name": "Sequential"'), 'information');
    assert.ok(!result.diagnostics.some((diagnostic) => diagnostic.code === 'compile-missing'));
  });

  it('28×28 input trains on MNIST divided by 255', () => {
    const result = parseModelDocument(mlpText, 'model.json');

    assert.deepEqual(result.spec?.dataset, { name: 'mnist', origin: 'inferred', pixelDivisor: 255, oneHotLabels: false });
    const note = expectDiagnostic(result, 'dataset-inferred', lineOf(mlpText, '"batch_shape": [null, 28, 28]'), 'information');
    assert.match(note.message, /MNIST/);
    assert.match(note.message, /\(28, 28\)/);
  });

  it('Sequential CNN normalises Conv2D and pooling', () => {
    const spec = specOf(cnnText);

    assert.deepEqual(spec.inputShape, [28, 28, 1]);
    assert.deepEqual(
      spec.layers.map((layer) => layer.className),
      ['InputLayer', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'GlobalAveragePooling2D', 'Dense'],
    );
    assert.deepEqual(byName(spec, 'conv2d_1').config, {
      filters: 16,
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'same',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: 'relu',
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
    });
    assert.deepEqual(byName(spec, 'max_pooling2d').config, { pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' });
    assert.deepEqual(byName(spec, 'global_average_pooling2d').config, { data_format: 'channels_last' });
  });

  it('uncompiled CNN takes the Keras compile defaults', () => {
    const result = parseModelDocument(cnnText, 'cnn.json');

    assert.deepEqual(result.spec?.compile, {
      optimizer: { className: 'RMSprop', learningRate: 0.001, momentum: 0, nesterov: false },
      loss: 'sparse_categorical_crossentropy',
      metrics: ['accuracy'],
    });
    const note = expectDiagnostic(result, 'compile-missing', lineOf(cnnText, '"class_name": "Sequential"'), 'information');
    assert.match(note.message, /RMSprop/);
    assert.match(note.message, /sparse_categorical_crossentropy/);
  });

  it('Functional model links layers by inbound', () => {
    const spec = specOf(functionalText);

    assert.equal(spec.topology, 'functional');
    assert.equal(spec.outputLayer, 'scores');
    assert.deepEqual(
      spec.layers.map((layer) => [layer.name, layer.inbound]),
      [['pixels', []], ['wide', ['pixels']], ['narrow', ['pixels']], ['merged', ['wide', 'narrow']], ['scores', ['merged']]],
    );
    assert.deepEqual(byName(spec, 'merged').config, { axis: -1 });
    assert.deepEqual(spec.inputShape, [784]);
  });

  it('Functional compile_config reads schedule and logits loss', () => {
    const spec = specOf(functionalText);

    assert.deepEqual(spec.compile.optimizer, {
      className: 'SGD',
      learningRate: 0.1,
      momentum: 0.9,
      nesterov: true,
      schedule: { className: 'ExponentialDecay', config: { initial_learning_rate: 0.1, decay_steps: 1000, decay_rate: 0.96, staircase: false } },
    });
    assert.equal(spec.compile.loss, 'sparse_categorical_crossentropy');
    assert.equal(spec.compile.fromLogits, true);
  });
});

describe('Keras JSON: Keras 2.15 files', () => {
  const mlpText = fixture('keras2_sequential_mlp.json');
  const functionalText = fixture('keras2_functional_concat.json');

  it('Sequential keeps the generated InputLayer', () => {
    const spec = specOf(mlpText);

    assert.deepEqual(spec.layers.map((layer) => layer.name), [
      'flatten_input', 'flatten', 'dense', 'batch_normalization', 'dense_1', 'leaky_re_lu', 'dense_2',
    ]);
    assert.deepEqual(spec.inputShape, [28, 28]);
    // Keras 2 also writes batch_input_shape on the first real layer; it is not a config key here.
    assert.deepEqual(byName(spec, 'flatten').config, { data_format: 'channels_last' });
  });

  it('LeakyReLU alpha becomes negative_slope', () => {
    const spec = specOf(mlpText);

    assert.deepEqual(byName(spec, 'leaky_re_lu').config, { negative_slope: 0.1 });
  });

  it('BatchNormalization axis [1] becomes -1', () => {
    const spec = specOf(mlpText);

    assert.deepEqual(byName(spec, 'batch_normalization').config, { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true });
  });

  it('Functional reads nested inbound lists', () => {
    const spec = specOf(functionalText);

    assert.deepEqual(
      spec.layers.map((layer) => [layer.name, layer.inbound]),
      [
        ['input_1', []],
        ['flatten', ['input_1']],
        ['dense', ['flatten']],
        ['dense_1', ['flatten']],
        ['concatenate', ['dense', 'dense_1']],
        ['dense_2', ['concatenate']],
      ],
    );
    assert.equal(spec.outputLayer, 'dense_2');
    assert.equal(spec.compile.optimizer.className, 'RMSprop');
  });
});

describe('Keras JSON: TensorFlow.js model.json', () => {
  const savedText = fixture('tfjs_saved_model.json');
  const convertedText = fixture('tfjs_converted_model.json');

  it('tfjs save() file reads topology and trainingConfig', () => {
    const spec = specOf(savedText);

    assert.equal(spec.sourceFormat, 'tfjs');
    assert.deepEqual(spec.layers.map((layer) => layer.className), ['Flatten', 'Dense', 'Dropout', 'Dense']);
    assert.deepEqual(byName(spec, 'flatten_Flatten1').config, { data_format: 'channels_last', input_shape: [28, 28] });
    assert.deepEqual(spec.compile.optimizer, {
      className: 'Adam',
      learningRate: 0.002,
      momentum: 0,
      nesterov: false,
      options: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
    });
    assert.equal(spec.compile.loss, 'categorical_crossentropy');
    assert.deepEqual(spec.compile.metrics, ['accuracy']);
  });

  it('tfjs categorical loss takes one-hot labels', () => {
    const spec = specOf(savedText);

    assert.equal(spec.dataset.oneHotLabels, true);
  });

  it('tfjs VarianceScaling initializer is kept', () => {
    const spec = specOf(savedText);

    assert.deepEqual(byName(spec, 'dense_Dense1').config.kernel_initializer, {
      class_name: 'VarianceScaling',
      config: { scale: 1, mode: 'fan_avg', distribution: 'normal', seed: null },
    });
  });

  it('weightsManifest is noted as ignored', () => {
    const result = parseModelDocument(savedText, 'model.json');

    const note = expectDiagnostic(result, 'weights-ignored', lineOf(savedText, '"weightsManifest"'), 'information');
    assert.match(note.message, /initial weights/);
  });

  it('converter file reads training_config', () => {
    const spec = specOf(convertedText);

    assert.deepEqual(spec.compile.optimizer, {
      className: 'RMSprop',
      learningRate: 0.0005,
      momentum: 0,
      nesterov: false,
      options: { rho: 0.9, epsilon: 1e-7, centered: false },
    });
    assert.deepEqual(spec.compile.metrics, ['accuracy']);
    assert.deepEqual(spec.inputShape, [784]);
    assert.deepEqual(byName(spec, 'dense').config.kernel_initializer, { class_name: 'HeUniform', config: { seed: null } });
  });

  it('converter file warns about the regularizer', () => {
    const result = parseModelDocument(convertedText, 'model.json');

    const warning = expectDiagnostic(result, 'ignored-argument', lineOf(convertedText, '"kernel_regularizer": {'), 'warning');
    assert.match(warning.message, /kernel_regularizer/);
    assert.ok(result.spec, 'a warning keeps the spec');
  });
});

describe('Keras JSON: malformed files', () => {
  const mlpText = fixture('keras3_sequential_mlp.json');
  const cnnText = fixture('keras3_sequential_cnn.json');
  const functionalText = fixture('keras3_functional_concat.json');
  const keras2FunctionalText = fixture('keras2_functional_concat.json');

  it('missing comma is a syntax error at its line', () => {
    const text = fixture('broken_syntax.json');
    const diagnostic = expectError(text, 'syntax-error', '"class_name": "Dropout"');

    assert.match(diagnostic.message, /comma/);
  });

  it('trailing comma is a syntax error at its line', () => {
    const text = replaceOnce(mlpText, '"jit_compile": false\n', '"jit_compile": false,\n');

    expectError(text, 'syntax-error', '"jit_compile": false,');
  });

  it('NaN is a syntax error', () => {
    const text = replaceOnce(mlpText, '"rate": 0.2,', '"rate": NaN,');

    expectError(text, 'syntax-error', '"rate": NaN');
  });

  it('empty file is a syntax error on line 1', () => {
    const result = parseModelDocument('', 'model.json');

    expectDiagnostic(result, 'syntax-error', 0);
  });

  it('unknown layer class names it and the supported list', () => {
    const text = replaceOnce(mlpText, '"class_name": "Dropout"', '"class_name": "SpatialDropout2D"');
    const diagnostic = expectError(text, 'unsupported-layer', '"class_name": "SpatialDropout2D"');

    assert.match(diagnostic.message, /SpatialDropout2D/);
    assert.match(diagnostic.message, /Conv2D, MaxPooling2D/);
  });

  it('custom layer module is rejected', () => {
    const text = replaceOnce(
      mlpText,
      '"module": "keras.layers",\n        "class_name": "Dropout"',
      '"module": "my_project.layers",\n        "class_name": "Dropout"',
    );

    expectError(text, 'unsupported-layer', '"class_name": "Dropout"');
  });

  it('two inputs are rejected at input_layers', () => {
    const text = replaceOnce(functionalText, '"input_layers": [["pixels", 0, 0]]', '"input_layers": [["pixels", 0, 0], ["wide", 0, 0]]');
    const diagnostic = expectError(text, 'multiple-inputs', '"input_layers"');

    assert.match(diagnostic.message, /one input/);
  });

  it('two outputs are rejected at output_layers', () => {
    const text = replaceOnce(functionalText, '"output_layers": [["scores", 0, 0]]', '"output_layers": [["scores", 0, 0], ["wide", 0, 0]]');

    expectError(text, 'multiple-outputs', '"output_layers"');
  });

  it('second InputLayer feeding the output is rejected', () => {
    const secondInput =
      '{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 784], "name": "extra"}, "name": "extra", "inbound_nodes": []},\n      ';
    let text = replaceOnce(keras2FunctionalText, '{\n        "module": "keras.layers",\n        "class_name": "Concatenate"', `${secondInput}{\n        "module": "keras.layers",\n        "class_name": "Concatenate"`);
    text = replaceOnce(text, '[[["dense", 0, 0, {}], ["dense_1", 0, 0, {}]]]', '[[["dense", 0, 0, {}], ["extra", 0, 0, {}]]]');

    expectError(text, 'multiple-inputs', '"name": "extra"');
  });

  it('inbound name that is not defined is rejected', () => {
    const text = replaceOnce(keras2FunctionalText, '[[["concatenate", 0, 0, {}]]]', '[[["concat", 0, 0, {}]]]');
    const diagnostic = expectError(text, 'unknown-inbound-layer', '[[["concat", 0, 0, {}]]]');

    assert.match(diagnostic.message, /`concat`/);
  });

  it('shared layer called twice is rejected', () => {
    const text = replaceOnce(keras2FunctionalText, '"inbound_nodes": [[["concatenate", 0, 0, {}]]]', '"inbound_nodes": [[["concatenate", 0, 0, {}]], [["dense", 0, 0, {}]]]');

    expectError(text, 'shared-layer', '"class_name": "Dense"', 2);
  });

  it('JSON that is no model says so', () => {
    const text = '{\n  "name": "my-extension",\n  "version": "1.0.0"\n}\n';

    expectError(text, 'model-missing', '{');
  });

  it('tfjs graph model is rejected with the converter option', () => {
    const text = '{\n  "format": "graph-model",\n  "modelTopology": {"node": []},\n  "weightsManifest": []\n}\n';
    const diagnostic = expectError(text, 'unsupported-model', '"format": "graph-model"');

    assert.match(diagnostic.message, /tfjs_layers_model/);
  });

  it('subclassed model class is rejected', () => {
    const text = replaceOnce(mlpText, '"class_name": "Sequential"', '"class_name": "MyModel"');

    expectError(text, 'unsupported-model', '"class_name": "MyModel"');
  });

  it('input shape of no dataset is rejected at its line', () => {
    const text = replaceOnce(mlpText, '"batch_shape": [null, 28, 28]', '"batch_shape": [null, 30, 30]');
    const diagnostic = expectError(text, 'unknown-dataset', '"batch_shape": [null, 30, 30]');

    assert.match(diagnostic.message, /\(30, 30\)/);
  });

  it('open input axis is rejected', () => {
    const text = replaceOnce(mlpText, '"batch_shape": [null, 28, 28]', '"batch_shape": [null, null, 28]');

    expectError(text, 'invalid-value', '"batch_shape": [null, null, 28]');
  });

  it('32×32×3 input trains on CIFAR-10', () => {
    const text = replaceOnce(cnnText, '"batch_shape": [null, 28, 28, 1]', '"batch_shape": [null, 32, 32, 3]');
    const spec = specOf(text);

    assert.equal(spec.dataset.name, 'cifar10');
    assert.equal(spec.dataset.pixelDivisor, 255);
  });

  it('output of 5 units is rejected at the last layer', () => {
    const text = replaceOnce(mlpText, '"units": 10,', '"units": 5,');
    const diagnostic = expectError(text, 'output-units', '"class_name": "Dense"', 1);

    assert.match(diagnostic.message, /\(10,\)/);
  });

  it('Conv2D on a flat image is a shape error at its line', () => {
    const text = replaceOnce(cnnText, '"batch_shape": [null, 28, 28, 1]', '"batch_shape": [null, 28, 28]');
    const diagnostic = expectError(text, 'shape-mismatch', '"class_name": "Conv2D"', 0);

    assert.match(diagnostic.message, /conv2d/);
  });

  it('units of 0 is an invalid value at its line', () => {
    const text = replaceOnce(mlpText, '"units": 64,', '"units": 0,');
    const diagnostic = expectError(text, 'invalid-value', '"units": 0');

    assert.match(diagnostic.message, /positive integer/);
  });

  it('unsupported activation is named at its line', () => {
    const text = replaceOnce(mlpText, '"activation": "relu"', '"activation": "hard_shrink"');
    const diagnostic = expectError(text, 'unsupported-activation', '"activation": "hard_shrink"');

    assert.match(diagnostic.message, /hard_shrink/);
  });

  it('unsupported optimizer is named', () => {
    const text = replaceOnce(mlpText, '"class_name": "Adam"', '"class_name": "Adamax"');
    const diagnostic = expectError(text, 'unsupported-optimizer', '"optimizer": {');

    assert.match(diagnostic.message, /Adamax/);
  });

  it('softmax-free output with probability loss is rejected', () => {
    const text = replaceOnce(mlpText, '"activation": "softmax"', '"activation": "linear"');

    expectError(text, 'output-activation', '"class_name": "Dense"', 1);
  });

  it('uncompiled softmax-free output takes logits', () => {
    const text = replaceOnce(cnnText, '"activation": "softmax"', '"activation": "linear"');
    const result = parseModelDocument(text, 'cnn.json');

    assert.equal(result.spec?.compile.fromLogits, true);
    const note = expectDiagnostic(result, 'compile-missing', lineOf(text, '"class_name": "Sequential"'), 'information');
    assert.match(note.message, /from_logits=True/);
  });

  it('first layer without input shape is rejected', () => {
    const text = '{"class_name": "Sequential", "config": {"name": "s", "layers": [\n  {"class_name": "Dense", "config": {"units": 10}}\n]}}';

    expectError(text, 'missing-input-shape', '"class_name": "Dense"');
  });

  it('duplicate layer names are rejected', () => {
    const text = replaceOnce(mlpText, '"name": "dense_1"', '"name": "dense"');

    expectError(text, 'duplicate-layer-name', '"class_name": "Dense"', 1);
  });

  it('return_state on LSTM is rejected at its key', () => {
    const text = [
      '{"class_name": "Sequential", "config": {"name": "s", "layers": [',
      '  {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 28, 28]}},',
      '  {"class_name": "LSTM", "config": {"units": 16,',
      '    "return_state": true}},',
      '  {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}}',
      ']}}',
    ].join('\n');

    expectError(text, 'unsupported-argument', '"return_state": true');
  });

  it('parser never throws on non-text input', () => {
    const result = parseModelDocument(undefined as unknown as string, 'model.json');

    assert.equal(result.spec, undefined);
    assert.equal(result.diagnostics[0]?.severity, 'error');
  });
});

describe('Keras JSON: compact and minimal files', () => {
  it('single-line Keras 2 to_json output parses', () => {
    const text = JSON.stringify(JSON.parse(fixture('keras2_sequential_mlp.json')));
    const spec = specOf(text);

    assert.ok(spec.layers.every((layer) => layer.range.startLine === 0));
    const dense = byName(spec, 'dense_2').range;
    assert.equal(text.slice(dense.startCharacter, dense.endCharacter), '"class_name":"Dense"');
  });

  it('bare get_config output reads as Sequential', () => {
    const model = JSON.parse(fixture('keras2_sequential_mlp.json')) as { config: unknown };
    const spec = specOf(JSON.stringify(model.config, null, 2));

    assert.equal(spec.topology, 'sequential');
    assert.equal(spec.layers.length, 7);
  });

  it('Keras 2.1 layer list config parses', () => {
    const text = [
      '{"class_name": "Sequential", "keras_version": "2.1.6", "backend": "tensorflow", "config": [',
      '  {"class_name": "Dense", "config": {"name": "dense_1", "units": 32, "activation": "relu", "batch_input_shape": [null, 784],',
      '    "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": null}}}},',
      '  {"class_name": "Dense", "config": {"name": "dense_2", "units": 10, "activation": "softmax"}}',
      ']}',
    ].join('\n');
    const spec = specOf(text);

    assert.deepEqual(spec.inputShape, [784]);
    assert.deepEqual(spec.layers.map((layer) => [layer.name, layer.range.startLine]), [['dense_1', 1], ['dense_2', 3]]);
    assert.deepEqual(spec.layers[0].config.input_shape, [784]);
  });

  it('byte order mark is skipped', () => {
    const spec = specOf(`\uFEFF${fixture('keras3_sequential_mlp.json')}`);

    assert.equal(spec.layers.length, 5);
  });

  it('recurrent layers normalise their configs', () => {
    const keras3Layer = (className: string, config: Record<string, unknown>): Record<string, unknown> => ({
      module: 'keras.layers',
      class_name: className,
      config,
      registered_name: null,
    });
    const model = {
      module: 'keras',
      class_name: 'Sequential',
      config: {
        name: 'rows',
        layers: [
          keras3Layer('InputLayer', { batch_shape: [null, 28, 28], dtype: 'float32', sparse: false, name: 'input_layer' }),
          keras3Layer('GRU', {
            name: 'gru', units: 16, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true,
            kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
            recurrent_initializer: { module: 'keras.initializers', class_name: 'Orthogonal', config: { gain: 1.0, seed: null }, registered_name: null },
            bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
            dropout: 0.0, recurrent_dropout: 0.0, reset_after: false, return_sequences: true, return_state: false,
            go_backwards: true, stateful: false, unroll: false, seed: null,
          }),
          keras3Layer('LSTM', { name: 'lstm', units: 8, unit_forget_bias: true, use_cudnn: 'auto' }),
          keras3Layer('Dense', { name: 'dense', units: 10, activation: 'softmax' }),
        ],
      },
    };
    const spec = specOf(JSON.stringify(model, null, 2));

    assert.deepEqual(spec.layers[1].config, {
      units: 16,
      activation: 'tanh',
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1, seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      return_sequences: true,
      dropout: 0,
      recurrent_dropout: 0,
      recurrent_activation: 'sigmoid',
      reset_after: false,
      go_backwards: true,
    });
    assert.deepEqual(spec.layers[2].config, {
      units: 8,
      activation: 'tanh',
      use_bias: true,
      kernel_initializer: 'glorot_uniform',
      recurrent_initializer: 'orthogonal',
      bias_initializer: 'zeros',
      return_sequences: false,
      dropout: 0,
      recurrent_dropout: 0,
      recurrent_activation: 'sigmoid',
      unit_forget_bias: true,
    });
  });

  it('missing keys take Keras 3 defaults', () => {
    const text = [
      '{"class_name": "Sequential", "config": {"name": "s", "layers": [',
      '  {"class_name": "Flatten", "config": {"batch_input_shape": [null, 28, 28]}},',
      '  {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}},',
      '  {"class_name": "LeakyReLU", "config": {}}',
      ']}}',
    ].join('\n');
    const result = parseModelDocument(text, 'minimal.json');

    assert.ok(result.spec, describeDiagnostics(result));
    assert.deepEqual(result.spec.layers[1].config, {
      units: 10,
      activation: 'softmax',
      use_bias: true,
      kernel_initializer: 'glorot_uniform',
      bias_initializer: 'zeros',
    });
    assert.deepEqual(result.spec.layers[2].config, { negative_slope: 0.3 });
    assert.deepEqual(result.spec.layers.map((layer) => layer.name), ['flatten', 'dense', 'leaky_re_lu']);
  });
});

describe('parseModelDocument: dispatch', () => {
  it('.json and brace-first text go to the JSON reader', () => {
    assert.equal(isJsonModelDocument('', 'model.JSON'), true);
    assert.equal(isJsonModelDocument('\n  {"class_name": "Sequential"}', 'model'), true);
    assert.equal(isJsonModelDocument('\uFEFF{}', 'model.txt'), true);
  });

  it('.py files go to the Python parser', () => {
    assert.equal(isJsonModelDocument('{"a": 1}', 'model.py'), false);
    assert.equal(isJsonModelDocument('import keras\n', 'model'), false);
  });

  it('Python script parses through the document entry', () => {
    const text = readFileSync(path.join(REPOSITORY_ROOT, 'test', 'fixtures', 'parser', 'seed_model.py'), 'utf8');
    const spec = specOf(text, 'seed_model.py');

    assert.notEqual(spec.sourceFormat, 'keras-json');
    assert.equal(spec.layers.filter((layer) => layer.className === 'Dense').length, 7);
  });
});

describe('Keras JSON: training', () => {
  const text = fixture('keras3_sequential_mlp.json');
  let messages: TrainerToHost[];

  before(async () => {
    const spec = specOf(text);
    messages = [];
    await train(
      spec,
      trainOptions({ trainLimit: 320, testLimit: 100, samplesPerEpoch: 3, maxEpochs: 1 }),
      (message) => messages.push(message),
      () => false,
    );
  });

  it('JSON MLP tracks layers at their JSON lines', () => {
    const [started] = messagesOfType(messages, 'trainingStarted');

    const dense = started.layers.filter((layer) => layer.className === 'Dense');
    assert.deepEqual(
      dense.map((layer) => [layer.name, layer.line]),
      [
        ['dense', lineOf(text, '"class_name": "Dense"', 0)],
        ['dense_1', lineOf(text, '"class_name": "Dense"', 1)],
      ],
    );
  });

  it('JSON MLP trains ten steps with finite loss', () => {
    const samples = messagesOfType(messages, 'sample').map((message) => message.sample);
    const [epoch] = messagesOfType(messages, 'epoch').map((message) => message.logs);

    assert.ok(samples.length >= 2, `${samples.length} samples`);
    assert.equal(samples[samples.length - 1].step, 9);
    assert.ok(Number.isFinite(epoch.loss), `loss ${epoch.loss}`);
    assert.deepEqual(messages[messages.length - 1], { type: 'finished', stopped: false });
  });

  for (const name of ['keras3_sequential_cnn.json', 'keras3_functional_concat.json', 'keras2_sequential_mlp.json', 'keras2_functional_concat.json', 'tfjs_saved_model.json', 'tfjs_converted_model.json']) {
    it(`${name} trains four steps`, async () => {
      const spec = specOf(fixture(name), name);
      const run: TrainerToHost[] = [];

      await train(spec, trainOptions({ trainLimit: 128, testLimit: 64, samplesPerEpoch: 2, maxEpochs: 1 }), (message) => run.push(message), () => false);

      const [epoch] = messagesOfType(run, 'epoch').map((message) => message.logs);
      assert.ok(Number.isFinite(epoch.loss), `loss ${epoch.loss}`);
      const [evaluation] = messagesOfType(run, 'evaluation');
      assert.ok(evaluation, 'the run ends with the test evaluation');
    });
  }
});
