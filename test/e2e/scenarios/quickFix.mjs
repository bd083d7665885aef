/**
 * Scenario: a student trains the seed model and finds "Vanishing gradients" in the Problems
 * panel on the first hidden layer's line. They apply the ReLU quick fix from the Quick Fix
 * menu (Ctrl+. on that line) and train again to compare both runs side by side.
 */
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { findProcesses } from '../harness/processes.mjs';
import { formatSeconds, waitFor } from '../harness/wait.mjs';
import {
  clickEditorContextMenuEntry,
  findFrameContaining,
  notificationTexts,
  openFileWithQuickOpen,
  openWorkbench,
  waitInWebview,
} from '../harness/workbench.mjs';

const MODEL_FILE = 'seed_model.py';
// 1-based line of `model.add(Dense(units = 64, activation ='sigmoid'))`, the first hidden layer.
const FIRST_HIDDEN_LINE = 9;
const FIX_TITLE = 'Use relu in the hidden layers';
const TRAIN_AGAIN = 'Train again and compare';

const PROBLEM_ROW = '.markers-panel .monaco-list-row';
const CELL_SELECTOR = 'g.heatmap-row .heatmap-cell';
const EVALUATION_SELECTOR = '#evaluation';

// The trainer starts, loads MNIST and trains the epoch; see trainSeedModel.mjs for the times measured.
const RUN_TIMEOUT_MS = 600_000;
const UI_TIMEOUT_MS = 30_000;
const TRAINER_EXIT_TIMEOUT_MS = 30_000;

export const quickFix = {
  name: 'apply the ReLU quick fix and compare',

  workspaceSettings: {
    'gradientFlow.maxEpochs': 1,
    'gradientFlow.backend': 'wasm',
  },

  prepareWorkspace(workspaceDir, repoRoot) {
    const source = path.join(repoRoot, 'test', 'fixtures', 'parser', MODEL_FILE);
    copyFileSync(source, path.join(workspaceDir, MODEL_FILE));
    return `Workspace model: ${path.relative(repoRoot, source)}`;
  },

  async run({ page, server, extensionDir, resultsDir }, report) {
    const trainerScript = path.join(extensionDir, 'dist', 'trainer.js');
    const describe = () => describeState(page);

    await report.step('workbench opens the workspace', () => openWorkbench(page, server.workbenchUrl, MODEL_FILE));
    await report.step('Quick Open opens the seed model', () => openFileWithQuickOpen(page, MODEL_FILE));
    const startedAt = await report.step('context menu runs "Train model"', () => clickEditorContextMenuEntry(page, 'Train model'));

    await report.step('Problems panel opens', async () => {
      await runCommand(page, 'View: Focus Problems');
      await page.locator('.markers-panel').first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    });

    const problems = await report.step('Problems lists vanishing gradients', async () => {
      const rows = await waitFor(
        async () => {
          const texts = await page.locator(PROBLEM_ROW).allInnerTexts();
          return texts.some((text) => /Vanishing gradients/.test(text)) ? texts : undefined;
        },
        { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 500, description: 'a "Vanishing gradients" problem', describeState: describe },
      );
      console.log(`    vanishing gradients in Problems ${formatSeconds(performance.now() - startedAt)} after the click`);
      return rows;
    });

    await report.check('vanishing gradients sits on the first hidden layer line', () => {
      const vanishing = problems.filter((text) => /Vanishing gradients/.test(text));
      if (!vanishing.some((text) => new RegExp(`\\[Ln ${FIRST_HIDDEN_LINE}, Col \\d+\\]`).test(text))) {
        throw new Error(`No vanishing-gradients problem on line ${FIRST_HIDDEN_LINE}: ${JSON.stringify(vanishing)}`);
      }
    });

    await report.check('problem names its source and the output layer', () => {
      const first = problems.find((text) => /Vanishing gradients/.test(text)) ?? '';
      if (!/Gradient Flow/.test(first) || !/dense_6/.test(first)) {
        throw new Error(`The problem text lacks "Gradient Flow" or the output layer dense_6: ${JSON.stringify(first)}`);
      }
    });

    await report.step('training finishes with a test evaluation', () =>
      waitInWebview(page, EVALUATION_SELECTOR, (selector) => /\d/.test(document.querySelector(selector)?.textContent ?? ''), EVALUATION_SELECTOR, {
        timeoutMs: RUN_TIMEOUT_MS,
        intervalMs: 500,
        description: 'the test evaluation in the panel',
        describeState: describe,
      }),
    );

    await report.check('gradient norms show at the end of the layer lines', async () => {
      const labels = await waitFor(
        async () => {
          const found = await page.evaluate(readDecorationTexts);
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: UI_TIMEOUT_MS, intervalMs: 250, description: 'a ‖∂L/∂W‖ decoration in the editor' },
      );
      console.log(`    decorations: ${labels.slice(0, 3).join(' | ')}`);
    });

    await report.step(`Quick Fix menu on line ${FIRST_HIDDEN_LINE} applies "${FIX_TITLE}"`, async () => {
      await goToLine(page, FIRST_HIDDEN_LINE);
      await page.keyboard.press('Control+Period');
      const entry = page.locator('.action-widget .monaco-list-row', { hasText: FIX_TITLE }).first();
      try {
        await entry.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      } catch {
        const offered = await page.locator('.action-widget .monaco-list-row').allInnerTexts().catch(() => []);
        throw new Error(`The Quick Fix menu has no "${FIX_TITLE}". Entries: ${JSON.stringify(offered)}`);
      }
      await entry.click();
    });

    await report.check('file now uses relu with he_uniform', () =>
      waitFor(
        async () => {
          const text = (await page.locator('.editor-group-container .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
          return /Dense\(units = 64, activation ='relu', kernel_initializer ='he_uniform'\)/.test(text) && !/sigmoid/.test(text);
        },
        { timeoutMs: UI_TIMEOUT_MS, intervalMs: 250, description: 'relu and he_uniform in every hidden layer, and no sigmoid' },
      ),
    );

    await report.check('the fix clears the stale problems', () =>
      waitFor(async () => !(await page.locator(PROBLEM_ROW).allInnerTexts()).some((text) => /Vanishing gradients/.test(text)), {
        timeoutMs: UI_TIMEOUT_MS,
        intervalMs: 250,
        description: 'no "Vanishing gradients" problem after the edit',
      }),
    );

    await report.step(`notification offers "${TRAIN_AGAIN}"`, async () => {
      const button = page.locator('.notifications-toasts .notification-list-item .monaco-button', { hasText: TRAIN_AGAIN }).first();
      await button.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      await button.click();
    });

    await report.step('panel shows the previous run beside the new one', async () => {
      await waitInWebview(
        page,
        'svg.baseline-heatmap',
        () => document.querySelectorAll('svg.baseline-heatmap .heatmap-cell').length > 0 && document.querySelectorAll('svg.heatmap:not(.baseline-heatmap) .heatmap-cell').length > 0,
        undefined,
        { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 500, description: 'cells in both heatmaps', describeState: describe },
      );
    });

    await report.check('comparison draws two heatmaps with one row per layer', async () => {
      const frame = await findFrameContaining(page, 'svg.baseline-heatmap');
      const counts = await frame.evaluate(() => ({
        heatmaps: document.querySelectorAll('svg.heatmap').length,
        baselineRows: document.querySelectorAll('svg.baseline-heatmap g.heatmap-row').length,
        title: document.querySelector('.compare-title')?.textContent ?? '',
      }));
      if (counts.heatmaps !== 2 || counts.baselineRows !== 7 || !/seed 42/.test(counts.title)) {
        throw new Error(`Expected 2 heatmaps, 7 previous-run rows and the seed 42 in the title: ${JSON.stringify(counts)}`);
      }
    });

    await report.step('second run finishes', () =>
      waitInWebview(page, EVALUATION_SELECTOR, (selector) => /\d/.test(document.querySelector(selector)?.textContent ?? '') && document.querySelector('#app')?.dataset.state === 'finished', EVALUATION_SELECTOR, {
        timeoutMs: RUN_TIMEOUT_MS,
        intervalMs: 500,
        description: 'the second run’s test evaluation',
        describeState: describe,
      }),
    );
    await page.screenshot({ path: path.join(resultsDir, 'e2e-compare.png') });

    await report.check('relu run reaches 80 % test accuracy', async () => {
      const frame = await findFrameContaining(page, EVALUATION_SELECTOR);
      const text = await frame.evaluate((selector) => document.querySelector(selector)?.textContent ?? '', EVALUATION_SELECTOR);
      const accuracy = Number(/([\d.]+)\s*%/.exec(text)?.[1]);
      console.log(`    second run: "${text}"`);
      if (!(accuracy >= 80)) {
        throw new Error(`Test accuracy after the fix: "${text}"`);
      }
    });

    await report.check('trainer process exits after the runs', () =>
      waitFor(() => findProcesses(trainerScript).length === 0, {
        timeoutMs: TRAINER_EXIT_TIMEOUT_MS,
        intervalMs: 250,
        description: `no process running ${trainerScript}`,
      }),
    );
  },
};

/** Runs a command by its title through the Command Palette (F1). */
async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: UI_TIMEOUT_MS });
  await page.keyboard.press('Enter');
}

