import * as assert from 'node:assert/strict';
import type { EpochLogs, StatisticsSample } from '../../src/common/statistics';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { train } from '../../src/trainer/train';
import { deepMnistSpec, messagesOfType, trainOptions } from '../helpers/modelSpecs';

/** Trains the classroom model for one epoch on the full 48,000 / 12,000 split, on wasm. */
async function trainOneEpoch(hiddenActivation: string): Promise<{ samples: StatisticsSample[]; logs: EpochLogs }> {
  const messages: TrainerToHost[] = [];
  await train(
    deepMnistSpec(hiddenActivation, { fit: { epochs: 1 } }),
    trainOptions({ testLimit: 1000 }),
    (message) => messages.push(message),
    () => false,
  );
  return {
    samples: messagesOfType(messages, 'sample').map((message) => message.sample),
    logs: messagesOfType(messages, 'epoch')[0].logs,
  };
}

describe('classroom model on full MNIST', function () {
  // One epoch is 1,500 steps; about 10 s on wasm on a 2-core machine, allow for slower ones.
  this.timeout(600000);

  describe('with six sigmoid hidden layers', () => {
    let samples: StatisticsSample[];
    let logs: EpochLogs;

    before(async () => {
      ({ samples, logs } = await trainOneEpoch('sigmoid'));
    });

    it('weakens first-layer gradients over 100×', () => {
      const last = samples[samples.length - 1];
      const first = last.layers[0].weightGradNorm;
      const output = last.layers[last.layers.length - 1].weightGradNorm;

      assert.equal(last.batch, 1499);
      assert.ok(first * 100 < output, `first ${first}, output ${output}`);
    });

    it('stays below 20% validation accuracy', () => {
      assert.ok((logs.valAccuracy ?? 1) < 0.2, `validation accuracy ${logs.valAccuracy}`);
    });
  });

  describe('with ReLU hidden layers', () => {
    it('reaches 80% validation accuracy in one epoch', async () => {
      const { logs } = await trainOneEpoch('relu');

      assert.ok((logs.valAccuracy ?? 0) >= 0.8, `validation accuracy ${logs.valAccuracy}`);
    });
  });
});
