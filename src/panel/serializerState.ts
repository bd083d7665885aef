/**
 * The last run's panel state as it is kept in the workspace storage, so a panel restored
 * after a window reload shows it again. Pure: no `vscode` import, tested in Node.
 *
 * The stored form is JSON text of at most MAX_STORED_CHARACTERS characters, with numbers
 * rounded to STORED_DIGITS significant digits. NaN and ±Infinity, which JSON cannot hold,
 * are written as `{"$nonFinite": "NaN"}` objects. A string in the state (a file or layer
 * name) therefore never turns into a number.
 */
import * as l10n from '@vscode/l10n';
import type { PanelState, RunSnapshot } from '../common/runState';
import type { StatisticsSample } from '../common/statistics';
import { mergeGroups } from '../training/sampleDownsampling';

/** Key of the stored state in `ExtensionContext.workspaceState`. */
export const LAST_RUN_STATE_KEY = 'gradientFlow.lastRunState';

/** Samples kept per run in storage; the display keeps up to 2,000 while the run is live. */
export const STORED_SAMPLES = 500;

/** Upper bound on the stored JSON, about 1 MB; samples are merged further until it fits. */
export const MAX_STORED_CHARACTERS = 1_000_000;

/** Significant digits of stored numbers: the panel shows at most four. */
const STORED_DIGITS = 6;

const FORMAT_VERSION = 1;
const NON_FINITE_KEY = '$nonFinite';

/**
 * Returns the JSON text to store for `state`, or undefined when there is nothing worth
 * restoring (idle) or the state does not fit even without samples.
 */
export function serializePanelState(state: PanelState): string | undefined {
  if (state.kind === 'idle') {
    return undefined;
  }

  // Sizing from one sample keeps this to one or two serializations: the host runs it
  // during training, and a wide model's full state is tens of megabytes of JSON.
  let maxSamples = Math.min(STORED_SAMPLES, samplesThatFit(state));
  for (;;) {
    const text = JSON.stringify({ version: FORMAT_VERSION, state: withSampleLimit(state, maxSamples) }, encodeNonFinite);
    if (text.length <= MAX_STORED_CHARACTERS) {
      return text;
    }
    if (maxSamples === 0) {
      return undefined;
    }
    maxSamples = Math.floor(maxSamples / 2);
  }
}

/** Estimates how many samples per run fit in MAX_STORED_CHARACTERS next to the rest of the state. */
function samplesThatFit(state: Exclude<PanelState, { kind: 'idle' }>): number {
  const runs = [state.run, 'baseline' in state ? state.baseline : undefined].filter((run): run is RunSnapshot => run !== undefined);
  const first = runs.map((run) => run.samples[0]).find((sample) => sample !== undefined);
  if (!first) {
    return STORED_SAMPLES;
  }
  const rest = JSON.stringify(withSampleLimit(state, 0), encodeNonFinite).length;
  // Merged samples carry longer decimals than raw ones, hence the margin.
  const perSample = 1.5 * JSON.stringify(first, encodeNonFinite).length * runs.length;
  return Math.max(0, Math.floor((MAX_STORED_CHARACTERS - rest) / perSample));
}

/**
 * Reads a stored state. Returns undefined for anything that is not a state this version
 * wrote: other versions, damaged text, wrong shapes. A run that was still training when
 * it was stored was cut off by a reload or a closed window, so it comes back as failed,
 * with a message stating this, and keeps its statistics.
 */
export function deserializePanelState(stored: unknown): PanelState | undefined {
  if (typeof stored !== 'string' || stored.length > MAX_STORED_CHARACTERS) {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored, decodeNonFinite);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || parsed.version !== FORMAT_VERSION || !isRecord(parsed.state)) {
    return undefined;
  }

  const state = parsed.state;
  const run = state.run === undefined ? undefined : readRun(state.run);
  if (state.run !== undefined && !run) {
    return undefined;
  }
  switch (state.kind) {
    case 'training':
      return run
        ? {
            kind: 'failed',
            run,
            message: l10n.t(
              'Training of {0} was cut off when the window was reloaded or closed. The panel shows the statistics up to then; choose Train model to run it again.',
              run.fileName,
            ),
          }
        : undefined;
    case 'finished':
      return run ? restoreFinished(run, state) : undefined;
    case 'failed':
      if (typeof state.message !== 'string') {
        return undefined;
      }
      return run ? { kind: 'failed', run, message: state.message } : { kind: 'failed', message: state.message };
    default:
      return undefined;
  }
}

