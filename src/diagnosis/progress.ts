/**
 * Whether training makes progress: the latest window of samples against a baseline of the
 * first samples, which stand for the untrained model.
 */
import { BASELINE_SAMPLES, examplesSeen, type DiagnosisContext } from './context';
import { WINDOW_SAMPLES } from './windows';

export { BASELINE_SAMPLES };

/**
 * Training examples a model must have seen before a lack of progress counts: 9,600, which
 * is 300 batches of 32. Tuned on the test cases: the slowest healthy deep model (glorot
 * ReLU layers with SGD 0.01) had 25% batch accuracy after 6,000 examples and 47% after
 * 12,000. Two sigmoid layers with SGD stay near chance for about 30,000 examples, so they
 * get a stall finding that goes away once they learn.
 */
export const STALL_MIN_EXAMPLES = 9_600;

/**
 * A rule gated on a stall needs accuracy to have gained less than this (absolute) since
 * the baseline… Batch accuracy is noisy: at batch size 32 and accuracy near 10%, the
 * window mean minus the baseline mean has a standard deviation near 0.04. So a rule
 * that switches off on progress needs PROGRESS_OFF_FACTOR times these thresholds.
 */
export const STALL_ACCURACY_GAIN = 0.05;
/** …and the loss to have fallen by less than this fraction of the baseline loss. */
export const STALL_LOSS_DROP = 0.05;
/** Multiple of the stall thresholds at which progress ends an active finding. */
export const PROGRESS_OFF_FACTOR = 2;

export interface Progress {
  /** Mean batch accuracy over the window; NaN without the accuracy metric. */
  readonly accuracy: number;
  /** Window accuracy minus baseline accuracy; NaN without the accuracy metric. */
  readonly accuracyGain: number;
  /** Median batch loss over the window. */
  readonly loss: number;
  /** Fall of the loss relative to the baseline: (baseline − window) / baseline. */
  readonly lossDrop: number;
}

/** Returns the progress at the window ending at sample `end`. */
export function progressAt(context: DiagnosisContext, end: number): Progress {
  const { baseline } = context;
  const accuracy = context.means('accuracy', (sample) => sample.accuracy)[end];
  const loss = context.medians('loss', (sample) => sample.loss)[end];

  return {
    accuracy,
    accuracyGain: accuracy - baseline.accuracy,
    loss,
    lossDrop: baseline.loss > 0 ? (baseline.loss - loss) / baseline.loss : NaN,
  };
}

/**
 * Returns the first sample index whose window can be compared with the baseline: the
 * window must not overlap the baseline, and the model must have seen STALL_MIN_EXAMPLES.
 * Returns the sample count when no sample qualifies yet.
 */
export function firstProgressEnd(context: DiagnosisContext): number {
  const samples = context.samples;
  for (let end = BASELINE_SAMPLES + WINDOW_SAMPLES - 1; end < samples.length; end++) {
    if (examplesSeen(context, samples[end]) >= STALL_MIN_EXAMPLES) {
      return end;
    }
  }
  return samples.length;
}

/**
 * True when accuracy rose by at least `accuracyGain` (absolute) or the loss fell by at
 * least `lossDrop` (relative) since the baseline.
 */
export function isLearning(progress: Progress, accuracyGain: number, lossDrop: number): boolean {
  return progress.accuracyGain >= accuracyGain || progress.lossDrop >= lossDrop;
}
