/**
 * Messages between the extension host and the trainer process (Node IPC, structured clone).
 * Both ends import this file; nothing else defines these shapes.
 */
import type { ModelSpec } from './modelSpec';
import type { EpochLogs, Evaluation, StatisticsSample, TrackedLayer } from './statistics';

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface TrainOptions {
  readonly backend: BackendPreference;
  /** Seed for weight initialisation, shuffling and dropout; null draws a random one. */
  readonly seed: number | null;
  /**
   * Statistics samples per epoch, spread evenly over its batches. Default 25. 0 turns
   * statistics off (benchmarks), and a value of at least the epoch's steps samples every step.
   */
  readonly samplesPerEpoch: number;
  /** Upper bound on epochs; the file's `epochs` is capped to this. */
  readonly maxEpochs: number;
  /** Folder holding the MNIST `.gz` files. */
  readonly dataDir: string;
  /**
   * Folder holding downloaded datasets, one subfolder per dataset (`fashion_mnist`, `cifar10`);
   * the host fills it before the trainer starts. Undefined when the run needs none.
   */
  readonly datasetCacheDir?: string;
  /**
   * Absolute path of the CSV file the model file reads, after the host has checked that it
   * lies inside the workspace. Undefined unless the dataset is `csv`.
   */
  readonly csvPath?: string;
  /** Folder holding the tfjs wasm binaries. */
  readonly wasmDir: string;
  /** Use only the first N training examples (tests and quick looks); undefined for all. */
  readonly trainLimit?: number;
  /** Use only the first N test examples; undefined for all. */
  readonly testLimit?: number;
}

// Host → trainer

export interface StartMessage {
  readonly type: 'start';
  readonly spec: ModelSpec;
  readonly options: TrainOptions;
}

export interface StopMessage {
  readonly type: 'stop';
}

export type HostToTrainer = StartMessage | StopMessage;

// Trainer → host

export interface BackendMessage {
  readonly type: 'backend';
  readonly backend: BackendName;
  /** Backends tried before this one, with the reason each failed to load. */
  readonly fallbacks: readonly { readonly backend: BackendName; readonly reason: string }[];
}

export interface DatasetMessage {
  readonly type: 'dataset';
  readonly name: string;
  readonly origin: 'file' | 'inferred';
  readonly trainExamples: number;
  readonly validationExamples: number;
  readonly testExamples: number;
}

export interface TrainingStartedMessage {
  readonly type: 'trainingStarted';
  readonly layers: readonly TrackedLayer[];
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  /** The seed in effect, drawn at random when the options gave none. */
  readonly seed: number;
}

export interface ProgressMessage {
  readonly type: 'progress';
  readonly epoch: number;
  readonly batch: number;
}

export interface SampleMessage {
  readonly type: 'sample';
  readonly sample: StatisticsSample;
}

export interface EpochMessage {
  readonly type: 'epoch';
  readonly logs: EpochLogs;
}

export interface EvaluationMessage {
  readonly type: 'evaluation';
  readonly evaluation: Evaluation;
}

export interface FinishedMessage {
  readonly type: 'finished';
  /** True when training ended early because the host sent `stop`. */
  readonly stopped: boolean;
}

export interface FailedMessage {
  readonly type: 'failed';
  /** Localized text: what failed and what to do. */
  readonly message: string;
  /** Index into `ModelSpec.layers` of the layer at fault, when known. */
  readonly layerIndex?: number;
}

export interface LogMessage {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export type TrainerToHost =
  | BackendMessage
  | DatasetMessage
  | TrainingStartedMessage
  | ProgressMessage
  | SampleMessage
  | EpochMessage
  | EvaluationMessage
  | FinishedMessage
  | FailedMessage
  | LogMessage;
