import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LayerSpec, ModelSpec, ParseDiagnostic, ParseResult } from '../../src/common/modelSpec';
import { parseModelFile, type ParserDiagnosticCode } from '../../src/parser';

const ROOT = path.resolve(__dirname, '..', '..');
const SEED_MODEL = readFileSync(path.join(ROOT, 'test/fixtures/parser/seed_model.py'), 'utf8');

const IMPORTS = [
  'from tensorflow.keras.datasets import mnist',
  'from tensorflow.keras.layers import Activation, Dense, Dropout, Flatten, Input, InputLayer',
  'from tensorflow.keras.models import Sequential',
  'from tensorflow.keras.optimizers import SGD, Adam, RMSprop',
  'from tensorflow.keras.utils import to_categorical',
];
const DATA = ['(x_train, y_train), (x_test, y_test) = mnist.load_data()', 'x_train = x_train / 255.0', 'x_test = x_test / 255.0'];
const MODEL = [
  'model = Sequential()',
  'model.add(Flatten(input_shape=(28, 28)))',
  "model.add(Dense(64, activation='relu'))",
  "model.add(Dense(10, activation='softmax'))",
];
const COMPILE = ["model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy'])"];
const FIT = ['model.fit(x_train, y_train, epochs=2)'];

interface ScriptParts {
  imports?: string[];
  data?: string[];
  model?: string[];
  compile?: string[];
  fit?: string[];
  after?: string[];
}

/** Builds a complete MNIST script in which each part can be replaced to test one construct. */
function script(parts: ScriptParts = {}): string {
  return [
    ...(parts.imports ?? IMPORTS),
    ...(parts.data ?? DATA),
    ...(parts.model ?? MODEL),
    ...(parts.compile ?? COMPILE),
    ...(parts.fit ?? FIT),
    ...(parts.after ?? []),
  ].join('\n') + '\n';
}

function parse(text: string): ParseResult {
  return parseModelFile(text, '/home/student/model.py');
}

function describeDiagnostics(result: ParseResult): string {
  return result.diagnostics.map((d) => `${d.severity} ${d.code} line ${d.range.startLine}: ${d.message}`).join('\n');
}

/** Parses and returns the spec, failing with the diagnostics when there is none. */
function specOf(text: string): ModelSpec {
  const result = parse(text);
  assert.ok(result.spec, `expected a model spec, got:\n${describeDiagnostics(result)}`);
  return result.spec;
}

/** Finds the 0-based number of the first line of `text` that contains `fragment`. */
function lineOf(text: string, fragment: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(fragment));
  assert.ok(index >= 0, `no line contains ${fragment}`);
  return index;
}

function diagnosticsWithCode(result: ParseResult, code: ParserDiagnosticCode): ParseDiagnostic[] {
  return result.diagnostics.filter((diagnostic) => diagnostic.code === code);
}

/** Asserts a diagnostic with `code` on `line` and returns it. */
function expectDiagnostic(
  result: ParseResult,
  code: ParserDiagnosticCode,
  line: number,
  severity: ParseDiagnostic['severity'] = 'error',
): ParseDiagnostic {
  const found = diagnosticsWithCode(result, code).find((diagnostic) => diagnostic.range.startLine === line);
  assert.ok(found, `expected ${code} on line ${line}, got:\n${describeDiagnostics(result)}`);
  assert.equal(found.severity, severity, `severity of ${code}`);
  return found;
}

/** Parses a script that must fail with `code` on the line containing `fragment`. */
function expectError(text: string, code: ParserDiagnosticCode, fragment: string): ParseDiagnostic {
  const result = parse(text);
  const diagnostic = expectDiagnostic(result, code, lineOf(text, fragment));
  assert.equal(result.spec, undefined, 'an error leaves no spec');
  return diagnostic;
}

function denseLayers(spec: ModelSpec): LayerSpec[] {
  return spec.layers.filter((layer) => layer.className === 'Dense');
}

describe('parser: seed model and examples', () => {
  it('seed model reads as 7 Dense layers', () => {
    const spec = specOf(SEED_MODEL);
    const dense = denseLayers(spec);
    assert.deepEqual(dense.map((layer) => layer.config.units), [64, 128, 256, 256, 168, 64, 10]);
    assert.deepEqual(dense.map((layer) => layer.config.activation), [
      'sigmoid', 'sigmoid', 'sigmoid', 'sigmoid', 'sigmoid', 'sigmoid', 'softmax',
    ]);
    assert.deepEqual(dense.map((layer) => layer.name), ['dense', 'dense_1', 'dense_2', 'dense_3', 'dense_4', 'dense_5', 'dense_6']);
  });

  it('seed model keeps InputLayer and Flatten first', () => {
    const spec = specOf(SEED_MODEL);
    assert.deepEqual(spec.layers.slice(0, 2).map((layer) => layer.className), ['InputLayer', 'Flatten']);
    assert.deepEqual(spec.inputShape, [28, 28]);
    assert.deepEqual(spec.layers[0].config.input_shape, [28, 28]);
  });

  it('seed model compiles with SGD at 0.01', () => {
    const spec = specOf(SEED_MODEL);
    assert.deepEqual(spec.compile.optimizer, { className: 'SGD', learningRate: 0.01, momentum: 0, nesterov: false });
    assert.equal(spec.compile.loss, 'sparse_categorical_crossentropy');
    assert.deepEqual(spec.compile.metrics, ['accuracy']);
  });

  it('seed model fits 20 epochs with split 0.2', () => {
    const spec = specOf(SEED_MODEL);
    assert.equal(spec.fit.epochs, 20);
    assert.equal(spec.fit.validationSplit, 0.2);
    assert.equal(spec.fit.batchSize, 32);
    assert.equal(spec.fit.shuffle, true);
    assert.equal(spec.fit.range?.startLine, lineOf(SEED_MODEL, 'h1 = model.fit'));
  });

  it('seed model records its evaluate call', () => {
    const spec = specOf(SEED_MODEL);
    assert.equal(spec.evaluateRange?.startLine, lineOf(SEED_MODEL, 'model.evaluate('));
  });

  it('seed model infers MNIST with a note', () => {
    const result = parse(SEED_MODEL);
    assert.deepEqual(result.spec?.dataset, { name: 'mnist', origin: 'inferred', pixelDivisor: 255, oneHotLabels: false });
    const note = expectDiagnostic(result, 'dataset-inferred', lineOf(SEED_MODEL, 'model = Sequential()'), 'information');
    assert.match(note.message, /MNIST/);
    assert.equal(result.diagnostics.length, 1, describeDiagnostics(result));
  });

  it('seed model layer ranges cover each call', () => {
    const spec = specOf(SEED_MODEL);
    const first = spec.layers[2];
    const line = SEED_MODEL.split('\n')[first.range.startLine];
    assert.equal(line.slice(first.range.startCharacter, first.range.endCharacter), "Dense(units = 64, activation ='sigmoid')");
  });

  it('deep_sigmoid example loads and scales MNIST', () => {
    const spec = specOf(readFileSync(path.join(ROOT, 'examples/deep_sigmoid.py'), 'utf8'));
    assert.equal(spec.fileName, 'model.py');
    assert.equal(spec.dataset.origin, 'file');
    assert.equal(spec.dataset.pixelDivisor, 255);
    assert.deepEqual(denseLayers(spec).map((layer) => layer.config.activation).slice(0, 6), Array(6).fill('sigmoid'));
    assert.equal(spec.fit.epochs, 20);
    assert.equal(spec.fit.validationSplit, 0.2);
    assert.ok(spec.evaluateRange);
  });

  it('deep_sigmoid example has no diagnostics', () => {
    const result = parse(readFileSync(path.join(ROOT, 'examples/deep_sigmoid.py'), 'utf8'));
    assert.deepEqual(result.diagnostics, []);
  });

  it('relu_fix example uses relu and he_uniform', () => {
    const result = parse(readFileSync(path.join(ROOT, 'examples/relu_fix.py'), 'utf8'));
    assert.deepEqual(result.diagnostics, []);
    const hidden = denseLayers(result.spec as ModelSpec).slice(0, 6);
    assert.deepEqual(hidden.map((layer) => layer.config.activation), Array(6).fill('relu'));
    assert.deepEqual(hidden.map((layer) => layer.config.kernel_initializer), Array(6).fill('he_uniform'));
    assert.deepEqual(hidden.map((layer) => layer.config.units), [64, 128, 256, 256, 168, 64]);
  });
});

