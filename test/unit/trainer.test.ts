import * as assert from 'node:assert/strict';
import type { ModelSpec } from '../../src/common/modelSpec';
import type { TrainerToHost, TrainOptions } from '../../src/common/trainerProtocol';
import { TrainerError } from '../../src/trainer/errors';
import { loadTensorFlow, type Tf } from '../../src/trainer/tensorflow';
import { train } from '../../src/trainer/train';
import { deepMnistSpec, dense, layer, messagesOfType, modelSpec, trainOptions, WASM_DIR } from '../helpers/modelSpecs';

/** 2,000 training examples: 1,600 after the split, 50 batches of 32 per epoch. */
const SMALL: Partial<TrainOptions> = { trainLimit: 2000, testLimit: 500, samplesPerEpoch: 5 };

async function run(
  spec: ModelSpec,
  options: Partial<TrainOptions> = {},
  isStopRequested: (messages: readonly TrainerToHost[]) => boolean = () => false,
): Promise<TrainerToHost[]> {
  const messages: TrainerToHost[] = [];
  await train(spec, trainOptions({ ...SMALL, ...options }), (message) => messages.push(message), () => isStopRequested(messages));
  return messages;
}

async function runError(spec: ModelSpec, options: Partial<TrainOptions> = {}): Promise<TrainerError> {
  try {
    await run(spec, options);
  } catch (error) {
    assert.ok(error instanceof TrainerError, `expected a TrainerError, got ${String(error)}`);
    return error;
  }
  assert.fail('training succeeded');
}

