import assert from 'node:assert/strict';
import { buildPanelStrings, type PanelStrings } from '../../src/common/panelStrings';
import { STATISTIC_KEYS } from '../../src/common/statistics';
import { curveSeries, hasFiniteValue, lossAxisMax } from '../../webview/curves';
import { heatmapTooltipContent } from '../../webview/tooltip';
import { EXACT_CELL, LAYERS, NAN_SAMPLES, syntheticRun } from '../browser-fixtures/syntheticRun';

const strings = buildPanelStrings();

describe('webview tooltip', () => {
  const run = syntheticRun();
  const exactSample = run.samples[EXACT_CELL.sample];
  const content = heatmapTooltipContent(LAYERS[EXACT_CELL.row], EXACT_CELL.row, exactSample, 'weightGradNorm', run.stepsPerEpoch, strings, 'en');

  it('titles the tooltip with the layer label', () => {
    assert.equal(content.title, 'dense_2 · sigmoid · 128');
  });

  it('states epoch and batch 1-based, as Keras prints them', () => {
    assert.equal(content.position, `Epoch 1 · batch ${exactSample.batch + 1} of 1,500`);
  });

  it('gives the exact value of the statistic shown, marked as current', () => {
    assert.deepEqual(
      content.rows.filter((row) => row.current),
      [{ label: strings.statistics.weightGradNorm.label, value: '3.215 × 10⁻⁵', current: true }],
    );
  });

  it('lists every statistic of the cell', () => {
    assert.deepEqual(
      content.rows.map((row) => row.label),
      STATISTIC_KEYS.map((key) => strings.statistics[key].label),
    );
  });

  it('shows dead % of a sigmoid layer as not applicable', () => {
    const dead = content.rows.find((row) => row.label === strings.statistics.deadFraction.label);
    assert.equal(dead?.value, strings.notApplicable);
  });

  it('counts non-finite gradient entries when there are some', () => {
    const nan = heatmapTooltipContent(LAYERS[0], 0, run.samples[NAN_SAMPLES[0]], 'weightGradNorm', run.stepsPerEpoch, strings, 'en');
    assert.ok(nan.notes.includes('NaN or infinite gradient entries: 64'), nan.notes.join(' | '));
  });
});

describe('webview curves', () => {
  const run = syntheticRun();

  it('places each batch at the middle of its step, in epochs', () => {
    assert.equal(curveSeries(run, 'loss').batches[1].x, (60 + 0.5) / 1500);
  });

  it('places epoch logs at the middle of their epoch', () => {
    assert.deepEqual(curveSeries(run, 'accuracy').validation.map((point) => point.x), [0.5, 1.5]);
  });

  it('lossAxisMax ignores NaN losses', () => {
    const series = { batches: [{ x: 0, y: NaN }, { x: 1, y: 2 }], train: [], validation: [] };
    assert.equal(lossAxisMax(series), 2 * 1.05);
  });

  it('a model without an accuracy metric has no finite accuracy', () => {
    const noAccuracy = { ...run, samples: run.samples.map((sample) => ({ ...sample, accuracy: NaN })), epochLogs: [] };
    assert.equal(hasFiniteValue(curveSeries(noAccuracy, 'accuracy')), false);
  });
});

describe('panel strings', () => {
  const templates: Partial<Record<keyof PanelStrings, string[]>> = {
    reportTitle: ['{0}'],
    epochCounter: ['{0}', '{1}'],
    batchProgress: ['{0}', '{1}'],
    finished: ['{0}', '{1}'],
    stopped: ['{0}', '{1}'],
    evaluation: ['{0}', '{1}', '{2}'],
    evaluationLossOnly: ['{0}', '{1}'],
    percent: ['{0}'],
    tooltipPosition: ['{0}', '{1}', '{2}'],
  };

  it('every string is non-empty', () => {
    const empty = Object.entries(strings).filter(([, value]) => typeof value === 'string' && value.trim() === '');
    assert.deepEqual(empty, []);
  });

  it('every statistic has a label and a description', () => {
    const missing = STATISTIC_KEYS.filter((key) => !strings.statistics[key]?.label || !strings.statistics[key]?.description);
    assert.deepEqual(missing, []);
  });

  it('templates keep their placeholders', () => {
    const broken = Object.entries(templates).filter(
      ([key, placeholders]) => placeholders.some((placeholder) => !(strings[key as keyof PanelStrings] as string).includes(placeholder)),
    );
    assert.deepEqual(broken, []);
  });
});