describe('parser: imports', () => {
  const modelWith = (prefix: string): string[] => [
    `model = ${prefix}Sequential()`,
    `model.add(${prefix}Flatten(input_shape=(28, 28)))`,
    `model.add(${prefix}Dense(10, activation='softmax'))`,
  ];

  const forms: Array<[string, string[], string[]]> = [
    ['from keras.models and keras.layers', ['from keras.models import Sequential', 'from keras.layers import Dense, Flatten'], modelWith('')],
    ['from tensorflow.keras', ['from tensorflow.keras.models import Sequential', 'from tensorflow.keras.layers import Dense, Flatten'], modelWith('')],
    ['from tensorflow import keras', ['from tensorflow import keras'], [
      'model = keras.Sequential()',
      'model.add(keras.layers.Flatten(input_shape=(28, 28)))',
      "model.add(keras.layers.Dense(10, activation='softmax'))",
    ]],
    ['import tensorflow as tf', ['import tensorflow as tf'], [
      'model = tf.keras.models.Sequential()',
      'model.add(tf.keras.layers.Flatten(input_shape=(28, 28)))',
      "model.add(tf.keras.layers.Dense(10, activation='softmax'))",
    ]],
    ['import keras', ['import keras'], [
      'model = keras.Sequential()',
      'model.add(keras.layers.Flatten(input_shape=(28, 28)))',
      "model.add(keras.layers.Dense(10, activation='softmax'))",
    ]],
    ['from keras import layers', ['from keras import layers, models'], [
      'model = models.Sequential()',
      'model.add(layers.Flatten(input_shape=(28, 28)))',
      "model.add(layers.Dense(10, activation='softmax'))",
    ]],
    ['import with alias', ['import tensorflow.keras as K', 'from keras.layers import Dense as D, Flatten as F'], [
      'model = K.Sequential()',
      'model.add(F(input_shape=(28, 28)))',
      "model.add(D(10, activation='softmax'))",
    ]],
    ['parenthesised import list', ['from keras.models import Sequential', 'from keras.layers import (Dense,', '    Flatten)'], modelWith('')],
    ['star import', ['from keras.models import *', 'from keras.layers import *'], modelWith('')],
    ['old keras.layers.core path', ['from keras.models import Sequential', 'from keras.layers.core import Dense, Flatten'], modelWith('')],
    ['name bound to a Keras module', ['import tensorflow as tf', 'layers = tf.keras.layers'], [
      'model = tf.keras.Sequential()',
      'model.add(layers.Flatten(input_shape=(28, 28)))',
      "model.add(layers.Dense(10, activation='softmax'))",
    ]],
  ];

  for (const [name, imports, model] of forms) {
    it(`reads layers after ${name}`, () => {
      const text = [...imports, ...model, ...COMPILE, 'model.fit(x_train, y_train)'].join('\n');
      const result = parse(text);
      assert.ok(result.spec, describeDiagnostics(result));
      assert.deepEqual(result.spec.layers.map((layer) => layer.className), ['Flatten', 'Dense']);
      assert.equal(diagnosticsWithCode(result, 'missing-import').length, 0);
    });
  }

  it('bare Keras names need no imports', () => {
    const result = parse([...MODEL, ...COMPILE].join('\n'));
    assert.ok(result.spec, describeDiagnostics(result));
    assert.deepEqual(result.diagnostics.map((d) => d.code).sort(), ['dataset-inferred', 'fit-missing']);
  });

  it('bare name beside Keras imports warns', () => {
    const text = script({ imports: ['from tensorflow.keras.datasets import mnist', 'from tensorflow.keras.models import Sequential'] });
    const result = parse(text);
    const warning = expectDiagnostic(result, 'missing-import', lineOf(text, 'Flatten('), 'warning');
    assert.match(warning.message, /from keras\.layers import Flatten/);
    assert.ok(result.spec, 'a missing import is only a warning');
  });

  it('local name shadowing a Keras name is not Keras', () => {
    const text = script({ after: [] }).replace('model = Sequential()', 'Dense = make_layer\nmodel = Sequential()');
    const result = parse(text);
    expectDiagnostic(result, 'unknown-layer', lineOf(text, 'model.add(Dense(64'));
  });
});

describe('parser: model forms', () => {
  it('Sequential list reads every layer', () => {
    const spec = specOf(script({
      model: [
        'model = Sequential([',
        '    Flatten(input_shape=(28, 28)),',
        "    Dense(32, activation='relu'),",
        "    Dense(10, activation='softmax'),",
        '])',
      ],
    }));
    assert.deepEqual(spec.layers.map((layer) => layer.name), ['flatten', 'dense', 'dense_1']);
  });

  it('Sequential layers keyword reads every layer', () => {
    const spec = specOf(script({
      model: ["model = Sequential(layers=[Flatten(input_shape=(28, 28)), Dense(10, activation='softmax')], name='digits')"],
    }));
    assert.equal(spec.layers.length, 2);
  });

  it('layer list held by a name reads every layer', () => {
    const spec = specOf(script({
      model: ["stack = [Flatten(input_shape=(28, 28)), Dense(10, activation='softmax')]", 'model = Sequential(stack)'],
    }));
    assert.equal(spec.layers.length, 2);
  });

  it('layer held by a name is added', () => {
    const text = script({
      model: ['model = Sequential()', 'model.add(Flatten(input_shape=(28, 28)))', "output = Dense(10, activation='softmax')", 'model.add(output)'],
    });
    const spec = specOf(text);
    assert.equal(spec.layers[1].range.startLine, lineOf(text, 'output = Dense'));
  });

  it('for loop over a list adds each layer', () => {
    const spec = specOf(script({
      model: [
        'model = Sequential([Flatten(input_shape=(28, 28))])',
        'for units in [64, 128, 256]:',
        "    model.add(Dense(units, activation='sigmoid'))",
        "model.add(Dense(10, activation='softmax'))",
      ],
    }));
    assert.deepEqual(denseLayers(spec).map((layer) => layer.config.units), [64, 128, 256, 10]);
    assert.deepEqual(denseLayers(spec).map((layer) => layer.name), ['dense', 'dense_1', 'dense_2', 'dense_3']);
  });

  it('for loop over range adds each layer', () => {
    const spec = specOf(script({
      model: [
        'DEPTH = 3',
        'model = Sequential([Flatten(input_shape=(28, 28))])',
        'for i in range(DEPTH):',
        "    model.add(Dense(32 * (i + 1), activation='tanh'))",
        "model.add(Dense(10, activation='softmax'))",
      ],
    }));
    assert.deepEqual(denseLayers(spec).map((layer) => layer.config.units), [32, 64, 96, 10]);
  });

  it('for loop unpacks tuple items', () => {
    const spec = specOf(script({
      model: [
        'model = Sequential([Flatten(input_shape=(28, 28))])',
        "for units, activation in [(64, 'relu'), (10, 'softmax')]:",
        '    model.add(Dense(units, activation=activation))',
      ],
    }));
    assert.deepEqual(denseLayers(spec).map((layer) => [layer.config.units, layer.config.activation]), [[64, 'relu'], [10, 'softmax']]);
  });

  it('loop of unknown length adding layers is an error', () => {
    const text = script({
      model: ['model = Sequential([Flatten(input_shape=(28, 28))])', 'for units in widths():', '    model.add(Dense(units))', "model.add(Dense(10, activation='softmax'))"],
    });
    const error = expectError(text, 'not-static', 'for units in');
    assert.match(error.message, /loop/);
  });

  it('while loop adding layers is an error', () => {
    const text = script({
      model: ['model = Sequential([Flatten(input_shape=(28, 28))])', 'while len(model.layers) < 4:', '    model.add(Dense(8))', "model.add(Dense(10, activation='softmax'))"],
    });
    expectError(text, 'not-static', 'while len(');
  });

  it('loop that leaves the model alone is fine', () => {
    const result = parse(script({ after: ['for name in history_names():', '    print(name)'] }));
    assert.deepEqual(result.diagnostics, []);
  });

  it('static condition picks its branch', () => {
    const spec = specOf(script({
      model: [
        'USE_RELU = True',
        'model = Sequential([Flatten(input_shape=(28, 28))])',
        'if USE_RELU:',
        "    model.add(Dense(64, activation='relu'))",
        'elif DEPTH > 3:',
        "    model.add(Dense(64, activation='tanh'))",
        'else:',
        "    model.add(Dense(64, activation='sigmoid'))",
        "model.add(Dense(10, activation='softmax'))",
      ],
    }));
    assert.deepEqual(denseLayers(spec).map((layer) => layer.config.activation), ['relu', 'softmax']);
  });

  it('false conditions fall through to else', () => {
    const spec = specOf(script({
      model: [
        'WIDTH = 32',
        'model = Sequential([Flatten(input_shape=(28, 28))])',
        'if WIDTH > 100 and WIDTH != 32:',
        "    model.add(Dense(WIDTH, activation='relu'))",
        'else:',
        "    model.add(Dense(WIDTH * 2, activation='relu'))",
        "model.add(Dense(10, activation='softmax'))",
      ],
    }));
    assert.deepEqual(denseLayers(spec).map((layer) => layer.config.units), [64, 10]);
  });

  it('unknown condition changing the model is an error', () => {
    const text = script({
      model: ['model = Sequential([Flatten(input_shape=(28, 28))])', 'if random.random() > 0.5:', "    model.add(Dense(64, activation='relu'))", "model.add(Dense(10, activation='softmax'))"],
    });
    const error = expectError(text, 'not-static', 'if random.random()');
    assert.match(error.message, /branch/);
  });

  it('fit inside try is read', () => {
    const text = script({ fit: ['try:', '    model.fit(x_train, y_train, epochs=3)', 'except KeyboardInterrupt:', "    print('stopped')"] });
    assert.equal(specOf(text).fit.epochs, 3);
  });

  it('model change inside except is an error', () => {
    const text = script({ after: ['try:', '    pass', 'except ValueError:', "    model.add(Dense(10, activation='softmax'))"] });
    expectError(text, 'not-static', 'except ValueError');
  });

  it('model built in a function is trained', () => {
    const spec = specOf(script({
      model: [
        'def build_model():',
        '    net = Sequential()',
        '    net.add(Flatten(input_shape=(28, 28)))',
        "    net.add(Dense(10, activation='softmax'))",
        '    return net',
        '',
        'model = build_model()',
      ],
    }));
    assert.equal(spec.layers.length, 2);
    assert.equal(spec.fit.epochs, 2);
  });

  it('model code under a main guard is read', () => {
    const text = script({ fit: ["if __name__ == '__main__':", '    model.fit(x_train, y_train, epochs=3)'] });
    assert.equal(specOf(text).fit.epochs, 3);
  });

  it('parenthesised creation binds every target', () => {
    const text = script({ model: ['model = net = (Sequential())', 'net.add(Flatten(input_shape=(28, 28)))', "model.add(Dense(10, activation='softmax'))"] });
    assert.equal(specOf(text).layers.length, 2);
  });

  it('second name for the model is followed', () => {
    const text = script({ fit: ['net = model', 'net.fit(x_train, y_train, epochs=4)'] });
    assert.equal(specOf(text).fit.epochs, 4);
  });

  it('model range covers the Sequential call', () => {
    const text = script();
    const spec = specOf(text);
    assert.equal(spec.modelRange?.startLine, lineOf(text, 'model = Sequential()'));
    assert.equal(spec.modelRange?.startCharacter, 'model = '.length);
  });
});

