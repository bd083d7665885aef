import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FixKind } from '../../src/common/findings';
import type { LayerSpec, ModelSpec, ParseResult } from '../../src/common/modelSpec';
import { applySourceEdits, computeFix } from '../../src/editor/fixes';
import { parseModelFile } from '../../src/parser';

const ROOT = path.resolve(__dirname, '..', '..');
const SEED_MODEL = readFileSync(path.join(ROOT, 'test/fixtures/parser/seed_model.py'), 'utf8');
const DEEP_SIGMOID = readFileSync(path.join(ROOT, 'examples/deep_sigmoid.py'), 'utf8');

/** A list-style Sequential with one item per line, a comment, and a trailing comma. */
const LIST_MODEL = [
  'import tensorflow as tf',
  '',
  'model = tf.keras.Sequential([',
  '    tf.keras.layers.Flatten(input_shape=(28, 28)),',
  "    tf.keras.layers.Dense(128, activation='tanh'),  # first hidden layer",
  "    tf.keras.layers.Dense(64, activation='tanh'),",
  "    tf.keras.layers.Dense(10, activation='softmax'),",
  '])',
  "model.compile(optimizer=tf.keras.optimizers.Adam(), loss='sparse_categorical_crossentropy', metrics=['accuracy'])",
  'model.fit(x_train, y_train, epochs=3)',
  '',
].join('\n');

function parse(text: string): ParseResult {
  return parseModelFile(text, 'model.py');
}

function specOf(text: string): ModelSpec {
  const result = parse(text);
  assert.ok(result.spec, result.diagnostics.map((d) => `${d.code} line ${d.range.startLine + 1}: ${d.message}`).join('\n'));
  return result.spec;
}

interface Fixed {
  readonly text: string;
  readonly before: ModelSpec;
  readonly after: ModelSpec;
  readonly result: ParseResult;
}

/** Applies `fix` to `text` and parses the result back. */
function applyFix(fix: FixKind, text: string): Fixed {
  const before = specOf(text);
  const edit = computeFix(fix, text, before);
  assert.ok(edit, `${fix} offers no edit`);
  const fixedText = applySourceEdits(text, edit.edits);
  const result = parse(fixedText);
  assert.ok(result.spec, `the fixed file does not parse:\n${fixedText}`);
  return { text: fixedText, before, after: result.spec, result };
}

/** Returns the layers without their source ranges, which edits move. */
function layerShapes(layers: readonly LayerSpec[]): [string, string, Readonly<Record<string, unknown>>][] {
  return layers.map((layer) => [layer.className, layer.name, layer.config]);
}

/** Returns the spec without any source range, for comparing a file before and after an edit. */
function withoutRanges(spec: ModelSpec): unknown {
  return JSON.parse(JSON.stringify(spec, (key, value: unknown) => (key === 'range' || key.endsWith('Range') ? undefined : value)));
}

/** Lines of `after` that `before` does not have, in order. */
function addedLines(before: string, after: string): string[] {
  const original = new Set(before.split(/\r?\n/));
  return after.split(/\r?\n/).filter((line) => !original.has(line));
}

function warningsOf(result: ParseResult): string[] {
  return result.diagnostics.filter((d) => d.severity !== 'information').map((d) => d.code);
}

/** Keras config of a hidden Dense layer after the ReLU fix. */
function reluConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { ...config, activation: 'relu', kernel_initializer: 'he_uniform' };
}

const BATCH_NORMALIZATION_CONFIG = { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true };

/** Returns the layers with a default BatchNormalization after each of `after` (indexes into `layers`). */
function withBatchNormalization(layers: readonly LayerSpec[], after: readonly number[]): [string, string, Readonly<Record<string, unknown>>][] {
  let count = 0;
  return layers.flatMap((layer, index) => {
    const shapes: [string, string, Readonly<Record<string, unknown>>][] = [[layer.className, layer.name, layer.config]];
    if (after.includes(index)) {
      shapes.push(['BatchNormalization', count === 0 ? 'batch_normalization' : `batch_normalization_${count}`, BATCH_NORMALIZATION_CONFIG]);
      count++;
    }
    return shapes;
  });
}

