/**
 * Scenario: a student starts training and closes the panel, starts again and presses the
 * panel's Stop button, reloads the window, then starts a third time and presses Cancel on
 * the progress notification. Each time the trainer process must be gone within seconds,
 * the reloaded window must show the stopped run again, and the model file must end
 * unchanged on disk and in the editor.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findProcesses } from '../harness/processes.mjs';
import { waitFor } from '../harness/wait.mjs';
import {
  clickEditorContextMenuEntry,
  editorTabTitles,
  findFrameContaining,
  notificationTexts,
  openFileWithQuickOpen,
  openWorkbench,
  waitInWebview,
} from '../harness/workbench.mjs';

const MODEL_FILE = 'lifecycle_model.py';
const PANEL_TITLE = 'Gradient Flow';
const CELL_SELECTOR = 'g.heatmap-row .heatmap-cell';
const STOP_SELECTOR = 'button.stop-button';

// From the click to the first heatmap cell; see trainSeedModel.mjs for the times measured.
const FIRST_CELL_TIMEOUT_MS = 180_000;
// The trainer stops after its current batch, a few milliseconds, or is killed after 5 s.
const TRAINER_EXIT_TIMEOUT_MS = 15_000;
const UI_TIMEOUT_MS = 30_000;

export const lifecycle = {
  name: 'close the panel, stop and cancel',

  // Three epochs of the seed model take far longer than each step of this scenario, so
  // every stop happens while training runs.
  workspaceSettings: {
    'gradientFlow.maxEpochs': 3,
    'gradientFlow.backend': 'wasm',
  },

  prepareWorkspace(workspaceDir, repoRoot) {
    const source = path.join(repoRoot, 'test', 'fixtures', 'parser', 'seed_model.py');
    copyFileSync(source, path.join(workspaceDir, MODEL_FILE));
    return `Workspace model: ${path.relative(repoRoot, source)} as ${MODEL_FILE}`;
  },

  async run({ page, server, extensionDir }, report) {
    const trainerScript = path.join(extensionDir, 'dist', 'trainer.js');
    const modelPath = path.join(new URL(server.workbenchUrl).searchParams.get('folder'), MODEL_FILE);
    const original = readFileSync(modelPath);

    await report.step('workbench opens the workspace', () => openWorkbench(page, server.workbenchUrl, MODEL_FILE));
    await report.step('Quick Open opens the model', () => openFileWithQuickOpen(page, MODEL_FILE));

    // 1. Closing the panel stops the run.
    await startTraining(page, report, 'first run');
    await report.check('one trainer process runs', () => expectTrainers(trainerScript, 1));
    await report.step('closing the panel closes its tab', async () => {
      await closePanelTab(page);
      await waitFor(async () => !(await editorTabTitles(page)).some((title) => title.startsWith(PANEL_TITLE)), {
        timeoutMs: UI_TIMEOUT_MS,
        description: `no tab titled "${PANEL_TITLE}…"`,
      });
    });
    await report.check('closing the panel ends the trainer', () => waitForNoTrainer(trainerScript));
    await report.check('closing the panel reports the run as stopped', () =>
      waitFor(async () => (await notificationTexts(page)).some((text) => /Training of .* stopped\./.test(text)), {
        timeoutMs: UI_TIMEOUT_MS,
        description: 'a "Training of … stopped." notification',
        describeState: async () => `Notifications: ${JSON.stringify(await notificationTexts(page))}`,
      }),
    );

    // 2. The panel's Stop button.
    await report.step('model editor is focused again', () => focusModelEditor(page));
    await startTraining(page, report, 'second run');

    // A second "Train model" while one runs asks first; Cancel keeps the first run.
    const firstPid = findProcesses(trainerScript)[0]?.pid;
    await report.step('model editor is focused while training', () => focusModelEditor(page));
    await report.step('second "Train model" asks in a modal dialog', async () => {
      await clickEditorContextMenuEntry(page, 'Train model');
      await page.locator('.monaco-dialog-box', { hasText: 'A model is already training' }).waitFor({ timeout: UI_TIMEOUT_MS });
    });
    await report.step('Cancel in the dialog keeps the run', async () => {
      await page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Cancel$/ }).click({ timeout: UI_TIMEOUT_MS });
      await page.locator('.monaco-dialog-box').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
      const running = findProcesses(trainerScript).map((entry) => entry.pid);
      if (running.length !== 1 || running[0] !== firstPid) {
        throw new Error(`Expected trainer ${firstPid} alone, found ${JSON.stringify(running)}`);
      }
    });
    await report.step('Stop and Train replaces the run with a new trainer', async () => {
      await focusModelEditor(page);
      await clickEditorContextMenuEntry(page, 'Train model');
      await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Stop and Train' }).click({ timeout: UI_TIMEOUT_MS });
      await waitFor(
        () => {
          const running = findProcesses(trainerScript).map((entry) => entry.pid);
          return running.length === 1 && running[0] !== firstPid;
        },
        {
          timeoutMs: TRAINER_EXIT_TIMEOUT_MS,
          intervalMs: 100,
          description: `one trainer other than ${firstPid}`,
          describeState: async () => `Running: ${JSON.stringify(findProcesses(trainerScript))}`,
        },
      );
    });
    await report.step('replacing run shows its first cell while training', async () => {
      // Until the new run's empty state reaches the webview, the panel still shows the
      // replaced run's cells. The new trainer needs about 0.6 s to its first sample, so the
      // empty state stays visible for a while. After 3 s it has arrived in every run seen.
      const replacedAt = performance.now();
      await waitFor(
        async () => {
          if (performance.now() - replacedAt > 3_000) {
            return true;
          }
          const frame = await findFrameContaining(page, '.run-status');
          return frame ? frame.evaluate((selector) => document.querySelectorAll(selector).length === 0, CELL_SELECTOR) : false;
        },
        { timeoutMs: 10_000, intervalMs: 50, description: 'the replacing run in the panel' },
      );
      await waitInWebview(page, CELL_SELECTOR, (selector) => document.querySelector(selector) !== null && document.querySelector('[data-state="training"]') !== null, CELL_SELECTOR, {
        timeoutMs: FIRST_CELL_TIMEOUT_MS,
        description: `a heatmap cell (${CELL_SELECTOR}) in a panel that is training`,
      });
    });

    await report.step('Stop button is pressed', async () => {
      const frame = await findFrameContaining(page, STOP_SELECTOR);
      if (!frame) {
        throw new Error(`No webview frame contains ${STOP_SELECTOR}.`);
      }
      await frame.locator(STOP_SELECTOR).click({ timeout: UI_TIMEOUT_MS });
    });
    await report.check('Stop ends the trainer', () => waitForNoTrainer(trainerScript));
    await report.check('panel shows the run as stopped and keeps its heatmap', () =>
      waitInWebview(
        page,
        CELL_SELECTOR,
        (selector) => {
          const status = document.querySelector('.run-status')?.textContent ?? '';
          return /stopped/i.test(status) && document.querySelectorAll(selector).length > 0 ? status : undefined;
        },
        CELL_SELECTOR,
        { timeoutMs: UI_TIMEOUT_MS, description: 'a stopped status above a non-empty heatmap' },
      ),
    );

    // 3. A window reload restores the panel with the last run.
    await report.step('Developer: Reload Window reloads the window', () => reloadWindow(page));
    await report.check('reloaded window restores the stopped run', () =>
      waitInWebview(
        page,
        CELL_SELECTOR,
        (selector) => {
          const status = document.querySelector('.run-status')?.textContent ?? '';
          return /stopped/i.test(status) && document.querySelectorAll(selector).length > 0 ? status : undefined;
        },
        CELL_SELECTOR,
        { timeoutMs: UI_TIMEOUT_MS * 2, description: 'the restored panel with a stopped status and a heatmap' },
      ),
    );

    // 4. Cancel on the progress notification.
    // The stopped run's panel stays open beside the editor and is reused.
    await report.step('model editor is focused for the third run', () => focusModelEditor(page));
    await startTraining(page, report, 'third run');
    await report.step('Cancel is pressed on the progress notification', async () => {
      const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: `Training ${MODEL_FILE}` }).first();
      await toast.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      await toast.hover();
      await toast.locator('.monaco-button', { hasText: /^Cancel$/ }).first().click({ timeout: UI_TIMEOUT_MS });
    });
    await report.check('Cancel ends the trainer', () => waitForNoTrainer(trainerScript));

    // 5. A reload during training ends the trainer and restores the run so far.
    await report.step('model editor is focused for the fourth run', () => focusModelEditor(page));
    await startTraining(page, report, 'fourth run');
    // The run is saved every 2 s while it trains; by the second epoch (1,500 steps later)
    // the saved state contains samples.
    // An edit while training leaves the run alone, and the panel shows that the file changed.
    await report.step('an edit to the model during training', async () => {
      await focusModelEditor(page);
      await focusEditorText(page);
      await page.keyboard.press('Control+Home');
      await page.keyboard.type('x');
      await page.locator(`.tabs-container .tab.dirty[data-resource-name="${MODEL_FILE}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    });
    await report.check('panel says the file changed since training started', () =>
      waitInWebview(page, CELL_SELECTOR, (name) => (document.querySelector('.run-facts')?.textContent ?? '').includes(`${name} was edited after training started`), MODEL_FILE, {
        timeoutMs: UI_TIMEOUT_MS,
        description: 'the "was edited after training started" note in the panel',
      }),
    );
    await report.step('the edit is undone', async () => {
      await focusModelEditor(page);
      await focusEditorText(page);
      await page.keyboard.press('Control+Z');
      await page.locator(`.tabs-container .tab.dirty[data-resource-name="${MODEL_FILE}"]`).waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
    });
    await report.step('fourth run reaches its second epoch', () =>
      waitInWebview(page, CELL_SELECTOR, () => /\b2\s*\/\s*3\b/.test(document.querySelector('.epoch-counter')?.textContent ?? ''), undefined, {
        timeoutMs: FIRST_CELL_TIMEOUT_MS,
        description: 'the epoch counter at 2 / 3',
      }),
    );
    await report.step('Developer: Reload Window reloads during training', () => reloadWindow(page));
    await report.check('reload during training ends the trainer', () => waitForNoTrainer(trainerScript));
    await report.check('reloaded window shows the run as cut off', () =>
      waitInWebview(
        page,
        CELL_SELECTOR,
        (selector) => {
          const status = document.querySelector('.run-status')?.textContent ?? '';
          return /cut off/i.test(status) && document.querySelectorAll(selector).length > 0 ? status : undefined;
        },
        CELL_SELECTOR,
        { timeoutMs: UI_TIMEOUT_MS * 2, description: 'the restored panel with the interrupted run and its heatmap' },
      ).then((status) => console.log(`    restored status: "${status}"`)),
    );

    // 6. Nothing of this touched the student's file.
    await report.check('model file is unchanged on disk', () => {
      const current = readFileSync(modelPath);
      if (!current.equals(original)) {
        throw new Error(`${modelPath} changed during the scenario: ${describeFirstDifference(original.toString('utf8'), current.toString('utf8'))}`);
      }
    });
    await report.check('model editor has no unsaved changes', async () => {
      const dirty = await page.locator('.tabs-container .tab.dirty', { hasText: MODEL_FILE }).count();
      if (dirty > 0) {
        throw new Error(`The editor tab of ${MODEL_FILE} is marked dirty.`);
      }
    });
  },
};

/** Runs "Train model" from the editor's context menu and waits for the first heatmap cell. */
async function startTraining(page, report, label) {
  await report.step(`${label}: context menu runs "Train model"`, () => clickEditorContextMenuEntry(page, 'Train model'));
  // A panel reused from the last run keeps its cells until the new run's state arrives, so
  // the panel must also show that it is training.
  await report.step(`${label}: heatmap shows its first cell while training`, () =>
    waitInWebview(page, CELL_SELECTOR, (selector) => document.querySelector(selector) !== null && document.querySelector('[data-state="training"]') !== null, CELL_SELECTOR, {
      timeoutMs: FIRST_CELL_TIMEOUT_MS,
      description: `a heatmap cell (${CELL_SELECTOR}) in a panel that is training`,
      describeState: async () => `Notifications: ${JSON.stringify(await notificationTexts(page))}`,
    }),
  );
}

