/**
 * compile() and fit() as students write them: losses, metrics, optimizers, schedules,
 * class weights and callbacks, read by the parser and trained as Keras 3 trains them, on a
 * few hundred real MNIST examples.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as tfCore from '@tensorflow/tfjs-core';
import type { CallbackSpec, ModelSpec, ParseDiagnostic, ParseResult } from '../../src/common/modelSpec';
import type { EpochLogs } from '../../src/common/statistics';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { chanceLevels } from '../../src/diagnosis/context';
import { parseModelFile, type ParserDiagnosticCode } from '../../src/parser';
import { epochsCapDiagnostic } from '../../src/parser/fit';
import { CallbackRunner } from '../../src/trainer/callbacks';
import { accuracyPerExample, binaryCrossentropyPerExample, lossPerExample, sparseCrossentropyFromProbabilities, EPSILON } from '../../src/trainer/losses';
import { buildModel, disposeModel, type BuiltModel } from '../../src/trainer/model';
import { createOptimizer } from '../../src/trainer/optimizers';
import { createRandom } from '../../src/trainer/random';
import { exampleWeights, resolveObjective, type Objective } from '../../src/trainer/targets';
import { loadTensorFlow, type Tf } from '../../src/trainer/tensorflow';
import { train } from '../../src/trainer/train';
import { TrainingStep } from '../../src/trainer/trainingStep';
import { dense, layer, messagesOfType, modelSpec, REPOSITORY_ROOT, trainOptions, WASM_DIR } from '../helpers/modelSpecs';

const FIXTURES = path.join(REPOSITORY_ROOT, 'test', 'fixtures', 'models');

const HEADER = [
  'import math',
  'import tensorflow as tf',
  'from tensorflow import keras',
  'from tensorflow.keras.datasets import mnist',
  'from tensorflow.keras.models import Sequential',
  'from tensorflow.keras.layers import Dense, Flatten',
  'from tensorflow.keras.utils import to_categorical',
  'from tensorflow.keras.callbacks import EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, ModelCheckpoint, TerminateOnNaN',
  '(x_train, y_train), (x_test, y_test) = mnist.load_data()',
  'x_train = x_train / 255.0',
  'x_test = x_test / 255.0',
];

interface Parts {
  /** Lines after the data is loaded, such as `y_train = to_categorical(y_train)`. */
  readonly data?: readonly string[];
  /** The output layer. */
  readonly output?: string;
  readonly compile?: string;
  readonly fit?: string;
  readonly extra?: readonly string[];
}

function script(parts: Parts = {}): string {
  return [
    ...HEADER,
    ...(parts.data ?? []),
    ...(parts.extra ?? []),
    `model = Sequential([Flatten(input_shape=(28, 28)), Dense(32, activation='relu'), ${parts.output ?? "Dense(10, activation='softmax')"}])`,
    parts.compile ?? "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy'])",
    parts.fit ?? 'model.fit(x_train, y_train, epochs=2)',
    '',
  ].join('\n');
}

function parse(text: string): ParseResult {
  return parseModelFile(text, 'model.py');
}

function describeDiagnostics(result: ParseResult): string {
  return result.diagnostics.map((d) => `${d.severity} ${d.code} line ${d.range.startLine + 1}: ${d.message}`).join('\n');
}

function specOf(text: string): ModelSpec {
  const result = parse(text);
  assert.ok(result.spec, `expected a spec, got:\n${describeDiagnostics(result)}`);
  return result.spec;
}

function lineOf(text: string, fragment: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(fragment));
  assert.ok(index >= 0, `no line contains ${fragment}`);
  return index;
}

function expectDiagnostic(result: ParseResult, code: ParserDiagnosticCode, line: number, severity: ParseDiagnostic['severity']): ParseDiagnostic {
  const found = result.diagnostics.find((diagnostic) => diagnostic.code === code && diagnostic.range.startLine === line);
  assert.ok(found, `expected ${code} on line ${line + 1}, got:\n${describeDiagnostics(result)}`);
  assert.equal(found.severity, severity, `severity of ${code}`);
  return found;
}

function expectError(text: string, code: ParserDiagnosticCode, fragment: string): ParseDiagnostic {
  const result = parse(text);
  const diagnostic = expectDiagnostic(result, code, lineOf(text, fragment), 'error');
  assert.equal(result.spec, undefined, 'an error leaves no spec');
  return diagnostic;
}

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

function callbacksOf(spec: ModelSpec): readonly CallbackSpec[] {
  return spec.fit.callbacks ?? [];
}

