import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LayerSpec, ModelSpec, ParseDiagnostic, ParseResult } from '../../src/common/modelSpec';
import { parseModelFile, type ParserDiagnosticCode } from '../../src/parser';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'models');

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

function parse(text: string): ParseResult {
  return parseModelFile(text, '/home/student/model.py');
}

function describeDiagnostics(result: ParseResult): string {
  return result.diagnostics.map((d) => `${d.severity} ${d.code} line ${d.range.startLine}: ${d.message}`).join('\n');
}

function specOf(text: string): ModelSpec {
  const result = parse(text);
  assert.ok(result.spec, `expected a model spec, got:\n${describeDiagnostics(result)}`);
  return result.spec;
}

/** Returns the 0-based number of the first line of `text` that contains `fragment`. */
function lineOf(text: string, fragment: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(fragment));
  assert.ok(index >= 0, `no line contains ${fragment}`);
  return index;
}

function expectDiagnostic(
  result: ParseResult,
  code: ParserDiagnosticCode,
  line: number,
  severity: ParseDiagnostic['severity'] = 'error',
): ParseDiagnostic {
  const found = result.diagnostics.find((diagnostic) => diagnostic.code === code && diagnostic.range.startLine === line);
  assert.ok(found, `expected ${code} on line ${line}, got:\n${describeDiagnostics(result)}`);
  assert.equal(found.severity, severity, `severity of ${code}`);
  return found;
}

function classNames(spec: ModelSpec): string[] {
  return spec.layers.map((layer) => layer.className);
}

function names(spec: ModelSpec): string[] {
  return spec.layers.map((layer) => layer.name);
}

function inbound(spec: ModelSpec): Record<string, readonly string[] | undefined> {
  return Object.fromEntries(spec.layers.map((layer) => [layer.name, layer.inbound]));
}

function layerNamed(spec: ModelSpec, name: string): LayerSpec {
  const layer = spec.layers.find((candidate) => candidate.name === name);
  assert.ok(layer, `no layer named ${name} in ${names(spec).join(', ')}`);
  return layer;
}

function denseUnits(spec: ModelSpec): unknown[] {
  return spec.layers.filter((layer) => layer.className === 'Dense').map((layer) => layer.config.units);
}

/** Builds a Sequential MNIST script with the given preamble and hidden layers. */
function mnistScript(preamble: string[], hidden: string[]): string {
  return [
    'from tensorflow.keras.layers import Dense, Flatten',
    'from tensorflow.keras.models import Sequential',
    ...preamble,
    'model = Sequential()',
    'model.add(Flatten(input_shape=(28, 28)))',
    ...hidden.map((layer) => `model.add(${layer})`),
    "model.add(Dense(10, activation='softmax'))",
    "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')",
  ].join('\n') + '\n';
}

