/**
 * Scenario: a Korean student. code-server runs with Korean as its display language. The
 * student right-clicks the seed model and chooses the Korean "Train model" entry, and the
 * panel shows its headings, status and evaluation in Korean.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const MODEL_FILE = 'seed_model.py';
const ROW_SELECTOR = 'g.heatmap-row[data-layer-name]';
// Two epochs of 48,000 examples; see trainSeedModel.mjs for the measured times behind these limits.
const FIRST_CELL_TIMEOUT_MS = 180_000;
const EVALUATION_TIMEOUT_MS = 600_000;
/** Columns before the per-layer statistics in the statistics CSV. */
const CSV_HEADER_START = 'step,epoch,batch,loss,accuracy,layerIndex,layerName';

/** The workspace folder of the current run, set by `prepareWorkspace`. */
let workspace;

/** Returns a function that looks up the Korean translation of an English message in the shipped bundle. */
function translator() {
  const bundle = JSON.parse(readFileSync(path.join(REPO_ROOT, 'l10n', 'bundle.l10n.ko.json'), 'utf8'));
  return (message) => {
    // Keys of messages with a translator comment are `message/comment`.
    const key = Object.keys(bundle).find((candidate) => candidate === message || candidate.startsWith(`${message}/`));
    if (!key) {
      throw new Error(`l10n/bundle.l10n.ko.json has no translation of "${message}".`);
    }
    const entry = bundle[key];
    return typeof entry === 'string' ? entry : entry.message;
  };
}

/** Runs in the panel: the text of the elements the checks read. */
function readPanelText() {
  return {
    lang: document.documentElement.lang,
    statisticSwitch: document.querySelector('.statistic-switch')?.getAttribute('aria-label') ?? '',
    firstStatistic: document.querySelector('.statistic-button')?.textContent ?? '',
    legendTitle: document.querySelector('.legend-title')?.textContent ?? '',
    exportButton: document.querySelector('.export-button')?.textContent ?? '',
    // The first loss chart title with text: a comparison of two runs has a second, hidden set of charts.
    lossTitle: [...document.querySelectorAll('.curve-loss .chart-title')].map((title) => title.textContent ?? '').find(Boolean) ?? '',
    status: document.querySelector('.run-status')?.textContent ?? '',
    evaluation: document.querySelector('#evaluation')?.textContent?.trim() ?? '',
  };
}

function expectEqual(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`${what} is "${actual}", expected "${expected}".`);
  }
}

