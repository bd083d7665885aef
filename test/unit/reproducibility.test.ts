/**
 * A run is determined by its spec, its seed and its backend: the same three give the same
 * numbers bit for bit, so a class can compare heatmaps and a student can repeat a run.
 */
import * as assert from 'node:assert/strict';
import type { ModelSpec } from '../../src/common/modelSpec';
import type { EpochLogs, StatisticsSample } from '../../src/common/statistics';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { train } from '../../src/trainer/train';
import { dense, layer, messagesOfType, modelSpec, trainOptions } from '../helpers/modelSpecs';

/** What a run produces apart from timing: `seconds` is wall-clock time and differs on every run. */
interface RunRecord {
  readonly samples: readonly StatisticsSample[];
  readonly epochLogs: readonly Omit<EpochLogs, 'seconds'>[];
  readonly evaluation: unknown;
}

/**
 * Sigmoid and ReLU layers, Dropout (which draws masks from the seed) and Adam (which keeps
 * state across steps), so that every seeded stream and every kind of statistic is exercised.
 */
function reproducibilitySpec(): ModelSpec {
  return modelSpec(
    [
      layer('InputLayer', 'input_layer', { input_shape: [28, 28] }, 2),
      layer('Flatten', 'flatten', {}, 3),
      dense(0, 48, 'sigmoid'),
      layer('Dropout', 'dropout', { rate: 0.25 }, 5),
      dense(1, 32, 'relu'),
      dense(2, 10, 'softmax'),
    ],
    { optimizer: { className: 'Adam', learningRate: 0.001 }, fit: { epochs: 2, validationSplit: 0.2 } },
  );
}

async function trainRecord(seed: number): Promise<RunRecord> {
  const messages: TrainerToHost[] = [];
  await train(
    reproducibilitySpec(),
    // 1,000 examples: 800 training in 25 batches per epoch, every batch sampled.
    trainOptions({ seed, trainLimit: 1000, testLimit: 300, samplesPerEpoch: 25 }),
    (message) => messages.push(message),
    () => false,
  );
  return {
    samples: messagesOfType(messages, 'sample').map((message) => message.sample),
    epochLogs: messagesOfType(messages, 'epoch').map(({ logs }) => {
      const { seconds: _seconds, ...rest } = logs;
      return rest;
    }),
    evaluation: messagesOfType(messages, 'evaluation')[0]?.evaluation,
  };
}

/**
 * Lists every number of `value` with its path, as the exact bits of the double (NaN and
 * -0 included), so the comparison cannot pass on values that only look equal when printed.
 */
function numberBits(value: unknown, path = '$', out: string[] = []): string[] {
  if (typeof value === 'number') {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value);
    out.push(`${path}=${view.getBigUint64(0).toString(16)}`);
  } else if (Array.isArray(value)) {
    value.forEach((entry, index) => numberBits(entry, `${path}[${index}]`, out));
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value).sort()) {
      numberBits((value as Record<string, unknown>)[key], `${path}.${key}`, out);
    }
  } else {
    out.push(`${path}=${String(value)}`);
  }
  return out;
}

/** The first entries where two bit lists differ, for a readable failure. */
function firstDifferences(expected: readonly string[], actual: readonly string[], limit = 5): string[] {
  const differences: string[] = [];
  for (let index = 0; index < Math.max(expected.length, actual.length) && differences.length < limit; index++) {
    if (expected[index] !== actual[index]) {
      differences.push(`${expected[index]} vs ${actual[index]}`);
    }
  }
  return differences;
}

describe('reproducibility on wasm', function () {
  this.timeout(300_000);

  let first: RunRecord;
  let repeat: RunRecord;
  let otherSeed: RunRecord;

  before(async () => {
    first = await trainRecord(7);
    repeat = await trainRecord(7);
    otherSeed = await trainRecord(8);
  });

  it('run samples every step of both epochs', () => {
    assert.equal(first.samples.length, 50);
    assert.equal(first.epochLogs.length, 2);
  });

  it('same seed repeats statistics samples bit for bit', () => {
    const expected = numberBits(first.samples);
    const actual = numberBits(repeat.samples);
    assert.deepEqual(firstDifferences(expected, actual), []);
    assert.equal(actual.length, expected.length);
  });

  it('same seed repeats epoch logs bit for bit', () => {
    assert.deepEqual(firstDifferences(numberBits(first.epochLogs), numberBits(repeat.epochLogs)), []);
  });

  it('same seed repeats the test evaluation', () => {
    assert.deepEqual(firstDifferences(numberBits(first.evaluation), numberBits(repeat.evaluation)), []);
  });

  it('other seed gives other statistics samples', () => {
    assert.notDeepEqual(numberBits(otherSeed.samples), numberBits(first.samples));
  });

  it('other seed gives other epoch logs', () => {
    assert.notDeepEqual(numberBits(otherSeed.epochLogs), numberBits(first.epochLogs));
  });
});