describe('compile: losses', () => {
  const ONE_HOT = ['y_train = to_categorical(y_train)'];

  for (const [written, loss, fromLogits, data, output] of [
    ["'mse'", 'mean_squared_error', false, ONE_HOT, undefined],
    ["'MAE'", 'mean_absolute_error', false, ONE_HOT, undefined],
    ['keras.losses.mean_squared_error', 'mean_squared_error', false, ONE_HOT, undefined],
    ['tf.keras.losses.MeanAbsoluteError()', 'mean_absolute_error', false, ONE_HOT, undefined],
    ["'binary_crossentropy'", 'binary_crossentropy', false, ONE_HOT, "Dense(10, activation='sigmoid')"],
    ["'BinaryCrossentropy'", 'binary_crossentropy', false, ONE_HOT, "Dense(10, activation='sigmoid')"],
    ['keras.losses.BinaryCrossentropy(from_logits=True)', 'binary_crossentropy', true, ONE_HOT, 'Dense(10)'],
    ['keras.losses.CategoricalCrossentropy(from_logits=True)', 'categorical_crossentropy', true, ONE_HOT, 'Dense(10)'],
    ['tf.keras.losses.SparseCategoricalCrossentropy(True)', 'sparse_categorical_crossentropy', true, [], 'Dense(10)'],
    ["keras.losses.SparseCategoricalCrossentropy(reduction='sum_over_batch_size')", 'sparse_categorical_crossentropy', false, [], undefined],
  ] as const) {
    it(`reads loss=${written}`, () => {
      const spec = specOf(script({ data, output, compile: `model.compile(optimizer='adam', loss=${written})` }));

      assert.equal(spec.compile.loss, loss);
      assert.equal(spec.compile.fromLogits === true, fromLogits);
    });
  }

  it('binary_crossentropy with one sigmoid unit trains on labels 0 and 1', () => {
    const text = script({ output: "Dense(1, activation='sigmoid')", compile: "model.compile(optimizer='adam', loss='binary_crossentropy')" });
    const result = parse(text);

    // MNIST's class numbers run to 9, so Keras's binary crossentropy is not a crossentropy for them.
    expectDiagnostic(result, 'loss-label-mismatch', lineOf(text, 'model.compile('), 'warning');
    assert.equal(result.spec?.compile.loss, 'binary_crossentropy');
  });

  it('binary_crossentropy on class numbers needs one unit', () => {
    const text = script({ output: "Dense(10, activation='sigmoid')", compile: "model.compile(optimizer='adam', loss='binary_crossentropy')" });

    const error = expectError(text, 'output-units', "Dense(10, activation='sigmoid')");
    assert.match(error.message, /Dense\(1, activation='sigmoid'\)/);
  });

  it('mse on class numbers warns about broadcasting', () => {
    const text = script({ compile: "model.compile(optimizer='adam', loss='mse')" });
    const result = parse(text);

    const warning = expectDiagnostic(result, 'label-broadcast', lineOf(text, 'model = Sequential('), 'warning');
    assert.match(warning.message, /to_categorical\(y_train, 10\)/);
    assert.ok(result.spec);
  });

  it('categorical_crossentropy with 5 units on 10 one-hot classes is wrong', () => {
    const text = script({ data: ONE_HOT, output: "Dense(5, activation='softmax')", compile: "model.compile(optimizer='adam', loss='categorical_crossentropy')" });

    const error = expectError(text, 'output-units', 'Dense(5');
    assert.match(error.message, /units=10/);
  });

  it('linear output without from_logits is an error', () => {
    const text = script({ output: 'Dense(10)', compile: "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')" });

    const error = expectError(text, 'output-activation', 'Dense(10)');
    assert.match(error.message, /SparseCategoricalCrossentropy\(from_logits=True\)/);
  });

  it('rejects label_smoothing', () => {
    const text = script({ data: ONE_HOT, compile: 'model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1))' });

    expectError(text, 'unsupported-argument', 'label_smoothing');
  });

  it('rejects a called loss function', () => {
    const text = script({ compile: "model.compile(optimizer='adam', loss=keras.losses.sparse_categorical_crossentropy(y_train, y_train))" });

    const error = expectError(text, 'unsupported-loss', 'model.compile(');
    assert.match(error.message, /without the parentheses/);
  });
});

describe('compile: metrics', () => {
  const metricsOf = (written: string): ParseResult =>
    parse(script({ compile: `model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=${written})` }));

  it('keeps named accuracies', () => {
    assert.deepEqual(metricsOf('[keras.metrics.SparseCategoricalAccuracy()]').spec?.compile.metrics, ['sparse_categorical_accuracy']);
    assert.deepEqual(metricsOf("['binary_accuracy']").spec?.compile.metrics, ['binary_accuracy']);
    assert.deepEqual(metricsOf("['acc']").spec?.compile.metrics, ['accuracy']);
  });

  it('leaves out an accuracy with another threshold', () => {
    const result = metricsOf('[keras.metrics.BinaryAccuracy(threshold=0.7)]');

    assert.deepEqual(result.spec?.compile.metrics, []);
    assert.ok(result.diagnostics.some((diagnostic) => diagnostic.code === 'unsupported-metric'));
  });

  it('keeps one accuracy and warns about the second', () => {
    const result = metricsOf("['accuracy', 'sparse_categorical_accuracy']");

    assert.deepEqual(result.spec?.compile.metrics, ['accuracy']);
    assert.ok(result.diagnostics.some((diagnostic) => diagnostic.code === 'unsupported-metric' && diagnostic.severity === 'warning'));
  });
});