export const koreanLocale = {
  name: 'train the seed model in Korean',

  languagePack: { languageId: 'ko', languageName: 'Korean', label: '한국어' },

  // Two epochs, so the progress notification is still up when a slow first webview draws
  // its first cell; see trainSeedModel.mjs.
  workspaceSettings: {
    'gradientFlow.maxEpochs': 2,
    'gradientFlow.backend': 'wasm',
  },

  prepareWorkspace(workspaceDir, repoRoot) {
    const source = path.join(repoRoot, 'test', 'fixtures', 'parser', MODEL_FILE);
    copyFileSync(source, path.join(workspaceDir, MODEL_FILE));
    workspace = workspaceDir;
    return `Workspace model: ${path.relative(repoRoot, source)}, display language Korean`;
  },

  async run({ page, server, resultsDir }, report) {
    const t = translator();
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.nls.ko.json'), 'utf8'));
    const commandTitle = manifest['command.trainModel'];
    const describePanel = async () => {
      const frame = await findFrameContaining(page, '.run-status, g.heatmap-row');
      const panel = frame ? await frame.evaluate(readPanelText) : 'no panel frame';
      return `Panel: ${JSON.stringify(panel)}\nNotifications: ${JSON.stringify(await notificationTexts(page))}`;
    };

    await report.step('workbench opens the workspace', () => openWorkbench(page, server.workbenchUrl, MODEL_FILE));
    await report.step('Quick Open opens the seed model', () => openFileWithQuickOpen(page, MODEL_FILE));

    await report.check('manifest titles the command 모델 학습', () => expectEqual(commandTitle, '모델 학습', 'package.nls.ko.json command.trainModel'));
    await report.step(`context menu offers and runs "${commandTitle}"`, () => clickEditorContextMenuEntry(page, commandTitle));

    await report.step('panel opens', () =>
      waitFor(async () => (await editorTabTitles(page)).some((title) => title.startsWith('Gradient Flow')), {
        timeoutMs: 30_000,
        description: 'an editor tab titled "Gradient Flow…"',
        describeState: async () => `Open tabs: [${(await editorTabTitles(page)).join(' | ')}]`,
      }),
    );

    await report.step('heatmap shows its first cell', () =>
      waitInWebview(page, ROW_SELECTOR, () => document.querySelector('g.heatmap-row .heatmap-cell') !== null, undefined, {
        timeoutMs: FIRST_CELL_TIMEOUT_MS,
        description: 'a heatmap cell in the panel',
        describeState: describePanel,
      }),
    );

    await report.check('progress notification is Korean', async () => {
      const expected = t('Training {0}').replace('{0}', MODEL_FILE);
      const texts = await notificationTexts(page);
      const progress = await page.locator('.notifications-toasts').allInnerTexts().catch(() => []);
      if (![...texts, ...progress].some((text) => text.includes(expected))) {
        throw new Error(`No notification reads "${expected}": ${JSON.stringify([...texts, ...progress])}`);
      }
    });

    const panel = await report.step('panel shows the test evaluation', () =>
      waitInWebview(page, ROW_SELECTOR, () => /\d/.test(document.querySelector('#evaluation')?.textContent ?? '') || undefined, undefined, {
        timeoutMs: EVALUATION_TIMEOUT_MS,
        intervalMs: 500,
        description: 'a test evaluation in #evaluation',
        describeState: describePanel,
      }).then(async () => (await findFrameContaining(page, ROW_SELECTOR)).evaluate(readPanelText)),
    );
    await page.screenshot({ path: path.join(resultsDir, 'e2e-korean.png') });
    console.log(`    panel text: ${JSON.stringify(panel)}`);

    await report.check('panel page language is ko', () => expectEqual(panel.lang, 'ko', 'the <html lang> of the panel'));
    await report.check('statistic switch is labelled in Korean', () =>
      expectEqual(panel.statisticSwitch, t('Statistic shown in the heatmap'), 'the statistic switch label'),
    );
    await report.check('first statistic button is Korean', () =>
      expectEqual(panel.firstStatistic, t('Weight gradient ‖∂L/∂W‖'), 'the first statistic button'),
    );
    await report.check('legend title is Korean', () =>
      expectEqual(panel.legendTitle, `${t('Weight gradient ‖∂L/∂W‖')} · ${t('Log scale')}`, 'the legend title'),
    );
    await report.check('Export button is Korean', () => expectEqual(panel.exportButton, t('Export'), 'the Export button'));
    await report.check('loss chart title is Korean', () => expectEqual(panel.lossTitle, t('Loss'), 'the loss chart title'));
    await report.check('finished status is Korean', () =>
      expectEqual(panel.status, t('Training finished: {0} of {1} epochs completed.').replace('{0}', '2').replace('{1}', '2'), 'the status line'),
    );
    await report.check('Export command saves the statistics CSV next to the model', async () => {
      const contents = await exportThroughCommand(page, t('Statistics as CSV, one row per sample and layer'), 'seed_model-statistics.csv');
      const lines = contents.toString('utf8').split('\r\n').filter(Boolean);
      console.log(`    exported seed_model-statistics.csv: ${lines.length - 1} rows`);
      if (!lines[0].startsWith(CSV_HEADER_START)) {
        throw new Error(`The CSV header is "${lines[0].slice(0, 120)}".`);
      }
    });
    await report.check('Export command saves the heatmap PNG drawn by the panel', async () => {
      const contents = await exportThroughCommand(page, t('Heatmap as PNG image'), 'seed_model-heatmap.png');
      console.log(`    exported seed_model-heatmap.png: ${contents.length} bytes`);
      if (contents.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') {
        throw new Error(`seed_model-heatmap.png starts with ${contents.subarray(0, 8).toString('hex')}, not the PNG signature.`);
      }
    });

    await report.check('evaluation is Korean', () => {
      const prefix = t('Test accuracy {0} · loss {1} on {2} examples').split('{0}')[0];
      if (!panel.evaluation.startsWith(prefix)) {
        throw new Error(`The evaluation "${panel.evaluation}" does not start with "${prefix}".`);
      }
    });
  },
};

/**
 * Runs "Gradient Flow: 내보내기…" from the Command Palette, picks `itemLabel` and accepts the
 * save dialog's suggestion, which must be `fileName` next to the model file. Returns the
 * written file's contents.
 */
async function exportThroughCommand(page, itemLabel, fileName) {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.nls.ko.json'), 'utf8'));
  const commandTitle = `${manifest['command.category']}: ${manifest['command.export']}`;
  const target = path.join(workspace, fileName);

  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${commandTitle}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: commandTitle }).first().click({ timeout: 15_000 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: itemLabel }).first().click({ timeout: 15_000 });

  // code-server's save dialog is a quick input holding the suggested path.
  await waitFor(async () => (await input.inputValue()).endsWith(fileName), {
    timeoutMs: 30_000,
    description: `the save dialog suggesting ${fileName}`,
    describeState: async () => `Dialog input: "${await input.inputValue().catch(() => '')}"`,
  });
  const suggested = await input.inputValue();
  if (!suggested.includes(workspace)) {
    throw new Error(`The save dialog suggests ${suggested}, not the model's folder ${workspace}.`);
  }
  await page.keyboard.press('Enter');

  await waitFor(() => existsSync(target), { timeoutMs: 15_000, description: `${target} to be written` });
  return readFileSync(target);
}
