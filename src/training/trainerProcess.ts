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

/** Characters kept of one stderr line; a process can write megabytes without a line break. */
const STDERR_LINE_LENGTH = 1000;

/**
 * Headings V8 and Node write on stderr when a process ends abnormally: "FATAL ERROR:
 * Reached heap limit Allocation failed - JavaScript heap out of memory", or an uncaught
 * exception such as "Error: Cannot find module ...". A stack trace follows and can push
 * the heading out of the tail, so the first such line is kept apart.
 */
const FATAL_LINE = /^FATAL ERROR:|^# Fatal error|out of memory|^\w*Error( \[\w+\])?: /i;

/** Lines of a native stack trace (` 3: 0xb78db3 node::...`), which mean nothing to a student. */
const NATIVE_FRAME_LINE = /^\s*\d+: 0x[0-9a-f]+/i;

export interface TrainerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines the process wrote to stderr, for reporting a crash. */
  readonly stderrTail: readonly string[];
  /** The reason the process could not be started, when it never ran. */
  readonly spawnError?: string;
  /** The first line naming a fatal error or uncaught exception, such as a heap out-of-memory report. */
  readonly fatalError?: string;
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
  /** Text after the last line break of stderr, completed by the next chunk. */
  private stderrPartial = '';
  private fatalError: string | undefined;
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
      const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void => {
        if (this.hasExited) {
          return;
        }
        this.hasExited = true;
        clearTimeout(this.killTimer);
        this.flushStderr();
        resolve({ code, signal, stderrTail: [...this.stderrTail], spawnError, fatalError: this.fatalError });
      };
      // 'close' comes after 'exit' once stderr has ended, so the tail contains the last words of a crash.
      this.child.on('close', (code, signal) => finish(code, signal));
      // 'error' also reports a failed send or kill of a process that is still running. Only
      // a process that never started (no pid) is finished here; the others end with 'close'.
      this.child.on('error', (error) => {
        if (this.child.pid === undefined) {
          finish(null, null, error.message);
        } else {
          this.stderrTail.push(`[${error.name}] ${error.message}`);
        }
      });
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
      // The channel can close between the check and the write; the exit handler reports that.
      this.child.send(message, (error) => {
        if (error) {
          this.stderrTail.push(`[${error.name}] ${error.message}`);
        }
      });
    }
  }

  private keepStderr(chunk: string): void {
    const lines = (this.stderrPartial + chunk).split('\n');
    this.stderrPartial = (lines.pop() ?? '').slice(0, STDERR_LINE_LENGTH);
    for (const line of lines) {
      this.keepStderrLine(line);
    }
  }

  private flushStderr(): void {
    this.keepStderrLine(this.stderrPartial);
    this.stderrPartial = '';
  }

  private keepStderrLine(line: string): void {
    if (line.trim() === '' || NATIVE_FRAME_LINE.test(line)) {
      return;
    }
    if (this.fatalError === undefined && FATAL_LINE.test(line)) {
      this.fatalError = line.slice(0, STDERR_LINE_LENGTH);
    }
    this.stderrTail.push(line.length > STDERR_LINE_LENGTH ? `${line.slice(0, STDERR_LINE_LENGTH)}…` : line);
    this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - STDERR_LINES_KEPT));
  }
}

function isTrainerMessage(value: unknown): value is TrainerToHost {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