describe('compile: optimizers', () => {
  const optimizerOf = (written: string): ModelSpec['compile']['optimizer'] =>
    specOf(script({ compile: `model.compile(optimizer=${written}, loss='sparse_categorical_crossentropy')` })).compile.optimizer;

  for (const [written, className, learningRate] of [
    ["'adagrad'", 'Adagrad', 0.001],
    ["'Adadelta'", 'Adadelta', 0.001],
    ["'nadam'", 'Nadam', 0.001],
    ['keras.optimizers.Nadam()', 'Nadam', 0.001],
  ] as const) {
    it(`${written} gets the Keras 3 defaults`, () => {
      assert.deepEqual(optimizerOf(written), { className, learningRate, momentum: 0, nesterov: false });
    });
  }

  it('reads Adam arguments by position', () => {
    assert.deepEqual(optimizerOf('keras.optimizers.Adam(0.01, 0.8, 0.95, 1e-6, True)'), {
      className: 'Adam',
      learningRate: 0.01,
      momentum: 0,
      nesterov: false,
      options: { beta_1: 0.8, beta_2: 0.95, epsilon: 1e-6, amsgrad: true },
    });
  });

  it('reads RMSprop rho, momentum and centered', () => {
    assert.deepEqual(optimizerOf('keras.optimizers.RMSprop(rho=0.8, momentum=0.5, centered=True)'), {
      className: 'RMSprop',
      learningRate: 0.001,
      momentum: 0.5,
      nesterov: false,
      options: { rho: 0.8, centered: true },
    });
  });

  it('reads Adagrad and Adadelta options', () => {
    assert.deepEqual(optimizerOf('keras.optimizers.Adagrad(0.1, initial_accumulator_value=0.0)').options, { initial_accumulator_value: 0 });
    assert.deepEqual(optimizerOf('keras.optimizers.Adadelta(1.0, 0.9, 1e-6)').options, { rho: 0.9, epsilon: 1e-6 });
  });

  it('rejects beta_1 of 1', () => {
    expectError(script({ compile: "model.compile(optimizer=keras.optimizers.Adam(beta_1=1.0), loss='sparse_categorical_crossentropy')" }), 'invalid-value', 'beta_1');
  });

  it('reads lr with a warning and ignores decay as Keras 3 does', () => {
    const text = script({ compile: "model.compile(optimizer=keras.optimizers.SGD(lr=0.05, decay=1e-6), loss='sparse_categorical_crossentropy')" });
    const result = parse(text);
    const line = lineOf(text, 'model.compile(');

    assert.equal(result.spec?.compile.optimizer.learningRate, 0.05);
    assert.equal(result.spec?.compile.optimizer.schedule, undefined);
    expectDiagnostic(result, 'deprecated-argument', line, 'warning');
    const decay = expectDiagnostic(result, 'ignored-argument', line, 'warning');
    assert.match(decay.message, /InverseTimeDecay/);
  });

  it('rejects the optimizer class without parentheses', () => {
    expectError(script({ compile: "model.compile(optimizer=keras.optimizers.Adam, loss='sparse_categorical_crossentropy')" }), 'unsupported-optimizer', 'model.compile(');
  });
});

describe('compile: learning-rate schedules', () => {
  const compileWith = (schedule: string, optimizer = 'SGD'): string =>
    script({
      extra: [`lr_schedule = ${schedule}`],
      compile: `model.compile(optimizer=keras.optimizers.${optimizer}(learning_rate=lr_schedule), loss='sparse_categorical_crossentropy')`,
    });

  it('reads ExponentialDecay held by a name', () => {
    const optimizer = specOf(compileWith('keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5, staircase=True)')).compile.optimizer;

    assert.equal(optimizer.learningRate, 0.1);
    assert.deepEqual(optimizer.schedule, {
      className: 'ExponentialDecay',
      config: { initial_learning_rate: 0.1, decay_steps: 100, decay_rate: 0.5, staircase: true },
    });
  });

  it('reads PiecewiseConstantDecay and CosineDecay defaults', () => {
    const piecewise = specOf(compileWith('tf.keras.optimizers.schedules.PiecewiseConstantDecay([100, 200], [0.1, 0.05, 0.01])')).compile.optimizer;
    const cosine = specOf(compileWith('keras.optimizers.schedules.CosineDecay(0.01, 1000)', 'Adam')).compile.optimizer;

    assert.equal(piecewise.learningRate, 0.1);
    assert.deepEqual(cosine.schedule?.config, { initial_learning_rate: 0.01, decay_steps: 1000, alpha: 0, warmup_target: null, warmup_steps: 0 });
  });

  it('rejects decay_steps of 0', () => {
    expectError(compileWith('keras.optimizers.schedules.InverseTimeDecay(0.1, 0, 0.5)'), 'invalid-value', 'lr_schedule =');
  });

  it('rejects values that do not fit the boundaries', () => {
    expectError(compileWith('keras.optimizers.schedules.PiecewiseConstantDecay([100], [0.1])'), 'invalid-value', 'lr_schedule =');
  });

  it('rejects PolynomialDecay', () => {
    const error = expectError(compileWith('keras.optimizers.schedules.PolynomialDecay(0.1, 1000)'), 'unsupported-argument', 'lr_schedule =');
    assert.match(error.message, /CosineDecay/);
  });
});

