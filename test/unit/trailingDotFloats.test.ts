import * as assert from 'node:assert/strict';
import { parseModelFile } from '../../src/parser';
import { rewriteTrailingDotFloats } from '../../src/parser/trailingDotFloats';

describe('floats with a trailing dot', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['x = x / 255.', 'x = x / 255 '],
    ['lr = 1.e-3', 'lr = 1e-03'],
    ['lr = 2.E4', 'lr = 2E04'],
    ['lr = 5.e+2', 'lr = 5e+02'],
    ['y = (1., 2.)', 'y = (1 , 2 )'],
    ['n = 1.5 + 2.0 + x.y1.z', 'n = 1.5 + 2.0 + x.y1.z'],
    ['v = 3.real', 'v = 3.real'],
    ['s = "version 1." + \'2.\'', 's = "version 1." + \'2.\''],
    ['d = 1.  # divide by 255.', 'd = 1   # divide by 255.'],
    ['t = """line 1.\n2."""\nu = 4.', 't = """line 1.\n2."""\nu = 4 '],
  ];

  for (const [source, expected] of cases) {
    it(`rewrites ${JSON.stringify(source)}`, () => {
      const rewritten = rewriteTrailingDotFloats(source);
      assert.equal(rewritten.text, expected);
      assert.equal(rewritten.text.length, source.length);
    });
  }

  it('divides by 255. without a syntax error', () => {
    const text = [
      'from keras.datasets import mnist',
      'from keras.models import Sequential',
      'from keras.layers import Dense, Flatten',
      'from keras.optimizers import SGD',
      '(x_train, y_train), (x_test, y_test) = mnist.load_data()',
      "x_train = x_train.astype('float32') / 255.",
      'x_test = x_test / 255.',
      "model = Sequential([Flatten(input_shape=(28, 28)), Dense(64, activation='relu'), Dense(10, activation='softmax')])",
      "model.compile(optimizer=SGD(learning_rate=1.e-2), loss='sparse_categorical_crossentropy', metrics=['accuracy'])",
      'model.fit(x_train, y_train, epochs=1)',
    ].join('\n');
    const result = parseModelFile(text, 'model.py');

    assert.deepEqual(result.diagnostics.filter((diagnostic) => diagnostic.severity !== 'information'), []);
    assert.equal(result.spec?.dataset.pixelDivisor, 255);
    assert.equal(result.spec?.compile.optimizer.learningRate, 0.01);
  });

  it('reads units=64. as a float and rejects it', () => {
    const text = "model = Sequential([Flatten(input_shape=(28, 28)), Dense(64.), Dense(10, activation='softmax')])";
    const errors = parseModelFile(text, 'model.py').diagnostics.filter((diagnostic) => diagnostic.severity === 'error');

    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /64\./);
  });
});