describe('parser: layers', () => {
  const withHidden = (...hidden: string[]): string =>
    script({ model: ['model = Sequential()', 'model.add(Flatten(input_shape=(28, 28)))', ...hidden.map((layer) => `model.add(${layer})`), "model.add(Dense(10, activation='softmax'))"] });
  const hiddenLayer = (text: string): LayerSpec => specOf(text).layers[1];

  it('Dense reads positional units and activation', () => {
    assert.deepEqual(hiddenLayer(withHidden("Dense(48, 'tanh')")).config, {
      units: 48, activation: 'tanh', use_bias: true, kernel_initializer: 'glorot_uniform', bias_initializer: 'zeros',
    });
  });

  it('Dense defaults to linear activation', () => {
    assert.equal(hiddenLayer(withHidden('Dense(units=48)')).config.activation, 'linear');
    assert.equal(hiddenLayer(withHidden('Dense(48, activation=None)')).config.activation, 'linear');
  });

  it('Dense reads use_bias and name', () => {
    const layer = hiddenLayer(withHidden("Dense(48, use_bias=False, name='hidden')"));
    assert.equal(layer.config.use_bias, false);
    assert.equal(layer.name, 'hidden');
  });

  it('Dense reads initializers as strings and objects', () => {
    const text = withHidden("Dense(48, kernel_initializer='he_normal', bias_initializer=keras.initializers.Zeros())").replace(
      'from tensorflow.keras.utils',
      'from tensorflow import keras\nfrom tensorflow.keras.utils',
    );
    const layer = hiddenLayer(text);
    assert.equal(layer.config.kernel_initializer, 'he_normal');
    assert.equal(layer.config.bias_initializer, 'zeros');
    assert.equal(hiddenLayer(withHidden("Dense(48, kernel_initializer='HeUniform')")).config.kernel_initializer, 'he_uniform');
  });

  for (const activation of ['sigmoid', 'relu', 'tanh', 'softmax', 'linear', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'gelu']) {
    it(`activation '${activation}' is accepted`, () => {
      assert.equal(hiddenLayer(withHidden(`Dense(48, activation='${activation}')`)).config.activation, activation);
    });
  }

  it("activation 'silu' becomes swish", () => {
    assert.equal(hiddenLayer(withHidden("Dense(48, activation='silu')")).config.activation, 'swish');
  });

  it('activation functions are read by name', () => {
    const text = withHidden('Dense(48, activation=tf.nn.relu)', 'Dense(48, activation=keras.activations.tanh)').replace(
      'from tensorflow.keras.utils',
      'import tensorflow as tf\nfrom tensorflow import keras\nfrom tensorflow.keras.utils',
    );
    const spec = specOf(text);
    assert.deepEqual(spec.layers.slice(1, 3).map((layer) => layer.config.activation), ['relu', 'tanh']);
  });

  it('Activation layer reads its function', () => {
    const spec = specOf(withHidden('Dense(48)', "Activation('relu')"));
    assert.equal(spec.layers[2].className, 'Activation');
    assert.deepEqual(spec.layers[2].config, { activation: 'relu' });
    assert.equal(spec.layers[2].name, 'activation');
  });

  it('Dropout reads rate positionally and by keyword', () => {
    const spec = specOf(withHidden('Dropout(0.2)', 'Dropout(rate=0.5, seed=7)'));
    assert.deepEqual(spec.layers[1].config, { rate: 0.2 });
    assert.deepEqual(spec.layers[2].config, { rate: 0.5, seed: 7 });
    assert.deepEqual(spec.layers.slice(1, 3).map((layer) => layer.name), ['dropout', 'dropout_1']);
  });

  it('named layers leave the counter alone', () => {
    const spec = specOf(withHidden("Dense(8, name='first')", 'Dense(8)'));
    assert.deepEqual(denseLayers(spec).map((layer) => layer.name), ['first', 'dense', 'dense_1']);
  });

  it('layer names count across models', () => {
    const text = script({
      model: [
        "other = Sequential([Flatten(input_shape=(28, 28)), Dense(10, activation='softmax')])",
        ...MODEL,
      ],
    });
    const spec = specOf(text);
    assert.deepEqual(spec.layers.map((layer) => layer.name), ['flatten_1', 'dense_1', 'dense_2']);
  });

  it('clear_session restarts layer names', () => {
    const text = script({
      imports: [...IMPORTS, 'import tensorflow as tf'],
      model: [
        "other = Sequential([Flatten(input_shape=(28, 28)), Dense(10, activation='softmax')])",
        'tf.keras.backend.clear_session()',
        ...MODEL,
      ],
    });
    assert.deepEqual(specOf(text).layers.map((layer) => layer.name), ['flatten', 'dense', 'dense_1']);
  });

  it('InputLayer reads shape and batch shape', () => {
    const forms = [
      'InputLayer(input_shape=(28, 28))',
      'InputLayer(shape=(28, 28))',
      'InputLayer((28, 28))',
      'InputLayer(batch_input_shape=(None, 28, 28))',
      'InputLayer(batch_shape=(32, 28, 28))',
      'Input(shape=(28, 28))',
    ];
    for (const form of forms) {
      const spec = specOf(script({ model: [`model = Sequential([${form}, Flatten(), Dense(10, activation='softmax')])`] }));
      assert.deepEqual(spec.inputShape, [28, 28], form);
      assert.equal(spec.layers[0].className, 'InputLayer', form);
      assert.equal(spec.layers[0].name, 'input_layer', form);
    }
  });

  it('input_shape on the first Dense gives the input', () => {
    const spec = specOf(script({
      data: [...DATA, 'x_train = x_train.reshape(-1, 784)'],
      model: ["model = Sequential([Dense(64, activation='relu', input_shape=(784,)), Dense(10, activation='softmax')])"],
    }));
    assert.deepEqual(spec.inputShape, [784]);
    assert.deepEqual(spec.layers[0].config.input_shape, [784]);
  });

  it('input_dim on Dense gives the input', () => {
    const spec = specOf(script({ model: ["model = Sequential([Dense(64, input_dim=784), Dense(10, activation='softmax')])"] }));
    assert.deepEqual(spec.inputShape, [784]);
  });

  it('constants feed layer arguments', () => {
    const spec = specOf(withHidden('Dense(HIDDEN * 2, activation=ACTIVATION)').replace(
      'model = Sequential()',
      "HIDDEN = 32\nACTIVATION = 'relu'\nmodel = Sequential()",
    ));
    assert.equal(spec.layers[1].config.units, 64);
    assert.equal(spec.layers[1].config.activation, 'relu');
  });

  it('layer range is in UTF-16 columns', () => {
    const text = withHidden('Dense(48)').replace("model.add(Dense(48))", "note = '👻'; model.add(Dense(48))");
    const spec = specOf(text);
    const line = text.split('\n')[spec.layers[1].range.startLine];
    assert.equal(spec.layers[1].range.startCharacter, line.indexOf('Dense(48)'));
    assert.equal(line.slice(spec.layers[1].range.startCharacter, spec.layers[1].range.endCharacter), 'Dense(48)');
  });

  it('CRLF line endings keep line numbers', () => {
    const text = script().replace(/\n/g, '\r\n');
    const spec = specOf(text);
    assert.equal(spec.layers[1].range.startLine, lineOf(text.replace(/\r/g, ''), "Dense(64, activation='relu')"));
  });
});