describe('fit: arguments', () => {
  it('reads nb_epoch with a warning', () => {
    const text = script({ fit: 'model.fit(x_train, y_train, nb_epoch=7)' });
    const result = parse(text);

    assert.equal(result.spec?.fit.epochs, 7);
    expectDiagnostic(result, 'deprecated-argument', lineOf(text, 'nb_epoch'), 'warning');
  });

  it('rejects epochs and nb_epoch together', () => {
    expectError(script({ fit: 'model.fit(x_train, y_train, epochs=2, nb_epoch=7)' }), 'duplicate-argument', 'nb_epoch');
  });

  it('reads class_weight held by a name', () => {
    const spec = specOf(script({ extra: ['weights = {0: 1.0, 7: 2.5}'], fit: 'model.fit(x_train, y_train, class_weight=weights)' }));

    assert.deepEqual(spec.fit.classWeight, { 0: 1, 7: 2.5 });
  });

  it('rejects class weights computed when the file runs', () => {
    const text = script({ fit: 'model.fit(x_train, y_train, class_weight=dict(enumerate(weights)))' });

    const error = expectError(text, 'not-static', 'class_weight');
    assert.match(error.message, /\{0: 1.0, 1: 3.0\}/);
  });

  it('rejects a negative class', () => {
    expectError(script({ fit: 'model.fit(x_train, y_train, class_weight={-1: 2.0})' }), 'invalid-value', 'class_weight');
  });

  it('caps epochs above the setting with a warning at fit', () => {
    const text = fixture('compile_fit_generator.py');
    const spec = specOf(text);

    const warning = epochsCapDiagnostic(spec, 100, 'gradientFlow.maxEpochs');
    assert.equal(warning?.severity, 'warning');
    assert.equal(warning?.code, 'epochs-capped');
    assert.equal(warning?.range.startLine, lineOf(text, 'model.fit_generator('));
    assert.match(warning?.message ?? '', /500 epochs.*100.*gradientFlow\.maxEpochs/);
    assert.equal(epochsCapDiagnostic(spec, 500, '--max-epochs'), undefined);
  });
});

describe('fit: callbacks', () => {
  const withCallbacks = (callbacks: string, fit = 'validation_split=0.2', metrics = "['accuracy']"): string =>
    script({
      compile: `model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=${metrics})`,
      fit: `model.fit(x_train, y_train, epochs=5, ${fit}, callbacks=[${callbacks}])`,
    });

  it('fills in EarlyStopping defaults', () => {
    const [callback] = callbacksOf(specOf(withCallbacks('EarlyStopping(patience=3)')));

    assert.equal(callback.className, 'EarlyStopping');
    assert.deepEqual(callback.config, {
      monitor: 'val_loss',
      min_delta: 0,
      patience: 3,
      mode: 'min',
      baseline: null,
      restore_best_weights: false,
      start_from_epoch: 0,
    });
  });

  it('fills in ReduceLROnPlateau defaults and resolves max for accuracy', () => {
    const [callback] = callbacksOf(specOf(withCallbacks("ReduceLROnPlateau(monitor='val_accuracy')")));

    assert.deepEqual(callback.config, { monitor: 'val_accuracy', factor: 0.1, patience: 10, mode: 'max', min_delta: 1e-4, cooldown: 0, min_lr: 0 });
  });

  it('monitors an accuracy under the name compile gives it', () => {
    const [callback] = callbacksOf(specOf(withCallbacks("EarlyStopping(monitor='val_acc')", 'validation_split=0.2', "['acc']")));

    assert.equal(callback.className, 'EarlyStopping');
    assert.equal((callback.config as Record<string, unknown>).mode, 'max');
  });

  it('reports a monitor that Keras cannot direct', () => {
    const text = withCallbacks("EarlyStopping(monitor='val_accuracy')", 'validation_split=0.2', '[]');

    const error = expectError(text, 'callback-monitor', 'model.fit(');
    assert.match(error.message, /'val_loss'/);
  });

  it('drops a val_ monitor without validation data', () => {
    const text = withCallbacks('EarlyStopping(patience=2)', 'batch_size=32');
    const result = parse(text);

    expectDiagnostic(result, 'callback-monitor', lineOf(text, 'model.fit('), 'warning');
    assert.deepEqual(result.spec?.fit.callbacks, undefined);
  });

  it('rejects a factor of 1', () => {
    expectError(withCallbacks('ReduceLROnPlateau(factor=1.0)'), 'invalid-value', 'model.fit(');
  });

  it('notes the callbacks it ignores', () => {
    const text = withCallbacks("ModelCheckpoint('best.keras'), TerminateOnNaN()");
    const result = parse(text);

    const notes = result.diagnostics.filter((diagnostic) => diagnostic.code === 'ignored-callback');
    assert.deepEqual(notes.map((note) => note.severity), ['information', 'information']);
    assert.ok(result.spec);
  });

  it('reads a callback list held by a name', () => {
    const text = script({
      extra: ["stops = [EarlyStopping(monitor='loss', patience=1), ModelCheckpoint('m.keras')]"],
      fit: 'model.fit(x_train, y_train, epochs=3, callbacks=stops)',
    });

    assert.deepEqual(callbacksOf(specOf(text)).map((callback) => callback.className), ['EarlyStopping']);
  });
});

