/**
 * Entry point of the trainer process, forked by the extension host or the CLI. It trains
 * once on `start`, stops after the current batch on `stop`, reports through `process.send`,
 * and exits when training ends or the parent goes away.
 */
import * as l10n from '@vscode/l10n';
import type { FailedMessage, HostToTrainer, TrainerToHost } from '../common/trainerProtocol';
import { TrainerError, errorMessage } from './errors';
import { train } from './train';

let stopRequested = false;
let started = false;
/** Settles once the last message handed to the IPC channel has been written. */
let lastSend: Promise<void> = Promise.resolve();

const localizationProblem = configureLocalization();

if (!process.send) {
  process.stderr.write('The Gradient Flow trainer runs as a child process with an IPC channel; start it with child_process.fork.\n');
  process.exit(2);
}

process.on('message', (value: unknown) => {
  const message = parseHostMessage(value);
  if (!message) {
    send({ type: 'log', level: 'warn', message: l10n.t('The trainer ignored an unknown message from the host.') });
    return;
  }
  if (message.type === 'stop') {
    stopRequested = true;
    return;
  }
  if (started) {
    send({ type: 'log', level: 'warn', message: l10n.t('The trainer ignored a second start message; it trains once.') });
    return;
  }
  started = true;
  void run(message);
});

// No parent, no one to report to: exit rather than train on as an orphan.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (error) => fail(error));
process.on('unhandledRejection', (reason) => fail(reason));

if (localizationProblem) {
  send({ type: 'log', level: 'warn', message: localizationProblem });
}

async function run(message: Extract<HostToTrainer, { type: 'start' }>): Promise<void> {
  try {
    await train(message.spec, message.options, send, () => stopRequested);
    await exitAfterSending(0);
  } catch (error) {
    await fail(error);
  }
}

/** Reports `error` as a `failed` message, then exits with code 1. */
async function fail(error: unknown): Promise<void> {
  const failed: FailedMessage =
    error instanceof TrainerError
      ? { type: 'failed', message: error.message, layerIndex: error.layerIndex }
      : {
          type: 'failed',
          message: l10n.t('Training stopped because of an unexpected error: {0}', errorMessage(error)),
        };
  // The stack goes to stderr, which the host keeps for crash reports.
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  send(failed);
  await exitAfterSending(1);
}

function send(message: TrainerToHost): void {
  if (!process.connected || !process.send) {
    return;
  }
  lastSend = new Promise((resolve) => {
    process.send?.(message, undefined, undefined, () => resolve());
  });
}

async function exitAfterSending(code: number): Promise<void> {
  await lastSend;
  process.exit(code);
}

/** Narrows a value from the IPC channel to a host message, or returns undefined. */
function parseHostMessage(value: unknown): HostToTrainer | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const message = value as Partial<Record<string, unknown>>;
  if (message.type === 'stop') {
    return { type: 'stop' };
  }
  if (message.type === 'start' && typeof message.spec === 'object' && typeof message.options === 'object') {
    return value as HostToTrainer;
  }
  return undefined;
}

/** Loads the host's localization bundle; returns a message when that fails, else undefined. */
function configureLocalization(): string | undefined {
  const bundlePath = process.env.GRADIENT_FLOW_L10N_BUNDLE;
  if (!bundlePath) {
    return undefined;
  }
  try {
    l10n.config({ fsPath: bundlePath });
    return undefined;
  } catch (error) {
    return l10n.t(
      'The localization bundle {0} could not be loaded, so the trainer reports in English: {1}',
      bundlePath,
      errorMessage(error),
    );
  }
}
