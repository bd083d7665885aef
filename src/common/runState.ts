/**
 * What one training run has produced so far. The host keeps one per panel and sends it
 * whole when the panel (re)loads; updates in between are applied with `applyRunUpdate`
 * on both sides, so the two copies cannot drift apart.
 */
import type { Finding } from './findings';
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
  /** True when the model file was edited after training started; the run keeps the text it started with. */
  readonly sourceChangedSinceStart?: boolean;
  /** The diagnosis of the samples so far, in the order `diagnose` returns them. */
  readonly findings?: readonly Finding[];
}

/** The panel's whole visible state. */
export type PanelState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'training'; readonly run: RunSnapshot; readonly baseline?: RunSnapshot }
  | { readonly kind: 'finished'; readonly run: RunSnapshot; readonly stopped: boolean; readonly baseline?: RunSnapshot }
  | { readonly kind: 'failed'; readonly run?: RunSnapshot; readonly message: string };

/** An incremental change to a running snapshot. */
export type RunUpdate =
  | { readonly type: 'sample'; readonly sample: StatisticsSample }
  | { readonly type: 'epoch'; readonly logs: EpochLogs }
  | { readonly type: 'progress'; readonly epoch: number; readonly batch: number }
  /** Replaces the run's findings as a whole. */
  | { readonly type: 'findings'; readonly findings: readonly Finding[] };

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
    case 'findings':
      return { ...run, findings: update.findings };
  }
}
