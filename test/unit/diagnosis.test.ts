/** The diagnosis rules on hand-made runs: edge cases, hysteresis, ordering and cost. */
import * as assert from 'node:assert/strict';
import type { FindingKind } from '../../src/common/findings';
import type { EpochLogs, StatisticsSample } from '../../src/common/statistics';
import { diagnose, locateNonFinite } from '../../src/diagnosis';
import { emptyRun } from '../../src/common/runState';
import { NAN_STATISTICS, syntheticRun, type SyntheticOptions } from '../fixtures/diagnosis/syntheticRuns';

const kindsOf = (options: SyntheticOptions): FindingKind[] => {
  const { spec, run } = syntheticRun(options);
  return diagnose(spec, run).map((finding) => finding.kind);
};

/**
 * Returns a sigmoid run stuck at chance whose first layer gets `ratio` times the output
 * layer's weight gradient, and whose second layer gets 1/100 of it.
 */
function vanishingRun(samples: number, ratio: (index: number) => number): SyntheticOptions {
  const gradientNorm = (layer: number, index: number): number => {
    if (layer === 0) {
      return 0.5 * ratio(index);
    }
    return layer === 1 ? 0.005 : 0.5;
  };
  return {
    samples,
    sample: (index) => ({ loss: 2.3, accuracy: 0.1, layer: (layer) => ({ weightGradNorm: gradientNorm(layer, index) }) }),
  };
}

/** Returns whether `kind` is found after each sample, diagnosing as the host does while training runs. */
function presence(options: SyntheticOptions, kind: FindingKind): boolean[] {
  const { spec, run } = syntheticRun(options);
  const present: boolean[] = [];
  for (let count = 1; count <= run.samples.length; count++) {
    present.push(diagnose(spec, { ...run, samples: run.samples.slice(0, count) }).some((finding) => finding.kind === kind));
  }
  return present;
}

function nanSample(sample: StatisticsSample, layers: number): StatisticsSample {
  return { ...sample, loss: NaN, layers: sample.layers.slice(0, layers).map((statistics) => ({ ...statistics, ...NAN_STATISTICS })) };
}

