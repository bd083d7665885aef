import * as assert from 'node:assert/strict';
import type { ModelSpec, ParseResult } from '../../src/common/modelSpec';
import { parseModelFile } from '../../src/parser';
import { buildModel, disposeModel, forward, type BuiltModel } from '../../src/trainer/model';
import { createRandom } from '../../src/trainer/random';
import { loadTensorFlow, type Tf } from '../../src/trainer/tensorflow';
import { train } from '../../src/trainer/train';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { dense, layer, messagesOfType, modelSpec, trainOptions, WASM_DIR } from '../helpers/modelSpecs';

/** Returns a list-style model whose middle layer is `batchNormalization`, on bare Keras names. */
function scriptWith(batchNormalization: string): string {
  return [
    'model = Sequential([',
    '    Flatten(input_shape=(28, 28)),',
    "    Dense(32, activation='relu'),",
    `    ${batchNormalization},`,
    "    Dense(10, activation='softmax'),",
    '])',
    "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy'])",
    'model.fit(x_train, y_train, epochs=1)',
    '',
  ].join('\n');
}

function parse(text: string): ParseResult {
  return parseModelFile(text, 'model.py');
}

describe('BatchNormalization', () => {
  describe('parser', () => {
    it('reads Keras defaults and the auto-name', () => {
      const spec = parse(scriptWith('BatchNormalization()')).spec;

      assert.ok(spec);
      assert.deepEqual(spec.layers[2], {
        className: 'BatchNormalization',
        name: 'batch_normalization',
        config: { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true },
        range: { startLine: 3, startCharacter: 4, endLine: 3, endCharacter: 24 },
      });
    });

    it('reads momentum, epsilon, center and scale', () => {
      const spec = parse(scriptWith('BatchNormalization(-1, 0.9, 1e-5, False, scale=False)')).spec;

      assert.deepEqual(spec?.layers[2].config, { axis: -1, momentum: 0.9, epsilon: 1e-5, center: false, scale: false });
    });

    it('reads the layer through keras.layers', () => {
      const text = `import keras\n${scriptWith('keras.layers.BatchNormalization()')}`;

      assert.equal(parse(text).spec?.layers[2].className, 'BatchNormalization');
    });

    it('accepts axis=1, the last axis after Dense', () => {
      const result = parse(scriptWith('BatchNormalization(axis=1)'));

      assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
      assert.equal(result.spec?.layers[2].config.axis, 1);
    });

    it('rejects an axis outside its input', () => {
      const result = parse(scriptWith('BatchNormalization(axis=5)'));

      assert.equal(result.spec, undefined);
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map((d) => [d.code, d.range.startLine]), [['shape-mismatch', 3]]);
      assert.match(errors[0].message, /axis=5, which is not an axis of its input shape \(None, 32\)/);
    });

    it('rejects a momentum above 1', () => {
      const result = parse(scriptWith('BatchNormalization(momentum=1.5)'));

      assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['invalid-value']);
    });
  });

  describe('trainer', () => {
    let tf: Tf;
    const models: BuiltModel[] = [];

    before(async () => {
      ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
    });

    afterEach(() => {
      models.splice(0).forEach(disposeModel);
    });

    /** Flatten on a (4,) input, then BatchNormalization and the 10-way output. */
    function build(config: Record<string, unknown> = {}): BuiltModel {
      const spec: ModelSpec = modelSpec(
        [
          layer('Flatten', 'flatten', {}, 1),
          layer('BatchNormalization', 'batch_normalization', { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true, ...config }, 2),
          dense(0, 10, 'softmax'),
        ],
        { inputShape: [4] },
      );
      const model = buildModel(tf, spec, createRandom(7), () => undefined);
      models.push(model);
      return model;
    }

    /** Output of the BatchNormalization layer alone for `rows`, a batch of 4-feature examples. */
    function normalize(model: BuiltModel, rows: number[][], training: boolean): number[][] {
      const normalizationOnly: BuiltModel = { ...model, layers: model.layers.slice(0, 2) };
      return tf.tidy(() => forward(tf, normalizationOnly, tf.tensor2d(rows), { training }).arraySync() as number[][]);
    }

    function movingValues(model: BuiltModel): { mean: number[]; variance: number[] } {
      const parts = model.layers[1].batchNormalization;
      assert.ok(parts);
      return { mean: [...(parts.movingMean.dataSync() as Float32Array)], variance: [...(parts.movingVariance.dataSync() as Float32Array)] };
    }

    const BATCH = [
      [1, 10, -3, 0.5],
      [3, 20, -1, 0.5],
      [5, 60, 2, 0.5],
    ];
    const means = [3, 30, -2 / 3, 0.5];
    const variances = BATCH[0].map((_, feature) => BATCH.reduce((sum, row) => sum + (row[feature] - means[feature]) ** 2, 0) / BATCH.length);

    it('normalizes with the batch mean and biased variance in training', () => {
      const output = normalize(build(), BATCH, true);

      BATCH.forEach((row, i) =>
        row.forEach((value, feature) => {
          const expected = (value - means[feature]) / Math.sqrt(variances[feature] + 0.001);
          assert.ok(Math.abs(output[i][feature] - expected) < 1e-4, `row ${i} feature ${feature}: ${output[i][feature]} vs ${expected}`);
        }),
      );
    });

    it('moves the moving averages by 1 − momentum', () => {
      const model = build({ momentum: 0.9 });

      normalize(model, BATCH, true);

      const moving = movingValues(model);
      moving.mean.forEach((value, feature) => assert.ok(Math.abs(value - 0.1 * means[feature]) < 1e-5, `mean ${feature}: ${value}`));
      moving.variance.forEach((value, feature) =>
        assert.ok(Math.abs(value - (0.9 + 0.1 * variances[feature])) < 1e-4, `variance ${feature}: ${value}`),
      );
    });

    it('normalizes with the moving averages in inference', () => {
      const model = build();

      const output = normalize(model, BATCH, false);

      assert.deepEqual(movingValues(model), { mean: [0, 0, 0, 0], variance: [1, 1, 1, 1] });
      BATCH.forEach((row, i) =>
        row.forEach((value, feature) => assert.ok(Math.abs(output[i][feature] - value / Math.sqrt(1.001)) < 1e-4)),
      );
    });

    it('leaves out β with center=False', () => {
      const model = build({ center: false });

      assert.equal(model.layers[1].batchNormalization?.beta, undefined);
      assert.equal(model.tracked[0].bias, undefined);
      assert.ok(model.tracked[0].kernel);
    });

    it('trains γ and β but not the moving averages', () => {
      const model = build();
      const parts = model.layers[1].batchNormalization;

      assert.ok(parts?.gamma);
      assert.ok(parts.beta);
      assert.ok(model.trainableVariables.includes(parts.gamma));
      assert.ok(model.trainableVariables.includes(parts.beta));
      assert.ok(!model.trainableVariables.includes(parts.movingMean));
      assert.ok(!model.trainableVariables.includes(parts.movingVariance));
    });

    it('gets a heatmap row with its γ gradient', async () => {
      const spec = modelSpec([
        layer('Flatten', 'flatten', {}, 3),
        dense(0, 32, 'sigmoid'),
        layer('BatchNormalization', 'batch_normalization', {}, 5),
        dense(1, 10, 'softmax'),
      ], { optimizer: { learningRate: 0.1 } });
      const tensorsBefore = tf.memory().numTensors;
      const messages: TrainerToHost[] = [];

      await train(spec, trainOptions({ trainLimit: 3000, testLimit: 500, samplesPerEpoch: 3 }), (message) => messages.push(message), () => false);

      const [started] = messagesOfType(messages, 'trainingStarted');
      assert.deepEqual(
        started.layers.map((tracked) => [tracked.className, tracked.name, tracked.units, tracked.hasWeights, tracked.line]),
        [
          ['Dense', 'dense', 32, true, 4],
          ['BatchNormalization', 'batch_normalization', 32, true, 5],
          ['Dense', 'dense_1', 10, true, 5],
        ],
      );
      const statistics = messagesOfType(messages, 'sample').map((message) => message.sample.layers[1]);
      assert.ok(statistics.every((layerStatistics) => layerStatistics.weightGradNorm > 0 && Number.isFinite(layerStatistics.weightGradNorm)));
      assert.ok(statistics.every((layerStatistics) => layerStatistics.biasGradNorm > 0));
      const [evaluation] = messagesOfType(messages, 'evaluation');
      assert.ok(evaluation.evaluation.accuracy > 0.4, `test accuracy ${evaluation.evaluation.accuracy}`);
      assert.equal(tf.memory().numTensors, tensorsBefore);
    });
  });
});