/** Puts the cursor at the start of a 1-based line of the active editor with Go to Line (Ctrl+G). */
async function goToLine(page, line) {
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await waitFor(
    async () => {
      const status = await page.locator('.statusbar-item').filter({ hasText: /Ln \d+/ }).first().textContent();
      return new RegExp(`Ln ${line}\\b`).test(status ?? '') || undefined;
    },
    { timeoutMs: UI_TIMEOUT_MS, intervalMs: 100, description: `the cursor on line ${line}` },
  );
}

/**
 * Runs in the workbench page: returns the texts that editor decorations attach after code.
 * VS Code draws them as CSS generated content, so they are read from computed styles.
 */
function readDecorationTexts() {
  const texts = [];
  for (const element of document.querySelectorAll('.monaco-editor .view-lines span')) {
    for (const pseudo of ['::before', '::after']) {
      const content = getComputedStyle(element, pseudo).content;
      if (content && content.includes('∂L/∂W')) {
        texts.push(content.replace(/^"|"$/g, ''));
      }
    }
  }
  return texts;
}

/** Describes the Problems panel, the notifications and the panel, for timeout messages. */
async function describeState(page) {
  const problems = await page.locator(PROBLEM_ROW).allInnerTexts().catch(() => []);
  const notifications = await notificationTexts(page);
  const frame = await findFrameContaining(page, '.run-status, #evaluation');
  const panel = frame
    ? await frame.evaluate((cellSelector) => ({
        state: document.querySelector('#app')?.dataset.state,
        status: document.querySelector('.run-status')?.textContent?.trim(),
        cells: document.querySelectorAll(cellSelector).length,
        findings: [...document.querySelectorAll('li.finding')].map((item) => item.getAttribute('data-kind')),
      }), CELL_SELECTOR)
    : 'no panel frame';
  return `Problems: ${JSON.stringify(problems)}\nNotifications: ${JSON.stringify(notifications)}\nPanel: ${JSON.stringify(panel)}`;
}
