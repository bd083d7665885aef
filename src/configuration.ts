import * as vscode from 'vscode';
import type { BackendPreference } from './common/trainerProtocol';
import { DEFAULT_MAX_MODEL_MEMORY_MB } from './training/modelSize';

/** The `gradientFlow.*` settings a run uses; defaults and docs live in package.json. */
export interface TrainingSettings {
  readonly backend: BackendPreference;
  readonly seed: number | null;
  readonly samplesPerEpoch: number;
  readonly maxEpochs: number;
  /** Estimated training memory, in MB, above which "Train model" requests confirmation before starting. */
  readonly maxModelMemoryMB: number;
}

const BACKENDS: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Reads the settings for `resource`, replacing out-of-range values with the defaults. */
export function readTrainingSettings(resource: vscode.Uri | undefined): TrainingSettings {
  const config = vscode.workspace.getConfiguration('gradientFlow', resource);

  const backend = config.get<string>('backend', 'auto');
  const seed = config.get<number | null>('seed', 42);
  const samplesPerEpoch = config.get<number>('samplesPerEpoch', 25);
  const maxEpochs = config.get<number>('maxEpochs', 100);
  const maxModelMemoryMB = config.get<number>('maxModelMemoryMB', DEFAULT_MAX_MODEL_MEMORY_MB);

  return {
    backend: BACKENDS.includes(backend as BackendPreference) ? (backend as BackendPreference) : 'auto',
    seed: seed === null || (Number.isInteger(seed) && seed >= 0) ? seed : 42,
    samplesPerEpoch: Number.isInteger(samplesPerEpoch) && samplesPerEpoch >= 1 ? Math.min(samplesPerEpoch, 1000) : 25,
    maxEpochs: Number.isInteger(maxEpochs) && maxEpochs >= 1 ? maxEpochs : 100,
    maxModelMemoryMB:
      typeof maxModelMemoryMB === 'number' && Number.isFinite(maxModelMemoryMB) && maxModelMemoryMB >= 1
        ? maxModelMemoryMB
        : DEFAULT_MAX_MODEL_MEMORY_MB,
  };
}
