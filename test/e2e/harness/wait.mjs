/**
 * Polling waits: every wait has a deadline and, when it passes, an error that names what
 * was missing.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Thrown by a probe to end the wait at once: the condition can no longer come true. */
export class WaitAborted extends Error {}

/**
 * Calls `probe` every `intervalMs` until it returns a truthy value, and returns that value.
 * An error thrown by `probe` counts as "not yet" because a webview frame may be reloading.
 * WaitAborted is the exception and is rethrown. On timeout the error quotes the last
 * error, and `describeState`, when given, adds what the page showed at the deadline.
 */
export async function waitFor(probe, { timeoutMs, intervalMs = 100, description, describeState }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;

  for (;;) {
    try {
      const value = await probe();
      if (value) {
        return value;
      }
    } catch (error) {
      if (error instanceof WaitAborted) {
        throw error;
      }
      lastError = error;
    }

    if (Date.now() >= deadline) {
      break;
    }
    await delay(intervalMs);
  }

  let message = `Timed out after ${formatSeconds(timeoutMs)} waiting for ${description}.`;
  if (lastError) {
    message += `\nLast error: ${lastError.message.split('\n')[0]}`;
  }
  if (describeState) {
    message += `\n${await describeState().catch((error) => `(state unavailable: ${error.message})`)}`;
  }
  throw new Error(message);
}

export function formatSeconds(milliseconds) {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}
