/**
 * Rule: dead ReLU layers. Most units of a hidden ReLU layer output 0 for every example of
 * the batch, so their gradient is 0 and they never recover.
 *
 * Source: AutoTrainer (shiningrain/AUTOTRAINER, utils/monitor.py) flags 70% or more zero
 * gradient entries, and DeepDiagnosis (DeepDiagnosis/ICSE2022, callback/callbacks.py) 70%
 * or more outputs ≤ 0. The trainer's dead fraction is stricter: a unit counts only when it
 * is 0 for every example of the batch. Tuned on MNIST: healthy ReLU models stayed at or
 * below 28% in every layer. Raw 0–255 pixels left 67–80% of the first layer dead while
 * the model still learned, and the progress gate keeps such runs out. A bias of −1, weights
 * that all start at 1, and Adam at learning rates 0.05 to 0.3 killed 96–100% of the units.
 */
import * as l10n from '@vscode/l10n';
import type { Evidence, Finding, FixKind } from '../common/findings';
import type { DiagnosisContext } from './context';
import { KERAS_DEFAULT_LEARNING_RATE } from '../common/optimizerDefaults';
import { firstProgressEnd, isLearning, progressAt, STALL_ACCURACY_GAIN, STALL_LOSS_DROP } from './progress';
import { formatPercent, layerNames, specIndexes } from './text';
import { replayHysteresis, WINDOW_SAMPLES } from './windows';

/** Median dead fraction that switches the finding on while training makes no progress. */
export const DEAD_FRACTION = 0.7;
/** Median dead fraction that switches it on regardless of progress: the layer is all but gone. */
export const DEAD_FRACTION_CERTAIN = 0.95;
/** Below this in every layer an active finding ends. */
export const DEAD_FRACTION_OFF = 0.5;

export function diagnoseDeadRelu(context: DiagnosisContext): Finding | undefined {
  const { samples } = context;
  const candidates = context.hidden.filter((layer) => samples.some((sample) => sample.layers[layer].deadFraction !== null));
  if (candidates.length === 0) {
    return undefined;
  }
  const series = new Map(candidates.map((layer) => [layer, context.layerMedians('deadFraction', layer)]));
  const fractionAt = (end: number, layer: number): number => (series.get(layer) as Float64Array)[end];
  const layersAbove = (end: number, threshold: number): number[] => candidates.filter((layer) => fractionAt(end, layer) >= threshold);
  const progressFrom = firstProgressEnd(context);

  const state = replayHysteresis(
    samples.length,
    WINDOW_SAMPLES - 1,
    (end) =>
      layersAbove(end, DEAD_FRACTION_CERTAIN).length > 0 ||
      (end >= progressFrom &&
        layersAbove(end, DEAD_FRACTION).length > 0 &&
        !isLearning(progressAt(context, end), STALL_ACCURACY_GAIN, STALL_LOSS_DROP)),
    (end) => layersAbove(end, DEAD_FRACTION_OFF).length === 0,
  );
  if (!state.active) {
    return undefined;
  }

  const end = samples.length - 1;
  // Naming every layer above the off threshold keeps the list steady while values hover near the on threshold.
  const named = layersAbove(end, DEAD_FRACTION_OFF);
  const worst = Math.max(...named.map((layer) => fractionAt(end, layer)));
  const evidence: Evidence[] = named.map((layer) => ({
    label: l10n.t('Share of dead units of {0}', context.layers[layer].name),
    value: fractionAt(end, layer),
    step: samples[end].step,
    specIndex: context.layers[layer].specIndex,
  }));

  const optimizer = context.spec.compile.optimizer;
  const fixes: FixKind[] =
    optimizer.learningRate > KERAS_DEFAULT_LEARNING_RATE[optimizer.className]
      ? ['lowerLearningRate', 'insertBatchNormalization']
      : ['insertBatchNormalization'];
  return {
    kind: 'deadRelu',
    severity: 'warning',
    specIndexes: specIndexes(context, named),
    title: l10n.t('Dead ReLU units: up to {0}% of the units of {1} output 0 for every example.', formatPercent(worst), layerNames(context, named)),
    explanation: l10n.t(
      'ReLU outputs 0 for every negative input, and its gradient there is 0 as well. A unit whose input is negative for every example never outputs anything and never gets a gradient, so its weights stop changing: it is dead, and the layer loses that much of its capacity. Too high a learning rate or large negative biases push units there; a lower learning rate or batch normalization keeps them alive.',
    ),
    evidence,
    fixes,
    firstStep: samples[state.since].step,
  };
}
