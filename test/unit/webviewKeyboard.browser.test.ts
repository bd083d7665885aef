/**
 * Reading the heatmap without a mouse, in real Chromium: keyboard navigation of the cells,
 * the text screen readers announce, the colour scale choice, high-contrast borders, and
 * layout when the font is large.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { buildPanelStrings } from '../../src/common/panelStrings';
import type { PanelState } from '../../src/common/runState';
import type { RevealLayerMessage, WebviewToHost } from '../../src/common/webviewProtocol';
import { moveFocus, type GridShape } from '../../webview/keyboardNavigation';
import { PanelBrowser, REPOSITORY_ROOT, until, type PanelPage, type PanelPageOptions } from '../browser-fixtures/chromiumPanel';
import { EXACT_CELL, LAYERS, NAN_SAMPLES, syntheticRun } from '../browser-fixtures/syntheticRun';

const strings = buildPanelStrings();
const run = syntheticRun();
const state: PanelState = { kind: 'training', run: { ...run, evaluation: undefined } };
const SAMPLES = run.samples.length;
const GRID = 'rect.heatmap-background';

describe('heatmap keyboard navigation', () => {
  describe('moveFocus', () => {
    // Two epochs of three samples at batches 0, 10 and 20.
    const shape: GridShape = {
      rows: 4,
      columns: [0, 1].flatMap((epoch) => [0, 10, 20].map((batch) => ({ epoch, batch }))),
    };

    it('moves one cell per arrow key', () => {
      assert.deepEqual(moveFocus({ row: 1, column: 1 }, { key: 'ArrowRight' }, shape), { row: 1, column: 2 });
      assert.deepEqual(moveFocus({ row: 1, column: 1 }, { key: 'ArrowLeft' }, shape), { row: 1, column: 0 });
      assert.deepEqual(moveFocus({ row: 1, column: 1 }, { key: 'ArrowDown' }, shape), { row: 2, column: 1 });
      assert.deepEqual(moveFocus({ row: 1, column: 1 }, { key: 'ArrowUp' }, shape), { row: 0, column: 1 });
    });

    it('stops at the edges', () => {
      assert.deepEqual(moveFocus({ row: 0, column: 0 }, { key: 'ArrowUp' }, shape), { row: 0, column: 0 });
      assert.deepEqual(moveFocus({ row: 3, column: 5 }, { key: 'ArrowRight' }, shape), { row: 3, column: 5 });
    });

    it('Home and End stay in the row', () => {
      assert.deepEqual(moveFocus({ row: 2, column: 3 }, { key: 'Home' }, shape), { row: 2, column: 0 });
      assert.deepEqual(moveFocus({ row: 2, column: 3 }, { key: 'End' }, shape), { row: 2, column: 5 });
    });

    it('Ctrl+Home and Ctrl+End go to the corners', () => {
      assert.deepEqual(moveFocus({ row: 2, column: 3 }, { key: 'Home', ctrlKey: true }, shape), { row: 0, column: 0 });
      assert.deepEqual(moveFocus({ row: 2, column: 3 }, { key: 'End', ctrlKey: true }, shape), { row: 3, column: 5 });
    });

    it('Page Down goes to the same batch one epoch later', () => {
      assert.deepEqual(moveFocus({ row: 1, column: 1 }, { key: 'PageDown' }, shape), { row: 1, column: 4 });
      assert.deepEqual(moveFocus({ row: 1, column: 4 }, { key: 'PageUp' }, shape), { row: 1, column: 1 });
    });

    it('Page Down in the last epoch stays put', () => {
      assert.deepEqual(moveFocus({ row: 1, column: 4 }, { key: 'PageDown' }, shape), { row: 1, column: 4 });
    });

    it('ignores keys that do not navigate', () => {
      assert.equal(moveFocus({ row: 1, column: 1 }, { key: 'a' }, shape), undefined);
    });
  });

  describe('in Chromium', function () {
    this.timeout(60_000);
    let browser: PanelBrowser;

    before(async function () {
      this.timeout(330_000);
      browser = await PanelBrowser.start();
    });

    afterEach(async () => {
      await browser.closePages();
    });

    after(async () => {
      await browser?.stop();
    });

    async function openPanel(options: PanelPageOptions = {}): Promise<PanelPage> {
      const panel = await browser.open(options);
      await panel.send({ type: 'setState', state, strings });
      await until(async () => (await panel.page.locator('rect.heatmap-cell').count()) === LAYERS.length * SAMPLES, 'the heatmap is drawn');
      return panel;
    }

    async function focusGrid(panel: PanelPage): Promise<void> {
      await panel.page.locator(GRID).focus();
    }

    async function announcement(panel: PanelPage): Promise<string> {
      return (await panel.page.locator('.heatmap-announcement').textContent()) ?? '';
    }

    async function press(panel: PanelPage, ...keys: string[]): Promise<void> {
      for (const key of keys) {
        await panel.page.keyboard.press(key);
      }
    }

    it('cell area is one tab stop before the row labels', async () => {
      const panel = await openPanel();
      await panel.page.locator('button[data-color-scheme="cividis"]').focus();
      const focusedClasses: string[] = [];
      for (let index = 0; index < 2; index++) {
        await press(panel, 'Tab');
        focusedClasses.push(await panel.page.evaluate(() => document.activeElement?.getAttribute('class') ?? ''));
      }
      assert.deepEqual(focusedClasses, ['heatmap-background is-focusable', 'heatmap-row-label is-interactive']);
    });

    it('cell area has a label with the keys to use', async () => {
      const panel = await openPanel();
      const label = await panel.page.locator(GRID).getAttribute('aria-label');
      assert.equal(label, strings.accessibility.heatmapGrid.replace('{0}', strings.statistics.weightGradNorm.label));
    });

    it('focus announces the first cell', async () => {
      const panel = await openPanel();
      await focusGrid(panel);
      await until(async () => (await announcement(panel)).startsWith('dense_1 · sigmoid · 64, Epoch 1 · batch 1 of 1,500:'), 'the first cell is announced');
    });

    it('arrow keys reach a cell and announce its exact value', async () => {
      const panel = await openPanel();
      await focusGrid(panel);
      await press(panel, 'ArrowDown', ...Array.from({ length: EXACT_CELL.sample }, () => 'ArrowRight'));
      const batch = (run.samples[EXACT_CELL.sample].batch + 1).toLocaleString('en');
      assert.equal(await announcement(panel), `dense_2 · sigmoid · 128, Epoch 1 · batch ${batch} of 1,500: Weight gradient ‖∂L/∂W‖ 3.215 × 10⁻⁵`);
    });

    it('announces NaN cells as NaN', async () => {
      const panel = await openPanel();
      await focusGrid(panel);
      await press(panel, ...Array.from({ length: NAN_SAMPLES[0] }, () => 'ArrowRight'));
      assert.match(await announcement(panel), /^dense_1 · sigmoid · 64, Epoch 2 · .*: Weight gradient ‖∂L\/∂W‖ NaN$/);
    });

    it('End goes to the last sample of the row', async () => {
      const panel = await openPanel();
      await focusGrid(panel);
      await press(panel, 'ArrowDown', 'End');
      const last = run.samples.at(-1);
      assert.match(await announcement(panel), new RegExp(`^dense_2 · sigmoid · 128, Epoch 2 · batch ${((last?.batch ?? 0) + 1).toLocaleString('en')} of`));
    });

    it('Ctrl+End goes to the last layer', async () => {
      const panel = await openPanel();
      await focusGrid(panel);
      await press(panel, 'Control+End');
      assert.match(await announcement(panel), /^dense_8 · softmax · 10, Epoch 2 · /);
    });

    it('Home goes back to the first sample', async () => {
      const panel = await openPanel();
      await focusGrid(panel);
      await press(panel, 'ArrowRight', 'ArrowRight', 'Home');
      assert.match(await announcement(panel), /^dense_1 · sigmoid · 64, Epoch 1 · batch 1 of 1,500:/);
    });

    it('Page Down moves to the next epoch', async () => {
      const panel = await openPanel();
      await focusGrid(panel);
      await press(panel, 'ArrowRight', 'PageDown');
      assert.match(await announcement(panel), /^dense_1 · sigmoid · 64, Epoch 2 · batch 61 of 1,500:/);
    });

    it('Enter reveals the focused row', async () => {
      const panel = await openPanel();
      await focusGrid(panel);
      await press(panel, 'ArrowDown', 'ArrowDown', 'Enter');
      const message = await panel.waitForPosted(
        (posted: WebviewToHost): posted is RevealLayerMessage => posted.type === 'revealLayer',
        'the panel posts revealLayer',
      );
      assert.equal(message.specIndex, LAYERS[2].specIndex);
    });

    it('frames the focused cell', async () => {
      const panel = await openPanel();
      await focusGrid(panel);
      await press(panel, 'ArrowRight', 'ArrowRight');
      const cell = await panel.page.locator('g.heatmap-row').first().locator('rect.heatmap-cell').nth(2).boundingBox();
      const frame = await panel.page.locator('.heatmap-cell-focus-inner').boundingBox();
      assert.ok(cell, 'the cell is on screen');
      assert.ok(frame, 'the frame is on screen');
      assert.ok(Math.abs(frame.x + frame.width / 2 - (cell.x + cell.width / 2)) < 2, `frame ${JSON.stringify(frame)} cell ${JSON.stringify(cell)}`);
    });

    it('shows the tooltip of the focused cell', async () => {
      const panel = await openPanel();
      await focusGrid(panel);
      await press(panel, 'ArrowDown');
      const tooltip = panel.page.locator('.tooltip');
      await tooltip.waitFor({ state: 'visible' });
      assert.match((await tooltip.textContent()) ?? '', /^dense_2 · sigmoid · 128Epoch 1 · batch 1 of 1,500/);
    });

    it('announces through a polite live region', async () => {
      const panel = await openPanel();
      const region = panel.page.locator('.heatmap-announcement');
      assert.deepEqual(
        { role: await region.getAttribute('role'), live: await region.getAttribute('aria-live') },
        { role: 'status', live: 'polite' },
      );
    });

    it('clicking a cell moves the keyboard focus there', async () => {
      const panel = await openPanel();
      await panel.page.locator('g.heatmap-row').nth(3).locator('rect.heatmap-cell').nth(4).click();
      await press(panel, 'ArrowRight');
      const batch = (run.samples[5].batch + 1).toLocaleString('en');
      assert.match(await announcement(panel), new RegExp(`^dense_4 · sigmoid · 256, Epoch 1 · batch ${batch} of`));
    });

    it('focus stays on its sample while new samples arrive', async () => {
      const panel = await browser.open();
      await panel.send({ type: 'setState', state: { kind: 'training', run: { ...run, samples: run.samples.slice(0, 10), evaluation: undefined } }, strings });
      await until(async () => (await panel.page.locator('rect.heatmap-cell').count()) === LAYERS.length * 10, 'ten columns are drawn');
      await focusGrid(panel);
      await press(panel, 'ArrowRight', 'ArrowRight', 'ArrowRight');
      await panel.send(...run.samples.slice(10, 12).map((sample) => ({ type: 'update' as const, update: { type: 'sample' as const, sample } })));
      await until(async () => (await panel.page.locator('rect.heatmap-cell').count()) === LAYERS.length * 12, 'two more columns are drawn');
      await press(panel, 'ArrowRight');
      const batch = (run.samples[4].batch + 1).toLocaleString('en');
      assert.match(await announcement(panel), new RegExp(`Epoch 1 · batch ${batch} of`));
    });

    it('Cividis recolours the cells and is remembered', async () => {
      const panel = await openPanel();
      const fills = (): Promise<string[]> =>
        panel.page.locator('g.heatmap-row').nth(4).locator('rect.heatmap-cell').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('fill') ?? ''));
      const viridis = await fills();
      await panel.page.locator('button[data-color-scheme="cividis"]').click();
      await until(async () => (await fills()).join() !== viridis.join(), 'the cells change colour');
      const saved = (await panel.page.evaluate('window.__savedState')) as { colorScheme?: string };
      assert.equal(saved.colorScheme, 'cividis');
    });

    it('colour choice keeps the saved statistic', async () => {
      const panel = await openPanel();
      await panel.page.click('button[data-statistic="activationMean"]');
      await panel.page.locator('button[data-color-scheme="cividis"]').click();
      await until(async () => (await panel.page.locator('button[data-color-scheme="cividis"]').getAttribute('aria-pressed')) === 'true', 'cividis is pressed');
      assert.deepEqual(await panel.page.evaluate('window.__savedState'), { statistic: 'activationMean', colorScheme: 'cividis' });
    });

    it('high-contrast theme outlines buttons and the heatmap with the contrast border', async () => {
      const contrastBorder = 'rgb(111, 195, 223)';
      const panel = await openPanel({ bodyClasses: ['vscode-high-contrast'], themeVariables: { '--vscode-contrastBorder': contrastBorder } });
      const borders = await panel.page.evaluate(() => ({
        statistic: getComputedStyle(document.querySelector('.statistic-button') as Element).borderTopColor,
        colorScheme: getComputedStyle(document.querySelector('.color-scheme-button') as Element).borderTopColor,
        exportMenu: getComputedStyle(document.querySelector('.export-button') as Element).borderTopColor,
        heatmap: getComputedStyle(document.querySelector('.heatmap-background') as Element).stroke,
      }));
      assert.deepEqual(borders, { statistic: contrastBorder, colorScheme: contrastBorder, exportMenu: contrastBorder, heatmap: contrastBorder });
    });

    it('large font keeps row labels clear of the cells', async () => {
      const panel = await openPanel({ themeVariables: { '--vscode-font-size': '24px' } });
      const layout = await panel.page.evaluate(() => {
        const row = document.querySelector('g.heatmap-row') as SVGGElement;
        const label = row.querySelector('text.heatmap-row-label-text') as SVGTextElement;
        const cell = row.querySelector('rect.heatmap-cell') as SVGRectElement;
        return { labelRight: label.getBoundingClientRect().right, cellLeft: cell.getBoundingClientRect().left, rowHeight: cell.getBoundingClientRect().height };
      });
      assert.ok(layout.labelRight < layout.cellLeft, `label ends at ${layout.labelRight}, cells start at ${layout.cellLeft}`);
      assert.ok(layout.rowHeight >= 2 * 24, `rows are ${layout.rowHeight} px high`);
    });

    it('large font keeps curve axis labels inside their chart', async () => {
      const panel = await openPanel({ themeVariables: { '--vscode-font-size': '24px' } });
      const overflow = await panel.page.evaluate(() =>
        [...document.querySelectorAll('.curve-chart > svg')].flatMap((svg) => {
          const box = svg.getBoundingClientRect();
          return [...svg.querySelectorAll('.y-axis .tick text')]
            .map((text) => text.getBoundingClientRect())
            .filter((text) => text.left < box.left - 1)
            .map((text) => `${text.left} < ${box.left}`);
        }),
      );
      assert.deepEqual(overflow, []);
    });

    it('saves screenshots for review', async () => {
      const panel = await openPanel({ themeVariables: { '--vscode-font-size': '20px' } });
      await focusGrid(panel);
      await press(panel, 'ArrowDown', 'ArrowRight', 'ArrowRight');
      const folder = path.join(REPOSITORY_ROOT, 'test-results');
      mkdirSync(folder, { recursive: true });
      await panel.page.screenshot({ path: path.join(folder, 'panel-keyboard-large-font.png'), fullPage: true });

      const contrast = await openPanel({
        bodyClasses: ['vscode-high-contrast'],
        themeVariables: { '--vscode-contrastBorder': '#6fc3df', '--vscode-editor-background': '#000000', '--vscode-editor-foreground': '#ffffff' },
      });
      await contrast.page.locator('button[data-color-scheme="cividis"]').click();
      await contrast.page.screenshot({ path: path.join(folder, 'panel-high-contrast-cividis.png'), fullPage: true });
      assert.deepEqual([...panel.errors, ...contrast.errors], []);
    });
  });
});