describe('parser: compile', () => {
  const compiled = (call: string, extraImports: string[] = []): ModelSpec =>
    specOf(script({ imports: [...IMPORTS, ...extraImports], compile: [call] }));

  for (const [written, className, learningRate] of [
    ["'SGD'", 'SGD', 0.01], ["'sgd'", 'SGD', 0.01], ["'adam'", 'Adam', 0.001], ["'Adam'", 'Adam', 0.001], ["'RMSprop'", 'RMSprop', 0.001], ["'rmsprop'", 'RMSprop', 0.001],
  ] as const) {
    it(`optimizer string ${written} gets Keras defaults`, () => {
      const spec = compiled(`model.compile(optimizer=${written}, loss='sparse_categorical_crossentropy')`);
      assert.deepEqual(spec.compile.optimizer, { className, learningRate, momentum: 0, nesterov: false });
    });
  }

  it('SGD object reads rate, momentum and nesterov', () => {
    const spec = compiled("model.compile(optimizer=SGD(learning_rate=0.1, momentum=0.9, nesterov=True), loss='sparse_categorical_crossentropy')");
    assert.deepEqual(spec.compile.optimizer, { className: 'SGD', learningRate: 0.1, momentum: 0.9, nesterov: true });
  });

  it('SGD object reads positional learning rate', () => {
    const spec = compiled("model.compile(SGD(0.05), 'sparse_categorical_crossentropy')");
    assert.equal(spec.compile.optimizer.learningRate, 0.05);
    assert.equal(spec.compile.loss, 'sparse_categorical_crossentropy');
  });

  it('optimizer objects without arguments get defaults', () => {
    assert.equal(compiled("model.compile(optimizer=SGD(), loss='sparse_categorical_crossentropy')").compile.optimizer.learningRate, 0.01);
    assert.equal(compiled("model.compile(optimizer=Adam(), loss='sparse_categorical_crossentropy')").compile.optimizer.learningRate, 0.001);
  });

  it('RMSprop object reads momentum', () => {
    const spec = compiled("model.compile(optimizer=RMSprop(learning_rate=0.01, momentum=0.5), loss='sparse_categorical_crossentropy')");
    assert.deepEqual(spec.compile.optimizer, { className: 'RMSprop', learningRate: 0.01, momentum: 0.5, nesterov: false });
  });

  it('lr is read with a warning', () => {
    const text = script({
      imports: [...IMPORTS, 'from tensorflow import keras'],
      compile: ["model.compile(optimizer=keras.optimizers.Adam(lr=1e-3 * 2), loss='sparse_categorical_crossentropy')"],
    });
    const result = parse(text);
    assert.equal(result.spec?.compile.optimizer.learningRate, 0.002);
    const note = expectDiagnostic(result, 'deprecated-argument', lineOf(text, 'lr=1e-3'), 'warning');
    assert.match(note.message, /learning_rate/);
  });

  it('optimizer held by a name is read', () => {
    const spec = specOf(script({ compile: ['opt = SGD(learning_rate=0.2)', "model.compile(optimizer=opt, loss='sparse_categorical_crossentropy')"] }));
    assert.equal(spec.compile.optimizer.learningRate, 0.2);
  });

  it('compile without optimizer uses rmsprop', () => {
    const spec = compiled("model.compile(loss='sparse_categorical_crossentropy')");
    assert.deepEqual(spec.compile.optimizer, { className: 'RMSprop', learningRate: 0.001, momentum: 0, nesterov: false });
  });

  it('loss objects and functions are read', () => {
    const imports = ['from tensorflow import keras'];
    assert.equal(compiled("model.compile(optimizer='sgd', loss=keras.losses.SparseCategoricalCrossentropy())", imports).compile.loss, 'sparse_categorical_crossentropy');
    assert.equal(compiled("model.compile(optimizer='sgd', loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False))", imports).compile.loss, 'sparse_categorical_crossentropy');
    assert.equal(compiled("model.compile(optimizer='sgd', loss=keras.losses.sparse_categorical_crossentropy)", imports).compile.loss, 'sparse_categorical_crossentropy');
  });

  it('metrics acc becomes accuracy', () => {
    assert.deepEqual(compiled("model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['acc'])").compile.metrics, ['accuracy']);
    assert.deepEqual(compiled("model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')").compile.metrics, []);
  });

  it('compile range covers the call', () => {
    const text = script();
    assert.equal(specOf(text).compile.range?.startLine, lineOf(text, 'model.compile('));
  });

  it('missing compile states the defaults', () => {
    const text = script({ compile: [] });
    const result = parse(text);
    assert.deepEqual(result.spec?.compile, {
      optimizer: { className: 'RMSprop', learningRate: 0.001, momentum: 0, nesterov: false },
      loss: 'sparse_categorical_crossentropy',
      metrics: ['accuracy'],
    });
    const note = expectDiagnostic(result, 'compile-missing', lineOf(text, 'model.fit('), 'information');
    assert.match(note.message, /rmsprop/);
  });
});

describe('parser: fit and evaluate', () => {
  it('fit defaults follow Keras', () => {
    const spec = specOf(script({ fit: ['model.fit(x_train, y_train)'] }));
    assert.deepEqual(
      { epochs: spec.fit.epochs, batchSize: spec.fit.batchSize, validationSplit: spec.fit.validationSplit, shuffle: spec.fit.shuffle, validationOnTest: spec.fit.validationOnTest },
      { epochs: 1, batchSize: 32, validationSplit: 0, shuffle: true, validationOnTest: false },
    );
  });

  it('fit reads static keyword values', () => {
    const spec = specOf(script({
      fit: ['EPOCHS = 5', 'BATCH = 2 ** 7', 'h1 = model.fit(x_train, y_train, epochs=EPOCHS * 2, batch_size=BATCH, validation_split=0.1, shuffle=False)'],
    }));
    assert.equal(spec.fit.epochs, 10);
    assert.equal(spec.fit.batchSize, 128);
    assert.equal(spec.fit.validationSplit, 0.1);
    assert.equal(spec.fit.shuffle, false);
  });

  it('fit reads positional batch size and epochs', () => {
    const spec = specOf(script({ fit: ['model.fit(x_train, y_train, 64, 3)'] }));
    assert.equal(spec.fit.batchSize, 64);
    assert.equal(spec.fit.epochs, 3);
  });

  it('fit accepts batch_size None', () => {
    assert.equal(specOf(script({ fit: ['model.fit(x_train, y_train, batch_size=None)'] })).fit.batchSize, 32);
  });

  it('validation_data on the test split is read', () => {
    const spec = specOf(script({ fit: ['model.fit(x_train, y_train, validation_data=(x_test, y_test))'] }));
    assert.equal(spec.fit.validationOnTest, true);
    assert.equal(spec.fit.validationSplit, 0);
  });

  it('validation_data overrides validation_split', () => {
    const text = script({ fit: ['model.fit(x_train, y_train, validation_split=0.2, validation_data=(x_test, y_test))'] });
    const result = parse(text);
    assert.equal(result.spec?.fit.validationSplit, 0);
    expectDiagnostic(result, 'validation-split-ignored', lineOf(text, 'model.fit('), 'information');
  });

  it('missing fit states the defaults', () => {
    const text = script({ fit: [] });
    const result = parse(text);
    assert.equal(result.spec?.fit.epochs, 1);
    assert.equal(result.spec?.fit.range, undefined);
    expectDiagnostic(result, 'fit-missing', lineOf(text, 'model = Sequential()'), 'information');
  });

  it('evaluate inside print is recorded', () => {
    const text = script({ after: ["print('test accuracy', model.evaluate(x_test, y_test)[1])"] });
    assert.equal(specOf(text).evaluateRange?.startLine, lineOf(text, 'model.evaluate('));
  });

  it('harmless model calls leave no diagnostics', () => {
    const result = parse(script({ after: ['model.summary()', 'predictions = model.predict(x_test)', "model.save('digits.keras')"] }));
    assert.deepEqual(result.diagnostics, []);
  });
});

