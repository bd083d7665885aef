/**
 * Measurements of the forked trainer process as the "Train model" command starts it: the
 * time until the first statistics sample reaches the host, and the peak resident memory.
 */
import { readFileSync } from 'node:fs';
import type { ModelSpec } from '../common/modelSpec';
import type { PanelState } from '../common/runState';
import type { TrainOptions } from '../common/trainerProtocol';
import { parseModelDocument } from '../parser/modelDocument';
import { TrainingSession } from '../training/trainingSession';

/** A launch that has not sent what it measures by then is stopped and reported as failed. */
const LAUNCH_TIMEOUT_MS = 180_000;

/** How often the trainer's peak resident memory is read while it trains. */
const MEMORY_POLL_MS = 100;

export interface LaunchPaths {
  /** The bundled trainer, dist/trainer.js. */
  readonly trainerPath: string;
  readonly dataDir: string;
  readonly wasmDir: string;
}

/** Returns the extension's default settings (package.json) with the data and binaries of `paths`. */
function defaultOptions(paths: LaunchPaths, maxEpochs: number): TrainOptions {
  return { backend: 'auto', seed: 42, samplesPerEpoch: 25, maxEpochs, dataDir: paths.dataDir, wasmDir: paths.wasmDir };
}

export interface FirstSampleTiming {
  /** Milliseconds `parseModelDocument` took on the file's text. */
  readonly parseMs: number;
  /** Milliseconds from forking the trainer to the first `sample` message at the host. */
  readonly forkToSampleMs: number;
}

/**
 * Parses `text` and forks the trainer through a `TrainingSession`, as "Train model" does,
 * then stops the run once the first statistics sample has arrived.
 * @throws Error when the file does not parse or the trainer ends without a sample.
 */
export async function measureFirstSample(text: string, fileName: string, paths: LaunchPaths): Promise<FirstSampleTiming> {
  const parseStarted = performance.now();
  const { spec, diagnostics } = parseModelDocument(text, fileName);
  const forked = performance.now();
  if (!spec) {
    throw new Error(`${fileName} did not parse: ${diagnostics.map((diagnostic) => diagnostic.message).join(' ')}`);
  }

  let sampleAt: number | undefined;
  const session = new TrainingSession(spec, defaultOptions(paths, 100), { trainerPath: paths.trainerPath }, {
    onState: () => undefined,
    onUpdate: (update) => {
      if (update.type === 'sample' && sampleAt === undefined) {
        sampleAt = performance.now();
        session.stop();
      }
    },
    onLog: () => undefined,
  });
  const finalState = await withTimeout(session);

  if (sampleAt === undefined) {
    throw new Error(`The trainer sent no statistics sample: ${describeEnd(finalState)}`);
  }
  return { parseMs: forked - parseStarted, forkToSampleMs: sampleAt - forked };
}

export interface MemoryRun {
  /** Highest resident set size of the trainer process (VmHWM), or undefined where /proc is missing. */
  readonly peakRssBytes: number | undefined;
  readonly seconds: number;
  readonly trainExamples: number;
  readonly stepsPerEpoch: number;
}

/**
 * Trains `spec` in a forked trainer for one full epoch on all of MNIST, with its validation
 * and the final test evaluation, and returns the peak resident memory of that process.
 * @throws Error when the run fails.
 */
export async function measurePeakMemory(spec: ModelSpec, paths: LaunchPaths): Promise<MemoryRun> {
  const started = performance.now();
  let peakKilobytes: number | undefined;
  let pid: number | undefined;
  const poll = (): void => {
    const reading = pid === undefined ? undefined : readPeakKilobytes(pid);
    if (reading !== undefined) {
      peakKilobytes = Math.max(peakKilobytes ?? 0, reading);
    }
  };

  const session = new TrainingSession(spec, defaultOptions(paths, 1), { trainerPath: paths.trainerPath }, {
    // The trainer usually still runs when its `finished` message arrives, so this reading
    // covers the end of the run that the last poll may have missed.
    onState: (state) => {
      if (state.kind !== 'training') {
        poll();
      }
    },
    onUpdate: () => undefined,
    onLog: () => undefined,
  });
  pid = session.trainerPid;
  const timer = setInterval(poll, MEMORY_POLL_MS);
  let finalState: PanelState;
  try {
    finalState = await withTimeout(session);
  } finally {
    clearInterval(timer);
  }

  if (finalState.kind !== 'finished' || finalState.stopped) {
    throw new Error(`The memory run did not finish: ${describeEnd(finalState)}`);
  }
  return {
    peakRssBytes: peakKilobytes === undefined ? undefined : peakKilobytes * 1024,
    seconds: (performance.now() - started) / 1000,
    trainExamples: finalState.run.trainExamples ?? 0,
    stepsPerEpoch: finalState.run.stepsPerEpoch,
  };
}

/** Reads VmHWM, the peak resident set size in kB that Linux keeps per process. */
function readPeakKilobytes(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // Not Linux, or the process has already exited.
    return undefined;
  }
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

/** Waits for the session to end, killing the trainer after LAUNCH_TIMEOUT_MS. */
async function withTimeout(session: TrainingSession): Promise<PanelState> {
  const timer = setTimeout(() => session.kill(), LAUNCH_TIMEOUT_MS);
  try {
    return await session.done;
  } finally {
    clearTimeout(timer);
  }
}

function describeEnd(state: PanelState): string {
  switch (state.kind) {
    case 'failed':
      return `it failed: ${state.message}`;
    case 'finished':
      return state.stopped ? 'it was stopped.' : 'it finished.';
    default:
      return `it ended in the state ${state.kind}.`;
  }
}
