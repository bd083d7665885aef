/**
 * What one training run has produced so far. The host keeps one per panel and sends it
 * whole when the panel (re)loads; updates in between are applied with `applyRunUpdate`
 * on both sides, so the two copies cannot drift apart.
 */
import type { BackendName } from './trainerProtocol';
import type { EpochLogs, Evaluation, StatisticsSample, TrackedLayer } from './statistics';

export interface RunSnapshot {
  readonly fileName: string;
  readonly backend?: BackendName;
  readonly datasetName?: string;
  readonly datasetOrigin?: 'file' | 'inferred';
  readonly trainExamples?: number;
  readonly validationExamples?: number;
  readonly testExamples?: number;
  readonly seed?: number;
  readonly layers: readonly TrackedLayer[];
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly samples: readonly StatisticsSample[];
  readonly epochLogs: readonly EpochLogs[];
  /** Last reported position: 0-based epoch and batch. */
  readonly progress?: { readonly epoch: number; readonly batch: number };
  readonly evaluation?: Evaluation;
}

/** The panel's whole visible state. */
export type PanelState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'training'; readonly run: RunSnapshot }
  | { readonly kind: 'finished'; readonly run: RunSnapshot; readonly stopped: boolean }
  | { readonly kind: 'failed'; readonly run?: RunSnapshot; readonly message: string };

/** An incremental change to a running snapshot. */
export type RunUpdate =
  | { readonly type: 'sample'; readonly sample: StatisticsSample }
  | { readonly type: 'epoch'; readonly logs: EpochLogs }
  | { readonly type: 'progress'; readonly epoch: number; readonly batch: number };

export function emptyRun(fileName: string): RunSnapshot {
  return { fileName, layers: [], epochs: 0, stepsPerEpoch: 0, samples: [], epochLogs: [] };
}

/** Returns the snapshot with `update` applied; the input is not modified. */
export function applyRunUpdate(run: RunSnapshot, update: RunUpdate): RunSnapshot {
  switch (update.type) {
    case 'sample':
      return { ...run, samples: [...run.samples, update.sample] };
    case 'epoch':
      return { ...run, epochLogs: [...run.epochLogs, update.logs] };
    case 'progress':
      return { ...run, progress: { epoch: update.epoch, batch: update.batch } };
  }
}