describe('parser models: Sequential forms', () => {
  it('list, keyword and list variable are read', () => {
    const text = fixture('models_sequential_forms.py');
    const result = parse(text);
    const spec = specOf(text);
    assert.equal(spec.topology, 'sequential');
    assert.equal(spec.outputLayer, undefined);
    assert.deepEqual(classNames(spec), ['Flatten', 'Dense', 'Dense']);
    assert.deepEqual(names(spec), ['flatten_2', 'dense_3', 'dense_4']);
    assert.deepEqual(denseUnits(spec), [32, 10]);
    assert.ok(spec.layers.every((layer) => layer.inbound === undefined), 'Sequential layers carry no inbound');
    expectDiagnostic(result, 'multiple-models', lineOf(text, 'listed = keras.Sequential'), 'information');
    expectDiagnostic(result, 'multiple-models', lineOf(text, 'by_keyword = keras.Sequential'), 'information');
  });

  it('layer variables keep creation names', () => {
    const text = fixture('models_layer_variables.py');
    const spec = specOf(text);
    assert.deepEqual(classNames(spec), ['Flatten', 'Dense', 'Dense', 'Dropout', 'Dense', 'Dense', 'Dense']);
    // Keras names a layer when it is created, so `output`, created first, is `dense`.
    assert.deepEqual(names(spec), ['flatten', 'dense_1', 'dense_2', 'dropout', 'block_0', 'block_1', 'dense']);
    assert.deepEqual(denseUnits(spec), [64, 32, 16, 32, 10]);
    assert.equal(layerNamed(spec, 'dense').range.startLine, lineOf(text, 'output = Dense'));
    assert.equal(layerNamed(spec, 'dense_1').range.startLine, lineOf(text, 'hidden = Dense'));
  });

  it('build function binds its arguments', () => {
    const text = fixture('models_build_function.py');
    const result = parse(text);
    const spec = specOf(text);
    assert.deepEqual(classNames(spec), ['InputLayer', 'Flatten', 'Dense', 'Dense', 'Dropout', 'Dense']);
    assert.deepEqual(denseUnits(spec), [128, 64, 10]);
    assert.deepEqual(spec.layers.filter((layer) => layer.className === 'Dense').map((layer) => layer.config.activation), ['relu', 'relu', 'softmax']);
    assert.equal(layerNamed(spec, 'dropout').config.rate, 0.25);
    assert.equal(spec.compile.optimizer.className, 'SGD');
    assert.equal(spec.fit.epochs, 3);
    assert.equal(spec.dataset.origin, 'file');
    assert.equal(spec.modelRange?.startLine, lineOf(text, 'model = keras.Sequential(name='));
    assert.deepEqual(result.diagnostics.filter((diagnostic) => diagnostic.severity !== 'information'), []);
  });

  it('class method builds from instance settings', () => {
    const text = fixture('models_class_method.py');
    const spec = specOf(text);
    assert.deepEqual(classNames(spec), ['Flatten', 'Dense', 'Dense', 'Dense']);
    assert.deepEqual(denseUnits(spec), [128, 128, 10]);
    assert.deepEqual(spec.layers.slice(1).map((layer) => layer.config.activation), ['tanh', 'tanh', 'softmax']);
    assert.equal(spec.compile.optimizer.className, 'Adam');
  });

  it('function returning Sequential directly', () => {
    const text = fixture('models_return_sequential.py');
    const spec = specOf(text);
    assert.deepEqual(names(spec), ['flatten', 'dense', 'dense_1']);
    assert.deepEqual(denseUnits(spec), [16, 10]);
    assert.equal(spec.compile.optimizer.className, 'Adam');
  });

  it('uncalled builder is read with defaults', () => {
    const text = fixture('models_uncalled_function.py');
    const result = parse(text);
    const spec = specOf(text);
    assert.deepEqual(denseUnits(spec), [48, 10]);
    const note = expectDiagnostic(result, 'uncalled-function', lineOf(text, 'def create_model'), 'information');
    assert.match(note.message, /create_model\(\)/);
  });

  it('uncalled main reads its builder', () => {
    const text = [
      'from tensorflow import keras',
      'from tensorflow.keras import layers',
      'def build(width=32):',
      "    return keras.Sequential([layers.Flatten(input_shape=(28, 28)), layers.Dense(width), layers.Dense(10, activation='softmax')])",
      'def show(history):',
      '    print(history)',
      'def main(epochs=4):',
      '    (x_train, y_train), _ = keras.datasets.mnist.load_data()',
      '    model = build(64)',
      "    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')",
      '    show(model.fit(x_train / 255.0, y_train, epochs=epochs))',
    ].join('\n');
    const result = parse(text);
    const spec = specOf(text);
    assert.deepEqual(denseUnits(spec), [64, 10]);
    assert.equal(spec.fit.epochs, 4);
    expectDiagnostic(result, 'uncalled-function', lineOf(text, 'def main'), 'information');
    assert.equal(result.diagnostics.filter((diagnostic) => diagnostic.code === 'uncalled-function').length, 1);
  });

  it('uncalled builder needs parameter defaults', () => {
    const text = fixture('models_uncalled_function.py').replace('def create_model(units=48)', 'def create_model(units)');
    const result = parse(text);
    assert.equal(result.spec, undefined);
    const error = expectDiagnostic(result, 'not-static', lineOf(text, 'Dense(units,'));
    assert.match(error.message, /units/);
  });

  it('model added through a helper function', () => {
    const spec = specOf(mnistScript(['def add_block(net, width):', "    net.add(Dense(width, activation='relu'))"], []).replace(
      "model.add(Dense(10, activation='softmax'))",
      "add_block(model, 24)\nadd_block(net=model, width=12)\nmodel.add(Dense(10, activation='softmax'))",
    ));
    assert.deepEqual(denseUnits(spec), [24, 12, 10]);
  });

  it('break stops an unrolled loop', () => {
    const spec = specOf(mnistScript([], []).replace(
      "model.add(Dense(10, activation='softmax'))",
      ["for width in [64, 32, 16, 8]:", '    if width < 20:', '        break', '    model.add(Dense(width))', "model.add(Dense(10, activation='softmax'))"].join('\n'),
    ));
    assert.deepEqual(denseUnits(spec), [64, 32, 10]);
  });
});

