/**
 * Rule: saturated sigmoid or tanh layers. Most outputs of a hidden layer sit within 0.01
 * of an asymptote, where the derivative is almost 0 and the unit passes no gradient back.
 *
 * Source: DeepDiagnosis (Wardat et al., ICSE 2022; DeepDiagnosis/ICSE2022,
 * callback/callbacks.py) flags a layer when more than 50% of its pre-activations lie
 * beyond ±5. The trainer measures outputs within 0.01 of an asymptote instead, which is
 * |z| > 4.6 for sigmoid but already |z| > 2.6 for tanh, so it counts more. Tuned on MNIST:
 * raw 0–255 pixels saturate 96–100% of the first sigmoid or tanh layer. A deep sigmoid
 * model that learns well with Adam reached 47% in one layer after one epoch, because its
 * units grew confident. 75% separates the two with room on both sides.
 */
import * as l10n from '@vscode/l10n';
import type { Evidence, Finding, FixKind } from '../common/findings';
import type { DiagnosisContext } from './context';
import { formatPercent, layerNames, specIndexes } from './text';
import { replayHysteresis, WINDOW_SAMPLES } from './windows';

/** Median saturated fraction of a layer's outputs that switches the finding on. */
export const SATURATED_FRACTION = 0.75;
/** Below this in every layer an active finding ends. */
export const SATURATED_FRACTION_OFF = 0.6;

export function diagnoseSaturatedActivations(context: DiagnosisContext): Finding | undefined {
  const { samples } = context;
  const candidates = context.hidden.filter((layer) => samples.some((sample) => sample.layers[layer].saturatedFraction !== null));
  if (candidates.length === 0) {
    return undefined;
  }
  const series = new Map(candidates.map((layer) => [layer, context.layerMedians('saturatedFraction', layer)]));
  const fractionAt = (end: number, layer: number): number => (series.get(layer) as Float64Array)[end];
  const layersAbove = (end: number, threshold: number): number[] => candidates.filter((layer) => fractionAt(end, layer) >= threshold);

  const state = replayHysteresis(
    samples.length,
    WINDOW_SAMPLES - 1,
    (end) => layersAbove(end, SATURATED_FRACTION).length > 0,
    (end) => layersAbove(end, SATURATED_FRACTION_OFF).length === 0,
  );
  if (!state.active) {
    return undefined;
  }

  const end = samples.length - 1;
  // Naming every layer above the off threshold keeps the list steady while values hover near the on threshold.
  const named = layersAbove(end, SATURATED_FRACTION_OFF);
  const worst = Math.max(...named.map((layer) => fractionAt(end, layer)));
  const rawPixels = context.spec.dataset.pixelDivisor === 1 && named.includes(context.hidden[0]);
  const evidence: Evidence[] = named.map((layer) => ({
    label: l10n.t('Share of saturated outputs of {0}', context.layers[layer].name),
    value: fractionAt(end, layer),
    step: samples[end].step,
    specIndex: context.layers[layer].specIndex,
  }));

  const fixes: FixKind[] = rawPixels ? ['scaleInputs', 'insertBatchNormalization'] : ['insertBatchNormalization', 'reluHiddenActivations'];
  return {
    kind: 'saturatedActivations',
    severity: 'warning',
    specIndexes: specIndexes(context, named),
    title: l10n.t(
      'Saturated activations: up to {0}% of the outputs of {1} are stuck within 0.01 of 0 or ±1.',
      formatPercent(worst),
      layerNames(context, named),
    ),
    explanation: [
      l10n.t(
        'Sigmoid and tanh flatten out for large positive or negative inputs: a saturated unit outputs almost exactly its limit, and its derivative there is almost 0. It passes almost no gradient back, so its weights and the layers before it stop learning.',
      ),
      rawPixels
        ? l10n.t(
            'The pixels reach the model as values from 0 to 255, so the inputs of the first layer are hundreds of times larger than the initial weights expect. Divide the images by 255.0 before training.',
          )
        : l10n.t('Large initial weights or unscaled inputs push units there; batch normalization keeps the inputs of each layer in the sensitive range.'),
    ].join(' '),
    evidence,
    fixes,
    firstStep: samples[state.since].step,
  };
}