describe('parser: static values', () => {
  const cases: Array<[string, number]> = [
    ['0x10', 16],
    ['1_0', 10],
    ['7 // 2', 3],
    ['-7 % 3 + 1', 3],
    ['2 ** 3', 8],
    ['(4)', 4],
    ['A + B', 7],
    ['C', 7],
    ['int_value if True else 2', -1],
    ["len('abc')", 3],
    ["['a', 'b'].index('b')", -1],
  ];
  for (const [expression, expected] of cases) {
    it(`epochs=${expression} reads as ${expected < 0 ? 'not static' : expected}`, () => {
      const text = script({ fit: ['A = 3', 'B = 4', 'C = A + B', `model.fit(x_train, y_train, epochs=${expression})`] });
      const result = parse(text);
      if (expected < 0) {
        expectDiagnostic(result, 'not-static', lineOf(text, 'model.fit('));
      } else {
        assert.equal(result.spec?.fit.epochs, expected, describeDiagnostics(result));
      }
    });
  }

  it('string escapes and prefixes decode', () => {
    const spec = specOf(script().replace("Dense(64, activation='relu')", `Dense(64, activation="re" 'lu', name=r'a.b')`));
    assert.equal(spec.layers[1].config.activation, 'relu');
    assert.equal(spec.layers[1].name, 'a.b');
  });

  it('raw string keeps its backslash', () => {
    // A backslash is not valid in a layer name, so the error quotes the decoded value.
    const result = parse(script().replace("Dense(64, activation='relu')", `Dense(64, name=r'a\\b')`));
    assert.match(describeDiagnostics(result), /`name='a\\\\b'`/);
  });

  it('cyclic names are not static', () => {
    const text = script({ fit: ['P = Q', 'Q = P', 'model.fit(x_train, y_train, epochs=P)'] });
    assert.equal(parse(text).spec, undefined);
  });
});

describe('parser: dataset', () => {
  const divisorOf = (data: string[]): number => specOf(script({ data })).dataset.pixelDivisor;
  const LOAD = '(x_train, y_train), (x_test, y_test) = mnist.load_data()';

  it('x / 255 scales the pixels', () => {
    assert.equal(divisorOf([LOAD, 'x_train = x_train / 255', 'x_test = x_test / 255']), 255);
  });

  it('x /= 255.0 scales the pixels', () => {
    assert.equal(divisorOf([LOAD, 'x_train /= 255.0', 'x_test /= 255.0']), 255);
  });

  it('astype then divide scales the pixels', () => {
    assert.equal(divisorOf([LOAD, "x_train = x_train.astype('float32') / 255", "x_test = x_test.astype('float32') / 255"]), 255);
  });

  it('tuple assignment scales both splits', () => {
    assert.equal(divisorOf([LOAD, 'x_train, x_test = x_train / 255.0, x_test / 255.0']), 255);
  });

  it('multiplying by a reciprocal scales the pixels', () => {
    assert.equal(divisorOf([LOAD, 'x_train = x_train * (1 / 255)', 'x_test = x_test * (1 / 255)']), 255);
  });

  it('scaling inside fit is read', () => {
    const spec = specOf(script({ data: [LOAD], fit: ['model.fit(x_train / 255.0, y_train)'] }));
    assert.equal(spec.dataset.pixelDivisor, 255);
  });

  it('raw pixels keep divisor 1 with a note', () => {
    const text = script({ data: [LOAD] });
    const result = parse(text);
    assert.equal(result.spec?.dataset.pixelDivisor, 1);
    expectDiagnostic(result, 'unscaled-pixels', lineOf(text, 'mnist.load_data()'), 'information');
  });

  it('to_categorical makes one-hot labels', () => {
    const spec = specOf(script({
      data: [...DATA, 'y_train = to_categorical(y_train, 10)', 'y_test = to_categorical(y_test, num_classes=10)'],
      compile: ["model.compile(optimizer='sgd', loss='categorical_crossentropy', metrics=['accuracy'])"],
    }));
    assert.equal(spec.dataset.oneHotLabels, true);
    assert.equal(spec.compile.loss, 'categorical_crossentropy');
  });

  it('one-hot labels under a new name are followed', () => {
    const spec = specOf(script({
      imports: [...IMPORTS, 'from tensorflow import keras'],
      data: [...DATA, 'y_train_hot = keras.utils.to_categorical(y_train)'],
      compile: ["model.compile(optimizer='sgd', loss='categorical_crossentropy')"],
      fit: ['model.fit(x_train, y_train_hot)'],
    }));
    assert.equal(spec.dataset.oneHotLabels, true);
  });

  it('load forms all reach MNIST', () => {
    const forms: Array<[string[], string]> = [
      [['import tensorflow as tf'], '(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()'],
      [['from keras.datasets.mnist import load_data'], '(x_train, y_train), (x_test, y_test) = load_data()'],
      [['import tensorflow as tf', 'mnist = tf.keras.datasets.mnist'], '(x_train, y_train), (x_test, y_test) = mnist.load_data()'],
      [['from keras import datasets'], '[(x_train, y_train), (x_test, y_test)] = datasets.mnist.load_data()'],
    ];
    for (const [imports, load] of forms) {
      const spec = specOf(script({ imports: [...IMPORTS.slice(1), ...imports], data: [load, 'x_train = x_train / 255.0', 'x_test = x_test / 255.0'] }));
      assert.equal(spec.dataset.origin, 'file', load);
      assert.equal(spec.dataset.pixelDivisor, 255, load);
    }
  });

  it('split unpacking in two steps is followed', () => {
    const spec = specOf(script({ data: ['train, test = mnist.load_data()', 'x_train, y_train = train', 'x_test, y_test = test', 'x_train = x_train / 255'] }));
    assert.equal(spec.dataset.pixelDivisor, 255);
  });

  it('dataset range covers load_data', () => {
    const text = script();
    assert.equal(specOf(text).dataset.range?.startLine, lineOf(text, 'mnist.load_data()'));
  });

  it('784 input without dataset infers MNIST', () => {
    const result = parse(["model = Sequential([Dense(64, input_shape=(784,)), Dense(10, activation='softmax')])", ...COMPILE].join('\n'));
    assert.equal(result.spec?.dataset.origin, 'inferred');
    assert.deepEqual(result.spec?.inputShape, [784]);
  });

  it('inferred dataset follows categorical loss', () => {
    const spec = specOf([...MODEL, "model.compile(optimizer='sgd', loss='categorical_crossentropy')"].join('\n'));
    assert.equal(spec.dataset.oneHotLabels, true);
  });
});