/**
 * Runs "Developer: Reload Window" from the Command Palette, the workbench's own reload that
 * saves the open editors first, and waits for the new page.
 */
async function reloadWindow(page) {
  await page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 } }).catch(() => {});
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  await input.fill('>Developer: Reload Window');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Developer: Reload Window' }).first().waitFor({ timeout: UI_TIMEOUT_MS });
  const loaded = page.waitForEvent('load', { timeout: UI_TIMEOUT_MS * 3 });
  await page.keyboard.press('Enter');
  await loaded;
  await page.locator('.monaco-workbench').waitFor({ timeout: UI_TIMEOUT_MS * 3 });
}

/**
 * Activates the model's own editor tab, so the context menu opens on its text. The panel's
 * tab title also contains the file name, but only the editor tab names the resource.
 */
async function focusModelEditor(page) {
  await page.locator(`.tabs-container .tab[data-resource-name="${MODEL_FILE}"]`).first().click({ timeout: UI_TIMEOUT_MS });
  await page
    .locator(`.editor-group-container.active .tabs-container .tab.active[data-resource-name="${MODEL_FILE}"]`)
    .waitFor({ timeout: UI_TIMEOUT_MS });
}

/**
 * Puts the keyboard focus in the model editor's text without a mouse click: a click on
 * the text can land on a notification or menu that is still fading out. Escape closes
 * such overlays, and Ctrl+1 focuses the first editor group, which contains the model.
 */
