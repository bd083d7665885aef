/**
 * Processes the test starts: each leads its own process group, so ending the group also
 * ends its children (VS Code's server, extension host and the trainer). Groups still
 * registered when the test exits or is interrupted are killed by their ids.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { formatSeconds, waitFor } from './wait.mjs';

/** Process group ids started by this test and not yet ended. */
const runningGroups = new Set();

/** Kills every registered group at once; safe to call from an exit or signal handler. */
function killRegisteredGroups() {
  for (const groupId of runningGroups) {
    signalGroup(groupId, 'SIGKILL');
  }
  runningGroups.clear();
}

process.on('exit', killRegisteredGroups);
for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, () => {
    console.error(`Received ${signal}: ending the processes this test started.`);
    killRegisteredGroups();
    process.exit(exitCode);
  });
}

function signalGroup(groupId, signal) {
  try {
    process.kill(-groupId, signal);
    return true;
  } catch (error) {
    // ESRCH: the group has already ended.
    if (error.code !== 'ESRCH') {
      throw error;
    }
    return false;
  }
}

function groupIsAlive(groupId) {
  return signalGroup(groupId, 0);
}

/** Spawns `command` as the leader of a new process group and registers the group. */
export function spawnGroup(command, args, options) {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid === undefined) {
    throw new Error(`Failed to start ${command}.`);
  }
  registerGroup(child.pid);
  return child;
}

/** Registers a process group started elsewhere (Chromium, started by Playwright). */
export function registerGroup(groupId) {
  runningGroups.add(groupId);
}

/**
 * Ends a process group: SIGTERM, then SIGKILL when it has not ended after `graceMs`.
 * Returns a sentence saying how it ended.
 */
export async function stopGroup(groupId, { name, graceMs = 10_000 }) {
  runningGroups.delete(groupId);
  if (!signalGroup(groupId, 'SIGTERM')) {
    return `${name} had already exited.`;
  }

  try {
    await waitFor(() => !groupIsAlive(groupId), { timeoutMs: graceMs, description: `${name} to exit` });
    return `${name} exited after SIGTERM.`;
  } catch {
    signalGroup(groupId, 'SIGKILL');
    await waitFor(() => !groupIsAlive(groupId), { timeoutMs: 5_000, description: `${name} to exit after SIGKILL` });
    return `${name} did not exit within ${formatSeconds(graceMs)} of SIGTERM and was killed.`;
  }
}

/** Lists running processes whose command line contains `text`, read from /proc. */
export function findProcesses(text) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }

    let commandLine;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      // The process ended while the list was read.
      continue;
    }
    if (commandLine.includes(text)) {
      found.push({ pid: Number(entry), commandLine });
    }
  }
  return found;
}