describe('parser models: functional API', () => {
  it('chained calls build the graph', () => {
    const text = fixture('models_functional_chain.py');
    const spec = specOf(text);
    assert.equal(spec.topology, 'functional');
    assert.equal(spec.outputLayer, 'scores');
    assert.deepEqual(spec.inputShape, [28, 28]);
    // Layers follow the order the file calls them, so `scores`, created before the
    // Dropout, still comes after it.
    assert.deepEqual(classNames(spec), ['InputLayer', 'Flatten', 'Dense', 'Dropout', 'Dense']);
    assert.deepEqual(names(spec), ['pixels', 'flatten', 'dense', 'dropout', 'scores']);
    assert.deepEqual(inbound(spec), {
      pixels: [],
      flatten: ['pixels'],
      dense: ['flatten'],
      dropout: ['dense'],
      scores: ['dropout'],
    });
    assert.equal(layerNamed(spec, 'scores').range.startLine, lineOf(text, 'classifier = layers.Dense'));
    assert.equal(spec.modelRange?.startLine, lineOf(text, 'model = keras.Model('));
    assert.equal(spec.dataset.origin, 'file');
  });

  it('merges list their inbound layers', () => {
    const text = fixture('models_functional_merge.py');
    const spec = specOf(text);
    assert.equal(spec.topology, 'functional');
    assert.equal(spec.outputLayer, 'dense_4');
    assert.deepEqual(classNames(spec), [
      'InputLayer', 'Flatten', 'Dense', 'Dense', 'Add', 'Add', 'Dense', 'Dense', 'Concatenate', 'Concatenate', 'Dense',
    ]);
    assert.deepEqual(inbound(spec), {
      input_layer: [],
      flatten: ['input_layer'],
      dense: ['flatten'],
      dense_1: ['dense'],
      add: ['dense', 'dense_1'],
      add_1: ['add', 'dense_1'],
      dense_2: ['add_1'],
      dense_3: ['add_1'],
      concatenate: ['dense_2', 'dense_3'],
      joined_again: ['concatenate', 'dense_3'],
      dense_4: ['joined_again'],
    });
    assert.equal(layerNamed(spec, 'joined_again').config.axis, -1);
    assert.equal(layerNamed(spec, 'joined_again').range.startLine, lineOf(text, 'layers.concatenate('));
  });

  it('two inputs and outputs are reported', () => {
    const text = fixture('models_multiple_io.py');
    const result = parse(text);
    assert.equal(result.spec, undefined);
    const line = lineOf(text, 'model = keras.Model(');
    assert.match(expectDiagnostic(result, 'multiple-inputs', line).message, /2 inputs/);
    assert.match(expectDiagnostic(result, 'multiple-outputs', line).message, /2 outputs/);
  });

  it('shared layer is reported', () => {
    const text = fixture('models_shared_layer.py');
    const result = parse(text);
    assert.equal(result.spec, undefined);
    const error = expectDiagnostic(result, 'shared-layer', lineOf(text, 'x = shared(x)'));
    assert.match(error.message, new RegExp(`line ${lineOf(text, 'x = shared(inputs)') + 1}`));
  });

  it('unused layers get a note', () => {
    const text = fixture('models_shared_layer.py');
    const result = parse(text);
    assert.match(expectDiagnostic(result, 'unused-layer', lineOf(text, 'forgotten = '), 'information').message, /dense_1/);
    assert.match(expectDiagnostic(result, 'unused-layer', lineOf(text, 'dangling = '), 'information').message, /dense_2/);
    assert.equal(result.diagnostics.filter((diagnostic) => diagnostic.code === 'unused-layer').length, 2);
  });

  it('output independent of the input', () => {
    const text = [
      'from keras import Input, Model, layers',
      'inputs = Input(shape=(784,))',
      'other = Input(shape=(784,))',
      "outputs = layers.Dense(10, activation='softmax')(other)",
      'model = Model(inputs, outputs)',
    ].join('\n');
    const result = parse(text);
    assert.equal(result.spec, undefined);
    expectDiagnostic(result, 'multiple-inputs', lineOf(text, 'model = Model('));
  });

  it('untraceable outputs are reported', () => {
    const text = ['from keras import Input, Model', 'inputs = Input(shape=(784,))', 'model = Model(inputs=inputs, outputs=make_head(inputs))'].join('\n');
    const result = parse(text);
    const error = expectDiagnostic(result, 'disconnected-graph', lineOf(text, 'model = Model('));
    assert.match(error.message, /make_head\(inputs\)/);
  });

  it('dense on a list is invalid', () => {
    const text = [
      'from keras import Input, Model, layers',
      'a = Input(shape=(784,))',
      'b = layers.Dense(8)(a)',
      'c = layers.Dense(4)([a, b])',
    ].join('\n');
    expectDiagnostic(parse(text), 'invalid-value', lineOf(text, 'c = layers.Dense'));
  });

  it('functional add is not available', () => {
    const text = [
      'from keras import Input, Model, layers',
      'inputs = Input(shape=(784,))',
      "model = Model(inputs, layers.Dense(10, activation='softmax')(inputs))",
      'model.add(layers.Dense(4))',
    ].join('\n');
    expectDiagnostic(parse(text), 'unsupported-call', lineOf(text, 'model.add('));
  });
});

