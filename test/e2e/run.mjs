#!/usr/bin/env node
/**
 * End-to-end test of the packaged extension in a real VS Code: code-server (installed by
 * scripts/install-e2e-tools.sh) driven through Debian's Chromium with playwright-core.
 *
 * Usage: node test/e2e/run.mjs [--vsix FILE] [--keep-profile] [--scenario TEXT]
 *   --vsix FILE       extension package to test (default out/gradient-flow.vsix)
 *   --keep-profile    keep the temp folder with the workspace, profile and logs
 *   --scenario TEXT   run only the scenarios whose name contains TEXT
 *
 * Each scenario gets a fresh profile and workspace, its own code-server and Chromium.
 * Screenshots and logs go to test-results/. The last line is `N passed, N failed`, and
 * the exit code is non-zero when any check failed.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProfile, installExtension, locateTools, startCodeServer } from './harness/codeServer.mjs';
import { installLanguagePack } from './harness/languagePack.mjs';
import { findProcesses, stopGroup } from './harness/processes.mjs';
import { ScenarioAborted, TestReport } from './harness/report.mjs';
import { formatSeconds } from './harness/wait.mjs';
import { closeBrowser, launchBrowser } from './harness/workbench.mjs';
import { jsonModel } from './scenarios/jsonModel.mjs';
import { koreanLocale } from './scenarios/koreanLocale.mjs';
import { lifecycle } from './scenarios/lifecycle.mjs';
import { quickFix } from './scenarios/quickFix.mjs';
import { trainSeedModel } from './scenarios/trainSeedModel.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS_DIR = path.join(REPO_ROOT, 'test-results');
const SCENARIOS = [trainSeedModel, koreanLocale, quickFix, lifecycle, jsonModel];

function parseArguments(args) {
  const options = { vsix: path.join(REPO_ROOT, 'out', 'gradient-flow.vsix'), keepProfile: false, scenario: '' };
  for (let index = 0; index < args.length; index += 1) {
    const argument = args[index];
    if (argument === '--vsix' && index + 1 < args.length) {
      options.vsix = path.resolve(args[++index]);
    } else if (argument === '--keep-profile') {
      options.keepProfile = true;
    } else if (argument === '--scenario' && index + 1 < args.length) {
      options.scenario = args[++index];
    } else {
      throw new Error(`Unknown argument "${argument}". Usage: node test/e2e/run.mjs [--vsix FILE] [--keep-profile] [--scenario TEXT]`);
    }
  }
  return options;
}

/** Runs one scenario in its own profile, code-server and Chromium, and always ends them. */
async function runScenario(scenario, options, report) {
  console.log(`\nScenario: ${scenario.name}`);
  const slug = scenario.name.replace(/\W+/g, '-');
  const rootDir = mkdtempSync(path.join(tmpdir(), 'gradient-flow-e2e-'));
  // Also removed when the run is interrupted; the finally block below is skipped then.
  const removeRootDir = () => rmSync(rootDir, { recursive: true, force: true });
  if (!options.keepProfile) {
    process.once('exit', removeRootDir);
  }
  let profile;
  let server;
  let browser;
  let extensionDir;

  try {
    const tools = await report.step('e2e tools are installed', () => locateTools());
    profile = createProfile(rootDir, { workspaceSettings: scenario.workspaceSettings });
    if (scenario.languagePack) {
      installLanguagePack(profile, scenario.languagePack);
    }
    console.log(`    ${scenario.prepareWorkspace(profile.workspaceDir, REPO_ROOT)}`);

    extensionDir = await report.step('vsix installs into code-server', () => {
      if (!existsSync(options.vsix)) {
        throw new Error(`${options.vsix} not found. Run \`npm run package\` first.`);
      }
      return installExtension(tools, profile, options.vsix);
    });
    server = await report.step('code-server starts on loopback', () =>
      startCodeServer(tools, profile, { locale: scenario.languagePack?.languageId }),
    );
    console.log(`    code-server ${server.workbenchUrl} (pid ${server.child.pid})`);
    browser = await report.step('Chromium starts', () => launchBrowser());

    const context = { page: browser.page, consoleMessages: browser.consoleMessages, server, extensionDir, resultsDir: RESULTS_DIR };
    await scenario.run(context, report);
  } catch (error) {
    if (!(error instanceof ScenarioAborted)) {
      report.fail(`scenario "${scenario.name}" runs to the end`, error);
    }
    if (browser) {
      const screenshot = path.join(RESULTS_DIR, `e2e-failure-${slug}.png`);
      await browser.page.screenshot({ path: screenshot }).catch(() => {});
      console.log(`    Screenshot of the failure: ${path.relative(REPO_ROOT, screenshot)}`);
    }
  } finally {
    await endScenario({ report, browser, server, extensionDir, profile, slug });
    if (options.keepProfile) {
      console.log(`    Kept ${rootDir}`);
    } else {
      process.removeListener('exit', removeRootDir);
      removeRootDir();
    }
  }
}

