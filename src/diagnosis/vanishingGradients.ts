/**
 * Rule: vanishing gradients. The weight gradients of the first hidden layers are orders of
 * magnitude smaller than the output layer's, and training makes no progress.
 *
 * Source: AutoTrainer (shiningrain/AUTOTRAINER, utils/monitor.py) flags a first/last
 * layer kernel-gradient norm ratio below 1e-3 together with a first-layer norm below 1e-4,
 * and reports it only while accuracy has not converged. Tuned here on MNIST: the six-layer
 * sigmoid model with SGD sits at ratios of 3e-4 to 1e-3 with a first-layer norm near 4e-4.
 * AutoTrainer's absolute gate would miss it, because that norm grows with the input size.
 * Every healthy case stays above 5e-2. A ratio below 1e-2 leaves a factor of 5 or more on
 * both sides, and the progress gate keeps slow but working models out.
 */
import * as l10n from '@vscode/l10n';
import type { Evidence, Finding, FixKind } from '../common/findings';
import type { StatisticsSample } from '../common/statistics';
import type { DiagnosisContext } from './context';
import {
  firstProgressEnd,
  isLearning,
  PROGRESS_OFF_FACTOR,
  progressAt,
  STALL_ACCURACY_GAIN,
  STALL_LOSS_DROP,
} from './progress';
import { formatFactor, layerNames, specIndexes } from './text';
import { replayHysteresis, WINDOW_SAMPLES } from './windows';

/** Below this first-layer / output-layer weight-gradient ratio the gradient has vanished. */
export const VANISHING_RATIO = 1e-2;
/** Above this ratio an active finding ends. */
export const VANISHING_RATIO_OFF = 3e-2;

export function diagnoseVanishingGradients(context: DiagnosisContext): Finding | undefined {
  const { output, hiddenWeighted, samples } = context;
  if (output === undefined || hiddenWeighted.length === 0) {
    return undefined;
  }
  const ratios = new Map(hiddenWeighted.map((layer) => [layer, gradientRatioMedians(context, layer, output)]));
  const ratioAt = (end: number, layer: number): number => (ratios.get(layer) as Float64Array)[end];
  const first = hiddenWeighted[0];

  const state = replayHysteresis(
    samples.length,
    firstProgressEnd(context),
    (end) => ratioAt(end, first) < VANISHING_RATIO && !isLearning(progressAt(context, end), STALL_ACCURACY_GAIN, STALL_LOSS_DROP),
    (end) =>
      !(ratioAt(end, first) <= VANISHING_RATIO_OFF) ||
      isLearning(progressAt(context, end), PROGRESS_OFF_FACTOR * STALL_ACCURACY_GAIN, PROGRESS_OFF_FACTOR * STALL_LOSS_DROP),
  );
  if (!state.active) {
    return undefined;
  }

  // The ratios fall toward the input, so the named layers are the first hidden ones.
  const end = samples.length - 1;
  const vanished = hiddenWeighted.filter((layer) => ratioAt(end, layer) < VANISHING_RATIO_OFF);
  const named = vanished.length > 0 ? vanished : [first];
  const worstRatio = ratioAt(end, first);
  const outputLayer = context.layers[output];
  const step = samples[end].step;
  const progress = progressAt(context, end);

  const evidence: Evidence[] = [
    ...named.map((layer) => ({
      label: l10n.t('Weight-gradient norm of {0}', context.layers[layer].name),
      value: context.layerMedians('weightGradNorm', layer)[end],
      step,
      specIndex: context.layers[layer].specIndex,
    })),
    {
      label: l10n.t('Weight-gradient norm of the output layer {0}', outputLayer.name),
      value: context.layerMedians('weightGradNorm', output)[end],
      step,
      specIndex: outputLayer.specIndex,
    },
    { label: l10n.t('Ratio {0} / {1}', context.layers[first].name, outputLayer.name), value: worstRatio, step },
    { label: l10n.t('Mean batch accuracy of the last {0} samples', WINDOW_SAMPLES), value: progress.accuracy, step },
  ];

  return {
    kind: 'vanishingGradients',
    severity: 'warning',
    specIndexes: specIndexes(context, named),
    title: l10n.t(
      'Vanishing gradients: the gradients reaching {0} are about {1} times weaker than those of the output layer {2}.',
      layerNames(context, named),
      formatFactor(1 / worstRatio),
      outputLayer.name,
    ),
    explanation: explanation(context, named),
    evidence,
    fixes: fixes(context),
    firstStep: samples[state.since].step,
  };
}

/** Window medians of `gradientRatio`, shared with other rules through the context. */
export function gradientRatioMedians(context: DiagnosisContext, layer: number, output: number): Float64Array {
  return context.medians(`gradientRatio:${layer}`, (sample) => gradientRatio(sample, layer, output));
}

/** Weight-gradient norm of `layer` relative to the output layer; NaN where either is 0 or missing. */
function gradientRatio(sample: StatisticsSample, layer: number, output: number): number {
  const norm = sample.layers[layer].weightGradNorm;
  const outputNorm = sample.layers[output].weightGradNorm;
  // A zero gradient means no signal at all (dead units), which the dead-ReLU rule reports.
  return norm > 0 && outputNorm > 0 ? norm / outputNorm : NaN;
}

function explanation(context: DiagnosisContext, named: readonly number[]): string {
  const activations = hiddenActivations(context);
  const layerCount = context.hiddenWeighted.length;
  const consequence = l10n.t(
    'The weights of {0} barely change, so they stay close to their random start and accuracy does not improve.',
    layerNames(context, named),
  );
  if (activations.size === 1 && activations.has('sigmoid')) {
    return [
      l10n.t(
        'On its way back from the output to the input, backpropagation multiplies the error signal by the derivative of every activation it passes. The derivative of sigmoid is at most 0.25, so each sigmoid layer shrinks the signal to a quarter or less, and after {0} layers only a tiny fraction of it is left.',
        layerCount,
      ),
      consequence,
      l10n.t(
        'ReLU passes the signal on unchanged wherever a unit is active, and batch normalization keeps the inputs of each layer where the derivative is largest.',
      ),
    ].join(' ');
  }
  return [
    l10n.t(
      'On its way back from the output to the input, backpropagation multiplies the error signal by the weights and the activation derivative of every layer it passes. Here these factors are below 1, so the signal shrinks layer by layer over the {0} hidden layers.',
      layerCount,
    ),
    consequence,
    l10n.t('Batch normalization keeps the inputs of each layer in a range where the signal passes through.'),
  ].join(' ');
}

/** ReLU is offered only where the quick fix has something to replace: a hidden sigmoid or tanh. */
function fixes(context: DiagnosisContext): FixKind[] {
  const activations = hiddenActivations(context);
  const saturating = activations.has('sigmoid') || activations.has('tanh');
  return saturating ? ['reluHiddenActivations', 'insertBatchNormalization'] : ['insertBatchNormalization'];
}

/**
 * Activations of the hidden Dense and Activation layers. BatchNormalization rows report
 * 'linear' and are left out, and so is a linear Dense layer, whose activation, if any,
 * follows as an Activation layer of its own.
 */
function hiddenActivations(context: DiagnosisContext): Set<string> {
  const activations = context.hidden
    .map((layer) => context.layers[layer])
    .filter((layer) => layer.className === 'Dense' || layer.className === 'Activation')
    .map((layer) => layer.activation)
    .filter((activation) => activation !== 'linear');
  return new Set(activations);
}
