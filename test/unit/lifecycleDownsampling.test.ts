/**
 * Long runs stay within MAX_DISPLAY_SAMPLES in the host state (and therefore in the
 * webview, which receives only what the host keeps).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { PanelState, RunUpdate } from '../../src/common/runState';
import { applyRunUpdate } from '../../src/common/runState';
import type { LayerStatistics, StatisticsSample } from '../../src/common/statistics';
import { MAX_DISPLAY_SAMPLES, mergeSamples, SampleDownsampler } from '../../src/training/sampleDownsampling';
import { TrainingSession } from '../../src/training/trainingSession';
import { dense, layer, modelSpec, REPOSITORY_ROOT, trainOptions } from '../helpers/modelSpecs';

function layerStatistics(value: number): LayerStatistics {
  return {
    weightGradNorm: value,
    weightGradMeanAbs: value,
    biasGradNorm: value,
    gradNonFinite: 0,
    outputGradNorm: value,
    activationMean: value,
    activationStd: value,
    histogram: [value],
    histogramMin: 0,
    histogramMax: value,
    saturatedFraction: null,
    deadFraction: value,
    updateRatio: value,
  };
}

function sample(step: number, value = step): StatisticsSample {
  return { step, epoch: Math.floor(step / 100), batch: step % 100, loss: value, accuracy: 0.5, layers: [layerStatistics(value)] };
}

/** Feeds `count` samples through a downsampler as the session does and returns the kept list. */
function feed(count: number, maxSamples = MAX_DISPLAY_SAMPLES, valueOf: (step: number) => number = (step) => step): StatisticsSample[] {
  const downsampler = new SampleDownsampler(maxSamples);
  let kept: StatisticsSample[] = [];
  for (let step = 0; step < count; step++) {
    const result = downsampler.add(kept, sample(step, valueOf(step)));
    if (result.kind === 'appended') {
      kept = [...kept, result.sample];
    } else if (result.kind === 'compacted') {
      kept = [...result.samples];
    }
  }
  const last = downsampler.flush();
  return last.kind === 'appended' ? [...kept, last.sample] : kept;
}

describe('lifecycle: sample downsampling', () => {
  it('keeps every sample below the limit', () => {
    assert.equal(feed(1999).length, 1999);
  });

  it('keeps 100,000 samples within the limit', () => {
    const kept = feed(100_000).length;
    assert.ok(kept <= MAX_DISPLAY_SAMPLES, `${kept} samples`);
  });

  it('keeps at least half the limit once compacted', () => {
    assert.ok(feed(100_000).length >= MAX_DISPLAY_SAMPLES / 2);
  });

  it('spaces kept samples evenly', () => {
    const steps = feed(10_000, 100).map((kept) => kept.step);
    const gaps = new Set(steps.slice(1).map((step, index) => step - steps[index]));
    assert.deepEqual([...gaps], [128]);
  });

  it('starts at the first step', () => {
    assert.equal(feed(10_000, 100)[0].step, 0);
  });

  it('averages the merged values', () => {
    assert.equal(mergeSamples([sample(0, 1), sample(1, 3)]).layers[0].weightGradNorm, 2);
  });

  it('carries a NaN into the merged sample', () => {
    const kept = feed(5000, 100, (step) => (step === 4321 ? NaN : 1));
    assert.equal(kept.filter((entry) => Number.isNaN(entry.layers[0].weightGradNorm)).length, 1);
  });

  it('adds up non-finite gradient counts', () => {
    const bad = { ...sample(1), layers: [{ ...layerStatistics(1), gradNonFinite: 3 }] };
    assert.equal(mergeSamples([bad, bad]).layers[0].gradNonFinite, 6);
  });

  it('keeps null where a statistic does not apply', () => {
    assert.equal(mergeSamples([sample(0), sample(1)]).layers[0].saturatedFraction, null);
  });

  it('shows the last partial group at the end', () => {
    // By step 2,000 with a limit of 100, each kept sample covers 32 steps; the last group
    // contains steps 1,984 to 2,000 and is still incomplete.
    assert.equal(feed(2001, 100).at(-1)?.step, 1984);
  });

  it('rejects an odd limit', () => {
    assert.throws(() => new SampleDownsampler(7), RangeError);
  });
});

describe('lifecycle: long run through the trainer', function () {
  it('host and panel keep at most the display limit', async () => {
    // 1,100 examples in batches of 1 with statistics every step: 3,300 samples in three epochs.
    const spec = modelSpec([layer('Flatten', 'flatten'), dense(0, 10, 'softmax')], { fit: { epochs: 3, batchSize: 1 } });
    let panel: PanelState = { kind: 'idle' };
    const largestPanel: number[] = [];
    const session = new TrainingSession(
      spec,
      trainOptions({ wasmDir: path.join(REPOSITORY_ROOT, 'dist', 'wasm'), samplesPerEpoch: 1000, trainLimit: 1100, testLimit: 100 }),
      { trainerPath: path.join(REPOSITORY_ROOT, 'dist', 'trainer.js') },
      {
        // What the webview does with the messages it gets.
        onState: (state) => {
          panel = state;
        },
        onUpdate: (update: RunUpdate) => {
          if (panel.kind !== 'idle' && panel.run) {
            const updated = applyRunUpdate(panel.run, update);
            panel = { ...panel, run: updated } as PanelState;
            largestPanel.push(updated.samples.length);
          }
        },
        onLog: () => undefined,
      },
    );

    const state = await session.done;

    assert.equal(state.kind, 'finished');
    const run = state.kind === 'finished' ? state.run : undefined;
    assert.ok((run?.samples.length ?? Infinity) <= MAX_DISPLAY_SAMPLES, `host kept ${run?.samples.length}`);
    assert.ok(Math.max(0, ...largestPanel) <= MAX_DISPLAY_SAMPLES, `panel held ${Math.max(...largestPanel)}`);
    assert.equal(run?.samples.at(-1)?.epoch, 2, 'the last epoch is shown');
  });
});
