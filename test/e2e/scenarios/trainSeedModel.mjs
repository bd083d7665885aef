/**
 * Scenario: a student right-clicks the seed model (six sigmoid Dense layers and a softmax
 * output on MNIST), chooses "Train model" and watches the heatmap fill in until the test
 * evaluation appears.
 */
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { findProcesses } from '../harness/processes.mjs';
import { formatSeconds, waitFor } from '../harness/wait.mjs';
import {
  clickEditorContextMenuEntry,
  editorTabTitles,
  findFrameContaining,
  notificationTexts,
  openFileWithQuickOpen,
  openWorkbench,
  waitInWebview,
} from '../harness/workbench.mjs';

const MODEL_FILE = 'seed_model.py';
const COMMAND_TITLE = 'Train model';
const PANEL_TITLE = 'Gradient Flow';

const ROW_SELECTOR = 'g.heatmap-row[data-layer-name]';
const CELL_SELECTOR = 'g.heatmap-row .heatmap-cell';
// Any part of the panel, to find its frame before the heatmap exists.
const PANEL_SELECTOR = '.run-status, #evaluation, g.heatmap-row';

// Keras names Dense layers `dense`, `dense_1`, ... in creation order; the seed has seven.
const EXPECTED_DENSE_LAYERS = ['dense', 'dense_1', 'dense_2', 'dense_3', 'dense_4', 'dense_5', 'dense_6'];
const DENSE_NAME = /^dense(_\d+)?$/;

// From the click to the first heatmap cell: the trainer process starts, loads MNIST and
// the tfjs backend, and trains to its first statistics sample.
const FIRST_CELL_TIMEOUT_MS = 180_000;
// One epoch of 48,000 examples trained in 7-15 s with the wasm backend on a shared 2-core
// x86-64 machine, and the run has two. The limit leaves room for machines many times slower or busier.
const EVALUATION_TIMEOUT_MS = 600_000;
const TRAINER_EXIT_TIMEOUT_MS = 30_000;

