/** The benchmark's targets, checked against the measured figures, and the printed report. */
import type { FirstSampleTiming, MemoryRun } from './trainerLaunch';
import { STEP_METHODS, type StepMethod, type StepTimingResult } from './stepTiming';

/** Highest accepted ratio of the trainer with default statistics to plain tfjs `model.fit`. */
export const MAX_SPEED_RATIO = 0.5;
/** Highest accepted ratio of the trainer with default statistics to the trainer without statistics. */
export const MAX_STATISTICS_RATIO = 1.05;
/** Peak resident memory of the trainer process must stay below this (1 GB). */
export const MAX_PEAK_RSS_BYTES = 1e9;
/** Longest accepted time from the command to the first statistics sample. */
export const MAX_FIRST_SAMPLE_MS = 3000;

export interface BenchResults {
  readonly machine: string;
  readonly stepPlan: string;
  readonly steps: StepTimingResult;
  readonly firstSamples: readonly FirstSampleTiming[];
  readonly memory: MemoryRun;
}

interface TargetCheck {
  readonly name: string;
  readonly measured: string;
  readonly limit: string;
  /** Undefined when the figure could not be measured on this machine. */
  readonly met: boolean | undefined;
}

const METHOD_TITLES: Readonly<Record<StepMethod, string>> = {
  modelFit: 'tfjs model.fit',
  statisticsOff: 'ours, statistics off',
  statisticsDefault: 'ours, default statistics',
  statisticsEveryStep: 'ours, statistics every step',
};

/** Returns the whole report: machine, step times, launch figures, the targets and a closing verdict. */
export function formatReport(results: BenchResults): string {
  const checks = checkTargets(results);
  const missed = checks.filter((check) => check.met === false);
  const unmeasured = checks.filter((check) => check.met === undefined);

  const lines = [
    '',
    `Machine: ${results.machine}, tfjs ${results.steps.tfjsVersion}, backend ${results.steps.backend}`,
    '',
    `Milliseconds per step: median over the rounds, fastest–slowest round in brackets. Ratios below are medians of the per-round ratios. ${results.stepPlan}`,
    '',
    ...stepTable(results.steps),
    '',
    ...launchLines(results),
    '',
    ...markdownTable(
      ['target', 'measured', 'limit', 'result'],
      checks.map((check) => [check.name, check.measured, check.limit, resultLabel(check.met)]),
    ),
    '',
  ];
  if (missed.length === 0 && unmeasured.length === 0) {
    lines.push(`All ${checks.length} targets met.`);
  } else {
    if (missed.length > 0) {
      lines.push(`MISSED ${missed.length} of ${checks.length} targets: ${missed.map((check) => check.name).join('; ')}.`);
    }
    if (unmeasured.length > 0) {
      lines.push(`Not measured on this machine: ${unmeasured.map((check) => check.name).join('; ')}.`);
    }
  }
  return lines.join('\n') + '\n';
}

function checkTargets(results: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];

  for (const times of results.steps.times) {
    const speedRatio = medianRatio(times.perRound.statisticsDefault, times.perRound.modelFit);
    checks.push({
      name: `${times.model}: ours (default statistics) / model.fit`,
      measured: speedRatio.toFixed(3),
      limit: `≤ ${MAX_SPEED_RATIO}`,
      met: speedRatio <= MAX_SPEED_RATIO,
    });
  }
  for (const times of results.steps.times) {
    const statisticsRatio = medianRatio(times.perRound.statisticsDefault, times.perRound.statisticsOff);
    checks.push({
      name: `${times.model}: default statistics / statistics off`,
      measured: statisticsRatio.toFixed(3),
      limit: `≤ ${MAX_STATISTICS_RATIO}`,
      met: statisticsRatio <= MAX_STATISTICS_RATIO,
    });
  }

  const peak = results.memory.peakRssBytes;
  checks.push({
    name: 'peak RSS of the trainer process, full MNIST',
    measured: peak === undefined ? 'not measured' : `${(peak / 1e6).toFixed(0)} MB`,
    limit: `< ${MAX_PEAK_RSS_BYTES / 1e9} GB`,
    met: peak === undefined ? undefined : peak < MAX_PEAK_RSS_BYTES,
  });

  const forkToSample = Math.max(...results.firstSamples.map((timing) => timing.forkToSampleMs));
  const withParse = Math.max(...results.firstSamples.map((timing) => timing.parseMs + timing.forkToSampleMs));
  checks.push({
    name: 'fork of the trainer → first sample (slowest launch)',
    measured: `${(forkToSample / 1000).toFixed(2)} s`,
    limit: `≤ ${MAX_FIRST_SAMPLE_MS / 1000} s`,
    met: forkToSample <= MAX_FIRST_SAMPLE_MS,
  });
  checks.push({
    name: 'parse + fork → first sample (slowest launch)',
    measured: `${(withParse / 1000).toFixed(2)} s`,
    limit: `≤ ${MAX_FIRST_SAMPLE_MS / 1000} s`,
    met: withParse <= MAX_FIRST_SAMPLE_MS,
  });
  return checks;
}

function resultLabel(met: boolean | undefined): string {
  if (met === undefined) {
    return 'NOT MEASURED';
  }
  return met ? 'PASS' : 'FAIL';
}

function stepTable(result: StepTimingResult): string[] {
  const rows = result.times.map((times) => [
    times.model,
    ...STEP_METHODS.map((method) => {
      const values = times.perRound[method];
      return `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
    }),
  ]);
  const sampling = result.times[0]?.samplesPerRun;
  const headers = STEP_METHODS.map((method) =>
    sampling && method !== 'modelFit' ? `${METHOD_TITLES[method]} [${sampling[method]} samples/run]` : METHOD_TITLES[method],
  );
  return markdownTable(['model', ...headers], rows);
}

/**
 * Returns the median over rounds of numerator[round] / denominator[round]. Runs of one round
 * follow each other closely, so a slow spell of the machine mostly cancels in each ratio.
 */
function medianRatio(numerator: readonly number[], denominator: readonly number[]): number {
  return median(numerator.map((value, round) => value / denominator[round]));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function launchLines(results: BenchResults): string[] {
  const { memory, firstSamples } = results;
  const launches = firstSamples
    .map(
      (timing, i) =>
        `launch ${i + 1}: parse ${timing.parseMs.toFixed(1)} ms, fork → first sample ${(timing.forkToSampleMs / 1000).toFixed(2)} s`,
    )
    .join('; ');
  return [
    `First statistics sample, deep_sigmoid.py with the default settings: ${launches}.`,
    `Memory run: ${memory.stepsPerEpoch} steps on ${memory.trainExamples} training examples, validation and test evaluation in ${memory.seconds.toFixed(1)} s.`,
  ];
}

function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}
