/**
 * Scenario: a Keras 3 `model.to_json()` file. The student opens the JSON file, chooses
 * "Train model" from the editor's context menu, and the panel draws one heatmap row per
 * Conv2D and Dense layer of the saved topology. Stop ends the run.
 */
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { findProcesses } from '../harness/processes.mjs';
import { waitFor } from '../harness/wait.mjs';
import {
  clickEditorContextMenuEntry,
  editorTabTitles,
  findFrameContaining,
  openFileWithQuickOpen,
  openWorkbench,
  waitInWebview,
} from '../harness/workbench.mjs';

const MODEL_FILE = 'cnn_model.json';
const FIXTURE = path.join('test', 'fixtures', 'json', 'keras3_sequential_cnn.json');
const CELL_SELECTOR = 'g.heatmap-row .heatmap-cell';
const STOP_SELECTOR = 'button.stop-button';
/** The fixture's layers with weights or an activation, in file order: pooling layers get no row. */
const EXPECTED_ROWS = ['conv2d', 'conv2d_1', 'dense'];
const FIRST_CELL_TIMEOUT_MS = 180_000;
const UI_TIMEOUT_MS = 30_000;

export const jsonModel = {
  name: 'train a Keras JSON model',

  workspaceSettings: {
    'gradientFlow.maxEpochs': 1,
    'gradientFlow.backend': 'wasm',
  },

  prepareWorkspace(workspaceDir, repoRoot) {
    copyFileSync(path.join(repoRoot, FIXTURE), path.join(workspaceDir, MODEL_FILE));
    return `Workspace model: ${FIXTURE} as ${MODEL_FILE}`;
  },

  async run({ page, server, extensionDir }, report) {
    const trainerScript = path.join(extensionDir, 'dist', 'trainer.js');

    await report.step('workbench opens the workspace', () => openWorkbench(page, server.workbenchUrl, MODEL_FILE));
    await report.step('Quick Open opens the JSON model', () => openFileWithQuickOpen(page, MODEL_FILE));
    await report.step('context menu runs "Train model" on the JSON file', () => clickEditorContextMenuEntry(page, 'Train model'));

    await report.step('panel opens', () =>
      waitFor(async () => (await editorTabTitles(page)).some((title) => title.startsWith('Gradient Flow')), {
        timeoutMs: UI_TIMEOUT_MS,
        description: 'an editor tab titled "Gradient Flow…"',
        describeState: async () => `Open tabs: [${(await editorTabTitles(page)).join(' | ')}]`,
      }),
    );
    await report.step('heatmap shows its first cell', () =>
      waitInWebview(page, CELL_SELECTOR, (selector) => document.querySelector(selector) !== null, CELL_SELECTOR, {
        timeoutMs: FIRST_CELL_TIMEOUT_MS,
        description: 'a heatmap cell in the panel',
      }),
    );

    await report.check('heatmap has one row per Conv2D and Dense layer', async () => {
      const frame = await findFrameContaining(page, CELL_SELECTOR);
      const rows = await frame.evaluate(() =>
        [...document.querySelectorAll('g.heatmap-row[data-layer-name]')].map((row) => row.getAttribute('data-layer-name')),
      );
      console.log(`    heatmap rows: ${rows.join(', ')}`);
      if (JSON.stringify(rows) !== JSON.stringify(EXPECTED_ROWS)) {
        throw new Error(`The heatmap rows are [${rows.join(', ')}], expected [${EXPECTED_ROWS.join(', ')}].`);
      }
    });

    await report.step('Stop button is pressed', async () => {
      const frame = await findFrameContaining(page, STOP_SELECTOR);
      if (!frame) {
        throw new Error(`No webview frame contains ${STOP_SELECTOR}.`);
      }
      await frame.locator(STOP_SELECTOR).click({ timeout: UI_TIMEOUT_MS });
    });
    await report.check('Stop ends the trainer', () =>
      waitFor(() => findProcesses(trainerScript).length === 0, {
        timeoutMs: 15_000,
        intervalMs: 100,
        description: `no process running ${trainerScript}`,
      }),
    );
  },
};