describe('parser models: static values', () => {
  it('constants and expressions shape layers', () => {
    const text = fixture('models_constants.py');
    const spec = specOf(text);
    assert.deepEqual(names(spec), ['input_layer', 'flatten', 'layer_00', 'layer_01', 'layer_02', 'dropout', 'dense', 'dense_1']);
    assert.deepEqual(denseUnits(spec), [256, 128, 64, 106, 10]);
    assert.equal(layerNamed(spec, 'layer_00').config.activation, 'relu');
    assert.equal(layerNamed(spec, 'dropout').config.rate, 0.125);
    assert.deepEqual(spec.inputShape, [28, 28]);
  });

  const expressions: Array<[string, number]> = [
    ['len("abcd") * 16', 64],
    ['max([8, 32, 16])', 32],
    ['min(40, 50) + abs(-2)', 42],
    ['round(2.5) + round(3.5)', 6],
    ['sum(range(5))', 10],
    ['int(3.9) * int("7")', 21],
    ['[1, 2, 3][1:][0]', 2],
    ['(64, 32)[-1]', 32],
    ['7 % -3 + 9', 7],
    ['2 ** 5 if 3 > 2 else 1', 32],
    ['len([u for u in range(20) if u % 2 == 0])', 10],
    ['tuple(reversed([1, 9]))[0]', 9],
    ['[w for _, w in enumerate([5, 6])][1]', 6],
  ];
  for (const [expression, units] of expressions) {
    it(`units=${expression} reads as ${units}`, () => {
      const spec = specOf(mnistScript([`UNITS = ${expression}`], ['Dense(UNITS)']));
      assert.equal(denseUnits(spec)[0], units);
    });
  }

  it('f-string names read', () => {
    const spec = specOf(mnistScript(['WIDTH = 32', "TAG = 'h'"], ["Dense(WIDTH, name=f'{TAG}_{WIDTH:04d}_{WIDTH / 64:.1f}')"]));
    assert.equal(spec.layers[1].name, 'h_0032_0.5');
  });

  it('reassignment takes the latest value', () => {
    const spec = specOf(mnistScript(['size = 64', 'size = size * 2', 'layer = Dense(size)', 'size = 8'], ['layer', 'Dense(size)']));
    assert.deepEqual(denseUnits(spec), [128, 8, 10]);
  });

  it('value from input() is unknown', () => {
    const text = fixture('models_unknown_values.py');
    const result = parse(text);
    assert.equal(result.spec, undefined);
    const error = expectDiagnostic(result, 'not-static', lineOf(text, 'units = int(input('));
    assert.match(error.message, /input\("hidden units\? "\)/);
    assert.match(error.message, /`units` in `Dense`/);
  });

  it('random value is unknown', () => {
    const text = fixture('models_unknown_values.py');
    const error = expectDiagnostic(parse(text), 'not-static', lineOf(text, 'rate = random.uniform'));
    assert.match(error.message, /random\.uniform/);
    assert.match(error.message, /`rate` in `Dropout`/);
  });

  it('value reassigned in a branch is unknown', () => {
    const text = fixture('models_unknown_values.py');
    const error = expectDiagnostic(parse(text), 'not-static', lineOf(text, 'activation=activation'));
    assert.match(error.message, new RegExp(`line ${lineOf(text, 'activation = "relu"') + 1}`));
    assert.match(error.message, /Assign `activation` once/);
  });

  it('value assigned in a while loop is unknown', () => {
    const text = mnistScript(['width = 8', 'while width < 100:', '    width = width * 2'], ['Dense(width)']);
    const error = expectDiagnostic(parse(text), 'not-static', lineOf(text, 'Dense(width)'));
    assert.match(error.message, /branch or loop/);
  });

  it('static branch keeps the value known', () => {
    const spec = specOf(mnistScript(['DEEP = False', 'if DEEP:', '    width = 512', 'else:', '    width = 24'], ['Dense(width)']));
    assert.equal(denseUnits(spec)[0], 24);
  });

  it('argument from input() is unknown', () => {
    const text = mnistScript(['def hidden(width):', '    return Dense(width)'], ['hidden(int(input()))']);
    const error = expectDiagnostic(parse(text), 'not-static', lineOf(text, 'hidden(int(input()))'));
    assert.match(error.message, /`input\(\)`/);
  });

  it('attribute set in a branch is unknown', () => {
    const text = mnistScript(
      ['import sys', 'class Settings:', '    def __init__(self):', '        if len(sys.argv) > 1:', '            self.width = 64', '        else:', '            self.width = 32', 'settings = Settings()'],
      ['Dense(settings.width)'],
    );
    const error = expectDiagnostic(parse(text), 'not-static', lineOf(text, 'Dense(settings.width)'));
    assert.match(error.message, new RegExp(`line ${lineOf(text, 'self.width = 32') + 1}`));
  });

  it('helper function result is static', () => {
    const spec = specOf(mnistScript(['def width(level):', '    return 16 * 2 ** level'], ['Dense(width(2))', 'Dense(units=width(level=1))']));
    assert.deepEqual(denseUnits(spec), [64, 32, 10]);
  });
});