export const trainSeedModel = {
  name: 'train the seed model',

  // Two epochs keep the run short but leave the heatmap growing for 15 s or more. The live
  // checks then still find training under way when the first webview of a fresh code-server
  // loads slowly: one CI run took 18 s from the click to the first cell, against 4-6 s usually.
  // Every machine has the wasm backend.
  workspaceSettings: {
    'gradientFlow.maxEpochs': 2,
    'gradientFlow.backend': 'wasm',
  },

  // The parser's unit tests use the same copy of the seed model.
  prepareWorkspace(workspaceDir, repoRoot) {
    const source = path.join(repoRoot, 'test', 'fixtures', 'parser', MODEL_FILE);
    copyFileSync(source, path.join(workspaceDir, MODEL_FILE));
    return `Workspace model: ${path.relative(repoRoot, source)}`;
  },

  async run({ page, consoleMessages, server, extensionDir, resultsDir }, report) {
    const trainerScript = path.join(extensionDir, 'dist', 'trainer.js');
    const describePanel = () => describePanelState(page);

    await report.step('workbench opens the workspace', () => openWorkbench(page, server.workbenchUrl, MODEL_FILE));
    await report.step('Quick Open opens the seed model', () => openFileWithQuickOpen(page, MODEL_FILE));

    const clickedAt = await report.step(`context menu runs "${COMMAND_TITLE}"`, () =>
      clickEditorContextMenuEntry(page, COMMAND_TITLE),
    );

    await report.step(`"${PANEL_TITLE}" panel opens`, () =>
      waitFor(async () => (await editorTabTitles(page)).some((title) => title.startsWith(PANEL_TITLE)), {
        timeoutMs: 30_000,
        description: `an editor tab titled "${PANEL_TITLE}…"`,
        describeState: async () => `Open tabs: [${(await editorTabTitles(page)).join(' | ')}]`,
      }),
    );

    await report.step('heatmap shows its first cell', async () => {
      await waitInWebview(page, ROW_SELECTOR, (selector) => document.querySelector(selector) !== null, CELL_SELECTOR, {
        timeoutMs: FIRST_CELL_TIMEOUT_MS,
        description: `a heatmap cell (${CELL_SELECTOR}) in the panel`,
        describeState: describePanel,
      });
      const elapsed = performance.now() - clickedAt;
      console.log(`    click to first heatmap cell: ${formatSeconds(elapsed)}`);
      await page.screenshot({ path: path.join(resultsDir, 'e2e-training.png') });
    });

    const rows = await readHeatmapRows(page);
    await report.check('panel has one row per Dense layer', () => {
      const denseRows = rows.filter((row) => DENSE_NAME.test(row.name));
      if (denseRows.length !== EXPECTED_DENSE_LAYERS.length) {
        throw new Error(`Expected ${EXPECTED_DENSE_LAYERS.length} Dense rows, found ${denseRows.length}: [${rows.map((row) => row.name).join(', ')}]`);
      }
    });
    await report.check('heatmap rows follow source order', () => {
      const topToBottom = rows
        .filter((row) => DENSE_NAME.test(row.name))
        .sort((a, b) => a.top - b.top)
        .map((row) => row.name);
      if (topToBottom.join(',') !== EXPECTED_DENSE_LAYERS.join(',')) {
        throw new Error(`Rows from top to bottom: [${topToBottom.join(', ')}], expected [${EXPECTED_DENSE_LAYERS.join(', ')}]`);
      }
    });

    await report.check('row labels show the layer names', () => {
      const unlabelled = rows.filter((row) => !row.text.includes(row.name)).map((row) => `${row.name}: "${row.text}"`);
      if (unlabelled.length > 0) {
        throw new Error(`Rows whose text lacks their layer name: [${unlabelled.join(', ')}]`);
      }
    });

    // Cell counts seen while training goes on, to check that the heatmap fills in live and
    // not only when the finished state arrives.
    const firstCellCount = await countHeatmapCells(page);
    const cellCountsWhileTraining = [];
    const columnsWhileTraining = [];
    const firstCellAt = performance.now();

    await report.step('panel shows the test evaluation', async () => {
      const text = await waitFor(
        async () => {
          const frame = await findFrameContaining(page, ROW_SELECTOR);
          if (!frame) {
            return undefined;
          }
          const progress = await frame.evaluate(readProgress, CELL_SELECTOR);
          if (!progress.evaluation) {
            cellCountsWhileTraining.push(progress.cells);
            columnsWhileTraining.push({ cells: progress.firstRowCells, columns: progress.columns, batch: progress.batch });
          }
          return progress.evaluation || undefined;
        },
        {
          timeoutMs: EVALUATION_TIMEOUT_MS,
          intervalMs: 250,
          description: 'a test evaluation with a number in #evaluation',
          describeState: describePanel,
        },
      );
      console.log(`    evaluation ${formatSeconds(performance.now() - firstCellAt)} after the first heatmap cell: "${text}"`);
      await page.screenshot({ path: path.join(resultsDir, 'e2e-finished.png') });
    });

    // dense_3 is the fourth Dense layer, on line 12 of the seed model.
    await report.check('clicking a row reveals its line in the editor', async () => {
      const frame = await findFrameContaining(page, ROW_SELECTOR);
      await frame.locator('g.heatmap-row[data-layer-name="dense_3"] g.heatmap-row-label').click();
      await waitFor(
        async () => {
          const selection = await page.locator('.statusbar-item').filter({ hasText: /Ln \d+/ }).first().textContent();
          return /Ln 12\b/.test(selection ?? '') || undefined;
        },
        {
          timeoutMs: 15_000,
          intervalMs: 250,
          description: 'the editor cursor on line 12 (dense_3)',
          describeState: async () =>
            `Status bar: ${await page.locator('.statusbar-item').filter({ hasText: /Ln \d+/ }).first().textContent()}`,
        },
      );
    });

    // NOTE: a backend that trained the epoch within one poll interval (250 ms) would fail
    // this check. The wasm backend takes seconds.
    await report.check('heatmap grows while training', () => {
      const maxWhileTraining = Math.max(firstCellCount, ...cellCountsWhileTraining);
      if (maxWhileTraining <= firstCellCount) {
        throw new Error(
          `The panel showed ${firstCellCount} cells at the first sample and no more in ${cellCountsWhileTraining.length} polls before the evaluation appeared.`,
        );
      }
    });

    await report.check('each sampled step gets its own column', () => {
      const overlapping = columnsWhileTraining.filter((poll) => poll.columns !== poll.cells);
      if (columnsWhileTraining.length === 0 || overlapping.length > 0) {
        throw new Error(`Polls whose first row had fewer distinct columns than cells: ${JSON.stringify(overlapping.slice(0, 5))}`);
      }
    });

    // The trainer samples every 1,500 / 25 = 60 steps or so, from step 0 on: a panel that
    // joined late must still show the samples taken before it loaded.
    await report.check('heatmap keeps the samples taken before the panel loaded', () => {
      const missing = columnsWhileTraining.filter(
        (poll) => Number.isFinite(poll.batch) && poll.columns < Math.floor(poll.batch / (1500 / 25)) - 1,
      );
      if (missing.length > 0) {
        throw new Error(`Polls with fewer columns than samples taken by then: ${JSON.stringify(missing.slice(0, 5))}`);
      }
    });

    await report.check('panel logs no console errors', () => {
      const errors = consoleMessages.filter((message) => isPanelError(message));
      if (errors.length > 0) {
        throw new Error(`Errors from the panel's frames:\n${errors.map((message) => `${message.text} (${message.url})`).join('\n')}`);
      }
    });

    await report.check('trainer process exits after the run', () =>
      waitFor(() => findProcesses(trainerScript).length === 0, {
        timeoutMs: TRAINER_EXIT_TIMEOUT_MS,
        intervalMs: 250,
        description: `no process running ${trainerScript}`,
        describeState: async () => `Still running: ${JSON.stringify(findProcesses(trainerScript))}`,
      }),
    );
  },
};

