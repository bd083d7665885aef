/**
 * Every classroom example under examples/ goes through the real path: the static parser
 * reads the file, and the trainer trains what it read on real data for a short run.
 * One example per architecture family: MLP, CNN, RNN, functional with a merge, and a
 * table dataset from scikit-learn.
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelSpec } from '../../src/common/modelSpec';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { inferLayerShapes, totalParameters } from '../../src/common/layerShapes';
import { parseModelFile } from '../../src/parser';
import { loadTensorFlow } from '../../src/trainer/tensorflow';
import { train } from '../../src/trainer/train';
import { messagesOfType, trainOptions, WASM_DIR } from '../helpers/modelSpecs';

const EXAMPLES_DIR = path.join(__dirname, '..', '..', 'examples');

interface ExpectedExample {
  /** Heatmap rows as `name · class`, in source order. */
  readonly rows: readonly string[];
  readonly dataset: ModelSpec['dataset']['name'];
  readonly topology: 'sequential' | 'functional';
  /** Total parameters as Keras's model.summary() counts them, worked out by hand from the layer sizes. */
  readonly parameters: number;
  /** True for the example whose learning rate is meant to blow up: its run stops on NaN. */
  readonly diverges?: boolean;
}

const EXPECTED: Readonly<Record<string, ExpectedExample>> = {
  'deep_sigmoid.py': {
    rows: ['dense Dense', 'dense_1 Dense', 'dense_2 Dense', 'dense_3 Dense', 'dense_4 Dense', 'dense_5 Dense', 'dense_6 Dense'],
    dataset: 'mnist',
    topology: 'sequential',
    parameters: 212_018,
  },
  'relu_fix.py': {
    rows: ['dense Dense', 'dense_1 Dense', 'dense_2 Dense', 'dense_3 Dense', 'dense_4 Dense', 'dense_5 Dense', 'dense_6 Dense'],
    dataset: 'mnist',
    topology: 'sequential',
    parameters: 212_018,
  },
  'exploding_lr.py': {
    rows: ['dense Dense', 'dense_1 Dense', 'dense_2 Dense', 'dense_3 Dense', 'dense_4 Dense', 'dense_5 Dense', 'dense_6 Dense'],
    dataset: 'mnist',
    topology: 'sequential',
    parameters: 212_018,
    diverges: true,
  },
  'cnn_mnist.py': {
    rows: ['conv2d Conv2D', 'conv2d_1 Conv2D', 'dense Dense'],
    dataset: 'mnist',
    topology: 'sequential',
    parameters: 12_810,
  },
  'lstm_mnist.py': { rows: ['lstm LSTM', 'dense Dense'], dataset: 'mnist', topology: 'sequential', parameters: 24_458 },
  'functional_merge.py': {
    rows: ['dense Dense', 'dense_1 Dense', 'dense_2 Dense', 'dense_3 Dense', 'dense_4 Dense', 'dense_5 Dense'],
    dataset: 'mnist',
    topology: 'functional',
    parameters: 165_130,
  },
  'moons.py': {
    rows: ['dense Dense', 'dense_1 Dense', 'dense_2 Dense'],
    dataset: 'make_moons',
    topology: 'sequential',
    parameters: 337,
  },
};

function parseExample(fileName: string): ModelSpec {
  const text = readFileSync(path.join(EXAMPLES_DIR, fileName), 'utf8');
  const result = parseModelFile(text, fileName);
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  assert.deepEqual(
    errors.map((diagnostic) => `${diagnostic.range.startLine + 1}: ${diagnostic.message}`),
    [],
    `${fileName} has parse errors`,
  );
  assert.ok(result.spec, `${fileName} gives no model`);
  return result.spec;
}

describe('classroom examples', () => {
  before(async () => {
    await loadTensorFlow('wasm', WASM_DIR);
  });

  it('each example has an expectation', () => {
    const files = readdirSync(EXAMPLES_DIR).filter((name) => name.endsWith('.py')).sort();
    assert.deepEqual(files, Object.keys(EXPECTED).sort());
  });

  for (const [fileName, expected] of Object.entries(EXPECTED)) {
    describe(fileName, () => {
      let spec: ModelSpec;
      let messages: TrainerToHost[];

      before(async function () {
        this.timeout(600_000);
        spec = parseExample(fileName);
        messages = [];
        // Two short epochs of 640 examples (20 batches of 32 at most) keep each run to seconds.
        await train(
          spec,
          trainOptions({ trainLimit: 640, testLimit: 200, maxEpochs: 2, samplesPerEpoch: 4 }),
          (message) => messages.push(message),
          () => false,
        );
      });

      it('parses to the expected model and dataset', () => {
        assert.equal(spec.topology ?? 'sequential', expected.topology);
        assert.equal(spec.dataset.name, expected.dataset);
      });

      it('has the parameter count Keras reports', () => {
        const inference = inferLayerShapes(spec);
        assert.equal(inference.error, undefined);
        assert.equal(totalParameters(inference), expected.parameters);
      });

      it('trains with one heatmap row per layer with weights or an activation', () => {
        const [started] = messagesOfType(messages, 'trainingStarted');
        assert.ok(started, 'no trainingStarted message');
        assert.deepEqual(
          started.layers.map((layer) => `${layer.name} ${layer.className}`),
          expected.rows,
        );
      });

      if (expected.diverges) {
        it('stops on the first NaN', () => {
          const stops = messagesOfType(messages, 'log').filter((log) => log.level === 'error');
          assert.equal(stops.length, 1, 'the diverging example did not stop once');
          assert.match(stops[0].message, /NaN or infinite/);
        });
        return;
      }

      it('finishes with a finite test evaluation', () => {
        const failures = messagesOfType(messages, 'failed');
        assert.deepEqual(failures, []);
        const [evaluation] = messagesOfType(messages, 'evaluation');
        assert.ok(evaluation, 'no evaluation message');
        assert.ok(Number.isFinite(evaluation.evaluation.loss), `test loss ${evaluation.evaluation.loss}`);
      });

      it('records finite statistics for every row', () => {
        const samples = messagesOfType(messages, 'sample');
        assert.ok(samples.length > 0, 'no statistics samples');
        const last = samples[samples.length - 1].sample;
        for (const [index, layer] of last.layers.entries()) {
          assert.ok(Number.isFinite(layer.outputGradNorm), `row ${index}: ‖∂L/∂output‖ is ${layer.outputGradNorm}`);
          assert.ok(Number.isFinite(layer.activationMean), `row ${index}: activation mean is ${layer.activationMean}`);
        }
      });
    });
  }
});
