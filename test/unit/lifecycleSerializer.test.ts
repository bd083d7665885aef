/**
 * The last run's state as stored for a panel restored after a window reload.
 */
import assert from 'node:assert/strict';
import type { PanelState, RunSnapshot } from '../../src/common/runState';
import type { LayerStatistics, StatisticsSample, TrackedLayer } from '../../src/common/statistics';
import { deserializePanelState, MAX_STORED_CHARACTERS, serializePanelState, STORED_SAMPLES } from '../../src/panel/serializerState';

function layerStatistics(value: number): LayerStatistics {
  return {
    weightGradNorm: value,
    weightGradMeanAbs: value / 10,
    biasGradNorm: value / 100,
    gradNonFinite: 0,
    outputGradNorm: value,
    activationMean: 0.5,
    activationStd: 0.1,
    histogram: Array.from({ length: 20 }, (_, bin) => bin * value),
    histogramMin: 0,
    histogramMax: 1,
    saturatedFraction: 0.25,
    deadFraction: null,
    updateRatio: 1e-3,
  };
}

function trackedLayer(index: number, name = `dense_${index}`): TrackedLayer {
  return { specIndex: index, name, className: 'Dense', activation: 'sigmoid', units: 64, hasWeights: true, line: index + 3 };
}

function run(samples: number, layers: number, names?: string[]): RunSnapshot {
  return {
    fileName: 'model.py',
    backend: 'wasm',
    layers: Array.from({ length: layers }, (_, index) => trackedLayer(index, names?.[index])),
    epochs: 3,
    stepsPerEpoch: 1500,
    samples: Array.from(
      { length: samples },
      (_, step): StatisticsSample => ({ step, epoch: 0, batch: step, loss: 2.3, accuracy: 0.1, layers: Array.from({ length: layers }, () => layerStatistics(step + 1)) }),
    ),
    epochLogs: [{ epoch: 0, loss: 2.3, accuracy: 0.1, seconds: 4 }],
    evaluation: { loss: 2.2, accuracy: 0.12, examples: 10000 },
  };
}

function roundTrip(state: PanelState): PanelState | undefined {
  const stored = serializePanelState(state);
  assert.ok(stored !== undefined, 'nothing was stored');
  return deserializePanelState(stored);
}

describe('lifecycle: stored panel state', () => {
  it('finished run comes back unchanged', () => {
    const state: PanelState = { kind: 'finished', run: run(10, 3), stopped: false };
    assert.deepStrictEqual(roundTrip(state), state);
  });

  it('NaN and infinities survive', () => {
    const original = run(2, 1);
    const samples = [{ ...original.samples[0], loss: NaN, layers: [{ ...layerStatistics(1), weightGradNorm: Infinity, updateRatio: -Infinity }] }];
    const restored = roundTrip({ kind: 'finished', run: { ...original, samples }, stopped: true });
    const sample = restored?.kind === 'finished' ? restored.run.samples[0] : undefined;
    assert.deepEqual([sample?.loss, sample?.layers[0].weightGradNorm, sample?.layers[0].updateRatio], [NaN, Infinity, -Infinity]);
  });

  it('numbers keep six significant digits', () => {
    const original = run(1, 1);
    const restored = roundTrip({ kind: 'finished', run: { ...original, samples: [{ ...original.samples[0], loss: Math.PI }] }, stopped: false });
    assert.equal(restored?.kind === 'finished' ? restored.run.samples[0].loss : undefined, 3.14159);
  });

  it('a layer named NaN stays a string', () => {
    const restored = roundTrip({ kind: 'finished', run: run(1, 1, ['NaN']), stopped: false });
    assert.equal(restored?.kind === 'finished' ? restored.run.layers[0].name : undefined, 'NaN');
  });

  it('run cut off by a reload comes back as failed', () => {
    const restored = roundTrip({ kind: 'training', run: run(5, 2) });
    assert.match(restored?.kind === 'failed' ? restored.message : String(restored?.kind), /cut off when the window was reloaded or closed/);
  });

  it('run cut off by a reload keeps its statistics', () => {
    const restored = roundTrip({ kind: 'training', run: run(5, 2) });
    assert.equal(restored?.kind === 'failed' ? restored.run?.samples.length : undefined, 5);
  });

  it('failure message comes back', () => {
    const state: PanelState = { kind: 'failed', message: 'The trainer process was killed (signal SIGKILL).' };
    assert.deepStrictEqual(roundTrip(state), state);
  });

  it('idle is not stored', () => {
    assert.equal(serializePanelState({ kind: 'idle' }), undefined);
  });

  it('long run is stored with at most the stored sample count', () => {
    const restored = roundTrip({ kind: 'finished', run: run(2000, 2), stopped: false });
    const count = restored?.kind === 'finished' ? restored.run.samples.length : Infinity;
    assert.ok(count <= STORED_SAMPLES, `${count} samples`);
  });

  it('wide model is stored within the size bound', () => {
    const stored = serializePanelState({ kind: 'finished', run: run(2000, 200), stopped: false }) ?? '';
    assert.ok(stored.length > 0, 'nothing was stored');
    assert.ok(stored.length <= MAX_STORED_CHARACTERS, `${stored.length} characters`);
  });

  it('damaged text is ignored', () => {
    const stored = serializePanelState({ kind: 'finished', run: run(3, 1), stopped: false }) ?? '';
    assert.equal(deserializePanelState(stored.slice(0, -10)), undefined);
  });

  it('other versions are ignored', () => {
    assert.equal(deserializePanelState(JSON.stringify({ version: 99, state: { kind: 'failed', message: 'x' } })), undefined);
  });

  it('wrong shapes are ignored', () => {
    const broken = JSON.stringify({ version: 1, state: { kind: 'finished', run: { fileName: 'm.py', layers: 'all', samples: [] }, stopped: false } });
    assert.equal(deserializePanelState(broken), undefined);
  });

  it('non-string storage is ignored', () => {
    assert.deepEqual([deserializePanelState(undefined), deserializePanelState(42), deserializePanelState({ kind: 'idle' })], [undefined, undefined, undefined]);
  });

  it('prototype keys in storage do not pollute objects', () => {
    const stored = '{"version":1,"__proto__":{"polluted":true},"state":{"kind":"failed","message":"x","constructor":{"prototype":{"polluted":true}}}}';
    deserializePanelState(stored);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
