/**
 * Rule: learning rate too low. The loss stays flat although the gradients are healthy,
 * because each step moves the weights by a negligible fraction of their size.
 *
 * Source: DeepDiagnosis (DeepDiagnosis/ICSE2022, callback/callbacks.py) calls the learning
 * rate low when lr·‖∂L/∂W‖ / ‖W‖ is below 1e-3 in a layer. Tuned on MNIST: healthy SGD
 * models at the default 0.01 have layers between 5e-4 and 1e-2, so 1e-3 per layer would
 * flag them. This rule takes the largest ratio over all layers and needs it below 1e-4;
 * SGD at 1e-5 stays at 1.5e-6 or below. The ratio leaves out Adam's and RMSprop's
 * per-weight scaling, so for them the learning rate itself must be 1/100 of Keras's default.
 */
import * as l10n from '@vscode/l10n';
import type { Evidence, Finding } from '../common/findings';
import type { DiagnosisContext } from './context';
import { DEAD_FRACTION_OFF } from './deadRelu';
import { KERAS_DEFAULT_LEARNING_RATE } from '../common/optimizerDefaults';
import {
  firstProgressEnd,
  isLearning,
  PROGRESS_OFF_FACTOR,
  progressAt,
  STALL_ACCURACY_GAIN,
  STALL_LOSS_DROP,
} from './progress';
import { SATURATED_FRACTION_OFF } from './saturatedActivations';
import { formatFactor } from './text';
import { gradientRatioMedians, VANISHING_RATIO } from './vanishingGradients';
import { replayHysteresis } from './windows';

/** Largest per-layer update ratio, momentum included, below which SGD steps are negligible. */
export const LOW_UPDATE_RATIO = 1e-4;
/** An active finding ends when the largest update ratio reaches this. */
export const LOW_UPDATE_RATIO_OFF = 3e-4;
/** For Adam and RMSprop: the learning rate must be at most this fraction of Keras's default. */
export const ADAPTIVE_LOW_FRACTION = 0.01;

export function diagnoseLearningRateTooLow(context: DiagnosisContext): Finding | undefined {
  const { samples, output, hiddenWeighted } = context;
  if (output === undefined) {
    return undefined;
  }
  const optimizer = context.spec.compile.optimizer;
  const weighted = [...hiddenWeighted, output];
  const updateRatios = weighted.map((layer) => context.layerMedians('updateRatio', layer));
  // With momentum m, SGD's steps settle at 1 / (1 − m) times the plain gradient step.
  const momentumFactor = optimizer.className === 'SGD' ? 1 / (1 - optimizer.momentum) : 1;
  const largestUpdateRatio = (end: number): number => momentumFactor * Math.max(...updateRatios.map((series) => series[end]));
  const stepsAreSmall = (end: number, threshold: number): boolean =>
    optimizer.className === 'SGD'
      ? largestUpdateRatio(end) < threshold
      : optimizer.learningRate <= ADAPTIVE_LOW_FRACTION * KERAS_DEFAULT_LEARNING_RATE[optimizer.className];

  const state = replayHysteresis(
    samples.length,
    firstProgressEnd(context),
    (end) =>
      stepsAreSmall(end, LOW_UPDATE_RATIO) &&
      gradientsAreHealthy(context, end, output) &&
      !isLearning(progressAt(context, end), STALL_ACCURACY_GAIN, STALL_LOSS_DROP),
    (end) =>
      !stepsAreSmall(end, LOW_UPDATE_RATIO_OFF) || isLearning(progressAt(context, end), PROGRESS_OFF_FACTOR * STALL_ACCURACY_GAIN, PROGRESS_OFF_FACTOR * STALL_LOSS_DROP),
  );
  if (!state.active) {
    return undefined;
  }

  const end = samples.length - 1;
  const step = samples[end].step;
  const progress = progressAt(context, end);
  const evidence: Evidence[] = [
    { label: l10n.t('Learning rate'), value: optimizer.learningRate },
    { label: l10n.t('Relative loss decrease since the first samples'), value: progress.lossDrop, step },
  ];
  if (optimizer.className === 'SGD') {
    evidence.push({ label: l10n.t('Largest update ratio ‖learning rate × ∂L/∂W‖ / ‖W‖ of any layer'), value: largestUpdateRatio(end), step });
  }

  return {
    kind: 'learningRateTooLow',
    severity: 'warning',
    specIndexes: [],
    range: context.spec.compile.range,
    title: l10n.t(
      'Learning rate too low: with learning rate {0} the loss stays near {1} although the gradients are healthy.',
      optimizer.learningRate,
      formatFactor(progress.loss),
    ),
    explanation: l10n.t(
      'Each training step moves the weights by the learning rate times the gradient. The gradients reach every layer, but with this learning rate a step changes the weights by a negligible fraction of their size, so the model hardly changes however long it trains. Try a learning rate ten or a hundred times higher; Keras uses 0.01 for SGD and 0.001 for Adam by default.',
    ),
    evidence,
    fixes: ['raiseLearningRate'],
    firstStep: samples[state.since].step,
  };
}

/** Gradients reach the first layer, and no layer is mostly dead or saturated. */
function gradientsAreHealthy(context: DiagnosisContext, end: number, output: number): boolean {
  const { hiddenWeighted } = context;
  const outputNorm = context.layerMedians('weightGradNorm', output)[end];
  if (!(outputNorm > 0)) {
    return false;
  }
  if (hiddenWeighted.length > 0) {
    const ratio = gradientRatioMedians(context, hiddenWeighted[0], output)[end];
    if (!(ratio >= VANISHING_RATIO)) {
      return false;
    }
  }
  return context.hidden.every((layer) => {
    const dead = context.layerMedians('deadFraction', layer)[end];
    const saturated = context.layerMedians('saturatedFraction', layer)[end];
    return !(dead >= DEAD_FRACTION_OFF) && !(saturated >= SATURATED_FRACTION_OFF);
  });
}