describe('fit: LearningRateScheduler', () => {
  const ratesOf = (text: string): readonly number[] => {
    const callback = callbacksOf(specOf(text)).find((entry) => entry.className === 'LearningRateScheduler');
    assert.ok(callback, 'no LearningRateScheduler in the spec');
    assert.equal(callback.className, 'LearningRateScheduler');
    return (callback.config as { rates: readonly number[] }).rates;
  };

  it('computes a lambda for every epoch', () => {
    const rates = ratesOf(script({ fit: 'model.fit(x_train, y_train, epochs=4, callbacks=[LearningRateScheduler(lambda epoch: 0.01 * 0.5 ** epoch)])' }));

    assert.deepEqual(rates, [0.01, 0.005, 0.0025, 0.00125].map(Math.fround));
  });

  it('passes the current rate to a two-parameter def', () => {
    const text = fixture('compile_scheduler_callback.py');

    const expected = [0.1, 0.1, 0.1 * Math.exp(-0.5), 0.1 * Math.exp(-0.5) * Math.exp(-0.5)];
    ratesOf(text).forEach((rate, epoch) => assert.ok(Math.abs(rate - expected[epoch]) < 1e-8, `epoch ${epoch}: ${rate}`));
  });

  it('reads assignments, min() and math.exp in a def', () => {
    const text = script({
      extra: ['def warm_up(epoch):', '    """Three epochs of warm-up."""', '    factor = min(1.0, (epoch + 1) / 3)', '    return 0.01 * factor * math.exp(-0.1 * epoch)'],
      fit: 'model.fit(x_train, y_train, epochs=3, callbacks=[LearningRateScheduler(warm_up)])',
    });

    const expected = [0, 1, 2].map((epoch) => Math.fround(0.01 * Math.min(1, (epoch + 1) / 3) * Math.exp(-0.1 * epoch)));
    assert.deepEqual(ratesOf(text), expected);
  });

  it('rejects a schedule that returns an int', () => {
    const text = script({ fit: 'model.fit(x_train, y_train, epochs=3, callbacks=[LearningRateScheduler(lambda epoch: 1 if epoch > 1 else 0.1)])' });

    const error = expectError(text, 'invalid-value', 'lambda epoch');
    assert.match(error.message, /epoch 2/);
  });

  it('reports a loop it cannot follow', () => {
    const text = script({
      extra: ['def looped(epoch):', '    rate = 0.1', '    for _ in range(epoch):', '        rate *= 0.9', '    return rate'],
      fit: 'model.fit(x_train, y_train, epochs=3, callbacks=[LearningRateScheduler(looped)])',
    });

    expectError(text, 'not-static', 'for _ in range(epoch)');
  });

  it('rejects a scheduler beside a schedule object', () => {
    const text = script({
      compile: "model.compile(optimizer=keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)), loss='sparse_categorical_crossentropy')",
      fit: 'model.fit(x_train, y_train, epochs=3, callbacks=[LearningRateScheduler(lambda epoch: 0.1)])',
    });

    expectError(text, 'callback-monitor', 'model.fit(');
  });
});

describe('compile and fit: fixtures', () => {
  it('Keras 3 objects read from logits with AMSGrad and two callbacks', () => {
    const text = fixture('compile_keras3_objects.py');
    const result = parse(text);
    const spec = specOf(text);

    assert.equal(spec.compile.fromLogits, true);
    assert.deepEqual(spec.compile.optimizer.options, { amsgrad: true });
    assert.deepEqual(callbacksOf(spec).map((callback) => callback.className), ['EarlyStopping', 'ReduceLROnPlateau']);
    expectDiagnostic(result, 'ignored-callback', lineOf(text, 'ModelCheckpoint'), 'information');
  });

  it('Keras 2 legacy reads lr, decay and nb_epoch with warnings', () => {
    const text = fixture('compile_keras2_legacy.py');
    const result = parse(text);
    const spec = specOf(text);

    assert.deepEqual(spec.compile.optimizer, { className: 'SGD', learningRate: 0.01, momentum: 0.9, nesterov: true });
    assert.equal(spec.compile.loss, 'categorical_crossentropy');
    assert.equal(spec.fit.epochs, 4);
    assert.deepEqual(
      result.diagnostics.filter((diagnostic) => diagnostic.severity === 'warning').map((diagnostic) => diagnostic.code),
      ['deprecated-argument', 'ignored-argument', 'deprecated-argument'],
    );
  });

  it('binary crossentropy on ten sigmoid outputs resolves accuracy by argmax', () => {
    const spec = specOf(fixture('compile_binary_sigmoid.py'));

    assert.equal(spec.compile.loss, 'binary_crossentropy');
    assert.deepEqual(spec.fit.classWeight, { 0: 1, 1: 2 });
    assert.equal(resolveObjective(spec, [10]).accuracy, 'argmax');
  });

  it('schedules fixture decays the rate of the trained model', () => {
    const spec = specOf(fixture('compile_schedules.py'));

    assert.equal(spec.compile.optimizer.schedule?.className, 'ExponentialDecay');
    assert.equal(spec.compile.optimizer.momentum, 0.9);
    assert.deepEqual(spec.compile.metrics, []);
  });

  it('fit_generator trains as fit with a warning', () => {
    const text = fixture('compile_fit_generator.py');
    const result = parse(text);
    const spec = specOf(text);

    expectDiagnostic(result, 'deprecated-call', lineOf(text, 'model.fit_generator('), 'warning');
    assert.equal(spec.fit.batchSize, 100);
    assert.equal(spec.fit.validationOnTest, true);
    assert.equal(spec.compile.optimizer.className, 'Adadelta');
  });

  it('a file without compile or fit states the defaults', () => {
    const text = fixture('compile_defaults.py');
    const result = parse(text);
    const spec = specOf(text);
    const line = lineOf(text, 'model = Sequential(');

    assert.equal(spec.compile.optimizer.className, 'RMSprop');
    assert.deepEqual(spec.compile.metrics, ['accuracy']);
    assert.equal(spec.fit.epochs, 1);
    assert.match(expectDiagnostic(result, 'compile-missing', line, 'information').message, /rmsprop/);
    assert.match(expectDiagnostic(result, 'fit-missing', line, 'information').message, /no callbacks/);
  });
});