describe('parser: diagnostics', () => {
  it('unclosed bracket is a syntax error at the bracket', () => {
    const text = script({ model: ['model = Sequential()', 'model.add(Flatten(input_shape=(28, 28))', "model.add(Dense(10, activation='softmax'))"] });
    const error = expectError(text, 'syntax-error', 'model.add(Flatten(');
    assert.equal(error.range.startCharacter, 'model.add'.length);
    assert.match(error.message, /never closed/);
  });

  it('unclosed bracket leaves later lines unflagged', () => {
    const text = script({ model: ['model = Sequential()', 'model.add(Flatten(input_shape=(28, 28))', "model.add(Dense(64, activation='relu'))", "model.add(Dense(10, activation='softmax'))"] });
    const errors = parse(text).diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].range.startLine, lineOf(text, 'model.add(Flatten('));
  });

  it('syntax errors hide other diagnostics', () => {
    const text = script({ model: ['model = Sequential(', 'model.add(Conv2D(3))'] });
    const result = parse(text);
    assert.deepEqual([...new Set(result.diagnostics.map((diagnostic) => diagnostic.code))], ['syntax-error']);
  });

  it('unexpected indentation is a syntax error', () => {
    const text = script().replace("model.add(Dense(64, activation='relu'))", "  model.add(Dense(64, activation='relu'))");
    const error = expectError(text, 'syntax-error', "  model.add(Dense(64");
    assert.match(error.message, /IndentationError/);
  });

  it('uneven indentation inside a body is a syntax error', () => {
    const text = script({ fit: ['if True:', '    model.fit(x_train, y_train)', '      model.summary()'] });
    expectError(text, 'syntax-error', 'model.summary()');
  });

  it('truncated call is one error on its line', () => {
    const text = 'model = Sequential()\nmodel.add(Dense(3,\n\n';
    const result = parse(text);
    const errors = diagnosticsWithCode(result, 'syntax-error');
    assert.deepEqual(errors.map((error) => error.range.startLine), [1], describeDiagnostics(result));
  });

  it('stray token is a syntax error naming it', () => {
    const text = script({ fit: ['model.fit(x_train y_train)'] });
    const error = expectError(text, 'syntax-error', 'model.fit(');
    assert.match(error.message, /y_train/);
  });

  it('file without a model reports model-missing', () => {
    const result = parse('import numpy as np\nprint(np.zeros(3))\n');
    expectDiagnostic(result, 'model-missing', 0);
  });

  it('functional model is read', () => {
    const text = [
      'from tensorflow import keras',
      'inputs = keras.Input(shape=(784,))',
      "outputs = keras.layers.Dense(10, activation='softmax')(inputs)",
      'model = keras.Model(inputs, outputs)',
    ].join('\n');
    const spec = specOf(text);
    assert.equal(spec.topology, 'functional');
    assert.deepEqual(spec.layers.map((layer) => layer.name), ['input_layer', 'dense']);
    assert.deepEqual(spec.layers[1].inbound, ['input_layer']);
    assert.equal(spec.outputLayer, 'dense');
  });

  it('subclassed model is unsupported', () => {
    expectError('import keras\nclass Net(keras.Model):\n    pass\n', 'unsupported-model', 'class Net');
  });

  it('second model gets a note and stays untrained', () => {
    const text = script({ after: ["spare = Sequential([Flatten(input_shape=(28, 28)), Dense(10, activation='softmax')])"] });
    const result = parse(text);
    const note = expectDiagnostic(result, 'multiple-models', lineOf(text, 'spare = Sequential'), 'information');
    assert.match(note.message, new RegExp(`line ${lineOf(text, 'model = Sequential()') + 1}`));
    assert.equal(result.spec?.layers.length, 3);
  });

  it('errors in an untrained model become warnings', () => {
    const text = script({ after: ['probability_model = Sequential([model, Softmax()])'] });
    const result = parse(text);
    assert.ok(result.spec, describeDiagnostics(result));
    expectDiagnostic(result, 'unsupported-model', lineOf(text, 'probability_model'), 'warning');
  });

  it('TensorFlow quickstart trains from logits', () => {
    const text = [
      'import tensorflow as tf',
      'mnist = tf.keras.datasets.mnist',
      '(x_train, y_train), (x_test, y_test) = mnist.load_data()',
      'x_train, x_test = x_train / 255.0, x_test / 255.0',
      'model = tf.keras.models.Sequential([',
      '  tf.keras.layers.Flatten(input_shape=(28, 28)),',
      "  tf.keras.layers.Dense(128, activation='relu'),",
      '  tf.keras.layers.Dropout(0.2),',
      '  tf.keras.layers.Dense(10)',
      '])',
      'predictions = model(x_train[:1]).numpy()',
      'loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)',
      "model.compile(optimizer='adam', loss=loss_fn, metrics=['accuracy'])",
      'model.fit(x_train, y_train, epochs=5)',
      'model.evaluate(x_test,  y_test, verbose=2)',
    ].join('\n');
    const spec = specOf(text);
    assert.equal(spec.compile.fromLogits, true);
    assert.equal(spec.compile.loss, 'sparse_categorical_crossentropy');
    assert.equal(spec.layers[spec.layers.length - 1].config.activation, 'linear');
  });

  it('Conv3D is an unsupported layer', () => {
    const text = script({ imports: [...IMPORTS, 'from tensorflow.keras.layers import Conv3D'] }).replace(
      "model.add(Dense(64, activation='relu'))",
      "model.add(Conv3D(32, (3, 3, 3), activation='relu'))",
    );
    const error = expectError(text, 'unsupported-layer', 'Conv3D(32');
    assert.match(error.message, /Conv3D/);
  });

  it('Conv2D after Flatten is a shape mismatch', () => {
    const text = script({ imports: [...IMPORTS, 'from tensorflow.keras.layers import Conv2D'] }).replace(
      "model.add(Dense(64, activation='relu'))",
      "model.add(Conv2D(32, (3, 3), activation='relu'))",
    );
    const error = expectError(text, 'shape-mismatch', 'Conv2D(32');
    assert.match(error.message, /needs an input with 3 axes besides the batch axis, but gets shape \(None, 784\)/);
  });

  it('LayerNormalization without import is an unsupported layer', () => {
    const text = script().replace("model.add(Dense(64, activation='relu'))", 'model.add(LayerNormalization())');
    expectError(text, 'unsupported-layer', 'LayerNormalization()');
    expectDiagnostic(parse(text), 'missing-import', lineOf(text, 'LayerNormalization()'), 'warning');
  });

  it('unknown call in add is an unknown layer', () => {
    const error = expectError(script().replace("model.add(Dense(64, activation='relu'))", 'model.add(my_block())'), 'unknown-layer', 'my_block()');
    assert.match(error.message, /my_block/);
  });

  it('unsupported keyword names the argument', () => {
    const text = script().replace("Dense(64, activation='relu')", "Dense(64, activation='relu', kernel_regularizer='l2')");
    const error = expectError(text, 'unsupported-argument', 'kernel_regularizer');
    assert.match(error.message, /kernel_regularizer/);
  });

  it('too many positional arguments are unsupported', () => {
    expectError(script().replace("Dense(64, activation='relu')", "Dense(64, 'relu', True, 'zeros', 'zeros', None)"), 'unsupported-argument', "Dense(64, 'relu'");
  });

  it('unpacked keyword arguments are unsupported', () => {
    expectError(script().replace("Dense(64, activation='relu')", 'Dense(64, **options)'), 'unsupported-argument', '**options');
  });

  it('argument given twice is a duplicate', () => {
    expectError(script().replace("Dense(64, activation='relu')", 'Dense(64, units=32)'), 'duplicate-argument', 'units=32');
  });

  it('Dense without units misses an argument', () => {
    const error = expectError(script().replace("Dense(64, activation='relu')", "Dense(activation='relu')"), 'missing-argument', "Dense(activation='relu')");
    assert.match(error.message, /units/);
  });

  it('reassigned name takes the latest value', () => {
    const text = script().replace('model = Sequential()', 'size = 64\nsize = 128\nmodel = Sequential()').replace('Dense(64,', 'Dense(size,');
    assert.equal(specOf(text).layers[1].config.units, 128);
  });

  it('name reassigned in a branch is not static', () => {
    const text = script()
      .replace('model = Sequential()', 'size = 64\nif random.random() > 0.5:\n    size = 128\nmodel = Sequential()')
      .replace('Dense(64,', 'Dense(size,');
    const error = expectError(text, 'not-static', 'Dense(size');
    assert.match(error.message, /branch or loop/);
  });

  it('function call value is not static', () => {
    const text = script({ fit: ['model.fit(x_train, y_train, epochs=int(input()))'] });
    const error = expectError(text, 'not-static', 'model.fit(');
    assert.match(error.message, /`input\(\)`/);
  });

  it('undefined name is not static', () => {
    expectError(script({ fit: ['model.fit(x_train, y_train, epochs=EPOCHS)'] }), 'not-static', 'EPOCHS');
  });

  it('function parameter takes its argument', () => {
    const text = script({ model: [
      'def build(width):',
      '    model = Sequential()',
      '    model.add(Flatten(input_shape=(28, 28)))',
      '    model.add(Dense(width))',
      "    model.add(Dense(10, activation='softmax'))",
      '    return model',
      'model = build(64)',
    ] });
    assert.equal(specOf(text).layers[1].config.units, 64);
  });

  const invalidValues: Array<[string, string, string]> = [
    ['units=0', "Dense(64, activation='relu')", "Dense(0, activation='relu')"],
    ['units=2.5', "Dense(64, activation='relu')", "Dense(2.5, activation='relu')"],
    ['rate=1.5', "Dense(64, activation='relu')", 'Dropout(1.5)'],
    ['input_shape=(784)', 'Flatten(input_shape=(28, 28))', 'Flatten(input_shape=(784))'],
    ['use_bias=1', "Dense(64, activation='relu')", 'Dense(64, use_bias=1)'],
  ];
  for (const [name, original, replacement] of invalidValues) {
    it(`${name} is an invalid value`, () => {
      expectError(script().replace(original, replacement), 'invalid-value', replacement);
    });
  }

  it('fractional epochs are invalid', () => {
    const error = expectError(script({ fit: ['model.fit(x_train, y_train, epochs=20 / 2)'] }), 'invalid-value', 'model.fit(');
    assert.match(error.message, /epochs=10\.0/);
  });

  it('validation_split of 1 is invalid', () => {
    expectError(script({ fit: ['model.fit(x_train, y_train, validation_split=1)'] }), 'invalid-value', 'validation_split');
  });

  it('zero batch size is invalid', () => {
    expectError(script({ fit: ['model.fit(x_train, y_train, batch_size=0)'] }), 'invalid-value', 'batch_size');
  });

  it('tuple shape in input_shape message suggests a comma', () => {
    const error = expectError(script().replace('Flatten(input_shape=(28, 28))', 'Flatten(input_shape=(784))'), 'invalid-value', 'input_shape');
    assert.match(error.message, /\(784,\)/);
  });

  it('misspelled activation is unsupported', () => {
    const error = expectError(script().replace("activation='relu'", "activation='Relu'"), 'unsupported-activation', "'Relu'");
    assert.match(error.message, /Relu/);
  });

  it('leaky_relu activation is read', () => {
    const dense = denseLayers(specOf(script().replace("activation='relu'", "activation='leaky_relu'")));
    assert.equal(dense[0].config.activation, 'leaky_relu');
  });

  it('misspelled initializer suggests the name', () => {
    const error = expectError(script().replace("activation='relu'", "kernel_initializer='orthogonall'"), 'unsupported-initializer', 'orthogonall');
    assert.match(error.message, /Did you mean `orthogonal`\?/);
  });

  it('initializer with arguments keeps its config', () => {
    const text = script({ imports: [...IMPORTS, 'from keras.initializers import HeNormal'] }).replace("activation='relu'", 'kernel_initializer=HeNormal(seed=1)');
    const dense = specOf(text).layers.find((layer) => layer.className === 'Dense');
    assert.deepEqual(dense?.config.kernel_initializer, { class_name: 'HeNormal', config: { seed: 1 } });
  });

  it('Keras 2 positional metrics explain loss_weights', () => {
    const text = script({ compile: ["model.compile('sgd', 'sparse_categorical_crossentropy', ['accuracy'])"] });
    const error = expectError(text, 'unsupported-argument', "['accuracy']");
    assert.match(error.message, /third positional argument of compile\(\) as loss_weights/);
    assert.match(error.message, /Write metrics=\['accuracy'\]/);
  });

  it('misspelt optimizer string suggests the name', () => {
    const error = expectError(script({ compile: ["model.compile(optimizer='adma', loss='sparse_categorical_crossentropy')"] }), 'unsupported-optimizer', 'adma');
    assert.match(error.message, /Did you mean 'adam'\?/);
  });

  it('adamax string is an unsupported optimizer', () => {
    const error = expectError(script({ compile: ["model.compile(optimizer='adamax', loss='sparse_categorical_crossentropy')"] }), 'unsupported-optimizer', 'adamax');
    assert.match(error.message, /adamax/);
    assert.doesNotMatch(error.message, /Did you mean/);
  });

  it('AdamW object is an unsupported optimizer', () => {
    const text = script({ imports: [...IMPORTS, 'from keras.optimizers import AdamW'], compile: ["model.compile(optimizer=AdamW(), loss='sparse_categorical_crossentropy')"] });
    expectError(text, 'unsupported-optimizer', 'AdamW()');
  });

  it('Adam weight_decay is an unsupported argument', () => {
    expectError(script({ compile: ["model.compile(optimizer=Adam(weight_decay=0.01), loss='sparse_categorical_crossentropy')"] }), 'unsupported-argument', 'weight_decay');
  });

  it('momentum above 1 is invalid', () => {
    expectError(script({ compile: ["model.compile(optimizer=SGD(momentum=1.5), loss='sparse_categorical_crossentropy')"] }), 'invalid-value', 'momentum');
  });

  it('hinge loss is unsupported', () => {
    const error = expectError(script({ compile: ["model.compile(optimizer='sgd', loss='hinge')"] }), 'unsupported-loss', "loss='hinge'");
    assert.match(error.message, /hinge/);
  });

  it('from_logits=True on softmax warns', () => {
    const text = script({
      imports: [...IMPORTS, 'import tensorflow as tf'],
      compile: ["model.compile(optimizer='adam', loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))"],
    });
    const result = parse(text);
    const warning = expectDiagnostic(result, 'logits-mismatch', lineOf(text, 'from_logits'), 'warning');
    assert.match(warning.message, /softmax/);
    assert.equal(result.spec?.compile.fromLogits, true);
  });

  it('unknown metric is dropped with a warning', () => {
    const text = script({ compile: ["model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy', 'mae'])"] });
    const result = parse(text);
    expectDiagnostic(result, 'unsupported-metric', lineOf(text, "'mae'"), 'warning');
    assert.deepEqual(result.spec?.compile.metrics, ['accuracy']);
  });

  it('compile without loss is missing a loss', () => {
    expectError(script({ compile: ["model.compile(optimizer='sgd')"] }), 'missing-loss', 'model.compile(');
  });

  it('compile after fit is an error at fit', () => {
    const text = script({ compile: [], fit: ['model.fit(x_train, y_train)', ...COMPILE] });
    const error = expectError(text, 'compile-after-fit', 'model.fit(');
    assert.match(error.message, new RegExp(`line ${lineOf(text, 'model.compile(') + 1}`));
  });

  it('second fit warns and the first counts', () => {
    const text = script({ fit: ['model.fit(x_train, y_train, epochs=2)', 'model.fit(x_train, y_train, epochs=9)'] });
    const result = parse(text);
    expectDiagnostic(result, 'repeated-fit', lineOf(text, 'epochs=9'), 'warning');
    assert.equal(result.spec?.fit.epochs, 2);
  });

  it('unknown callback is ignored with a warning', () => {
    const text = script({ fit: ['model.fit(x_train, y_train, callbacks=[stopper])'] });
    const result = parse(text);
    expectDiagnostic(result, 'ignored-callback', lineOf(text, 'callbacks'), 'warning');
    assert.ok(result.spec);
  });

  it('model.pop is an unsupported call', () => {
    expectError(script({ after: ['model.pop()'] }), 'unsupported-call', 'model.pop()');
  });

  it('load_weights is ignored with a warning', () => {
    const text = script({ after: ["model.load_weights('w.h5')"] });
    expectDiagnostic(parse(text), 'unsupported-call', lineOf(text, 'load_weights'), 'warning');
  });

  it('freezing a layer is ignored with a warning', () => {
    const text = script({ after: ['model.layers[0].trainable = False'] });
    expectDiagnostic(parse(text), 'unsupported-call', lineOf(text, 'trainable'), 'warning');
  });

  it('validation on training arrays is unsupported', () => {
    expectError(script({ fit: ['model.fit(x_train, y_train, validation_data=(x_train, y_train))'] }), 'unsupported-validation-data', 'validation_data');
  });

  it('empty Sequential is an empty model', () => {
    expectError(script({ model: ['model = Sequential()'] }), 'empty-model', 'model = Sequential()');
  });

  it('first layer without shape misses the input shape', () => {
    const text = script().replace('Flatten(input_shape=(28, 28))', 'Flatten()');
    const error = expectError(text, 'missing-input-shape', 'model.add(Flatten())');
    assert.match(error.message, /input_shape=\(28, 28\)/);
  });

  it('InputLayer after another layer is misplaced', () => {
    expectError(script().replace("model.add(Dense(64, activation='relu'))", 'model.add(InputLayer(input_shape=(784,)))'), 'misplaced-input', 'InputLayer(');
  });

  it('Dense on a 28×28 input misses Flatten', () => {
    const text = script({ model: ['model = Sequential()', 'model.add(InputLayer(input_shape=(28, 28)))', "model.add(Dense(64, activation='relu'))", "model.add(Dense(10, activation='softmax'))"] });
    const error = expectError(text, 'missing-flatten', 'Dense(64');
    assert.match(error.message, /Flatten\(\)/);
  });

  it('repeated layer name is a duplicate', () => {
    const text = script().replace("Dense(64, activation='relu')", "Dense(64, activation='relu', name='dense')");
    expectError(text, 'duplicate-layer-name', "Dense(10, activation='softmax')");
  });

  it('output with 5 units is wrong for MNIST', () => {
    const error = expectError(script().replace("Dense(10, activation='softmax')", "Dense(5, activation='softmax')"), 'output-units', 'Dense(5');
    assert.match(error.message, /units=10/);
  });

  it('model ending in Flatten has no output layer', () => {
    expectError(script({ model: ['model = Sequential([InputLayer(input_shape=(28, 28)), Flatten()])'] }), 'output-units', 'Sequential([');
  });

  it('sigmoid output with crossentropy warns', () => {
    const text = script().replace("Dense(10, activation='softmax')", "Dense(10, activation='sigmoid')");
    const result = parse(text);
    const warning = expectDiagnostic(result, 'output-activation', lineOf(text, 'Dense(10'), 'warning');
    assert.match(warning.message, /softmax/);
    assert.ok(result.spec);
  });

  it('relu output is the wrong activation', () => {
    const error = expectError(script().replace("Dense(10, activation='softmax')", "Dense(10, activation='relu')"), 'output-activation', 'Dense(10');
    assert.match(error.message, /from_logits=True/);
  });

  it('softmax Activation after Dense is a valid output', () => {
    const spec = specOf(script().replace("Dense(10, activation='softmax')", "Dense(10))\nmodel.add(Activation('softmax')"));
    assert.equal(spec.layers[spec.layers.length - 1].className, 'Activation');
  });

  it('categorical loss on class numbers mismatches', () => {
    const text = script({ compile: ["model.compile(optimizer='sgd',", "              loss='categorical_crossentropy')"] });
    const error = expectError(text, 'loss-label-mismatch', "loss='categorical_crossentropy'");
    assert.match(error.message, /to_categorical\(y_train, 10\)/);
  });

  it('sparse loss on one-hot labels mismatches', () => {
    const text = script({ data: [...DATA, 'y_train = to_categorical(y_train)'] });
    expectError(text, 'loss-label-mismatch', "loss='sparse_categorical_crossentropy'");
  });

  it('to_categorical with 5 classes is invalid', () => {
    expectError(script({ data: [...DATA, 'y_train = to_categorical(y_train, 5)'] }), 'invalid-value', 'to_categorical(y_train, 5)');
  });

  it('CIFAR-10 images into a 28×28 model are a shape mismatch', () => {
    const text = script({ imports: [...IMPORTS, 'from keras.datasets import cifar10'], data: ['(x_train, y_train), (x_test, y_test) = cifar10.load_data()'] });
    const error = expectError(text, 'input-shape-mismatch', 'input_shape=(28, 28)');
    assert.match(error.message, /\(32, 32, 3\), 3072 values/);
  });

  it('single-name unpacking of a split is unsupported', () => {
    expectError(script({ data: ['(x_train, y_train, extra), test = mnist.load_data()'] }), 'unsupported-dataset-unpacking', 'mnist.load_data()');
  });

  it('32×32 input does not match MNIST', () => {
    expectError(script().replace('Flatten(input_shape=(28, 28))', 'Flatten(input_shape=(32, 32))'), 'input-shape-mismatch', 'input_shape=(32, 32)');
  });

  it('no dataset and a 32×32×3 input infers CIFAR-10', () => {
    const text = ["model = Sequential([Flatten(input_shape=(32, 32, 3)), Dense(10, activation='softmax')])", ...COMPILE].join('\n');
    assert.equal(specOf(text).dataset.name, 'cifar10');
    expectDiagnostic(parse(text), 'dataset-inferred', 0, 'information');
  });

  it('no dataset and a 32×32 input is unknown', () => {
    const text = ["model = Sequential([Flatten(input_shape=(32, 32)), Dense(10, activation='softmax')])", ...COMPILE].join('\n');
    const error = expectError(text, 'unknown-dataset', 'input_shape=(32, 32)');
    assert.match(error.message, /\(32, 32\)/);
  });

  it('differently scaled test images warn at evaluate', () => {
    const text = script({ data: [DATA[0], 'x_train = x_train / 255.0'], after: ['model.evaluate(x_test, y_test)'] });
    expectDiagnostic(parse(text), 'inconsistent-scaling', lineOf(text, 'model.evaluate('), 'warning');
  });

  it('subtracting from pixels is an unsupported transform', () => {
    expectError(script({ data: [...DATA, 'x_train = x_train - 0.5'] }), 'unsupported-data-transform', 'x_train - 0.5');
  });

  it('in-place subtraction is an unsupported transform', () => {
    expectError(script({ data: [...DATA, 'x_train -= 0.5'] }), 'unsupported-data-transform', 'x_train -= 0.5');
  });

  it('sliced training data is unknown', () => {
    const text = script({ data: [...DATA, 'x_small = x_train[:1000]'], fit: ['model.fit(x_small, y_train)'] });
    const error = expectError(text, 'unknown-training-data', 'model.fit(');
    assert.match(error.message, /x_small/);
  });

  it('fit without labels misses an argument', () => {
    expectError(script({ fit: ['model.fit(x_train)'] }), 'missing-argument', 'model.fit(');
  });

  it('diagnostics never carry an empty message', () => {
    const result = parse(script({ model: ['model = Sequential([Conv2D(3), Dense(0)])'], compile: ["model.compile(optimizer='x', loss='y')"] }));
    assert.ok(result.diagnostics.length >= 3, describeDiagnostics(result));
    for (const diagnostic of result.diagnostics) {
      assert.ok(diagnostic.message.length > 20, `${diagnostic.code} has a short message`);
    }
  });
});