/** Ends Chromium and code-server, checks for surviving trainers and saves the logs. */
async function endScenario({ report, browser, server, extensionDir, profile, slug }) {
  const consoleMessages = browser?.consoleMessages ?? [];
  if (browser) {
    console.log(`    ${await closeBrowser(browser).catch((error) => `Ending Chromium failed: ${error.message}`)}`);
  }
  if (server) {
    const ended = await stopGroup(server.child.pid, { name: 'code-server' }).catch((error) => `Ending code-server failed: ${error.message}`);
    console.log(`    ${ended}`);
  }

  if (extensionDir) {
    const trainerScript = path.join(extensionDir, 'dist', 'trainer.js');
    await report.check('no trainer outlives code-server shutdown', () => {
      const survivors = findProcesses(trainerScript);
      if (survivors.length > 0) {
        throw new Error(`Still running: ${JSON.stringify(survivors)}`);
      }
    });
  }

  if (profile) {
    const logsDir = path.join(RESULTS_DIR, 'e2e-logs', slug);
    rmSync(logsDir, { recursive: true, force: true });
    mkdirSync(logsDir, { recursive: true });
    const consoleLog = consoleMessages.map((message) => `[${message.type}] ${message.url} ${message.text}`).join('\n');
    writeFileSync(path.join(logsDir, 'browser-console.log'), `${consoleLog}\n`);
    if (existsSync(profile.logFile)) {
      cpSync(profile.logFile, path.join(logsDir, 'code-server.log'));
    }
    const vscodeLogs = path.join(profile.userDataDir, 'logs');
    if (existsSync(vscodeLogs)) {
      cpSync(vscodeLogs, path.join(logsDir, 'vscode'), { recursive: true });
    }
    console.log(`    Logs: ${path.relative(REPO_ROOT, logsDir)}`);
  }
}

/** Removes this test's screenshots from earlier runs, so a stale failure picture cannot mislead. */
function removeOldScreenshots() {
  for (const name of readdirSync(RESULTS_DIR)) {
    if (/^e2e-.*\.png$/.test(name)) {
      rmSync(path.join(RESULTS_DIR, name));
    }
  }
}

async function main() {
  const startedAt = performance.now();
  const report = new TestReport();

  try {
    const options = parseArguments(process.argv.slice(2));
    mkdirSync(RESULTS_DIR, { recursive: true });
    removeOldScreenshots();
    console.log(`End-to-end test of ${path.relative(REPO_ROOT, options.vsix)}`);
    const selected = SCENARIOS.filter((scenario) => scenario.name.includes(options.scenario));
    if (selected.length === 0) {
      throw new Error(`No scenario name contains "${options.scenario}". Names: ${SCENARIOS.map((scenario) => scenario.name).join('; ')}`);
    }
    for (const scenario of selected) {
      await runScenario(scenario, options, report);
    }
  } catch (error) {
    report.fail('end-to-end run starts', error);
  }

  console.log(`\nEnd-to-end run took ${formatSeconds(performance.now() - startedAt)}.`);
  report.printSummary();
  process.exitCode = report.failed > 0 ? 1 : 0;
}

await main();