describe('parser models: unsupported forms', () => {
  const text = fixture('models_unsupported_forms.py');
  const result = parse(text);

  it('subclassed model is reported', () => {
    const error = expectDiagnostic(result, 'unsupported-model', lineOf(text, 'class Residual'));
    assert.match(error.message, /Residual/);
  });

  it('missing argument is a TypeError', () => {
    assert.match(expectDiagnostic(result, 'invalid-call', lineOf(text, 'missing = build()')).message, /`width`/);
  });

  it('extra argument is a TypeError', () => {
    assert.match(expectDiagnostic(result, 'invalid-call', lineOf(text, 'extra = build(')).message, /takes 2 positional arguments/);
  });

  it('misspelled keyword is a TypeError', () => {
    assert.match(expectDiagnostic(result, 'invalid-call', lineOf(text, 'misspelled = build(')).message, /widht/);
  });

  it('recursion is not followed', () => {
    expectDiagnostic(result, 'invalid-call', lineOf(text, 'return forever(n - 1)'));
  });

  it('model inside a model is reported', () => {
    expectDiagnostic(result, 'unsupported-model', lineOf(text, 'outputs = base(inputs)'));
    assert.equal(result.spec, undefined);
  });
});

describe('parser models: shape checks', () => {
  /** Builds an MNIST script around a Sequential layer list. */
  const cnnScript = (layerLines: string[]): string =>
    [
      'from tensorflow import keras',
      'from tensorflow.keras import layers',
      '(x_train, y_train), _ = keras.datasets.mnist.load_data()',
      'model = keras.Sequential([',
      ...layerLines.map((line) => `    ${line},`),
      '])',
      "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')",
      'model.fit(x_train / 255.0, y_train)',
    ].join('\n');

  it('pooled CNN output needs no Dense', () => {
    const spec = specOf(cnnScript([
      'keras.Input(shape=(28, 28, 1))',
      "layers.Conv2D(16, 3, activation='relu')",
      'layers.Conv2D(10, 3)',
      'layers.GlobalAveragePooling2D()',
      "layers.Activation('softmax')",
    ]));
    assert.deepEqual(classNames(spec), ['InputLayer', 'Conv2D', 'Conv2D', 'GlobalAveragePooling2D', 'Activation']);
  });

  it('flattened output of the wrong size', () => {
    const text = cnnScript(['keras.Input(shape=(28, 28, 1))', 'layers.Conv2D(10, 3)', 'layers.Flatten()', "layers.Activation('softmax')"]);
    const error = expectDiagnostic(parse(text), 'output-units', lineOf(text, 'layers.Flatten()'));
    assert.match(error.message, /\(6760,\)/);
    assert.match(error.message, /Dense\(units=10/);
  });

  it('recurrent output of the wrong size', () => {
    const text = cnnScript(['keras.Input(shape=(28, 28))', 'layers.LSTM(64)']);
    expectDiagnostic(parse(text), 'output-units', lineOf(text, 'layers.LSTM(64)'));
  });

  it('layer that does not fit its input', () => {
    const text = cnnScript(['keras.Input(shape=(784,))', 'layers.Conv2D(8, 3)', 'layers.Flatten()', "layers.Dense(10, activation='softmax')"]);
    const result = parse(text);
    assert.equal(result.spec, undefined);
    expectDiagnostic(result, 'shape-mismatch', lineOf(text, 'layers.Conv2D(8, 3)'));
  });

  it('dense on images misses Flatten', () => {
    const text = cnnScript(['keras.Input(shape=(28, 28))', "layers.Dense(64, activation='relu')", "layers.Dense(10, activation='softmax')"]);
    expectDiagnostic(parse(text), 'missing-flatten', lineOf(text, "layers.Dense(64, activation='relu')"));
  });

  it('functional output of the wrong size', () => {
    const text = [
      'from tensorflow import keras',
      'from tensorflow.keras import layers',
      'inputs = keras.Input(shape=(28, 28))',
      'x = layers.Flatten()(inputs)',
      'outputs = layers.Dropout(0.5)(x)',
      'model = keras.Model(inputs, outputs)',
    ].join('\n');
    const error = expectDiagnostic(parse(text), 'output-units', lineOf(text, 'x = layers.Flatten()'));
    assert.match(error.message, /\(784,\)/);
  });
});
