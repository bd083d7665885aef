/**
 * Rule: learning rate too high. The loss climbs well above the lowest value it had
 * reached, or the epoch loss rises again and again.
 *
 * Source: AutoTrainer (shiningrain/AUTOTRAINER, utils/monitor.py) counts a NaN loss or a
 * validation loss of 1e5 or more as exploding, and calls training unstable when accuracy
 * swings by 3% or more between epochs in a fifth of them. A NaN loss is the non-finite
 * rule's finding here. Tuned on MNIST, with the loss computed from the logits of the final
 * softmax as Keras does. A softmax regression (no hidden layer) with SGD at learning rates
 * 30 to 100 rose from 2.7 to tens within 50 steps, and it stayed there while accuracy
 * stayed near 80%. Six tanh layers with SGD at 1 rose from 2.3 to about 25. Deep ReLU
 * models mostly fail otherwise: SGD at 1 and 10 overflowed to NaN within 20 steps, and
 * Adam at 0.05 to 0.3 or RMSprop at 0.1 killed the ReLU units. No healthy case rose by
 * more than 0.13 above its lowest window median.
 */
import * as l10n from '@vscode/l10n';
import type { Evidence, Finding, FixKind } from '../common/findings';
import type { DiagnosisContext } from './context';
import { formatFactor } from './text';
import { replayHysteresis, WINDOW_SAMPLES } from './windows';

/**
 * Rise of the window's median loss above the lowest loss so far, in nats, that counts as
 * diverging. A rise of 2 means the typical probability of the right class fell 7-fold.
 */
export const DIVERGENCE_RISE = 2;
/** An active finding ends when the rise is back below this. */
export const DIVERGENCE_RISE_OFF = 1;
/** Samples the first window needs: the first loss and two after it. */
const DIVERGENCE_MIN_SAMPLES = 3;
/** The epoch loss rising by this fraction counts as one swing… */
export const OSCILLATION_RISE = 0.1;
/** …and this many swings within the last OSCILLATION_EPOCHS epochs make the loss oscillate. */
export const OSCILLATION_SWINGS = 2;
const OSCILLATION_EPOCHS = 5;

export function diagnoseLearningRateTooHigh(context: DiagnosisContext): Finding | undefined {
  const { samples } = context;
  if (samples.length === 0) {
    return undefined;
  }

  // Lowest loss so far before each window: the first sample or any earlier window's median.
  const windowLoss = context.medians('loss', (sample) => sample.loss);
  const lowestBefore: number[] = [];
  let lowest = samples[0].loss;
  for (let end = 0; end < samples.length; end++) {
    lowestBefore.push(lowest);
    if (end >= WINDOW_SAMPLES - 1 && windowLoss[end] < lowest) {
      lowest = windowLoss[end];
    }
  }
  const diverged = (end: number, rise: number): boolean => windowLoss[end] - lowestBefore[end] >= rise;
  const swingsAt = (end: number): number => epochLossSwings(context, samples[end].epoch);

  const state = replayHysteresis(
    samples.length,
    DIVERGENCE_MIN_SAMPLES - 1,
    (end) => diverged(end, DIVERGENCE_RISE) || swingsAt(end) >= OSCILLATION_SWINGS,
    (end) => !diverged(end, DIVERGENCE_RISE_OFF) && swingsAt(end) < OSCILLATION_SWINGS,
  );
  if (!state.active) {
    return undefined;
  }

  const end = samples.length - 1;
  const step = samples[end].step;
  const learningRate = context.spec.compile.optimizer.learningRate;
  const evidence: Evidence[] = [
    { label: l10n.t('Learning rate'), value: learningRate },
    { label: l10n.t('Lowest loss before the rise'), value: lowestBefore[end] },
    { label: l10n.t('Median loss of the last {0} samples', WINDOW_SAMPLES), value: windowLoss[end], step },
  ];
  const isDiverging = diverged(end, DIVERGENCE_RISE_OFF);
  const rawPixels = context.spec.dataset.pixelDivisor === 1;
  const fixes: FixKind[] = rawPixels ? ['scaleInputs', 'lowerLearningRate'] : ['lowerLearningRate'];
  if (!isDiverging) {
    evidence.push({ label: l10n.t('Epochs whose loss rose by more than 10%'), value: swingsAt(end) });
  }

  return {
    kind: 'learningRateTooHigh',
    severity: 'warning',
    specIndexes: [],
    range: context.spec.compile.range,
    title: isDiverging
      ? l10n.t(
          'Learning rate too high: the loss rose from {0} to {1} with learning rate {2}.',
          formatFactor(lowestBefore[end]),
          formatFactor(windowLoss[end]),
          learningRate,
        )
      : l10n.t('Learning rate too high: the loss goes up and down from epoch to epoch with learning rate {0}.', learningRate),
    explanation: [
      l10n.t(
        'The learning rate sets how far each training step moves the weights. When the steps are too long, they overshoot the minimum the gradient points to: the loss rises instead of falling, or swings up and down, and ReLU units can die on the way.',
      ),
      rawPixels
        ? l10n.t(
            'Here the pixels reach the model as values from 0 to 255, which makes the gradients of the first layer 255 times larger, as if its learning rate were 255 times higher. Divide the images by 255.0 before training.',
          )
        : l10n.t('Try a learning rate ten times lower.'),
    ].join(' '),
    evidence,
    fixes,
    firstStep: samples[state.since].step,
  };
}

/** Counts, among the last OSCILLATION_EPOCHS epochs finished before `epoch`, those whose loss rose by OSCILLATION_RISE or more. */
function epochLossSwings(context: DiagnosisContext, epoch: number): number {
  const finished = context.run.epochLogs.filter((logs) => logs.epoch < epoch).slice(-OSCILLATION_EPOCHS - 1);
  let swings = 0;
  for (let i = 1; i < finished.length; i++) {
    if (finished[i].loss > finished[i - 1].loss * (1 + OSCILLATION_RISE)) {
      swings++;
    }
  }
  return swings;
}

