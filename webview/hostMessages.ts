/**
 * Reads messages from the host (and the state embedded in a report). Every number field that
 * may be NaN or ±Infinity is decoded, because the JSON transport cannot carry them as numbers.
 */
import { parseExportRequest } from '../src/common/exportProtocol';
import { decodeNullableNumber, decodeNumber } from '../src/common/nonFiniteNumbers';
import type { PanelStrings } from '../src/common/panelStrings';
import type { PanelState, RunSnapshot, RunUpdate } from '../src/common/runState';
import type { EpochLogs, Evaluation, LayerStatistics, StatisticsSample } from '../src/common/statistics';
import type { HostToWebview } from '../src/common/webviewProtocol';
import { decodeFindings } from './findingsDecode';

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Returns the message, or undefined when `data` is not a message this panel understands. */
export function parseHostMessage(data: unknown): HostToWebview | undefined {
  if (!isRecord(data)) {
    return undefined;
  }
  switch (data.type) {
    case 'setState': {
      const state = decodePanelState(data.state);
      return state && isRecord(data.strings) ? { type: 'setState', state, strings: data.strings as unknown as PanelStrings } : undefined;
    }
    case 'update': {
      const update = decodeRunUpdate(data.update);
      return update ? { type: 'update', update } : undefined;
    }
    case 'exportRequest':
      return parseExportRequest(data);
    default:
      return undefined;
  }
}

export function decodePanelState(value: unknown): PanelState | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  switch (value.kind) {
    case 'idle':
      return { kind: 'idle' };
    case 'training':
      return isRecord(value.run) ? { kind: 'training', run: decodeRun(value.run), ...decodeBaseline(value.baseline) } : undefined;
    case 'finished':
      return isRecord(value.run)
        ? { kind: 'finished', run: decodeRun(value.run), stopped: value.stopped === true, ...decodeBaseline(value.baseline) }
        : undefined;
    case 'failed':
      return {
        kind: 'failed',
        run: isRecord(value.run) ? decodeRun(value.run) : undefined,
        message: String(value.message ?? ''),
      };
    default:
      return undefined;
  }
}

export function decodeRunUpdate(value: unknown): RunUpdate | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  switch (value.type) {
    case 'sample':
      return isRecord(value.sample) ? { type: 'sample', sample: decodeSample(value.sample) } : undefined;
    case 'epoch':
      return isRecord(value.logs) ? { type: 'epoch', logs: decodeEpochLogs(value.logs) } : undefined;
    case 'progress':
      return { type: 'progress', epoch: Number(value.epoch), batch: Number(value.batch) };
    case 'findings':
      return { type: 'findings', findings: decodeFindings(value.findings) ?? [] };
    default:
      return undefined;
  }
}

function decodeRun(raw: Raw): RunSnapshot {
  const run = raw as unknown as RunSnapshot;
  return {
    ...run,
    layers: array(raw.layers) as unknown as RunSnapshot['layers'],
    samples: array(raw.samples).filter(isRecord).map(decodeSample),
    epochLogs: array(raw.epochLogs).filter(isRecord).map(decodeEpochLogs),
    evaluation: isRecord(raw.evaluation) ? decodeEvaluation(raw.evaluation) : undefined,
    ...(Array.isArray(raw.findings) ? { findings: decodeFindings(raw.findings) } : {}),
  };
}

/** The previous run that "Train again and compare" shows beside this one; no field when there is none. */
function decodeBaseline(value: unknown): { baseline?: RunSnapshot } {
  return isRecord(value) ? { baseline: decodeRun(value) } : {};
}

function decodeSample(raw: Raw): StatisticsSample {
  return {
    step: Number(raw.step),
    epoch: Number(raw.epoch),
    batch: Number(raw.batch),
    loss: decodeNumber(raw.loss),
    accuracy: decodeNumber(raw.accuracy),
    layers: array(raw.layers).filter(isRecord).map(decodeLayerStatistics),
  };
}

function decodeLayerStatistics(raw: Raw): LayerStatistics {
  return {
    weightGradNorm: decodeNumber(raw.weightGradNorm),
    weightGradMeanAbs: decodeNumber(raw.weightGradMeanAbs),
    biasGradNorm: decodeNumber(raw.biasGradNorm),
    gradNonFinite: decodeNumber(raw.gradNonFinite),
    outputGradNorm: decodeNumber(raw.outputGradNorm),
    activationMean: decodeNumber(raw.activationMean),
    activationStd: decodeNumber(raw.activationStd),
    histogram: array(raw.histogram).map(decodeNumber),
    histogramMin: decodeNumber(raw.histogramMin),
    histogramMax: decodeNumber(raw.histogramMax),
    saturatedFraction: decodeNullableNumber(raw.saturatedFraction),
    deadFraction: decodeNullableNumber(raw.deadFraction),
    updateRatio: decodeNumber(raw.updateRatio),
  };
}

function decodeEpochLogs(raw: Raw): EpochLogs {
  return {
    epoch: Number(raw.epoch),
    loss: decodeNumber(raw.loss),
    accuracy: decodeNumber(raw.accuracy),
    valLoss: raw.valLoss === undefined ? undefined : decodeNumber(raw.valLoss),
    valAccuracy: raw.valAccuracy === undefined ? undefined : decodeNumber(raw.valAccuracy),
    seconds: decodeNumber(raw.seconds),
  };
}

function decodeEvaluation(raw: Raw): Evaluation {
  return { loss: decodeNumber(raw.loss), accuracy: decodeNumber(raw.accuracy), examples: Number(raw.examples) };
}
