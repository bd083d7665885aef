/**
 * One training run seen from the outside: forks the trainer, folds its messages into the
 * panel state and notifies a listener of every change. Shared by the extension host and
 * the CLI; it imports nothing from `vscode`.
 */
import * as l10n from '@vscode/l10n';
import type { ModelSpec } from '../common/modelSpec';
import { applyRunUpdate, emptyRun, type PanelState, type RunSnapshot, type RunUpdate } from '../common/runState';
import type { StatisticsSample } from '../common/statistics';
import type { TrainerToHost, TrainOptions } from '../common/trainerProtocol';
import { SampleDownsampler, type DownsampleResult } from './sampleDownsampling';
import { TrainerProcess, type TrainerExit } from './trainerProcess';

export interface SessionListener {
  /** The state changed status or gained fields that are not incremental updates. */
  onState(state: PanelState): void;
  /** An incremental change to the running snapshot (sample, epoch, progress). */
  onUpdate(update: RunUpdate): void;
  onLog(level: 'info' | 'warn' | 'error', message: string): void;
}

export interface SessionPaths {
  readonly trainerPath: string;
  readonly l10nBundlePath?: string;
}

export class TrainingSession {
  /** Resolves with the final state (finished or failed) once the trainer process has exited. */
  readonly done: Promise<PanelState>;

  private current: PanelState;
  private readonly trainer: TrainerProcess;
  private readonly downsampler = new SampleDownsampler();
  private stopRequested = false;

  constructor(
    readonly spec: ModelSpec,
    options: TrainOptions,
    paths: SessionPaths,
    private readonly listener: SessionListener,
  ) {
    this.current = { kind: 'training', run: emptyRun(spec.fileName) };
    this.trainer = TrainerProcess.start(spec, options, {
      trainerPath: paths.trainerPath,
      l10nBundlePath: paths.l10nBundlePath,
      onMessage: (message) => this.handle(message),
    });
    this.done = this.trainer.exited.then((exit) => this.settle(exit));
  }

  get state(): PanelState {
    return this.current;
  }

  get isRunning(): boolean {
    return this.current.kind === 'training';
  }

  get trainerPid(): number | undefined {
    return this.trainer.pid;
  }

  /** Asks the trainer to stop after its current batch; the run then finishes as stopped. */
  stop(): void {
    this.stopRequested = true;
    this.trainer.stop();
  }

  /** Ends the trainer at once, for shutdown paths that cannot wait. */
  kill(): void {
    this.stopRequested = true;
    this.trainer.kill();
  }

  /**
   * Notes that the model file changed after training started. The run goes on with the
   * text it started with, and the panel shows this.
   */
  markSourceChanged(): void {
    const state = this.current;
    if (state.kind === 'idle' || !state.run || state.run.sourceChangedSinceStart) {
      return;
    }
    this.setState({ ...state, run: { ...state.run, sourceChangedSinceStart: true } });
  }

  private handle(message: TrainerToHost): void {
    if (this.current.kind !== 'training') {
      return;
    }
    const run = this.current.run;

    switch (message.type) {
      case 'backend':
        for (const fallback of message.fallbacks) {
          this.listener.onLog('info', l10n.t('Backend {0} is not available: {1}', fallback.backend, fallback.reason));
        }
        this.setRun({ ...run, backend: message.backend });
        break;
      case 'dataset':
        this.setRun({
          ...run,
          datasetName: message.name,
          datasetOrigin: message.origin,
          trainExamples: message.trainExamples,
          validationExamples: message.validationExamples,
          testExamples: message.testExamples,
        });
        break;
      case 'trainingStarted':
        this.setRun({
          ...run,
          layers: message.layers,
          epochs: message.epochs,
          stepsPerEpoch: message.stepsPerEpoch,
          seed: message.seed,
        });
        break;
      case 'progress':
        this.update({ type: 'progress', epoch: message.epoch, batch: message.batch });
        break;
      case 'sample':
        this.addSample(message.sample);
        break;
      case 'epoch':
        this.update({ type: 'epoch', logs: message.logs });
        break;
      case 'evaluation':
        this.current = { kind: 'training', run: { ...run, evaluation: message.evaluation } };
        break;
      case 'finished':
        this.setState({ kind: 'finished', run: this.flushSamples(run), stopped: message.stopped });
        break;
      case 'failed':
        this.setState({ kind: 'failed', run: this.flushSamples(run), message: message.message });
        break;
      case 'log':
        this.listener.onLog(message.level, message.message);
        break;
    }
  }

