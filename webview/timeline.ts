/**
 * The time axis shared by the heatmap and the curves. Positions are in epochs: a sample at
 * global step s sits at s / stepsPerEpoch, so epoch 1 spans [0, 1) and its label is centred there.
 */
import type { RunSnapshot } from '../src/common/runState';
import type { StatisticsSample } from '../src/common/statistics';

/** Samples per epoch the trainer takes unless configured otherwise. */
const DEFAULT_SAMPLES_PER_EPOCH = 25;

export interface Timeline {
  readonly stepsPerEpoch: number;
  /** Epochs the axis spans: the planned run, or more when samples go past it. */
  readonly epochs: number;
  /** Width of one heatmap column, in steps. */
  readonly columnSteps: number;
}

export function buildTimeline(run: RunSnapshot): Timeline {
  const stepsPerEpoch = Math.max(1, run.stepsPerEpoch);
  const columnSteps = sampleSpacing(run.samples, stepsPerEpoch);
  const last = run.samples.at(-1);
  // The last sample of an epoch sits on its final step, so the sample's own epoch bounds the axis.
  const sampledEpochs = last ? last.epoch + 1 : 0;
  const loggedEpochs = run.epochLogs.length;
  return { stepsPerEpoch, epochs: Math.max(1, run.epochs, sampledEpochs, loggedEpochs), columnSteps };
}

/**
 * Median step gap between consecutive samples of the same epoch. The trainer spreads samples
 * evenly, so the median ignores the shorter gap it may leave at the end of an epoch.
 */
export function sampleSpacing(samples: readonly StatisticsSample[], stepsPerEpoch: number): number {
  const gaps: number[] = [];
  for (let index = 1; index < samples.length; index++) {
    const gap = samples[index].step - samples[index - 1].step;
    if (gap > 0 && samples[index].epoch === samples[index - 1].epoch) {
      gaps.push(gap);
    }
  }
  if (gaps.length === 0) {
    // NOTE: until two samples of one epoch arrive the spacing is unknown; assume the default sampling.
    return Math.max(1, stepsPerEpoch / DEFAULT_SAMPLES_PER_EPOCH);
  }
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}

/** Position of a global step on the epoch axis. */
export function stepToEpochs(step: number, timeline: Timeline): number {
  return step / timeline.stepsPerEpoch;
}

/**
 * Picks how many epochs apart the axis labels sit (1, 2, 5, 10, 20, 50…) so that they stay
 * at least `minSpacing` pixels apart.
 */
export function epochLabelStride(pixelsPerEpoch: number, minSpacing: number): number {
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const factor of [1, 2, 5]) {
      const stride = factor * magnitude;
      if (stride * pixelsPerEpoch >= minSpacing || stride >= 1e6) {
        return stride;
      }
    }
  }
}

/** 1-based epoch numbers to label: every `stride`-th, and epoch 1 when it does not crowd the next label. */
export function labelledEpochs(epochs: number, stride: number): number[] {
  const labels: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    if (epoch % stride === 0) {
      labels.push(epoch);
    }
  }

  const next = labels[0] ?? epochs + stride;
  if (next - 1 >= 0.75 * stride || labels.length === 0) {
    labels.unshift(1);
  }
  return labels;
}