/** Rebuilds a finished state from checked parts; a comparison run (`baseline`) is kept only when it checks out too. */
function restoreFinished(run: RunSnapshot, stored: Record<string, unknown>): PanelState {
  const restored: Record<string, unknown> = { kind: 'finished', run, stopped: stored.stopped === true };
  const baseline = stored.baseline === undefined ? undefined : readRun(stored.baseline);
  if (baseline) {
    restored.baseline = baseline;
  }
  return restored as unknown as PanelState;
}

/** Returns `state` with at most `maxSamples` samples per run, merging neighbours as the live display does. */
function withSampleLimit(state: Exclude<PanelState, { kind: 'idle' }>, maxSamples: number): PanelState {
  const limitRun = (run: RunSnapshot): RunSnapshot => ({ ...run, samples: limitSamples(run.samples, maxSamples) });
  const limited: Record<string, unknown> = { ...state };
  if (state.run) {
    limited.run = limitRun(state.run);
  }
  if ('baseline' in state && state.baseline) {
    limited.baseline = limitRun(state.baseline);
  }
  return limited as unknown as PanelState;
}

function limitSamples(samples: readonly StatisticsSample[], maxSamples: number): readonly StatisticsSample[] {
  if (maxSamples === 0) {
    return [];
  }
  if (samples.length <= maxSamples) {
    return samples;
  }
  return mergeGroups(samples, Math.ceil(samples.length / maxSamples));
}

/** Checks the fields every view reads; the rest passes through as stored. */
function readRun(value: unknown): RunSnapshot | undefined {
  if (
    !isRecord(value) ||
    typeof value.fileName !== 'string' ||
    !isNumber(value.epochs) ||
    !isNumber(value.stepsPerEpoch) ||
    !Array.isArray(value.layers) ||
    !value.layers.every(isTrackedLayer) ||
    !Array.isArray(value.samples) ||
    !value.samples.every((sample) => isSample(sample, value.layers as unknown[])) ||
    !Array.isArray(value.epochLogs) ||
    !value.epochLogs.every((logs) => isRecord(logs) && isNumber(logs.epoch))
  ) {
    return undefined;
  }
  return value as unknown as RunSnapshot;
}

function isTrackedLayer(value: unknown): boolean {
  return isRecord(value) && Number.isInteger(value.specIndex) && typeof value.name === 'string' && typeof value.className === 'string';
}

function isSample(value: unknown, layers: readonly unknown[]): boolean {
  return (
    isRecord(value) &&
    isNumber(value.step) &&
    isNumber(value.epoch) &&
    isNumber(value.batch) &&
    Array.isArray(value.layers) &&
    value.layers.length === layers.length &&
    value.layers.every((layer) => isRecord(layer) && Array.isArray(layer.histogram))
  );
}

function encodeNonFinite(_key: string, value: unknown): unknown {
  if (typeof value !== 'number' || Number.isInteger(value)) {
    return value;
  }
  return Number.isFinite(value) ? Number(value.toPrecision(STORED_DIGITS)) : { [NON_FINITE_KEY]: String(value) };
}

function decodeNonFinite(_key: string, value: unknown): unknown {
  if (isRecord(value) && Object.keys(value).length === 1 && NON_FINITE_KEY in value) {
    switch (value[NON_FINITE_KEY]) {
      case 'Infinity':
        return Infinity;
      case '-Infinity':
        return -Infinity;
      default:
        return NaN;
    }
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number';
}
