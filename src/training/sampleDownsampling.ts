/**
 * Keeps the statistics of a long run within a fixed number of samples. The panel draws one
 * heatmap column per sample, and no panel is wider than a couple of thousand pixels, so more
 * samples only cost memory in the host and the webview. Once a run reaches the limit,
 * neighbouring samples are merged in pairs and later samples are merged in groups of the
 * same size, so every kept sample covers the same number of training steps.
 */
import type { LayerStatistics, StatisticsSample } from '../common/statistics';

/** Samples kept per run for display; must be even so that merging in pairs halves it exactly. */
export const MAX_DISPLAY_SAMPLES = 2000;

export type DownsampleResult =
  /** The sample waits in an incomplete group; nothing visible changed. */
  | { readonly kind: 'pending' }
  /** One sample (possibly merged) goes at the end of the list. */
  | { readonly kind: 'appended'; readonly sample: StatisticsSample }
  /** The list reached the limit and was halved; it replaces the old one. */
  | { readonly kind: 'compacted'; readonly samples: readonly StatisticsSample[] };

/** The merging state of one run. */
export class SampleDownsampler {
  /** Raw samples merged into each shown sample; doubles at every compaction. */
  private stride = 1;
  private pending: StatisticsSample[] = [];

  constructor(private readonly maxSamples = MAX_DISPLAY_SAMPLES) {
    if (!Number.isInteger(maxSamples) || maxSamples < 2 || maxSamples % 2 !== 0) {
      throw new RangeError(`maxSamples must be an even integer of at least 2, got ${maxSamples}.`);
    }
  }

  /** Raw samples per shown sample. */
  get samplesPerColumn(): number {
    return this.stride;
  }

  /** Adds one sample from the trainer to `shown`, the samples shown so far. */
  add(shown: readonly StatisticsSample[], sample: StatisticsSample): DownsampleResult {
    this.pending.push(sample);
    if (this.pending.length < this.stride) {
      return { kind: 'pending' };
    }

    const merged = mergeSamples(this.pending);
    this.pending = [];
    if (shown.length + 1 < this.maxSamples) {
      return { kind: 'appended', sample: merged };
    }
    this.stride *= 2;
    return { kind: 'compacted', samples: mergeNeighbours([...shown, merged]) };
  }

  /**
   * Merges a partly filled group into one last sample, so the final steps of a run (often
   * the step that went NaN) stay visible. Returns 'pending' when no sample was waiting.
   */
  flush(): DownsampleResult {
    if (this.pending.length === 0) {
      return { kind: 'pending' };
    }
    const merged = mergeSamples(this.pending);
    this.pending = [];
    return { kind: 'appended', sample: merged };
  }
}

/** Merges samples in pairs, in order; an odd last sample stays as it is. */
export function mergeNeighbours(samples: readonly StatisticsSample[]): StatisticsSample[] {
  return mergeGroups(samples, 2);
}

/** Merges consecutive groups of `groupSize` samples, in order; the last group may be smaller. */
export function mergeGroups(samples: readonly StatisticsSample[], groupSize: number): StatisticsSample[] {
  const merged: StatisticsSample[] = [];
  for (let index = 0; index < samples.length; index += groupSize) {
    merged.push(mergeSamples(samples.slice(index, index + groupSize)));
  }
  return merged;
}

/**
 * Merges consecutive samples into one that covers them all. It takes the position (step,
 * epoch, batch) of the first, so a heatmap cell starts where its group starts. Values
 * are means. A NaN or infinite value in any member carries over, so a step that went bad
 * stays visible. Non-finite gradient counts add up. The histogram is the last member's
 * because histograms of different samples have different value ranges.
 */
export function mergeSamples(group: readonly StatisticsSample[]): StatisticsSample {
  if (group.length === 1) {
    return group[0];
  }
  const first = group[0];
  const last = group[group.length - 1];
  return {
    step: first.step,
    epoch: first.epoch,
    batch: first.batch,
    loss: mean(group.map((sample) => sample.loss)),
    accuracy: mean(group.map((sample) => sample.accuracy)),
    layers: last.layers.map((lastLayer, index) => mergeLayer(group.map((sample) => sample.layers[index]).filter(isDefined), lastLayer)),
  };
}

/** Sums per field in one pass: storing a wide model's run merges hundreds of thousands of these. */
function mergeLayer(members: readonly LayerStatistics[], last: LayerStatistics): LayerStatistics {
  const sums = { weightGradNorm: 0, weightGradMeanAbs: 0, biasGradNorm: 0, outputGradNorm: 0, activationMean: 0, activationStd: 0, updateRatio: 0 };
  let gradNonFinite = 0;
  let saturatedSum = 0;
  let saturatedCount = 0;
  let deadSum = 0;
  let deadCount = 0;
  for (const member of members) {
    sums.weightGradNorm += member.weightGradNorm;
    sums.weightGradMeanAbs += member.weightGradMeanAbs;
    sums.biasGradNorm += member.biasGradNorm;
    sums.outputGradNorm += member.outputGradNorm;
    sums.activationMean += member.activationMean;
    sums.activationStd += member.activationStd;
    sums.updateRatio += member.updateRatio;
    gradNonFinite += member.gradNonFinite;
    if (member.saturatedFraction !== null) {
      saturatedSum += member.saturatedFraction;
      saturatedCount++;
    }
    if (member.deadFraction !== null) {
      deadSum += member.deadFraction;
      deadCount++;
    }
  }

  const count = members.length;
  return {
    weightGradNorm: sums.weightGradNorm / count,
    weightGradMeanAbs: sums.weightGradMeanAbs / count,
    biasGradNorm: sums.biasGradNorm / count,
    gradNonFinite,
    outputGradNorm: sums.outputGradNorm / count,
    activationMean: sums.activationMean / count,
    activationStd: sums.activationStd / count,
    histogram: last.histogram,
    histogramMin: last.histogramMin,
    histogramMax: last.histogramMax,
    // Null when the statistic applies to no member, as for every sample of that layer.
    saturatedFraction: saturatedCount === 0 ? null : saturatedSum / saturatedCount,
    deadFraction: deadCount === 0 ? null : deadSum / deadCount,
    updateRatio: sums.updateRatio / count,
  };
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) {
    sum += value;
  }
  return sum / values.length;
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