describe('parser: robustness', () => {
  /** Seeded 32-bit generator (mulberry32), so a failure can be replayed. */
  function randomGenerator(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let mixed = state;
      mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
      mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
      return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
    };
  }

  function assertWellFormed(text: string, result: ParseResult, label: string): void {
    const lineCount = text.split(/\r\n|\r|\n/).length;
    for (const diagnostic of result.diagnostics) {
      assert.ok(diagnostic.range.startLine >= 0, `${label}: ${diagnostic.code} starts before the file`);
      assert.ok(diagnostic.range.endLine < lineCount, `${label}: ${diagnostic.code} ends after the file`);
      assert.ok(diagnostic.message.length > 0, `${label}: empty message`);
      assert.notEqual(diagnostic.code, 'internal-error', `${label}: ${diagnostic.message}`);
    }
    assert.ok(result.spec !== undefined || result.diagnostics.some((diagnostic) => diagnostic.severity === 'error'), `${label}: no spec and no error`);
  }

  it('seed truncated at every line parses', () => {
    const rows = SEED_MODEL.split('\n');
    for (let count = 0; count <= rows.length; count++) {
      const text = rows.slice(0, count).join('\n');
      assertWellFormed(text, parse(text), `first ${count} lines`);
    }
  });

  it('example truncated at every 17th character parses', () => {
    const example = readFileSync(path.join(ROOT, 'examples/deep_sigmoid.py'), 'utf8');
    for (let length = 0; length <= example.length; length += 17) {
      const text = example.slice(0, length);
      assertWellFormed(text, parse(text), `first ${length} characters`);
    }
  });

  it('random text never throws', () => {
    const random = randomGenerator(20240611);
    const alphabet = ['(', ')', '[', ']', ',', '=', ':', "'", '"', '\n', '    ', ' ', 'model', '.add', 'Dense', 'Sequential', '64', 'x_train',
      '/', '255', 'fit', 'compile', 'for', 'in', 'def', 'lambda', '*', '**', '#', '\\', '\r', '\t', 'é', '👻', '\u0000', 'load_data()'];
    for (let round = 0; round < 300; round++) {
      let text = '';
      const length = Math.floor(random() * 120);
      for (let index = 0; index < length; index++) {
        text += random() < 0.2 ? String.fromCharCode(Math.floor(random() * 0xffff)) : alphabet[Math.floor(random() * alphabet.length)];
      }
      assertWellFormed(text, parse(text), `round ${round}: ${JSON.stringify(text)}`);
    }
  });

  it('mutated example never throws', () => {
    const random = randomGenerator(7);
    const example = readFileSync(path.join(ROOT, 'examples/relu_fix.py'), 'utf8');
    for (let round = 0; round < 200; round++) {
      const start = Math.floor(random() * example.length);
      const end = Math.min(example.length, start + Math.floor(random() * 40));
      const insert = ['', ')', '(', '= =', 'Dense(', "'", '\n    ', 'model.fit(', '**'][Math.floor(random() * 9)];
      const text = example.slice(0, start) + insert + example.slice(end);
      assertWellFormed(text, parse(text), `round ${round}`);
    }
  });

  it('non-string input becomes an internal error', () => {
    const result = parseModelFile(undefined as unknown as string, 'broken.py');
    assert.equal(result.spec, undefined);
    assert.deepEqual(result.diagnostics.map((diagnostic) => diagnostic.code), ['internal-error']);
  });
});
