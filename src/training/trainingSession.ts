/**
 * One training run seen from the outside: forks the trainer, folds its messages into the
 * panel state and tells a listener about every change. Shared by the extension host and
 * the CLI; it imports nothing from `vscode`.
 */
import * as l10n from '@vscode/l10n';
import type { ModelSpec } from '../common/modelSpec';
import { applyRunUpdate, emptyRun, type PanelState, type RunSnapshot, type RunUpdate } from '../common/runState';
import type { TrainerToHost, TrainOptions } from '../common/trainerProtocol';
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
        this.update({ type: 'sample', sample: message.sample });
        break;
      case 'epoch':
        this.update({ type: 'epoch', logs: message.logs });
        break;
      case 'evaluation':
        this.current = { kind: 'training', run: { ...run, evaluation: message.evaluation } };
        break;
      case 'finished':
        this.setState({ kind: 'finished', run, stopped: message.stopped });
        break;
      case 'failed':
        this.setState({ kind: 'failed', run, message: message.message });
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
      this.current = { kind: 'training', run: applyRunUpdate(this.current.run, update) };
      this.listener.onUpdate(update);
    }
  }

  /** Turns an exit without a final message into a failure that says how the process ended. */
  private settle(exit: TrainerExit): PanelState {
    if (this.current.kind !== 'training') {
      return this.current;
    }
    if (this.stopRequested) {
      this.setState({ kind: 'finished', run: this.current.run, stopped: true });
      return this.current;
    }

    const how = exit.signal ? l10n.t('signal {0}', exit.signal) : l10n.t('exit code {0}', String(exit.code));
    const lastLines = exit.stderrTail.slice(-5).join('\n');
    const message = lastLines
      ? l10n.t('The trainer process ended unexpectedly ({0}). Its last output was:\n{1}', how, lastLines)
      : l10n.t('The trainer process ended unexpectedly ({0}).', how);
    for (const line of exit.stderrTail) {
      this.listener.onLog('error', line);
    }
    this.setState({ kind: 'failed', run: this.current.run, message });
    return this.current;
  }
}
