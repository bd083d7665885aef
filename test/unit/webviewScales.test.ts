import assert from 'node:assert/strict';
import { interpolateViridis } from 'd3';
import type { StatisticKey } from '../../src/common/statistics';
import {
  classifyCell,
  colorDomain,
  colorScale,
  legendTicks,
  scaleKindOf,
  statisticApplies,
} from '../../webview/colorScale';
import { buildHeatmapModel } from '../../webview/heatmapModel';
import { buildTimeline, epochLabelStride, labelledEpochs, sampleSpacing } from '../../webview/timeline';
import { LAYERS, NAN_SAMPLES, syntheticRun } from '../browser-fixtures/syntheticRun';

const sigmoid = LAYERS[0];
const relu = LAYERS[6];

describe('webview colour scales', () => {
  it('norms and the update ratio use a log scale', () => {
    const keys: StatisticKey[] = ['weightGradNorm', 'outputGradNorm', 'updateRatio'];
    assert.deepEqual(keys.map(scaleKindOf), ['log', 'log', 'log']);
  });

  it('means, deviations and fractions use a linear scale', () => {
    const keys: StatisticKey[] = ['activationMean', 'activationStd', 'saturatedFraction', 'deadFraction'];
    assert.deepEqual(keys.map(scaleKindOf), ['linear', 'linear', 'linear', 'linear']);
  });

  it('classifyCell marks NaN and infinities as non-finite', () => {
    assert.deepEqual([NaN, Infinity, -Infinity].map((value) => classifyCell(sigmoid, 'weightGradNorm', value)), [
      'nonFinite',
      'nonFinite',
      'nonFinite',
    ]);
  });

  it('classifyCell marks an exact zero on a log scale', () => {
    assert.equal(classifyCell(sigmoid, 'weightGradNorm', 0), 'zero');
  });

  it('classifyCell places zero on a linear scale', () => {
    assert.equal(classifyCell(relu, 'deadFraction', 0), 'value');
  });

  it('classifyCell reads null as not applicable', () => {
    assert.equal(classifyCell(sigmoid, 'deadFraction', null), 'notApplicable');
  });

  it('dead fraction never applies to a sigmoid layer', () => {
    assert.equal(statisticApplies(sigmoid, 'deadFraction'), false);
  });

  it('saturated fraction never applies to a ReLU layer', () => {
    assert.equal(statisticApplies(relu, 'saturatedFraction'), false);
  });

  it('weight statistics do not apply to a layer without weights', () => {
    const activation = { ...relu, className: 'Activation', hasWeights: false };
    assert.equal(classifyCell(activation, 'weightGradNorm', NaN), 'notApplicable');
  });

  it('colorDomain spans the values given', () => {
    assert.deepEqual(colorDomain('weightGradNorm', [1e-5, 0.3, 2e-3]), [1e-5, 0.3]);
  });

  it('colorDomain keeps fractions at 0 to 1', () => {
    assert.deepEqual(colorDomain('deadFraction', [0.2, 0.3]), [0, 1]);
  });

  it('colorDomain widens a single log value by half a decade each way', () => {
    const [low, high] = colorDomain('weightGradNorm', [1e-3]);
    assert.ok(Math.abs(Math.log10(high / low) - 1) < 1e-12, `domain ${low}..${high}`);
  });

  it('colorScale maps the log domain ends to the viridis ends', () => {
    const color = colorScale('weightGradNorm', [1e-6, 1]);
    assert.deepEqual([color(1e-6), color(1)], [interpolateViridis(0), interpolateViridis(1)]);
  });

  it('colorScale puts log midpoint mid-ramp', () => {
    assert.equal(colorScale('weightGradNorm', [1e-6, 1])(1e-3), interpolateViridis(0.5));
  });

  it('colorScale clamps values outside the domain', () => {
    assert.equal(colorScale('activationMean', [0, 1])(5), interpolateViridis(1));
  });

  it('legendTicks lists whole powers of ten inside a log domain', () => {
    assert.deepEqual(legendTicks('weightGradNorm', [2e-5, 0.7], 6), [1e-4, 1e-3, 1e-2, 1e-1]);
  });

  it('legendTicks thins out powers of ten over many decades', () => {
    assert.deepEqual(legendTicks('weightGradNorm', [1e-12, 1], 5), [1e-12, 1e-9, 1e-6, 1e-3, 1]);
  });
});

describe('webview heatmap model', () => {
  const run = syntheticRun();

  it('has one row per tracked layer', () => {
    assert.equal(buildHeatmapModel(run, 'weightGradNorm').rows.length, LAYERS.length);
  });

  it('has one cell per sample in every row', () => {
    const model = buildHeatmapModel(run, 'weightGradNorm');
    assert.deepEqual(
      model.rows.map((row) => row.length),
      LAYERS.map(() => run.samples.length),
    );
  });

  it('marks the NaN gradients of the first layer', () => {
    const model = buildHeatmapModel(run, 'weightGradNorm');
    const marked = model.rows[0].flatMap((cell, index) => (cell.kind === 'nonFinite' ? [index] : []));
    assert.deepEqual(marked, NAN_SAMPLES);
  });

  it('leaves NaN out of the colour domain', () => {
    const [low, high] = buildHeatmapModel(run, 'weightGradNorm').domain;
    assert.deepEqual([Number.isFinite(low), Number.isFinite(high)], [true, true], `domain ${low}..${high}`);
  });

  it('reports which cell kinds occur', () => {
    assert.deepEqual([...buildHeatmapModel(run, 'deadFraction').kinds].sort(), ['notApplicable', 'value']);
  });
});

describe('webview timeline', () => {
  it('sampleSpacing is the median gap within an epoch', () => {
    const run = syntheticRun();
    assert.equal(sampleSpacing(run.samples, run.stepsPerEpoch), 60);
  });

  it('sampleSpacing assumes 25 samples per epoch before two samples exist', () => {
    assert.equal(sampleSpacing([], 1500), 60);
  });

  it('the timeline spans the planned epochs before they are trained', () => {
    assert.equal(buildTimeline(syntheticRun({ epochs: 20, completedEpochs: 3 })).epochs, 20);
  });

  it('epochLabelStride picks 1, 2, 5 or 10 epochs per label', () => {
    assert.deepEqual([100, 20, 8, 3].map((pixels) => epochLabelStride(pixels, 32)), [1, 2, 5, 20]);
  });

  it('labelledEpochs labels epoch 1 and every stride-th epoch', () => {
    assert.deepEqual(labelledEpochs(20, 5), [1, 5, 10, 15, 20]);
  });

  it('labelledEpochs drops epoch 1 when it would crowd the next label', () => {
    assert.deepEqual(labelledEpochs(8, 2), [2, 4, 6, 8]);
  });
});