describe('quick fix edits', () => {
  describe('ReLU hidden activations', () => {
    it('seed model hidden layers become relu', () => {
      const { before, after } = applyFix('reluHiddenActivations', SEED_MODEL);

      const expected = before.layers.map((layer, index) =>
        layer.className === 'Dense' && index < before.layers.length - 1 ? reluConfig(layer.config) : layer.config,
      );
      assert.deepEqual(after.layers.map((layer) => layer.config), expected);
    });

    it('seed model keeps its own spacing', () => {
      const { text } = applyFix('reluHiddenActivations', SEED_MODEL);

      assert.deepEqual(addedLines(SEED_MODEL, text), [
        "model.add(Dense(units = 64, activation ='relu', kernel_initializer ='he_uniform'))",
        "model.add(Dense(units = 128, activation = 'relu', kernel_initializer = 'he_uniform'))",
        "model.add(Dense(units = 256, activation ='relu', kernel_initializer ='he_uniform'))",
        "model.add(Dense(units = 256, activation = 'relu', kernel_initializer = 'he_uniform'))",
        "model.add(Dense(units = 168, activation ='relu', kernel_initializer ='he_uniform'))",
        "model.add(Dense(units = 64, activation = 'relu', kernel_initializer = 'he_uniform'))",
      ]);
    });

    it('seed model output layer stays softmax', () => {
      const { after } = applyFix('reluHiddenActivations', SEED_MODEL);

      assert.deepEqual(after.layers[after.layers.length - 1].config, { units: 10, activation: 'softmax', use_bias: true, kernel_initializer: 'glorot_uniform', bias_initializer: 'zeros' });
    });

    it('deep_sigmoid example becomes relu_fix', () => {
      const relu = specOf(readFileSync(path.join(ROOT, 'examples/relu_fix.py'), 'utf8'));

      const { after } = applyFix('reluHiddenActivations', DEEP_SIGMOID);

      assert.deepEqual(layerShapes(after.layers), layerShapes(relu.layers));
    });

    it('deep_sigmoid example changes nothing else', () => {
      const { before, after } = applyFix('reluHiddenActivations', DEEP_SIGMOID);

      assert.deepEqual(withoutRanges({ ...after, layers: [] }), withoutRanges({ ...before, layers: [] }));
    });

    it('list model tanh layers become relu', () => {
      const { before, after } = applyFix('reluHiddenActivations', LIST_MODEL);

      assert.deepEqual(layerShapes(after.layers), [
        layerShapes(before.layers)[0],
        ['Dense', 'dense', reluConfig(before.layers[1].config)],
        ['Dense', 'dense_1', reluConfig(before.layers[2].config)],
        layerShapes(before.layers)[3],
      ]);
    });

    it('positional activation and double quotes are kept', () => {
      const text = SEED_MODEL.replace("Dense(units = 64, activation ='sigmoid')", 'Dense(64, "sigmoid")');

      const { text: fixedText } = applyFix('reluHiddenActivations', text);

      assert.ok(fixedText.includes('model.add(Dense(64, "relu", kernel_initializer="he_uniform"))'), fixedText);
    });

    it('existing kernel_initializer is replaced', () => {
      const text = DEEP_SIGMOID.replace("Dense(units=64, activation='sigmoid')", "Dense(units=64, kernel_initializer='glorot_normal', activation='sigmoid')");

      const { after } = applyFix('reluHiddenActivations', text);

      assert.equal(after.layers[2].config.kernel_initializer, 'he_uniform');
    });

    it('hidden Activation layer becomes relu', () => {
      const text = DEEP_SIGMOID.replace("model.add(Dense(units=64, activation='sigmoid'))", "model.add(Dense(units=64))\nmodel.add(Activation('sigmoid'))").replace(
        'import Dense, Flatten, InputLayer',
        'import Activation, Dense, Flatten, InputLayer',
      );

      const { after } = applyFix('reluHiddenActivations', text);

      assert.deepEqual(layerShapes(after.layers.slice(2, 4)), [
        ['Dense', 'dense', { units: 64, activation: 'linear', use_bias: true, kernel_initializer: 'he_uniform', bias_initializer: 'zeros' }],
        ['Activation', 'activation', { activation: 'relu' }],
      ]);
    });

    it('layer added in a loop is edited once', () => {
      const text = [
        'model = Sequential([Flatten(input_shape=(28, 28))])',
        'for units in [64, 128]:',
        "    model.add(Dense(units, activation='sigmoid'))",
        "model.add(Dense(10, activation='softmax'))",
        "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')",
        'model.fit(x_train, y_train)',
        '',
      ].join('\n');

      const { text: fixedText } = applyFix('reluHiddenActivations', text);

      assert.deepEqual(addedLines(text, fixedText), ["    model.add(Dense(units, activation='relu', kernel_initializer='he_uniform'))"]);
    });

    it('all-relu model offers no edit', () => {
      const text = readFileSync(path.join(ROOT, 'examples/relu_fix.py'), 'utf8');

      assert.equal(computeFix('reluHiddenActivations', text, specOf(text)), undefined);
    });

    it('keeps CRLF line breaks', () => {
      const text = DEEP_SIGMOID.replace(/\n/g, '\r\n');

      const { text: fixedText } = applyFix('reluHiddenActivations', text);

      assert.equal(fixedText.split('\r\n').length, text.split('\r\n').length);
      assert.ok(!/[^\r]\n/.test(fixedText));
    });
  });

  describe('insert BatchNormalization', () => {
    it('seed model gets one after each hidden Dense', () => {
      const { before, after } = applyFix('insertBatchNormalization', SEED_MODEL);

      assert.deepEqual(layerShapes(after.layers), withBatchNormalization(before.layers, [2, 3, 4, 5, 6, 7]));
    });

    it('seed model gets add calls without imports', () => {
      const { text } = applyFix('insertBatchNormalization', SEED_MODEL);

      assert.deepEqual(addedLines(SEED_MODEL, text), Array(6).fill('model.add(BatchNormalization())'));
      assert.ok(!/import/.test(text));
    });

    it('seed model line follows its Dense line', () => {
      const { text } = applyFix('insertBatchNormalization', SEED_MODEL);

      const lines = text.split('\n');
      const first = lines.indexOf("model.add(Dense(units = 64, activation ='sigmoid'))");
      assert.equal(lines[first + 1], 'model.add(BatchNormalization())');
    });

    it('deep_sigmoid example imports it beside Dense', () => {
      const { text, result } = applyFix('insertBatchNormalization', DEEP_SIGMOID);

      assert.ok(text.includes('from tensorflow.keras.layers import Dense, Flatten, InputLayer, BatchNormalization\n'));
      assert.deepEqual(warningsOf(result), []);
    });

    it('deep_sigmoid example reads back with six of them', () => {
      const { before, after } = applyFix('insertBatchNormalization', DEEP_SIGMOID);

      assert.deepEqual(layerShapes(after.layers), withBatchNormalization(before.layers, [2, 3, 4, 5, 6, 7]));
    });

    it('list model gets new items on their own lines', () => {
      const { text } = applyFix('insertBatchNormalization', LIST_MODEL);

      assert.deepEqual(text.split('\n').slice(3, 9), [
        '    tf.keras.layers.Flatten(input_shape=(28, 28)),',
        "    tf.keras.layers.Dense(128, activation='tanh'),  # first hidden layer",
        '    tf.keras.layers.BatchNormalization(),',
        "    tf.keras.layers.Dense(64, activation='tanh'),",
        '    tf.keras.layers.BatchNormalization(),',
        "    tf.keras.layers.Dense(10, activation='softmax'),",
      ]);
    });

    it('list model reads back with them', () => {
      const { before, after } = applyFix('insertBatchNormalization', LIST_MODEL);

      assert.deepEqual(layerShapes(after.layers), withBatchNormalization(before.layers, [1, 2]));
    });

    it('one-line list gets them inline', () => {
      const text = [
        'from tensorflow.keras import layers, models',
        "model = models.Sequential([layers.Flatten(input_shape=(28, 28)), layers.Dense(32, activation='sigmoid'), layers.Dense(10, activation='softmax')])",
        "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')",
        'model.fit(x_train, y_train)',
        '',
      ].join('\n');

      const { text: fixedText } = applyFix('insertBatchNormalization', text);

      assert.equal(
        fixedText.split('\n')[1],
        "model = models.Sequential([layers.Flatten(input_shape=(28, 28)), layers.Dense(32, activation='sigmoid'), layers.BatchNormalization(), layers.Dense(10, activation='softmax')])",
      );
    });

    it('indented add calls keep their indentation', () => {
      const text = [
        'def build():',
        '    net = Sequential()',
        '    net.add(Flatten(input_shape=(28, 28)))',
        "    net.add(Dense(32, activation='sigmoid'))",
        "    net.add(Dense(10, activation='softmax'))",
        '    return net',
        'model = build()',
        "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')",
        'model.fit(x_train, y_train)',
        '',
      ].join('\n');

      const { text: fixedText } = applyFix('insertBatchNormalization', text);

      assert.equal(fixedText.split('\n')[4], '    net.add(BatchNormalization())');
    });

    it('existing BatchNormalization is not doubled', () => {
      const once = applyFix('insertBatchNormalization', SEED_MODEL).text;

      assert.equal(computeFix('insertBatchNormalization', once, specOf(once)), undefined);
    });

    it('layer held by a name offers no edit', () => {
      const text = SEED_MODEL.replace("model.add(Dense(units = 64, activation ='sigmoid'))", "first = Dense(units = 64, activation ='sigmoid')\nmodel.add(first)");

      assert.equal(computeFix('insertBatchNormalization', text, specOf(text)), undefined);
    });
  });

  describe('lower the learning rate', () => {
    it("seed model 'SGD' becomes SGD(learning_rate=0.001)", () => {
      const { text, after } = applyFix('lowerLearningRate', SEED_MODEL);

      assert.deepEqual(addedLines(SEED_MODEL, text), ['optimizer = SGD(learning_rate=0.001),']);
      assert.deepEqual(after.compile.optimizer, { className: 'SGD', learningRate: 0.001, momentum: 0, nesterov: false });
    });

    it('deep_sigmoid example imports SGD from the optimizers', () => {
      const { text, result } = applyFix('lowerLearningRate', DEEP_SIGMOID);

      assert.ok(text.includes('from tensorflow.keras.models import Sequential\nfrom tensorflow.keras.optimizers import SGD\n'), text);
      assert.deepEqual(warningsOf(result), []);
    });

    it('deep_sigmoid example keeps layers, loss and fit', () => {
      const { before, after } = applyFix('lowerLearningRate', DEEP_SIGMOID);

      const expected = { ...before, compile: { ...before.compile, optimizer: { ...before.compile.optimizer, learningRate: 0.001 } } };
      assert.deepEqual(withoutRanges(after), withoutRanges(expected));
    });

    it('list model Adam() gets learning_rate', () => {
      const { text, after } = applyFix('lowerLearningRate', LIST_MODEL);

      assert.ok(text.includes('optimizer=tf.keras.optimizers.Adam(learning_rate=0.0001)'), text);
      assert.equal(after.compile.optimizer.learningRate, 0.0001);
    });

    const OBJECT_CASES: readonly [string, string, number][] = [
      ['SGD(learning_rate=0.1, momentum=0.9)', 'SGD(learning_rate=0.01, momentum=0.9)', 0.01],
      ['SGD(0.05)', 'SGD(0.005)', 0.005],
      ['RMSprop(lr=1e-3)', 'RMSprop(lr=0.0001)', 0.0001],
    ];
    for (const [written, expected, rate] of OBJECT_CASES) {
      it(`${written} becomes ${expected}`, () => {
        const text = DEEP_SIGMOID.replace("optimizer='SGD'", `optimizer=${written}`).replace(
          'from tensorflow.keras.models import Sequential',
          'from tensorflow.keras.models import Sequential\nfrom tensorflow.keras.optimizers import SGD, RMSprop',
        );

        const fixed = applyFix('lowerLearningRate', text);

        assert.ok(fixed.text.includes(`optimizer=${expected}`), fixed.text);
        assert.equal(fixed.after.compile.optimizer.learningRate, rate);
      });
    }

    it('optimizer held by a name is edited where it is created', () => {
      const text = DEEP_SIGMOID.replace("model.compile(loss='sparse_categorical_crossentropy', optimizer='SGD',", "opt = 'SGD'\nmodel.compile(loss='sparse_categorical_crossentropy', optimizer=opt,");

      const { text: fixedText, after } = applyFix('lowerLearningRate', text);

      assert.ok(fixedText.includes('opt = SGD(learning_rate=0.001)\n'), fixedText);
      assert.equal(after.compile.optimizer.learningRate, 0.001);
    });

    it('compile without optimizer gets RMSprop at a tenth', () => {
      const text = DEEP_SIGMOID.replace("optimizer='SGD', ", '');

      const { text: fixedText, after } = applyFix('lowerLearningRate', text);

      assert.ok(fixedText.includes("model.compile(optimizer=RMSprop(learning_rate=0.0001), loss='sparse_categorical_crossentropy'"), fixedText);
      assert.deepEqual(after.compile.optimizer, { className: 'RMSprop', learningRate: 0.0001, momentum: 0, nesterov: false });
    });
  });

  describe('raise the learning rate', () => {
    it("seed model 'SGD' becomes SGD(learning_rate=0.1)", () => {
      const { after } = applyFix('raiseLearningRate', SEED_MODEL);

      assert.equal(after.compile.optimizer.learningRate, 0.1);
    });
  });

  describe('add gradient clipping', () => {
    it("seed model 'SGD' becomes SGD(clipnorm=1.0)", () => {
      const { text, after } = applyFix('addGradientClipping', SEED_MODEL);

      assert.deepEqual(addedLines(SEED_MODEL, text), ['optimizer = SGD(clipnorm=1.0),']);
      assert.deepEqual(after.compile.optimizer, { className: 'SGD', learningRate: 0.01, momentum: 0, nesterov: false, clipnorm: 1 });
    });

    it('deep_sigmoid example clips with its import added', () => {
      const { after, result } = applyFix('addGradientClipping', DEEP_SIGMOID);

      assert.equal(after.compile.optimizer.clipnorm, 1);
      assert.deepEqual(warningsOf(result), []);
    });

    it('list model Adam() gets clipnorm', () => {
      const { text } = applyFix('addGradientClipping', LIST_MODEL);

      assert.ok(text.includes('optimizer=tf.keras.optimizers.Adam(clipnorm=1.0)'), text);
    });

    it('optimizer object keeps its arguments', () => {
      const text = LIST_MODEL.replace('Adam()', 'Adam(learning_rate=0.01)');

      const { after } = applyFix('addGradientClipping', text);

      assert.deepEqual(after.compile.optimizer, { className: 'Adam', learningRate: 0.01, momentum: 0, nesterov: false, clipnorm: 1 });
    });

    it('clipvalue is replaced by clipnorm', () => {
      const text = LIST_MODEL.replace('Adam()', 'Adam(clipvalue=0.5)');

      const { text: fixedText } = applyFix('addGradientClipping', text);

      assert.ok(fixedText.includes('Adam(clipnorm=1.0)'), fixedText);
    });
  });

  describe('scale inputs', () => {
    it('raw pixels get divided after load_data', () => {
      const text = DEEP_SIGMOID.replace('x_train = x_train / 255.0\n', '').replace('x_test = x_test / 255.0\n', '');

      const { text: fixedText, after } = applyFix('scaleInputs', text);

      assert.ok(fixedText.includes('mnist.load_data()\nx_train = x_train / 255.0\nx_test = x_test / 255.0\n'), fixedText);
      assert.equal(after.dataset.pixelDivisor, 255);
    });

    it('scaled pixels offer no edit', () => {
      assert.equal(computeFix('scaleInputs', DEEP_SIGMOID, specOf(DEEP_SIGMOID)), undefined);
    });
  });
});
