import assert from 'node:assert/strict';
import type { Finding } from '../../src/common/findings';
import type { LayerSpec, ModelSpec, SourceRange } from '../../src/common/modelSpec';
import type { RunSnapshot } from '../../src/common/runState';
import { FindingsTracker } from '../../src/editor/findingsTracker';
import { formatNorm, latestLayerHeat, weightGradientDomain } from '../../src/editor/heatColor';
import { sameLayers, shiftLayerRanges } from '../../src/editor/staleness';
import { buildHeatmapModel } from '../../webview/heatmapModel';
import { colorScale } from '../../webview/colorScale';
import { syntheticRun } from '../browser-fixtures/syntheticRun';
import { deepMnistSpec, layer } from '../helpers/modelSpecs';

function range(startLine: number, endLine = startLine): SourceRange {
  return { startLine, startCharacter: 10, endLine, endCharacter: 40 };
}

/** Polls `condition` every 10 ms until it is true, or fails after `timeoutMs`. */
async function until(condition: () => boolean, description: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting until ${description}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const FINDING: Finding = {
  kind: 'vanishingGradients',
  severity: 'warning',
  specIndexes: [2],
  title: 'Vanishing gradients.',
  explanation: 'Sigmoid derivatives are at most 0.25.',
  evidence: [],
  fixes: ['reluHiddenActivations'],
  firstStep: 0,
};

describe('editor annotations', () => {
  describe('findings tracker', () => {
    const spec: ModelSpec = deepMnistSpec('sigmoid');
    const run = syntheticRun();

    /** A tracker whose diagnosis counts its calls and returns `result()`. */
    function tracker(intervalMs: number, result: () => Finding[] = () => [FINDING]) {
      const published: (readonly Finding[])[] = [];
      let calls = 0;
      const instance = new FindingsTracker(spec, (findings) => published.push(findings), intervalMs, () => {
        calls++;
        return result();
      });
      return { instance, published, calls: () => calls };
    }

    it('diagnoses the first sample at once', () => {
      const { instance, calls } = tracker(60_000);

      instance.observe(run);

      assert.equal(calls(), 1);
      instance.dispose();
    });

    it('waits out the interval between diagnoses', () => {
      const { instance, calls } = tracker(60_000);

      for (let i = 0; i < 10; i++) {
        instance.observe(run);
      }

      assert.equal(calls(), 1);
      instance.dispose();
    });

    it('diagnoses the latest run after the interval', async () => {
      const seen: RunSnapshot[] = [];
      const instance = new FindingsTracker(spec, () => undefined, 50, (_spec, observed) => {
        seen.push(observed);
        return [];
      });
      const later = { ...run, epochs: 3 };

      instance.observe(run);
      instance.observe({ ...run, epochs: 2 });
      instance.observe(later);
      await until(() => seen.length === 2, 'the second diagnosis');

      assert.equal(seen[1], later);
      instance.dispose();
    });

    it('publishes only changed findings', async () => {
      const { instance, published, calls } = tracker(20);

      instance.observe(run);
      await until(() => calls() === 1, 'the first diagnosis');
      instance.observe(run);
      await until(() => calls() === 2, 'the second diagnosis');

      assert.deepEqual(published, [[FINDING]]);
      instance.dispose();
    });

    it('finish diagnoses at once and ends the run', () => {
      const { instance, calls } = tracker(60_000);
      instance.observe(run);

      instance.finish(run);
      instance.observe(run);

      assert.equal(calls(), 2);
    });

    it('keeps the last published findings', () => {
      const { instance } = tracker(60_000);

      instance.finish(run);

      assert.deepEqual(instance.findings, [FINDING]);
    });
  });

  describe('staleness', () => {
    const ranges = [range(4), range(5), range(8, 10)];

    it('edit above moves the ranges by its line change', () => {
      const shifted = shiftLayerRanges(ranges, { range: range(1), text: 'a\nb\n' });

      assert.deepEqual(shifted?.map((moved) => [moved.startLine, moved.endLine]), [[6, 6], [7, 7], [10, 12]]);
    });

    it('deleted lines above move the ranges up', () => {
      const shifted = shiftLayerRanges(ranges, { range: { startLine: 1, startCharacter: 0, endLine: 3, endCharacter: 0 }, text: '' });

      assert.deepEqual(shifted?.map((moved) => moved.startLine), [2, 3, 6]);
    });

    it('edit between layers moves only those after it', () => {
      const shifted = shiftLayerRanges(ranges, { range: range(6), text: '# note\n' });

      assert.deepEqual(shifted?.map((moved) => moved.startLine), [4, 5, 9]);
    });

    it('edit on a layer line makes them stale', () => {
      assert.equal(shiftLayerRanges(ranges, { range: range(5), text: 'relu' }), undefined);
    });

    it('edit inside a multi-line layer makes them stale', () => {
      assert.equal(shiftLayerRanges(ranges, { range: range(9), text: '' }), undefined);
    });

    it('same layers elsewhere in the file are the same', () => {
      const moved: LayerSpec[] = deepMnistSpec('sigmoid').layers.map((spec) => ({ ...spec, range: range(spec.range.startLine + 3) }));

      assert.equal(sameLayers(deepMnistSpec('sigmoid').layers, moved), true);
    });

    it('changed activation is a different layer list', () => {
      assert.equal(sameLayers(deepMnistSpec('sigmoid').layers, deepMnistSpec('relu').layers), false);
    });

    it('added layer is a different layer list', () => {
      const layers = deepMnistSpec('sigmoid').layers;

      assert.equal(sameLayers(layers, [...layers, layer('Dropout', 'dropout', { rate: 0.2 })]), false);
    });
  });

  describe('heat colours', () => {
    const run = syntheticRun();

    it('use the panel ramp and domain', () => {
      const model = buildHeatmapModel(run, 'weightGradNorm');
      const panelColor = colorScale('weightGradNorm', model.domain);
      const last = run.samples[run.samples.length - 1];

      const heat = latestLayerHeat(run);

      assert.deepEqual(weightGradientDomain(run), model.domain);
      assert.deepEqual(
        heat.map((entry) => entry.color),
        run.layers.map((_, row) => panelColor(last.layers[row].weightGradNorm)),
      );
    });

    it('name each layer by its spec index', () => {
      assert.deepEqual(latestLayerHeat(run).map((entry) => entry.specIndex), run.layers.map((tracked) => tracked.specIndex));
    });

    it('leave NaN without a colour', () => {
      const last = run.samples[run.samples.length - 1];
      const nanRun = { ...run, samples: [...run.samples.slice(0, -1), { ...last, layers: [{ ...last.layers[0], weightGradNorm: NaN }, ...last.layers.slice(1)] }] };

      assert.equal(latestLayerHeat(nanRun)[0].color, undefined);
    });

    it('skip layers without weights', () => {
      const layers = run.layers.map((tracked, row) => (row === 0 ? { ...tracked, hasWeights: false } : tracked));

      assert.equal(latestLayerHeat({ ...run, layers }).length, run.layers.length - 1);
    });

    it('are empty before the first sample', () => {
      assert.deepEqual(latestLayerHeat({ ...run, samples: [] }), []);
    });

    const NORMS: readonly [number, string][] = [
      [0.0123456, '0.0123'],
      [3.2149e-5, '3.2e-5'],
      [123456, '1.2e5'],
      [0, '0'],
      [NaN, 'NaN'],
    ];
    for (const [value, text] of NORMS) {
      it(`format ${value} as ${text}`, () => {
        assert.equal(formatNorm(value), text);
      });
    }
  });
});
