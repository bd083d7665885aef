/**
 * Rule: training stalled near chance. After enough examples the batch accuracy is still
 * about what guessing gets. `diagnose` shows it only when no other finding explains why.
 *
 * Source: AutoTrainer (shiningrain/AUTOTRAINER, utils/monitor.py) reports a model that
 * does not converge when its accuracy stays below 70% after 30% of the epochs, or when
 * no epoch improves accuracy by 1%. This rule looks at the distance from chance instead,
 * after STALL_MIN_EXAMPLES, so it can speak within the first epoch. Tuned on MNIST: stuck
 * models (dead ReLU layers, vanishing gradients, a learning rate of 1e-5) stayed at 7–11%
 * batch accuracy, while the slowest healthy model passed 40% by then. Each of those gets
 * a more specific finding, so this one speaks only for a stall without one, such as two
 * sigmoid layers with SGD, which are still at 10–21% after 16,000 examples.
 */
import * as l10n from '@vscode/l10n';
import type { Evidence, Finding, FixKind } from '../common/findings';
import { examplesSeen, type DiagnosisContext } from './context';
import { firstProgressEnd, progressAt } from './progress';
import { formatPercent } from './text';
import { replayHysteresis, WINDOW_SAMPLES } from './windows';

/** Accuracy at most this far above chance (absolute) counts as near chance. */
export const NEAR_CHANCE_MARGIN = 0.1;
/** An active finding ends once accuracy is this far above chance. */
export const NEAR_CHANCE_MARGIN_OFF = 0.15;
/** Without an accuracy metric: a loss at this fraction of the guessing loss or more counts as guessing… */
const GUESSING_LOSS_FRACTION = 0.9;
/** …and an active finding ends below this fraction. */
const GUESSING_LOSS_FRACTION_OFF = 0.8;

export function diagnoseStalledNearChance(context: DiagnosisContext): Finding | undefined {
  const { samples, chanceAccuracy, chanceLoss } = context;
  // Without an accuracy metric the loss decides, against the loss of guessing (ln k for a
  // crossentropy on k classes). mse and mae have no such level, so they never count as stalled.
  const nearChance = (end: number, accuracyMargin: number, lossFraction: number): boolean => {
    const progress = progressAt(context, end);
    if (!Number.isNaN(progress.accuracy)) {
      return progress.accuracy <= chanceAccuracy + accuracyMargin;
    }
    return chanceLoss !== undefined && progress.loss >= lossFraction * chanceLoss;
  };

  const state = replayHysteresis(
    samples.length,
    firstProgressEnd(context),
    (end) => nearChance(end, NEAR_CHANCE_MARGIN, GUESSING_LOSS_FRACTION),
    (end) => !nearChance(end, NEAR_CHANCE_MARGIN_OFF, GUESSING_LOSS_FRACTION_OFF),
  );
  if (!state.active) {
    return undefined;
  }

  const end = samples.length - 1;
  const progress = progressAt(context, end);
  const rawPixels = context.spec.dataset.pixelDivisor === 1;
  const evidence: Evidence[] = [
    { label: l10n.t('Mean batch accuracy of the last {0} samples', WINDOW_SAMPLES), value: progress.accuracy, step: samples[end].step },
    { label: l10n.t('Accuracy of guessing'), value: chanceAccuracy },
    { label: l10n.t('Training examples seen'), value: examplesSeen(context, samples[end]) },
  ];
  const fixes: FixKind[] = rawPixels ? ['scaleInputs'] : [];

  return {
    kind: 'stalledNearChance',
    severity: 'warning',
    specIndexes: [],
    range: context.spec.fit.range ?? context.spec.compile.range,
    title: l10n.t(
      'Training stalled near chance: batch accuracy is {0}% after {1} steps, about what guessing gets ({2}%).',
      formatPercent(progress.accuracy),
      samples[end].step + 1,
      formatPercent(chanceAccuracy),
    ),
    explanation: rawPixels
      ? l10n.t(
          'The model has not learned anything usable yet. The pixels reach it as values from 0 to 255, hundreds of times larger than the initial weights expect, so the first steps push the outputs to extremes it does not recover from. Divide the images by 255.0 before training.',
        )
      : l10n.t(
          'The model has not learned anything usable yet, and the statistics show no single cause. Check that the last layer fits the loss, such as Dense(10, activation="softmax") for 10 classes, that the inputs are scaled to 0–1, and try another learning rate.',
        ),
    evidence,
    fixes,
    firstStep: samples[state.since].step,
  };
}