describe('losses and accuracy', () => {
  let tf: Tf;

  before(async () => {
    ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
  });

  const values = (tensor: tfCore.Tensor): number[] => {
    const data = [...(tensor.dataSync() as Float32Array)];
    tensor.dispose();
    return data;
  };

  it('binary crossentropy clips probabilities to 1e-7', () => {
    const loss = values(tf.tidy(() => binaryCrossentropyPerExample(tf, tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 0.25]]))));

    assertClose(loss[0], (-Math.log(EPSILON) - Math.log(0.75)) / 2);
  });

  it('binary crossentropy from logits stays finite for large logits', () => {
    const logits = [[100, -100, 0]];
    const loss = values(tf.tidy(() => binaryCrossentropyPerExample(tf, tf.tensor2d([[0, 0, 1]]), tf.sigmoid(tf.tensor2d(logits)), tf.tensor2d(logits))));

    assertClose(loss[0], (100 + 0 + Math.log(2)) / 3);
  });

  it('sparse crossentropy clips before it normalizes', () => {
    const loss = values(tf.tidy(() => sparseCrossentropyFromProbabilities(tf, tf.tensor2d([[0, 1]]), tf.tensor2d([[0.6, 0.2]]))));

    assertClose(loss[0], -Math.log(0.2 / 0.8));
  });

  it('mse compares a label value with every output', () => {
    const objective: Objective = { loss: 'mean_squared_error', fromLogits: false };
    const loss = values(tf.tidy(() => lossPerExample(tf, objective, { targets: tf.tensor2d([[2]]), prediction: tf.tensor2d([[0, 1, 2]]) })));

    assertClose(loss[0], (4 + 1 + 0) / 3);
  });

  it('mae averages absolute errors', () => {
    const objective: Objective = { loss: 'mean_absolute_error', fromLogits: false };
    const loss = values(tf.tidy(() => lossPerExample(tf, objective, { targets: tf.tensor2d([[1, 0]]), prediction: tf.tensor2d([[0.5, -0.5]]) })));

    assertClose(loss[0], 0.5);
  });

  it('from_logits on a linear output applies softmax to it', () => {
    const objective: Objective = { loss: 'sparse_categorical_crossentropy', fromLogits: true };
    const loss = values(tf.tidy(() => lossPerExample(tf, objective, { targets: tf.tensor2d([[0, 1]]), prediction: tf.tensor2d([[2, 0]]) })));

    assertClose(loss[0], Math.log(1 + Math.exp(2)));
  });

  it('binary accuracy counts outputs above 0.5 as 1', () => {
    const accuracy = values(tf.tidy(() => accuracyPerExample(tf, 'binary', tf.tensor2d([[1], [0], [1]]), tf.tensor2d([[0.7], [0.5], [0.5]]))));

    assert.deepEqual(accuracy, [1, 1, 0]);
  });

  it('resolves accuracy from the output units as Keras 3 does', () => {
    const spec = modelSpec([dense(0, 1, 'sigmoid')], { compile: { loss: 'binary_crossentropy', metrics: ['accuracy'] } });

    assert.equal(resolveObjective(spec, [1]).accuracy, 'binary');
    assert.equal(resolveObjective(spec, [10]).accuracy, 'argmax');
    assert.equal(resolveObjective({ ...spec, compile: { ...spec.compile, metrics: [] } }, [1]).accuracy, undefined);
  });

  it('weights examples by class, 1 for classes left out', () => {
    const objective: Objective = { loss: 'sparse_categorical_crossentropy', fromLogits: false, classWeights: new Map([[1, 3], [2, 0.5]]) };
    const oneHot = values(tf.tidy(() => exampleWeights(tf, objective, tf.oneHot(tf.tensor1d([0, 1, 2, 9], 'int32'), 10)) as tfCore.Tensor));
    const labels = values(tf.tidy(() => exampleWeights(tf, objective, tf.tensor2d([[2], [1], [5]])) as tfCore.Tensor));

    assert.deepEqual(oneHot, [1, 3, 0.5, 1]);
    assert.deepEqual(labels, [0.5, 3, 1]);
  });

  it('chance levels follow the loss', () => {
    const crossentropy = modelSpec([dense(0, 10, 'softmax')]);
    const binary = modelSpec([dense(0, 1, 'sigmoid')], { compile: { loss: 'binary_crossentropy' } });
    const squared = modelSpec([dense(0, 10, 'softmax')], { compile: { loss: 'mean_squared_error' } });

    assert.deepEqual(chanceLevels(crossentropy, 10), { accuracy: 0.1, loss: Math.log(10) });
    assert.deepEqual(chanceLevels(binary, 1), { accuracy: 0.5, loss: Math.log(2) });
    assert.deepEqual(chanceLevels(squared, 10), { accuracy: 0.1 });
  });
});