/**
 * Tells whether a console message is an error from a webview: a script error, a Content
 * Security Policy violation or a failed resource load. Webview frames log from VS Code's
 * webview host page (`.../webview/browser/pre/index.html`), from the extension's resources
 * (`*.vscode-cdn.net`), or from inline scripts, which Chromium reports without a URL.
 */
function isPanelError(message) {
  if (message.type !== 'error' && message.type !== 'pageerror') {
    return false;
  }
  return message.url === '' || message.url.includes('/webview/browser/pre/') || message.url.includes('vscode-cdn.net');
}

/** Runs in the panel: returns the number of heatmap cells and the evaluation text, if any. */
function readProgress(cellSelector) {
  const text = document.querySelector('#evaluation')?.textContent?.trim() ?? '';
  // Columns are told apart by their on-screen position: one per sampled step.
  const firstRowCells = [...(document.querySelector('g.heatmap-row')?.querySelectorAll('.heatmap-cell') ?? [])];
  const columns = new Set(firstRowCells.map((cell) => Math.round(cell.getBoundingClientRect().left))).size;
  const batch = Number(/([\d,]+)\s*\/\s*[\d,]+/.exec(document.querySelector('.batch-progress')?.textContent ?? '')?.[1]?.replace(/,/g, ''));
  return {
    cells: document.querySelectorAll(cellSelector).length,
    firstRowCells: firstRowCells.length,
    batch,
    columns,
    evaluation: /\d/.test(text) ? text : '',
  };
}

async function countHeatmapCells(page) {
  const frame = await findFrameContaining(page, ROW_SELECTOR);
  return frame ? frame.evaluate((selector) => document.querySelectorAll(selector).length, CELL_SELECTOR) : 0;
}

/** Returns each heatmap row's layer name, its text and its distance from the top of the panel. */
async function readHeatmapRows(page) {
  const frame = await findFrameContaining(page, ROW_SELECTOR);
  if (!frame) {
    return [];
  }
  return frame.evaluate(
    (selector) =>
      [...document.querySelectorAll(selector)].map((row) => ({
        name: row.getAttribute('data-layer-name'),
        text: row.textContent,
        top: row.getBoundingClientRect().top,
      })),
    ROW_SELECTOR,
  );
}

/** Describes what the panel and the notifications show, for timeout messages. */
async function describePanelState(page) {
  const frame = await findFrameContaining(page, PANEL_SELECTOR);
  const panel = frame
    ? await frame.evaluate(() => ({
        status: document.querySelector('.run-status')?.textContent?.trim(),
        evaluation: document.querySelector('#evaluation')?.textContent?.trim(),
        rows: document.querySelectorAll('g.heatmap-row').length,
        cells: document.querySelectorAll('g.heatmap-row .heatmap-cell').length,
      }))
    : `no webview frame contains ${PANEL_SELECTOR}`;
  const notifications = await notificationTexts(page);
  return `Panel: ${JSON.stringify(panel)}\nNotifications: ${JSON.stringify(notifications)}`;
}