async function focusEditorText(page) {
  const textFocused = () =>
    page.evaluate(() => Boolean(document.activeElement?.closest('.editor-group-container.active .monaco-editor')));
  await page.keyboard.press('Escape');
  if (await textFocused()) {
    return;
  }
  await page.keyboard.press('Control+1');
  await waitFor(textFocused, { timeoutMs: UI_TIMEOUT_MS, intervalMs: 100, description: 'keyboard focus in the model editor' });
}

/** Clicks the close button of the panel's editor tab. */
async function closePanelTab(page) {
  const tab = page.locator('.tabs-container .tab', { hasText: PANEL_TITLE }).first();
  await tab.hover();
  await tab.locator('.tab-actions .action-label').first().click({ timeout: UI_TIMEOUT_MS });
}

function expectTrainers(trainerScript, count) {
  const running = findProcesses(trainerScript);
  if (running.length !== count) {
    throw new Error(`Expected ${count} trainer process(es), found ${running.length}: ${JSON.stringify(running)}`);
  }
}

function waitForNoTrainer(trainerScript) {
  return waitFor(() => findProcesses(trainerScript).length === 0, {
    timeoutMs: TRAINER_EXIT_TIMEOUT_MS,
    intervalMs: 100,
    description: `no process running ${trainerScript}`,
    describeState: async () => `Still running: ${JSON.stringify(findProcesses(trainerScript))}`,
  });
}

/** Names the first line where two versions of a file differ, with both versions of it. */
function describeFirstDifference(before, after) {
  const beforeLines = before.split('\n');
  const afterLines = after.split('\n');
  const length = Math.max(beforeLines.length, afterLines.length);
  for (let i = 0; i < length; i++) {
    if (beforeLines[i] !== afterLines[i]) {
      return `line ${i + 1} was ${JSON.stringify(beforeLines[i] ?? null)} and is now ${JSON.stringify(afterLines[i] ?? null)} (${beforeLines.length} lines before, ${afterLines.length} now)`;
    }
  }
  return 'the bytes differ but the lines are equal (line endings or encoding)';
}