describe('training step: class weights', () => {
  let tf: Tf;
  let model: BuiltModel;

  before(async () => {
    ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
  });

  afterEach(() => disposeModel(model));

  it('divides the weighted sum of losses by the batch size', async () => {
    const spec = modelSpec([dense(0, 3, 'softmax')], { inputShape: [2] });
    model = buildModel(tf, spec, createRandom(11), () => undefined);
    const optimizer = createOptimizer(tf, spec.compile.optimizer);
    const weights = new Map([[0, 2], [2, 0]]);
    const step = new TrainingStep(tf, model, optimizer, 0.01, createRandom(2), { ...resolveObjective(spec, [3]), classWeights: weights });
    const x = tf.tensor2d([[0.5, -1], [1, 2], [-0.3, 0.7]]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), 3);
    try {
      const perExample = tf.tidy(() => [...(lossPerExample(tf, resolveObjective(spec, [3]), { targets: y, prediction: tf.softmax(tf.add(tf.matMul(x, model.trainableVariables[0]), model.trainableVariables[1])) }).dataSync() as Float32Array)]);

      const outcome = await step.run(x, y, false);

      assertClose(outcome.loss, (2 * perExample[0] + perExample[1] + 0 * perExample[2]) / 3, 1e-5);
    } finally {
      optimizer.dispose();
      tf.dispose([x, y]);
    }
  });
});

describe('callbacks', () => {
  let tf: Tf;
  let model: BuiltModel;

  before(async () => {
    ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
  });

  afterEach(() => disposeModel(model));

  const logs = (epoch: number, loss: number, valLoss?: number): EpochLogs => ({ epoch, loss, accuracy: NaN, valLoss, seconds: 0 });
  const callback = (className: 'EarlyStopping' | 'ReduceLROnPlateau', config: Record<string, unknown>): CallbackSpec => ({
    className,
    config,
    range: { startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 0 },
  });

  function setUp(): { spec: ModelSpec; kernel: tfCore.Variable } {
    const spec = modelSpec([layer('Flatten', 'flatten'), dense(0, 10, 'softmax')]);
    model = buildModel(tf, spec, createRandom(3), () => undefined);
    return { spec, kernel: model.trainableVariables[0] };
  }

  it('EarlyStopping stops after patience and restores the best weights', () => {
    const { spec, kernel } = setUp();
    const optimizer = createOptimizer(tf, spec.compile.optimizer);
    const config = { monitor: 'val_loss', min_delta: 0, patience: 2, mode: 'min', baseline: null, restore_best_weights: true, start_from_epoch: 0 };
    const runner = new CallbackRunner(tf, [callback('EarlyStopping', config)], optimizer, model, () => undefined);
    const stops: boolean[] = [];
    try {
      [0.9, 0.5, 0.6, 0.55].forEach((valLoss, epoch) => {
        kernel.assign(tf.fill(kernel.shape, epoch + 1));
        stops.push(runner.onEpochEnd(epoch, logs(epoch, 1, valLoss)));
      });
      runner.onTrainEnd();

      // Epoch 2 (index 1) was best; two epochs without improvement stop after epoch 4.
      assert.deepEqual(stops, [false, false, false, true]);
      assert.deepEqual(runner.earlyStop, { epoch: 3, monitor: 'val_loss', bestEpoch: 1, best: 0.5, restoredWeights: true });
      assert.ok((kernel.dataSync() as Float32Array).every((value) => value === 2));
    } finally {
      runner.dispose();
      optimizer.dispose();
    }
  });

  it('EarlyStopping with a baseline keeps counting until the baseline is beaten', () => {
    const { spec } = setUp();
    const optimizer = createOptimizer(tf, spec.compile.optimizer);
    const stopsWith = (baseline: number | null): boolean[] => {
      const config = { monitor: 'loss', min_delta: 0, patience: 2, mode: 'min', baseline, restore_best_weights: false, start_from_epoch: 0 };
      const runner = new CallbackRunner(tf, [callback('EarlyStopping', config)], optimizer, model, () => undefined);
      try {
        return [0.9, 0.8, 0.7, 0.75].map((loss, epoch) => runner.onEpochEnd(epoch, logs(epoch, loss)));
      } finally {
        runner.dispose();
      }
    };
    try {
      // Improvements above the baseline of 0.4 do not reset the count, so the first epoch without one stops.
      assert.deepEqual(stopsWith(0.4), [false, false, false, true]);
      assert.deepEqual(stopsWith(null), [false, false, false, false]);
    } finally {
      optimizer.dispose();
    }
  });

  it('ReduceLROnPlateau lowers the rate after patience, then waits for the cooldown', () => {
    const { spec } = setUp();
    const optimizer = createOptimizer(tf, { ...spec.compile.optimizer, learningRate: 0.1 });
    const notes: string[] = [];
    // Keras counts the cooldown down at the start of an epoch's check, so cooldown=2 skips one epoch.
    const config = { monitor: 'loss', factor: 0.5, patience: 1, mode: 'min', min_delta: 1e-4, cooldown: 2, min_lr: 0.02 };
    const runner = new CallbackRunner(tf, [callback('ReduceLROnPlateau', config)], optimizer, model, (note) => notes.push(note));
    try {
      const rates = [1, 1, 1, 1, 1, 1].map((loss, epoch) => {
        runner.onEpochEnd(epoch, logs(epoch, loss));
        return optimizer.learningRate;
      });

      const f = Math.fround;
      assert.deepEqual(rates, [f(0.1), f(0.05), f(0.05), f(0.025), f(0.025), f(0.02)]);
      assert.equal(notes.length, 3);
      assert.match(notes[0], /from 0\.1 to 0\.05/);
    } finally {
      runner.dispose();
      optimizer.dispose();
    }
  });
});