describe('diagnosis', () => {
  describe('edge cases', () => {
    it('finds nothing in an empty run', () => {
      const { spec } = syntheticRun({ samples: 0 });

      assert.deepEqual(diagnose(spec, emptyRun('model.py')), []);
    });

    it('finds nothing before the first sample', () => {
      assert.deepEqual(kindsOf({ samples: 0 }), []);
    });

    it('finds nothing in one healthy sample', () => {
      assert.deepEqual(kindsOf({ samples: 1 }), []);
    });

    it('finds nothing in a healthy run', () => {
      assert.deepEqual(kindsOf({ samples: 40 }), []);
    });

    it('ignores samples whose layer count does not match', () => {
      const { spec, run } = syntheticRun({ samples: 5 });
      const broken = { ...run, samples: run.samples.map((sample) => nanSample(sample, 2)) };

      assert.deepEqual(diagnose(spec, broken), []);
    });

    it('reports only NaN when everything is NaN', () => {
      const { spec, run } = syntheticRun({ samples: 30 });
      const nan = { ...run, samples: run.samples.map((sample) => nanSample(sample, sample.layers.length)) };

      assert.deepEqual(
        diagnose(spec, nan).map((finding) => finding.kind),
        ['nonFinite'],
      );
    });

    it('reports NaN in a single sample', () => {
      const { spec, run } = syntheticRun({ samples: 1 });
      const nan = { ...run, samples: [nanSample(run.samples[0], run.samples[0].layers.length)] };

      assert.deepEqual(
        diagnose(spec, nan).map((finding) => finding.kind),
        ['nonFinite'],
      );
    });
  });

  describe('non-finite values', () => {
    const bad = (step: number) => (index: number) =>
      index >= step
        ? { loss: 16, layer: (layer: number) => (layer >= 2 ? { gradNonFinite: 12, outputGradNorm: NaN, weightGradNorm: NaN } : { gradNonFinite: 3 }) }
        : {};

    it('names the first bad step, 1-based in the title', () => {
      const { spec, run } = syntheticRun({ samples: 8, sample: bad(5) });
      const [finding] = diagnose(spec, run);

      assert.equal(finding.firstStep, 500);
      assert.match(finding.title, /step 501/);
    });

    it('is an error', () => {
      const { spec, run } = syntheticRun({ samples: 8, sample: bad(5) });

      assert.equal(diagnose(spec, run)[0].severity, 'error');
    });

    it('names the layer nearest the output whose gradients broke', () => {
      const { spec, run } = syntheticRun({ samples: 8, sample: bad(5) });

      assert.deepEqual(diagnose(spec, run)[0].specIndexes, [spec.layers.findIndex((layer) => layer.name === 'dense_3')]);
    });

    it('offers a lower learning rate and clipping', () => {
      const { spec, run } = syntheticRun({ samples: 8, sample: bad(5) });

      assert.deepEqual(diagnose(spec, run)[0].fixes, ['lowerLearningRate', 'addGradientClipping']);
    });

    it('offers to scale raw pixels first', () => {
      const { spec, run } = syntheticRun({ samples: 8, pixelDivisor: 1, sample: bad(5) });

      assert.deepEqual(diagnose(spec, run)[0].fixes, ['scaleInputs', 'lowerLearningRate', 'addGradientClipping']);
    });

    it('does not count an overflowed norm of finite gradients', () => {
      const overflow = { layer: () => ({ weightGradNorm: Infinity, activationStd: Infinity }) };

      assert.deepEqual(kindsOf({ samples: 3, sample: () => overflow }), []);
    });
  });

  describe('locating a non-finite step', () => {
    const { run } = syntheticRun({ samples: 1 });
    const healthy = run.samples[0];
    const withLayers = (change: (layer: number) => object): StatisticsSample => ({
      ...healthy,
      layers: healthy.layers.map((statistics, layer) => ({ ...statistics, ...change(layer) })),
    });

    it('blames the first layer whose outputs overflowed', () => {
      const sample = withLayers((layer) => (layer >= 1 ? { activationMean: Infinity, gradNonFinite: 5 } : { gradNonFinite: 5 }));

      assert.deepEqual(locateNonFinite(sample), { trackedIndex: 1, cause: 'activations' });
    });

    it('blames the gradient nearest the output when the outputs are finite', () => {
      const sample = withLayers((layer) => (layer <= 2 ? { gradNonFinite: 5 } : {}));

      assert.deepEqual(locateNonFinite(sample), { trackedIndex: 2, cause: 'gradients' });
    });

    it('skips the output layer\'s infinite ∂L/∂p', () => {
      // The softmax layer's ∂L/∂p is +∞ on finite steps once a label's probability is below e^−88.
      const sample = withLayers((layer) => {
        if (layer === 3) {
          return { outputGradNorm: Infinity };
        }
        return layer === 1 ? { gradNonFinite: 5, outputGradNorm: Infinity } : {};
      });

      assert.deepEqual(locateNonFinite(sample), { trackedIndex: 1, cause: 'gradients' });
    });

    it('finds nothing for an infinite output ∂L/∂p', () => {
      const sample = withLayers((layer) => (layer === 3 ? { outputGradNorm: Infinity } : {}));

      assert.equal(locateNonFinite(sample), undefined);
    });

    it('blames the loss when only the loss is not finite', () => {
      assert.deepEqual(locateNonFinite({ ...healthy, loss: NaN }), { trackedIndex: 3, cause: 'loss' });
    });

    it('finds nothing in a finite step', () => {
      assert.equal(locateNonFinite(healthy), undefined);
    });
  });

  describe('vanishing gradients', () => {
    it('fires when the first layer gets 1/1000 of the output gradient at chance', () => {
      assert.deepEqual(kindsOf(vanishingRun(20, () => 1e-3)), ['vanishingGradients']);
    });

    it('names the layers below 3e-2 of the output, not the output layer', () => {
      const { spec, run } = syntheticRun(vanishingRun(20, () => 1e-3));

      assert.deepEqual(
        diagnose(spec, run)[0].specIndexes.map((index) => spec.layers[index].name),
        ['dense', 'dense_1'],
      );
    });

    it('waits for 9,600 training examples', () => {
      // Two samples of 100 steps each are 6,400 examples.
      assert.deepEqual(kindsOf(vanishingRun(3, () => 1e-3)), []);
    });

    it('stays silent while accuracy rises', () => {
      const options = vanishingRun(20, () => 1e-3);
      const learning = { ...options, sample: (index: number, count: number) => ({ ...options.sample?.(index, count), accuracy: 0.1 + index * 0.04 }) };

      assert.deepEqual(kindsOf(learning), []);
    });

    it('stays on while the ratio is back between 1e-2 and 3e-2', () => {
      const present = presence(vanishingRun(40, (index) => (index < 15 ? 0.5e-2 : 2e-2)), 'vanishingGradients');
      const first = present.indexOf(true);

      assert.ok(first >= 0, present.map(Number).join(''));
      assert.ok(first < 15, present.map(Number).join(''));
      assert.ok(present.slice(first).every(Boolean), present.map(Number).join(''));
    });

    it('switches off once the ratio is above 3e-2', () => {
      const present = presence(vanishingRun(40, (index) => (index < 15 ? 0.5e-2 : 5e-2)), 'vanishingGradients');

      assert.equal(present.at(-1), false);
    });

    it('keeps its first step as samples arrive', () => {
      const { spec, run } = syntheticRun(vanishingRun(30, () => 1e-3));
      const firstSteps = [20, 25, 30].map(
        (count) => diagnose(spec, { ...run, samples: run.samples.slice(0, count) })[0].firstStep,
      );

      assert.deepEqual(firstSteps, [firstSteps[0], firstSteps[0], firstSteps[0]]);
    });

    it('offers only batch normalization to a ReLU model', () => {
      const { spec, run } = syntheticRun({ ...vanishingRun(20, () => 1e-3), hiddenActivation: 'relu' });

      assert.deepEqual(diagnose(spec, run)[0].fixes, ['insertBatchNormalization']);
    });

    it('offers no relu to ReLU with BatchNormalization', () => {
      const { spec, run } = syntheticRun({ ...vanishingRun(20, () => 1e-3), hiddenActivation: 'relu', batchNormalization: true });

      assert.deepEqual(diagnose(spec, run)[0].fixes, ['insertBatchNormalization']);
    });

    it('offers no relu to an ELU model', () => {
      const { spec, run } = syntheticRun({ ...vanishingRun(20, () => 1e-3), hiddenActivation: 'elu' });

      assert.deepEqual(diagnose(spec, run)[0].fixes, ['insertBatchNormalization']);
    });

    it('offers relu to a tanh model', () => {
      const { spec, run } = syntheticRun({ ...vanishingRun(20, () => 1e-3), hiddenActivation: 'tanh' });

      assert.deepEqual(diagnose(spec, run)[0].fixes, ['reluHiddenActivations', 'insertBatchNormalization']);
    });

    it('compares Dense layers, not BatchNormalization', () => {
      const { spec, run } = syntheticRun({ ...vanishingRun(20, () => 1e-3), batchNormalization: true });
      const [finding] = diagnose(spec, run);

      assert.ok(finding.specIndexes.every((index) => spec.layers[index].className === 'Dense'), finding.specIndexes.join(', '));
    });
  });

  describe('exploding gradients', () => {
    it('fires when the backpropagated signal grows 20× toward the input', () => {
      const growing = { layer: (layer: number) => ({ outputGradNorm: layer < 3 ? 0.2 * 20 ** ((2 - layer) / 2) : 0.5 }) };

      assert.deepEqual(kindsOf({ samples: 10, sample: () => growing }), ['explodingGradients']);
    });

    it('fires when the gradients grow 1000× over time while the loss stays flat', () => {
      const overTime = (index: number) => ({ loss: 2.3, accuracy: 0.3, layer: () => ({ weightGradNorm: 0.5 * 10 ** (index / 5) }) });
      const { spec, run } = syntheticRun({ samples: 16, sample: overTime });
      const [finding] = diagnose(spec, run);

      assert.equal(finding.kind, 'explodingGradients');
      assert.match(finding.title, /grown/);
    });

    it('stays silent when the gradients grow 5× while the loss falls', () => {
      assert.deepEqual(kindsOf({ samples: 16, sample: (index) => ({ layer: () => ({ weightGradNorm: 0.5 * (1 + index / 4) }) }) }), []);
    });
  });

  describe('saturated activations', () => {
    const saturated = (fraction: number) => () => ({ layer: (layer: number) => (layer === 0 ? { saturatedFraction: fraction } : {}) });

    it('fires at 90% saturated outputs', () => {
      assert.deepEqual(kindsOf({ samples: 10, sample: saturated(0.9) }), ['saturatedActivations']);
    });

    it('stays silent at 50%', () => {
      assert.deepEqual(kindsOf({ samples: 10, sample: saturated(0.5) }), []);
    });

    it('offers to scale raw pixels', () => {
      const { spec, run } = syntheticRun({ samples: 10, pixelDivisor: 1, sample: saturated(0.9) });

      assert.deepEqual(diagnose(spec, run)[0].fixes, ['scaleInputs', 'insertBatchNormalization']);
    });
  });

  describe('dead ReLU', () => {
    const dead = (fraction: number, accuracy?: number) => () => ({
      accuracy,
      loss: accuracy === undefined ? undefined : 2.3,
      layer: (layer: number) => (layer === 1 ? { deadFraction: fraction } : {}),
    });

    it('fires at once when a layer is all dead', () => {
      assert.deepEqual(kindsOf({ samples: 6, hiddenActivation: 'relu', sample: dead(1) }), ['deadRelu']);
    });

    it('fires at 80% while training is stuck', () => {
      assert.deepEqual(kindsOf({ samples: 20, hiddenActivation: 'relu', sample: dead(0.8, 0.1) }), ['deadRelu']);
    });

    it('stays silent at 80% while training progresses', () => {
      assert.deepEqual(kindsOf({ samples: 20, hiddenActivation: 'relu', sample: dead(0.8) }), []);
    });

    it('offers a lower learning rate above the default', () => {
      const { spec, run } = syntheticRun({ samples: 6, hiddenActivation: 'relu', optimizer: { learningRate: 0.5 }, sample: dead(1) });

      assert.deepEqual(diagnose(spec, run)[0].fixes, ['lowerLearningRate', 'insertBatchNormalization']);
    });
  });

  describe('learning rate', () => {
    it('is too high when the loss jumps from 2.3 to 14', () => {
      assert.deepEqual(kindsOf({ samples: 6, sample: (index) => ({ loss: index === 0 ? 2.3 : 14, accuracy: 0.1 }) }), ['learningRateTooHigh']);
    });

    it('is too high when the epoch loss rises twice', () => {
      const { spec, run } = syntheticRun({ samples: 10, sample: () => ({ loss: 1, accuracy: 0.6 }) });
      const losses = [1.0, 1.3, 0.9, 1.2, 1.0];
      const epochLogs: EpochLogs[] = losses.map((loss, epoch) => ({ epoch, loss, accuracy: 0.6, seconds: 1 }));
      const later = { ...run, epochLogs, samples: run.samples.map((sample) => ({ ...sample, epoch: 5 })) };

      assert.deepEqual(
        diagnose(spec, later).map((finding) => finding.kind),
        ['learningRateTooHigh'],
      );
    });

    it('is too low for tiny SGD steps', () => {
      const flat = () => ({ loss: 2.3, accuracy: 0.1, layer: () => ({ updateRatio: 1e-6 }) });

      assert.deepEqual(kindsOf({ samples: 20, hiddenActivation: 'relu', sample: flat }), ['learningRateTooLow']);
    });

    it('is not too low for Adam at its default', () => {
      const flat = () => ({ loss: 2.3, accuracy: 0.1, layer: () => ({ updateRatio: 1e-6 }) });
      const kinds = kindsOf({ samples: 20, hiddenActivation: 'relu', optimizer: { className: 'Adam', learningRate: 0.001 }, sample: flat });

      assert.ok(!kinds.includes('learningRateTooLow'), kinds.join(', '));
    });

    it('points to the compile call', () => {
      const { spec, run } = syntheticRun({ samples: 6, sample: (index) => ({ loss: index === 0 ? 2.3 : 14, accuracy: 0.1 }) });

      assert.deepEqual(diagnose(spec, run)[0].range, spec.compile.range);
    });
  });

  describe('stalled near chance', () => {
    const stuck = () => ({ loss: 2.3, accuracy: 0.11 });

    it('fires when nothing else explains the stall', () => {
      assert.deepEqual(kindsOf({ samples: 20, hiddenActivation: 'relu', sample: stuck }), ['stalledNearChance']);
    });

    it('gives way to a finding that explains it', () => {
      assert.deepEqual(kindsOf(vanishingRun(20, () => 1e-3)), ['vanishingGradients']);
    });
  });

  describe('ordering and cost', () => {
    it('lists errors before warnings', () => {
      const { spec, run } = syntheticRun({
        samples: 10,
        sample: (index) => ({ loss: index === 0 ? 2.3 : 14, accuracy: 0.1, layer: () => (index === 9 ? { gradNonFinite: 1 } : {}) }),
      });

      assert.deepEqual(
        diagnose(spec, run).map((finding) => finding.kind),
        ['nonFinite', 'learningRateTooHigh'],
      );
    });

    it('diagnoses 100 epochs of samples in under 100 ms', () => {
      // 2,500 samples: 100 epochs at the default 25 samples per epoch, six hidden layers.
      // About 6 ms once compiled on a loaded 2-core machine; the bound catches quadratic work.
      const { spec, run } = syntheticRun({ samples: 2500, hidden: 6, hiddenActivation: 'relu' });
      const times: number[] = [];
      for (let attempt = 0; attempt < 5; attempt++) {
        const started = performance.now();
        diagnose(spec, run);
        times.push(performance.now() - started);
      }
      const fastest = Math.min(...times);

      assert.ok(fastest < 100, `${fastest.toFixed(1)} ms`);
    });
  });
});
