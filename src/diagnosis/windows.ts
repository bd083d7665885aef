/**
 * Windows over the latest statistics samples, and the replay that gives findings their
 * hysteresis. `diagnose` is pure and runs after every sample, so a rule's state at the
 * latest sample is recomputed by replaying its on and off conditions over all samples.
 */
import type { StatisticsSample } from '../common/statistics';

/**
 * Samples a window spans. At the default 25 samples per epoch, six samples are about a
 * quarter of an epoch: long enough that one unusual batch cannot switch a finding on or
 * off, short enough that a finding appears within the first epoch.
 */
export const WINDOW_SAMPLES = 6;

/** Median of the finite values; NaN when there are none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) {
    return NaN;
  }
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Mean of the finite values; NaN when there are none. */
export function mean(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? NaN : finite.reduce((sum, value) => sum + value, 0) / finite.length;
}

/** A rule's state after the latest sample. */
export interface ReplayResult {
  readonly active: boolean;
  /** Index of the sample at which the rule last switched on; meaningful when `active`. */
  readonly since: number;
}

/**
 * Replays a rule with hysteresis over the windows ending at `firstEnd` … `count − 1`. The
 * rule switches on where `isOn(end)` is true and stays on until `isOff(end)` is true. Make
 * `isOff` harder to meet than the negation of `isOn`, so values near a threshold do not
 * switch the finding on and off from one sample to the next.
 */
export function replayHysteresis(
  count: number,
  firstEnd: number,
  isOn: (end: number) => boolean,
  isOff: (end: number) => boolean,
): ReplayResult {
  let active = false;
  let since = -1;
  for (let end = Math.max(0, firstEnd); end < count; end++) {
    if (!active && isOn(end)) {
      active = true;
      since = end;
    } else if (active && isOff(end)) {
      active = false;
    }
  }
  return { active, since };
}

/**
 * Returns, for every sample index, the median of `read` over the window ending there.
 * One pass with a reused buffer, because rules read these series for every sample.
 */
export function windowMedianSeries(
  samples: readonly StatisticsSample[],
  read: (sample: StatisticsSample) => number,
  size = WINDOW_SAMPLES,
): Float64Array {
  const values = readValues(samples, read);
  const medians = new Float64Array(samples.length);
  const buffer = new Float64Array(size);
  for (let end = 0; end < samples.length; end++) {
    let count = 0;
    for (let index = Math.max(0, end - size + 1); index <= end; index++) {
      const value = values[index];
      if (!Number.isFinite(value)) {
        continue;
      }
      // Insertion sort: windows hold a handful of values.
      let position = count++;
      while (position > 0 && buffer[position - 1] > value) {
        buffer[position] = buffer[position - 1];
        position--;
      }
      buffer[position] = value;
    }
    const middle = count >> 1;
    if (count === 0) {
      medians[end] = NaN;
    } else if (count % 2 === 1) {
      medians[end] = buffer[middle];
    } else {
      medians[end] = (buffer[middle - 1] + buffer[middle]) / 2;
    }
  }
  return medians;
}

/** Returns, for every sample index, the mean of the finite values of `read` over the window ending there. */
export function windowMeanSeries(
  samples: readonly StatisticsSample[],
  read: (sample: StatisticsSample) => number,
  size = WINDOW_SAMPLES,
): Float64Array {
  const values = readValues(samples, read);
  const means = new Float64Array(samples.length);
  for (let end = 0; end < samples.length; end++) {
    let sum = 0;
    let count = 0;
    for (let index = Math.max(0, end - size + 1); index <= end; index++) {
      if (Number.isFinite(values[index])) {
        sum += values[index];
        count++;
      }
    }
    means[end] = count === 0 ? NaN : sum / count;
  }
  return means;
}

function readValues(samples: readonly StatisticsSample[], read: (sample: StatisticsSample) => number): Float64Array {
  const values = new Float64Array(samples.length);
  for (let index = 0; index < samples.length; index++) {
    values[index] = read(samples[index]);
  }
  return values;
}
