/**
 * code-server (the VS Code workbench and extension host from npm) with a throwaway profile:
 * its own extensions folder, user data folder and workspace, all under one temp folder.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { spawnGroup } from './processes.mjs';
import { WaitAborted, waitFor } from './wait.mjs';

const execFileAsync = promisify(execFile);

/**
 * Paths of Node 24 and code-server as scripts/install-e2e-tools.sh lays them out; both read
 * GRADIENT_FLOW_E2E_TOOLS for the folder.
 */
export function locateTools() {
  const toolsDir = process.env.GRADIENT_FLOW_E2E_TOOLS || path.join(homedir(), '.cache', 'gradient-flow-e2e');
  const nodeBin = path.join(toolsDir, 'node24', 'node_modules', 'node', 'bin', 'node');
  const entryScript = path.join(toolsDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

  for (const required of [nodeBin, entryScript]) {
    if (!existsSync(required)) {
      throw new Error(`${required} not found. Run scripts/install-e2e-tools.sh first.`);
    }
  }
  return { nodeBin, entryScript };
}

/** Creates the profile folders under `rootDir`; the workspace gets `.vscode/settings.json`. */
export function createProfile(rootDir, { workspaceSettings }) {
  const profile = {
    rootDir,
    extensionsDir: path.join(rootDir, 'extensions'),
    userDataDir: path.join(rootDir, 'user-data'),
    workspaceDir: path.join(rootDir, 'workspace'),
    // An explicit config file keeps code-server from writing a default one into ~/.config.
    configFile: path.join(rootDir, 'code-server.yaml'),
    logFile: path.join(rootDir, 'code-server.log'),
    // code-server keeps a heartbeat file and its own logs in $XDG_DATA_HOME/code-server.
    xdgDataDir: path.join(rootDir, 'xdg-data'),
  };

  for (const folder of [profile.extensionsDir, profile.userDataDir, profile.workspaceDir, profile.xdgDataDir]) {
    mkdirSync(folder, { recursive: true });
  }
  writeFileSync(profile.configFile, 'auth: none\n');

  // Keep the workbench quiet: no welcome page, tips, update checks or AI features that
  // would open panels over the editor.
  const userSettings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    // Edits made by a scenario stay unsaved unless it saves them, so a check of the file on
    // disk finds only what the extension wrote.
    'files.autoSave': 'off',
  };
  mkdirSync(path.join(profile.userDataDir, 'User'), { recursive: true });
  writeFileSync(path.join(profile.userDataDir, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));

  mkdirSync(path.join(profile.workspaceDir, '.vscode'), { recursive: true });
  writeFileSync(path.join(profile.workspaceDir, '.vscode', 'settings.json'), JSON.stringify(workspaceSettings, null, 2));
  return profile;
}

/**
 * Returns the environment for code-server. Node 24 comes first on PATH for anything it
 * starts by name rather than by its own path. Data files go into the profile instead of
 * $HOME. The extension gallery is off, so the workbench sends no requests to other hosts.
 */
function codeServerEnvironment(tools, profile) {
  return {
    ...process.env,
    PATH: `${path.dirname(tools.nodeBin)}${path.delimiter}${process.env.PATH}`,
    XDG_DATA_HOME: profile.xdgDataDir,
    // code-server 4.139.1 uses this JSON as the product's `extensionsGallery`; without a
    // serviceUrl the gallery is disabled (by default it queries open-vsx.org).
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: '' }),
  };
}

function profileArguments(profile) {
  return ['--config', profile.configFile, '--extensions-dir', profile.extensionsDir, '--user-data-dir', profile.userDataDir];
}

/**
 * Installs a `.vsix` with `code-server --install-extension` and returns the folder it was
 * unpacked into.
 */
export async function installExtension(tools, profile, vsixPath) {
  const args = [tools.entryScript, ...profileArguments(profile), '--force', '--install-extension', vsixPath];
  let output;
  try {
    const result = await execFileAsync(tools.nodeBin, args, { env: codeServerEnvironment(tools, profile), timeout: 120_000 });
    output = `${result.stdout}${result.stderr}`;
  } catch (error) {
    throw new Error(`code-server --install-extension ${vsixPath} failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }

  const installed = readdirSync(profile.extensionsDir).filter((name) => !name.startsWith('.') && name !== 'extensions.json');
  if (installed.length !== 1) {
    throw new Error(`Expected one extension folder in ${profile.extensionsDir}, found [${installed.join(', ')}]. Output:\n${output}`);
  }
  return path.join(profile.extensionsDir, installed[0]);
}

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
async function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server on 127.0.0.1 and waits until its health endpoint returns 200 OK.
 * Returns the child process and the workbench URL with the workspace folder open.
 * `locale` sets the display language; it needs a language pack (see languagePack.mjs).
 */
export async function startCodeServer(tools, profile, { startTimeoutMs = 60_000, locale } = {}) {
  const port = await findFreePort();
  const args = [
    tools.entryScript,
    ...profileArguments(profile),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(locale ? ['--locale', locale] : []),
    profile.workspaceDir,
  ];

  const log = createWriteStream(profile.logFile);
  const env = codeServerEnvironment(tools, profile);
  const child = spawnGroup(tools.nodeBin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);

  let exitMessage;
  child.once('exit', (code, signal) => {
    exitMessage = `code-server exited (code ${code}, signal ${signal}).`;
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (exitMessage) {
        throw new WaitAborted(`${exitMessage}\n${tailOfFile(profile.logFile, 20)}`);
      }
      const response = await fetch(`${baseUrl}/healthz`);
      return response.ok;
    },
    {
      timeoutMs: startTimeoutMs,
      intervalMs: 250,
      description: `200 OK from ${baseUrl}/healthz`,
      describeState: async () => `code-server log:\n${tailOfFile(profile.logFile, 20)}`,
    },
  );

  const workbenchUrl = `${baseUrl}/?folder=${encodeURIComponent(profile.workspaceDir)}`;
  return { child, port, workbenchUrl };
}

export function tailOfFile(filePath, lineCount) {
  if (!existsSync(filePath)) {
    return '(no log)';
  }
  return readFileSync(filePath, 'utf8').trimEnd().split('\n').slice(-lineCount).join('\n');
}
