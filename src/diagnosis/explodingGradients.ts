/**
 * Rule: exploding gradients. The backpropagated signal grows layer by layer toward the
 * input, or the weight gradients grow by orders of magnitude while the loss does not fall.
 *
 * Source: AutoTrainer (shiningrain/AUTOTRAINER, utils/monitor.py) flags a first/last
 * layer kernel-gradient norm ratio above 70. That ratio also grows with the size of the
 * inputs: raw 0–255 pixels put it at 13 for a healthy-gradient tanh model here. This rule
 * compares ‖∂L/∂output‖ of the first and the last hidden layer instead, which does not
 * see the input scale. Tuned on MNIST: six tanh layers initialised with RandomNormal
 * (stddev 0.5) reach 20 to 25, healthy ReLU, tanh and linear models stay at 6 or below.
 */
import * as l10n from '@vscode/l10n';
import type { Evidence, Finding } from '../common/findings';
import type { DiagnosisContext } from './context';
import { BASELINE_SAMPLES, progressAt } from './progress';
import { formatFactor, layerNames, specIndexes } from './text';
import { replayHysteresis, WINDOW_SAMPLES } from './windows';

/** Above this first-hidden / last-hidden backpropagated-signal ratio the gradient explodes toward the input. */
export const EXPLODING_DEPTH_RATIO = 10;
/** Below this ratio an active finding ends. */
export const EXPLODING_DEPTH_RATIO_OFF = 6;
/** Hidden layers whose signal exceeds the last hidden layer's by this factor are named. */
const EXPLODING_LAYER_RATIO = 3;
/**
 * Growth of the weight-gradient norm since the baseline that counts as exploding over
 * time, in at least half the layers. Healthy models grew by up to 5× in the test cases
 * while they learned.
 */
export const EXPLODING_GROWTH = 100;
/** Below this growth an active finding ends. */
export const EXPLODING_GROWTH_OFF = 30;
/** Growth over time counts only while the loss has fallen by less than this fraction. */
const GROWTH_MAX_LOSS_DROP = 0.05;

export function diagnoseExplodingGradients(context: DiagnosisContext): Finding | undefined {
  const { samples, hiddenWeighted, output } = context;
  if (output === undefined) {
    return undefined;
  }
  const firstHidden = hiddenWeighted[0];
  const lastHidden = hiddenWeighted[hiddenWeighted.length - 1];
  const weighted = [...hiddenWeighted, output];

  const signalRatios = new Map(
    hiddenWeighted.map((layer) => [
      layer,
      context.medians(`signalRatio:${layer}`, (sample) => sample.layers[layer].outputGradNorm / sample.layers[lastHidden].outputGradNorm),
    ]),
  );
  const depthRatioAt = (end: number, layer: number): number =>
    hiddenWeighted.length < 2 ? NaN : (signalRatios.get(layer) as Float64Array)[end];
  const gradientNorms = weighted.map((layer) => context.layerMedians('weightGradNorm', layer));
  // The window ending at the last baseline sample covers just the baseline samples.
  const baseline = gradientNorms.map((series) => series[BASELINE_SAMPLES - 1]);
  const growthAt = (end: number, position: number): number => gradientNorms[position][end] / baseline[position];
  const growingLayers = (end: number, threshold: number): number[] =>
    weighted.filter((_, position) => growthAt(end, position) >= threshold);
  const growing = (end: number, threshold: number): boolean =>
    growingLayers(end, threshold).length * 2 >= weighted.length && !(progressAt(context, end).lossDrop >= GROWTH_MAX_LOSS_DROP);

  const state = replayHysteresis(
    samples.length,
    WINDOW_SAMPLES - 1,
    (end) => depthRatioAt(end, firstHidden) > EXPLODING_DEPTH_RATIO || (end >= BASELINE_SAMPLES + WINDOW_SAMPLES - 1 && growing(end, EXPLODING_GROWTH)),
    (end) => !(depthRatioAt(end, firstHidden) >= EXPLODING_DEPTH_RATIO_OFF) && !growing(end, EXPLODING_GROWTH_OFF),
  );
  if (!state.active) {
    return undefined;
  }

  const end = samples.length - 1;
  const step = samples[end].step;
  const depthRatio = depthRatioAt(end, firstHidden);
  if (depthRatio >= EXPLODING_DEPTH_RATIO_OFF) {
    const named = hiddenWeighted.filter((layer) => depthRatioAt(end, layer) >= EXPLODING_LAYER_RATIO);
    const evidence: Evidence[] = [...named, lastHidden].map((layer) => ({
      label: l10n.t('Backpropagated signal ‖∂L/∂output‖ of {0}', context.layers[layer].name),
      value: context.layerMedians('outputGradNorm', layer)[end],
      step,
      specIndex: context.layers[layer].specIndex,
    }));
    evidence.push({
      label: l10n.t('Ratio {0} / {1}', context.layers[firstHidden].name, context.layers[lastHidden].name),
      value: depthRatio,
      step,
    });
    return {
      kind: 'explodingGradients',
      severity: 'warning',
      specIndexes: specIndexes(context, named),
      title: l10n.t(
        'Exploding gradients: the gradients reaching {0} are about {1} times stronger than those of the last hidden layer {2}.',
        layerNames(context, named),
        formatFactor(depthRatio),
        context.layers[lastHidden].name,
      ),
      explanation: [
        l10n.t(
          'On its way back from the output to the input, backpropagation multiplies the error signal by the weights and the activation derivative of every layer it passes. Here these factors are above 1, so the signal grows layer by layer, and the first layers take steps far larger than the rest.',
        ),
        advice(),
      ].join(' '),
      evidence,
      fixes: ['addGradientClipping', 'lowerLearningRate'],
      firstStep: samples[state.since].step,
    };
  }

  const named = growingLayers(end, EXPLODING_GROWTH_OFF);
  const evidence: Evidence[] = named.map((layer) => {
    const position = weighted.indexOf(layer);
    return {
      label: l10n.t('Growth of the weight-gradient norm of {0} since the first samples', context.layers[layer].name),
      value: growthAt(end, position),
      step,
      specIndex: context.layers[layer].specIndex,
    };
  });
  const largest = Math.max(...named.map((layer) => growthAt(end, weighted.indexOf(layer))));
  return {
    kind: 'explodingGradients',
    severity: 'warning',
    specIndexes: specIndexes(context, named),
    title: l10n.t(
      'Exploding gradients: the gradients of {0} have grown about {1} times since training started, while the loss does not fall.',
      layerNames(context, named),
      formatFactor(largest),
    ),
    explanation: [
      l10n.t(
        'Each update moves the weights by the learning rate times the gradient. When the steps overshoot, the weights grow, the gradients grow with them, and the next steps overshoot further, until the numbers overflow to NaN.',
      ),
      advice(),
    ].join(' '),
    evidence,
    fixes: ['addGradientClipping', 'lowerLearningRate'],
    firstStep: samples[state.since].step,
  };
}

function advice(): string {
  return l10n.t({
    message:
      'Large initial weights and a high learning rate are the usual causes. Clipping the gradients with clipnorm=1.0 in the optimizer bounds every step; a lower learning rate makes the steps smaller.',
    comment: ['clipnorm=1.0 is Keras code: keep it untranslated.'],
  });
}