describe('training with compile and fit settings', () => {
  async function run(text: string, options = {}): Promise<TrainerToHost[]> {
    const spec = specOf(text);
    const messages: TrainerToHost[] = [];
    await train(spec, trainOptions({ trainLimit: 256, testLimit: 128, samplesPerEpoch: 4, ...options }), (message) => messages.push(message), () => false);
    return messages;
  }
  const logsOf = (messages: readonly TrainerToHost[], level: 'info' | 'warn'): string[] =>
    messagesOfType(messages, 'log').filter((message) => message.level === level).map((message) => message.message);

  it('EarlyStopping and ReduceLROnPlateau act on the epoch logs', async () => {
    const messages = await run(
      script({
        compile: "model.compile(optimizer=keras.optimizers.SGD(0.1), loss='sparse_categorical_crossentropy', metrics=['accuracy'])",
        fit: [
          'model.fit(x_train, y_train, epochs=10, callbacks=[',
          "    ReduceLROnPlateau(monitor='loss', min_delta=10, patience=1, factor=0.5),",
          "    EarlyStopping(monitor='loss', min_delta=10, patience=2, restore_best_weights=True)])",
        ].join('\n'),
      }),
    );

    // No epoch improves the loss by 10 after the first, so the rate halves after epoch 2 and training stops after epoch 3.
    assert.equal(messagesOfType(messages, 'epoch').length, 3);
    const notes = logsOf(messages, 'info');
    assert.ok(notes.some((note) => /Epoch 2: ReduceLROnPlateau lowered the learning rate from 0\.1 to 0\.05/.test(note)), notes.join('\n'));
    assert.ok(notes.some((note) => /EarlyStopping stopped training after epoch 3 of 10.*epoch 1/.test(note)), notes.join('\n'));
    assert.equal(messagesOfType(messages, 'evaluation').length, 1);
    assert.deepEqual(messagesOfType(messages, 'finished').map((message) => message.stopped), [false]);
  });

  it('a LearningRateScheduler of 0 stops the updates', async () => {
    const messages = await run(
      script({
        compile: "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy'])",
        fit: 'model.fit(x_train, y_train, epochs=2, callbacks=[LearningRateScheduler(lambda epoch: 0.05 if epoch == 0 else 0.0)])',
      }),
    );

    const samples = messagesOfType(messages, 'sample').map((message) => message.sample);
    const ratios = (epoch: number): number[] => samples.filter((sample) => sample.epoch === epoch).map((sample) => sample.layers[1].updateRatio ?? NaN);
    assert.ok(ratios(0).every((ratio) => ratio > 0), `epoch 1 ratios ${ratios(0).join(', ')}`);
    assert.ok(ratios(1).length > 0 && ratios(1).every((ratio) => ratio === 0), `epoch 2 ratios ${ratios(1).join(', ')}`);
  });

  it('binary crossentropy on sigmoid outputs lowers the loss', async () => {
    const messages = await run(fixture('compile_binary_sigmoid.py'), { maxEpochs: 2 });

    const losses = messagesOfType(messages, 'epoch').map((message) => message.logs.loss);
    assert.equal(losses.length, 2);
    assert.ok(losses[1] < losses[0], `loss rose from ${losses[0]} to ${losses[1]}`);
    // Crossentropy per output of a guess of 0.5 is ln 2; one-hot targets let it fall far below.
    assert.ok(losses[1] < Math.log(2) / 2, `loss ${losses[1]}`);
  });

  it('mse on class numbers trains with a warning', async () => {
    const messages = await run(fixture('compile_mse_labels.py'), { maxEpochs: 1 });

    assert.ok(logsOf(messages, 'warn').some((warning) => /Incompatible shapes/.test(warning)));
    const [logs] = messagesOfType(messages, 'epoch').map((message) => message.logs);
    assert.ok(Number.isFinite(logs.loss), `loss ${logs.loss}`);
    assert.ok(logs.loss > 0, `loss ${logs.loss}`);
    assert.ok(logs.accuracy >= 0, `accuracy ${logs.accuracy}`);
    assert.ok(logs.accuracy <= 1, `accuracy ${logs.accuracy}`);
  });

  it('reports NaN accuracy without an accuracy metric', async () => {
    const messages = await run(fixture('compile_schedules.py'), { maxEpochs: 2 });

    const epochs = messagesOfType(messages, 'epoch').map((message) => message.logs);
    assert.ok(epochs.length >= 1);
    assert.ok(epochs.every((logs) => Number.isNaN(logs.accuracy) && Number.isFinite(logs.loss)));
    assert.ok(messagesOfType(messages, 'evaluation').every((message) => Number.isNaN(message.evaluation.accuracy)));
  });

  it('the TensorFlow quickstart trains from logits', async () => {
    const messages = await run(fixture('compile_keras3_objects.py'), { maxEpochs: 2 });

    const epochs = messagesOfType(messages, 'epoch').map((message) => message.logs);
    assert.equal(epochs.length, 2);
    assert.ok(epochs[1].loss < epochs[0].loss, `loss rose from ${epochs[0].loss} to ${epochs[1].loss}`);
    assert.ok(epochs[1].accuracy > 0.3, `accuracy ${epochs[1].accuracy}`);
  });
});

function assertClose(actual: number, expected: number, relative = 1e-5): void {
  const tolerance = relative * Math.max(Math.abs(expected), 1e-6);
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
}