  private setRun(run: RunSnapshot): void {
    this.setState({ kind: 'training', run });
  }

  private setState(state: PanelState): void {
    this.current = state;
    this.listener.onState(state);
  }

  private update(update: RunUpdate): void {
    if (this.current.kind === 'training') {
      this.current = { ...this.current, run: applyRunUpdate(this.current.run, update) };
      this.listener.onUpdate(update);
    }
  }

  /** Adds a sample through the downsampler, which keeps long runs within the display limit. */
  private addSample(sample: StatisticsSample): void {
    if (this.current.kind === 'training') {
      this.applyDownsampled(this.downsampler.add(this.current.run.samples, sample));
    }
  }

  /** Returns `run` with the samples still waiting in a group merged into a last one. */
  private flushSamples(run: RunSnapshot): RunSnapshot {
    const result = this.downsampler.flush();
    return result.kind === 'appended' ? applyRunUpdate(run, { type: 'sample', sample: result.sample }) : run;
  }

  private applyDownsampled(result: DownsampleResult): void {
    if (this.current.kind !== 'training') {
      return;
    }
    if (result.kind === 'appended') {
      this.update({ type: 'sample', sample: result.sample });
    } else if (result.kind === 'compacted') {
      // Every kept sample changed, so the panel gets the whole state once.
      this.setRun({ ...this.current.run, samples: result.samples });
    }
  }

  /**
   * Turns an exit without a final message into a failure that states how the process ended.
   * The statistics received so far stay in the failed state, so the panel keeps them.
   */
  private settle(exit: TrainerExit): PanelState {
    if (this.current.kind !== 'training') {
      return this.current;
    }
    const run = this.flushSamples(this.current.run);
    if (this.stopRequested) {
      this.setState({ kind: 'finished', run, stopped: true });
      return this.current;
    }

    for (const line of exit.stderrTail) {
      this.listener.onLog('error', line);
    }
    this.setState({ kind: 'failed', run, message: describeUnexpectedExit(exit) });
    return this.current;
  }
}

/** Lines of the trainer's last output quoted in a crash message. */
const QUOTED_STDERR_LINES = 5;

/** Signals a process gets when native code (tfjs-node, the wasm runtime, Node itself) fails. */
const NATIVE_CRASH_SIGNALS: readonly string[] = ['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGABRT'];

/**
 * Explains why the trainer process ended without reporting, and what to do. Exported for
 * tests; `exit` comes from `TrainerProcess.exited`.
 */
export function describeUnexpectedExit(exit: TrainerExit): string {
  if (exit.spawnError !== undefined) {
    return l10n.t('The trainer process could not be started: {0}. Reinstall the extension if this persists.', exit.spawnError);
  }

  const how = exit.signal ? l10n.t('signal {0}', exit.signal) : l10n.t('exit code {0}', String(exit.code));
  const output = [exit.fatalError ?? '', ...exit.stderrTail].join('\n');
  let cause: string;
  if (/out of memory|Allocation failed|Cannot enlarge memory/i.test(output)) {
    cause = l10n.t('The trainer process ran out of memory ({0}). Use fewer or smaller layers, or a smaller batch_size.', how);
  } else if (exit.signal === 'SIGKILL') {
    cause = l10n.t(
      'The trainer process was killed ({0}). The operating system does this when memory runs out, so try fewer or smaller layers, or a smaller batch_size.',
      how,
    );
  } else if (exit.signal && NATIVE_CRASH_SIGNALS.includes(exit.signal)) {
    cause = l10n.t(
      'The trainer process crashed in native code ({0}). If the backend is tfjs-node, set gradientFlow.backend to wasm and train again.',
      how,
    );
  } else {
    cause = l10n.t('The trainer process ended unexpectedly ({0}).', how);
  }

  const quoted = exit.stderrTail.slice(-QUOTED_STDERR_LINES);
  if (exit.fatalError !== undefined && !quoted.includes(exit.fatalError)) {
    quoted.unshift(exit.fatalError);
  }
  const lastLines = quoted.join('\n');
  return lastLines ? l10n.t('{0} Its last output was:\n{1}', cause, lastLines) : cause;
}