describe('trainer', () => {
  let tf: Tf;

  before(async () => {
    ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
  });

  describe('a two-epoch run of the sigmoid model', () => {
    let messages: TrainerToHost[];
    let tensorsBefore: number;
    let tensorsAfter: number;
    let elapsedMs: number;

    before(async () => {
      tensorsBefore = tf.memory().numTensors;
      const started = Date.now();
      messages = await run(deepMnistSpec('sigmoid', { fit: { epochs: 2 } }));
      elapsedMs = Date.now() - started;
      tensorsAfter = tf.memory().numTensors;
    });

    it('reports backend, dataset and start before any step', () => {
      assert.deepEqual(
        messages.slice(0, 3).map((message) => message.type),
        ['backend', 'dataset', 'trainingStarted'],
      );
    });

    it('ends with the test evaluation and finished', () => {
      assert.deepEqual(
        messages.slice(-2).map((message) => message.type),
        ['evaluation', 'finished'],
      );
      assert.deepEqual(messages[messages.length - 1], { type: 'finished', stopped: false });
    });

    it('reports the wasm backend', () => {
      assert.deepEqual(messagesOfType(messages, 'backend')[0], { type: 'backend', backend: 'wasm', fallbacks: [] });
    });

    it('splits 2,000 examples into 1,600 training and 400 validation', () => {
      const [dataset] = messagesOfType(messages, 'dataset');

      assert.equal(dataset.trainExamples, 1600);
      assert.equal(dataset.validationExamples, 400);
      assert.equal(dataset.testExamples, 500);
    });

    it('tracks the seven Dense layers with their source lines', () => {
      const [started] = messagesOfType(messages, 'trainingStarted');

      assert.deepEqual(
        started.layers.map((tracked) => [tracked.name, tracked.specIndex, tracked.line, tracked.units]),
        [
          ['dense', 2, 4, 64],
          ['dense_1', 3, 5, 128],
          ['dense_2', 4, 6, 256],
          ['dense_3', 5, 7, 256],
          ['dense_4', 6, 8, 168],
          ['dense_5', 7, 9, 64],
          ['dense_6', 8, 10, 10],
        ],
      );
      assert.equal(started.stepsPerEpoch, 50);
      assert.equal(started.seed, 1234);
    });

    it('samples five steps per epoch including the first and last', () => {
      const samples = messagesOfType(messages, 'sample').map((message) => message.sample);

      assert.deepEqual(
        samples.map((sample) => [sample.epoch, sample.batch, sample.step]),
        [
          [0, 0, 0], [0, 12, 12], [0, 25, 25], [0, 37, 37], [0, 49, 49],
          [1, 0, 50], [1, 12, 62], [1, 25, 75], [1, 37, 87], [1, 49, 99],
        ],
      );
      assert.ok(samples.every((sample) => sample.layers.length === 7));
    });

    it('shows the vanishing gradient toward the input', () => {
      const [first] = messagesOfType(messages, 'sample').map((message) => message.sample);

      assert.ok(first.layers[0].weightGradNorm < first.layers[6].weightGradNorm / 100);
    });

    it('reports each epoch with validation metrics', () => {
      const logs = messagesOfType(messages, 'epoch').map((message) => message.logs);

      assert.deepEqual(logs.map((log) => log.epoch), [0, 1]);
      assert.ok(logs.every((log) => Number.isFinite(log.valLoss) && Number.isFinite(log.valAccuracy)));
      assert.ok(logs.every((log) => log.seconds > 0));
    });

    it('sends progress at most every 100 ms', () => {
      const progress = messagesOfType(messages, 'progress');

      // One per 100 ms, plus the forced last batch of each of the two epochs.
      assert.ok(progress.length <= Math.ceil(elapsedMs / 100) + 2, `${progress.length} messages in ${elapsedMs} ms`);
    });

    it('reports the last batch of every epoch as progress', () => {
      const progress = messagesOfType(messages, 'progress');

      assert.ok(progress.some((message) => message.epoch === 0 && message.batch === 49));
      assert.ok(progress.some((message) => message.epoch === 1 && message.batch === 49));
    });

    it('evaluates on the test examples', () => {
      const [evaluation] = messagesOfType(messages, 'evaluation');

      assert.equal(evaluation.evaluation.examples, 500);
      assert.ok(evaluation.evaluation.accuracy >= 0);
      assert.ok(evaluation.evaluation.accuracy <= 1);
    });

    it('leaves no tensors behind', () => {
      assert.equal(tensorsAfter, tensorsBefore);
    });
  });

  it('repeats a run exactly with the same seed', async () => {
    const losses = async (): Promise<number[]> =>
      messagesOfType(await run(deepMnistSpec('relu'), { trainLimit: 500 }), 'sample').map((message) => message.sample.loss);

    assert.deepEqual(await losses(), await losses());
  });

  it('draws and reports a seed when none is given', async () => {
    const messages = await run(deepMnistSpec('relu'), { trainLimit: 200, seed: null });

    const [started] = messagesOfType(messages, 'trainingStarted');
    assert.ok(Number.isInteger(started.seed));
    assert.ok(started.seed >= 0);
  });

  it('caps epochs at the maximum and says so', async () => {
    const messages = await run(deepMnistSpec('relu', { fit: { epochs: 20 } }), { trainLimit: 200, maxEpochs: 2 });

    assert.equal(messagesOfType(messages, 'epoch').length, 2);
    assert.equal(messagesOfType(messages, 'trainingStarted')[0].epochs, 2);
    assert.ok(messagesOfType(messages, 'log').some((log) => /20 epochs.*after 2/.test(log.message)));
  });

  it('stops after the current batch', async () => {
    const tensorsBefore = tf.memory().numTensors;

    const messages = await run(deepMnistSpec('sigmoid', { fit: { epochs: 5 } }), {}, (sent) =>
      sent.some((message) => message.type === 'sample'),
    );

    assert.equal(messagesOfType(messages, 'sample').length, 1);
    assert.equal(messagesOfType(messages, 'evaluation').length, 0);
    assert.deepEqual(messages[messages.length - 1], { type: 'finished', stopped: true });
    assert.equal(tf.memory().numTensors, tensorsBefore);
  });

  it('categorical loss equals sparse loss', async () => {
    const sparse = await run(deepMnistSpec('relu'), { trainLimit: 300 });
    const categorical = await run(
      deepMnistSpec('relu', { compile: { loss: 'categorical_crossentropy' }, dataset: { oneHotLabels: true } }),
      { trainLimit: 300 },
    );

    assert.deepEqual(messagesOfType(categorical, 'epoch')[0].logs.loss, messagesOfType(sparse, 'epoch')[0].logs.loss);
  });

  it('trains Dropout and Activation layers', async () => {
    const spec = modelSpec([
      layer('Flatten', 'flatten', {}, 3),
      dense(0, 32, 'linear'),
      layer('Activation', 'activation', { activation: 'tanh' }, 5),
      layer('Dropout', 'dropout', { rate: 0.5 }, 6),
      dense(1, 10, 'softmax'),
    ]);
    const tensorsBefore = tf.memory().numTensors;

    const messages = await run(spec, { trainLimit: 300 });

    const [started] = messagesOfType(messages, 'trainingStarted');
    assert.deepEqual(started.layers.map((tracked) => [tracked.className, tracked.activation, tracked.hasWeights]), [
      ['Dense', 'linear', true],
      ['Activation', 'tanh', false],
      ['Dense', 'softmax', true],
    ]);
    const [sample] = messagesOfType(messages, 'sample');
    assert.ok(Number.isNaN(sample.sample.layers[1].weightGradNorm));
    assert.ok(sample.sample.layers[1].saturatedFraction !== null);
    assert.equal(tf.memory().numTensors, tensorsBefore);
  });

  it('reports NaN accuracy without the metric', async () => {
    const messages = await run(deepMnistSpec('relu', { compile: { metrics: [] } }), { trainLimit: 200 });

    assert.ok(Number.isNaN(messagesOfType(messages, 'epoch')[0].logs.accuracy));
  });

  describe('failures', () => {
    it('names the layer whose units are invalid', async () => {
      const error = await runError(modelSpec([layer('Flatten', 'flatten'), dense(0, 0, 'relu'), dense(1, 10, 'softmax')]));

      assert.equal(error.layerIndex, 1);
      assert.match(error.message, /dense.*positive whole number of units/);
    });

    it('names the layer with an unsupported activation', async () => {
      const error = await runError(modelSpec([layer('Flatten', 'flatten'), dense(0, 10, 'hard_sigmoid')]));

      assert.equal(error.layerIndex, 1);
      assert.match(error.message, /hard_sigmoid/);
    });

    it('rejects an output of other than ten classes', async () => {
      const error = await runError(modelSpec([dense(0, 64, 'relu'), dense(1, 10, 'softmax')]));

      assert.equal(error.layerIndex, 1);
      assert.match(error.message, /\(None, 28, 10\)/);
    });

    it('rejects categorical_crossentropy on class-number labels', async () => {
      const error = await runError(deepMnistSpec('relu', { compile: { loss: 'categorical_crossentropy' } }));

      assert.match(error.message, /to_categorical/);
    });

    it('rejects an input shape that is not 784 pixels', async () => {
      const error = await runError(deepMnistSpec('relu', { inputShape: [32, 32] }));

      assert.equal(error.layerIndex, 0);
      assert.match(error.message, /28×28/);
    });

    it('frees a half-built model', async () => {
      const tensorsBefore = tf.memory().numTensors;

      await runError(modelSpec([layer('Flatten', 'flatten'), dense(0, 16, 'relu'), dense(1, 10, 'nonsense')]));

      assert.equal(tf.memory().numTensors, tensorsBefore);
    });
  });

  describe('backends', () => {
    after(async () => {
      await loadTensorFlow('wasm', WASM_DIR);
    });

    it('falls back from tfjs-node to wasm and says why', async () => {
      const loaded = await loadTensorFlow('auto', WASM_DIR);

      assert.equal(loaded.backend, 'wasm');
      assert.deepEqual(loaded.fallbacks, [{ backend: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed.' }]);
    });

    it('falls back to cpu when the wasm binaries are missing', async () => {
      const loaded = await loadTensorFlow('wasm', '/nonexistent-wasm-folder');

      assert.equal(loaded.backend, 'cpu');
      assert.match(loaded.fallbacks[0].reason, /tfjs-backend-wasm\.wasm.*not found in \/nonexistent-wasm-folder/);
    });

    it('trains on the cpu backend', async () => {
      const messages = await run(deepMnistSpec('relu'), { backend: 'cpu', trainLimit: 200 });

      assert.equal(messagesOfType(messages, 'backend')[0].backend, 'cpu');
      assert.equal(messagesOfType(messages, 'finished').length, 1);
    });
  });
});
