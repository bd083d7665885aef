/**
 * Runs the trainer in a child process and speaks the typed protocol with it. Used by the
 * extension host and the CLI alike, so it imports nothing from `vscode`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { ModelSpec } from '../common/modelSpec';
import type { HostToTrainer, TrainerToHost, TrainOptions } from '../common/trainerProtocol';

/** How long `stop()` waits for the trainer to finish its batch and exit before killing it. */
const STOP_GRACE_MS = 5000;

/** Lines of trainer stderr kept for crash reports. */
const STDERR_LINES_KEPT = 20;

export interface TrainerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines the process wrote to stderr, for reporting a crash. */
  readonly stderrTail: readonly string[];
}

export interface TrainerProcessOptions {
  /** Absolute path of the bundled trainer, `dist/trainer.js`. */
  readonly trainerPath: string;
  /** Localization bundle for the trainer's messages; undefined keeps English. */
  readonly l10nBundlePath?: string;
  readonly onMessage: (message: TrainerToHost) => void;
}

export class TrainerProcess {
  /** Resolves once the process has exited, however it ended. */
  readonly exited: Promise<TrainerExit>;

  private readonly child: ChildProcess;
  private readonly stderrTail: string[] = [];
  private hasExited = false;
  private killTimer: NodeJS.Timeout | undefined;

  private constructor(options: TrainerProcessOptions) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // Desktop VS Code forks with Electron's binary; this makes it behave as plain Node.
      ELECTRON_RUN_AS_NODE: '1',
    };
    if (options.l10nBundlePath) {
      env.GRADIENT_FLOW_L10N_BUNDLE = options.l10nBundlePath;
    }

    this.child = fork(options.trainerPath, [], {
      env,
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });

    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => this.keepStderr(chunk));
    this.child.on('message', (message) => {
      if (isTrainerMessage(message)) {
        options.onMessage(message);
      }
    });

    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.hasExited) {
          return;
        }
        this.hasExited = true;
        clearTimeout(this.killTimer);
        resolve({ code, signal, stderrTail: [...this.stderrTail] });
      };
      this.child.on('exit', finish);
      this.child.on('error', () => finish(null, null));
    });
  }

  /** Forks the trainer and sends it the model to train. */
  static start(spec: ModelSpec, trainOptions: TrainOptions, options: TrainerProcessOptions): TrainerProcess {
    const trainer = new TrainerProcess(options);
    trainer.send({ type: 'start', spec, options: trainOptions });
    return trainer;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return !this.hasExited;
  }

  /** Asks the trainer to stop after the current batch, and kills it if it has not exited in time. */
  stop(): void {
    if (this.hasExited || this.killTimer) {
      return;
    }
    this.send({ type: 'stop' });
    this.killTimer = setTimeout(() => this.kill(), STOP_GRACE_MS);
  }

  /** Ends the process at once. */
  kill(): void {
    if (!this.hasExited) {
      this.child.kill('SIGKILL');
    }
  }

  private send(message: HostToTrainer): void {
    if (this.child.connected) {
      this.child.send(message);
    }
  }

  private keepStderr(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (line.trim() !== '') {
        this.stderrTail.push(line);
      }
    }
    this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - STDERR_LINES_KEPT));
  }
}

function isTrainerMessage(value: unknown): value is TrainerToHost {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
