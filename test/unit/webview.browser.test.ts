/**
 * The panel bundle in real Chromium: once as an HTML report, once as a simulated VS Code
 * webview whose host is a recording fake of `acquireVsCodeApi`. Pages are served from a
 * loopback HTTP server so the Content Security Policy applies as it does in VS Code.
 */
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { encodeNonFiniteNumbers } from '../../src/common/nonFiniteNumbers';
import { buildPanelStrings } from '../../src/common/panelStrings';
import type { PanelState, RunSnapshot } from '../../src/common/runState';
import type { StatisticKey } from '../../src/common/statistics';
import type { HostToWebview, WebviewToHost } from '../../src/common/webviewProtocol';
import { createNonce, renderPanelHtml } from '../../src/panel/html';
import { renderReportHtml } from '../../src/report/htmlReport';
import { EXACT_CELL, LAYERS, NAN_SAMPLES, syntheticRun } from '../browser-fixtures/syntheticRun';

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = path.join(ROOT, 'test-results', 'panel.png');

/** Records CSP violations before any page script runs; init scripts are exempt from the page's CSP. */
const RECORD_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
  });
`;

/** Stands in for VS Code: records every message the panel posts and keeps its saved state. */
const FAKE_VSCODE_API = `
  window.__posted = [];
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => window.__posted.push(message),
    getState: () => window.__savedState,
    setState: (state) => { window.__savedState = state; },
  });
`;

const strings = buildPanelStrings();

/** Polls for Chromium, which may still be installing when the tests start. */
async function waitForChromium(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(CHROMIUM)) {
    if (Date.now() > deadline) {
      throw new Error(`${CHROMIUM} not found after ${timeoutMs / 1000} s: install the Debian package chromium.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Bundles webview/main.ts with the options esbuild.mjs uses for dist/webview.js, in memory. */
async function buildWebviewBundle(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, 'webview', 'main.ts')],
    tsconfig: path.join(ROOT, 'webview', 'tsconfig.json'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** Serves fixed pages and files on 127.0.0.1 at a free port. */
async function startServer(files: Map<string, { type: string; body: () => string }>): Promise<Server> {
  const server = createServer((request, response) => {
    const file = files.get(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.type }).end(file.body());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/**
 * Polls `condition` every 50 ms until it holds. Page-side `waitForFunction` is not used
 * because its string predicates go through `eval`, which the panel's CSP rightly blocks.
 */
async function until(condition: () => Promise<boolean>, description: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting until ${description}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface WatchedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions, in order. */
  readonly errors: string[];
}

describe('webview in Chromium', function () {
  let browser: Browser;
  let server: Server;
  let origin: string;
  let script: string;
  const style = readFileSync(path.join(ROOT, 'media', 'panel.css'), 'utf8');
  const reportRun = syntheticRun();
  const reportState: PanelState = { kind: 'finished', run: reportRun, stopped: false };
  const opened: Page[] = [];

  before(async function () {
    this.timeout(330_000);
    await waitForChromium(300_000);
    script = await buildWebviewBundle();

    const files = new Map<string, { type: string; body: () => string }>([
      ['/webview.js', { type: 'text/javascript', body: () => script }],
      ['/panel.css', { type: 'text/css', body: () => style }],
      ['/report.html', { type: 'text/html', body: () => renderReportHtml({ state: reportState, strings, script, style, lang: 'en' }) }],
      [
        '/panel.html',
        {
          type: 'text/html',
          body: () =>
            renderPanelHtml({
              scriptUri: `${origin}/webview.js`,
              styleUri: `${origin}/panel.css`,
              cspSource: origin,
              nonce: createNonce(),
              lang: 'en',
            }),
        },
      ],
    ]);
    server = await startServer(files);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((page) => page.close()));
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function open(pagePath: string, options: { fakeVsCode?: boolean; width?: number } = {}): Promise<WatchedPage> {
    const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: 1000 }, colorScheme: 'dark' });
    opened.push(page);
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') {
        errors.push(message.text());
      }
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.addInitScript({ content: RECORD_VIOLATIONS });
    if (options.fakeVsCode) {
      await page.addInitScript({ content: FAKE_VSCODE_API });
    }
    await page.goto(`${origin}${pagePath}`);
    return { page, errors };
  }

  async function cspViolations(page: Page): Promise<string[]> {
    return (await page.evaluate('window.__cspViolations')) as string[];
  }

  async function waitForCells(page: Page, count: number): Promise<void> {
    await until(async () => (await page.locator('rect.heatmap-cell').count()) === count, `the heatmap has ${count} cells`);
  }

  async function waitForLegendTitle(page: Page, key: StatisticKey): Promise<void> {
    const label = strings.statistics[key].label;
    await until(async () => ((await page.locator('.legend-title').textContent()) ?? '').startsWith(label), `the legend shows ${label}`);
  }

  async function cellFills(page: Page, row: number): Promise<string[]> {
    return page.locator('g.heatmap-row').nth(row).locator('rect.heatmap-cell').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('fill') ?? ''));
  }

  describe('report', () => {
    async function openReport(): Promise<WatchedPage> {
      const watched = await open('/report.html');
      await waitForCells(watched.page, LAYERS.length * reportRun.samples.length);
      return watched;
    }

    it('draws one row per layer in source order', async () => {
      const { page } = await openReport();
      const names = await page.locator('g.heatmap-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-layer-name')));
      assert.deepEqual(names, LAYERS.map((layer) => layer.name));
    });

    it('labels rows as name · activation · units', async () => {
      const { page } = await openReport();
      const labels = await page.locator('g.heatmap-row text.heatmap-row-label-text').allTextContents();
      assert.deepEqual(labels, LAYERS.map((layer) => `${layer.name} · ${layer.activation} · ${layer.units}`));
    });

    it('draws one cell per layer and sample', async () => {
      const { page } = await openReport();
      assert.equal(await page.locator('rect.heatmap-cell').count(), LAYERS.length * reportRun.samples.length);
    });

    it('marks the NaN cells as non-finite', async () => {
      const { page } = await openReport();
      assert.equal(await page.locator('g.heatmap-row').first().locator('rect.heatmap-cell[data-kind="nonFinite"]').count(), NAN_SAMPLES.length);
    });

    it('explains the NaN colour in the legend', async () => {
      const { page } = await openReport();
      assert.equal(await page.locator('.legend-swatches li[data-kind="nonFinite"]').textContent(), strings.legendNonFinite);
    });

    it('statistic switch recolours the cells', async () => {
      const { page } = await openReport();
      const before = await cellFills(page, 2);
      await page.click('button[data-statistic="activationMean"]');
      await waitForLegendTitle(page, 'activationMean');
      assert.notDeepEqual(await cellFills(page, 2), before);
    });

    it('shows dead % of sigmoid rows as not applicable', async () => {
      const { page } = await openReport();
      await page.click('button[data-statistic="deadFraction"]');
      await waitForLegendTitle(page, 'deadFraction');
      const kinds = await page.locator('g.heatmap-row').first().locator('rect.heatmap-cell').evaluateAll((cells) => [...new Set(cells.map((cell) => cell.getAttribute('data-kind')))]);
      assert.deepEqual(kinds, ['notApplicable']);
    });

    it('tooltip gives the exact value of the hovered cell', async () => {
      const { page } = await openReport();
      await page.locator('g.heatmap-row').nth(EXACT_CELL.row).locator('rect.heatmap-cell').nth(EXACT_CELL.sample).hover();
      const tooltip = page.locator('.tooltip');
      await tooltip.waitFor({ state: 'visible' });
      assert.match((await tooltip.textContent()) ?? '', /dense_2 · sigmoid · 128.*Weight gradient ‖∂L\/∂W‖3\.215 × 10⁻⁵/);
    });

    it('states the test evaluation', async () => {
      const { page } = await openReport();
      assert.equal(await page.locator('#evaluation').textContent(), 'Test accuracy 11.35 % · loss 2.3012 on 10,000 examples');
    });

    it('shows no Stop button', async () => {
      const { page } = await openReport();
      assert.equal(await page.locator('.stop-button').isVisible(), false);
    });

    it('leaves row labels out of the tab order', async () => {
      const { page } = await openReport();
      assert.equal(await page.locator('.heatmap-row-label[tabindex]').count(), 0);
    });

    it('runs without console errors or CSP violations', async () => {
      const { page, errors } = await openReport();
      await page.click('button[data-statistic="outputGradNorm"]');
      await page.locator('rect.heatmap-cell').nth(5).hover();
      await page.locator('.tooltip').waitFor({ state: 'visible' });
      assert.deepEqual({ errors, violations: await cspViolations(page) }, { errors: [], violations: [] });
    });

    it('saves a screenshot for review', async () => {
      const { page } = await openReport();
      mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.ok(existsSync(SCREENSHOT));
    });
  });

  describe('simulated VS Code webview', () => {
    async function openPanel(): Promise<WatchedPage> {
      return open('/panel.html', { fakeVsCode: true });
    }

    async function posted(page: Page): Promise<WebviewToHost[]> {
      return (await page.evaluate('window.__posted')) as WebviewToHost[];
    }

    /** Sends messages as the host does: non-finite numbers encoded, then through JSON. */
    async function send(page: Page, ...messages: HostToWebview[]): Promise<void> {
      const wire = JSON.parse(JSON.stringify(messages.map(encodeNonFiniteNumbers))) as unknown[];
      await page.evaluate((batch) => {
        const target = globalThis as unknown as { postMessage(message: unknown, targetOrigin: string): void };
        for (const message of batch) {
          target.postMessage(message, '*');
        }
      }, wire);
    }

    /** Wraps `run` as a training state, without the test evaluation a finished run has. */
    function trainingState(run: RunSnapshot): PanelState {
      return { kind: 'training', run: { ...run, evaluation: undefined } };
    }

    async function waitForPosted(page: Page, count: number): Promise<WebviewToHost[]> {
      await until(async () => (await posted(page)).length >= count, `the panel posted ${count} messages`);
      return posted(page);
    }

    it('posts ready first', async () => {
      const { page } = await openPanel();
      assert.deepEqual(await waitForPosted(page, 1), [{ type: 'ready' }]);
    });

    it('adds heatmap columns as sample updates arrive', async () => {
      const { page } = await openPanel();
      const run = syntheticRun();
      await send(page, { type: 'setState', state: trainingState({ ...run, samples: run.samples.slice(0, 10) }), strings });
      await waitForCells(page, LAYERS.length * 10);

      await send(page, ...run.samples.slice(10, 15).map((sample): HostToWebview => ({ type: 'update', update: { type: 'sample', sample } })));
      await waitForCells(page, LAYERS.length * 15);
      assert.equal(await page.locator('g.heatmap-row').first().locator('rect.heatmap-cell').count(), 15);
    });

    it('moves the epoch counter with progress updates', async () => {
      const { page } = await openPanel();
      await send(page, { type: 'setState', state: trainingState(syntheticRun({ completedEpochs: 1 })), strings });
      await send(page, { type: 'update', update: { type: 'progress', epoch: 1, batch: 99 } });
      await until(async () => (await page.locator('.epoch-counter').textContent()) === 'Epoch 2 / 2', 'the counter shows epoch 2');
      assert.equal(await page.locator('.batch-progress').textContent(), 'Batch 100 / 1,500');
    });

    it('draws a burst of updates in a few frames, not one per message', async () => {
      const { page } = await openPanel();
      const run = syntheticRun({ epochs: 20 });
      await send(page, { type: 'setState', state: trainingState({ ...run, samples: [] }), strings });
      await page.locator('g.heatmap-row').first().waitFor();
      const rendersBefore = Number(await page.locator('#app').getAttribute('data-render-count'));

      const updates = run.samples.slice(0, 200).map((sample): HostToWebview => ({ type: 'update', update: { type: 'sample', sample } }));
      await send(page, ...updates);
      await waitForCells(page, LAYERS.length * 200);
      const renders = Number(await page.locator('#app').getAttribute('data-render-count')) - rendersBefore;
      assert.ok(renders <= 10, `${renders} renders for ${updates.length} updates`);
    });

    it('clicking a row label posts revealLayer with its spec index', async () => {
      const { page } = await openPanel();
      await send(page, { type: 'setState', state: trainingState(syntheticRun()), strings });
      await page.locator('g.heatmap-row[data-layer-name="dense_3"] .heatmap-row-label').click();
      const messages = await waitForPosted(page, 2);
      assert.deepEqual(messages.at(-1), { type: 'revealLayer', specIndex: LAYERS[2].specIndex });
    });

    it('Enter on a focused row label posts revealLayer', async () => {
      const { page } = await openPanel();
      await send(page, { type: 'setState', state: trainingState(syntheticRun()), strings });
      await page.locator('g.heatmap-row[data-layer-name="dense_8"] .heatmap-row-label').focus();
      await page.keyboard.press('Enter');
      const messages = await waitForPosted(page, 2);
      assert.deepEqual(messages.at(-1), { type: 'revealLayer', specIndex: LAYERS[7].specIndex });
    });

    it('Stop posts stop', async () => {
      const { page } = await openPanel();
      await send(page, { type: 'setState', state: trainingState(syntheticRun()), strings });
      await page.locator('.stop-button').click();
      const messages = await waitForPosted(page, 2);
      assert.deepEqual(messages.at(-1), { type: 'stop' });
    });

    it('hides Stop once training finished', async () => {
      const { page } = await openPanel();
      await send(page, { type: 'setState', state: trainingState(syntheticRun()), strings });
      await page.locator('.stop-button').waitFor({ state: 'visible' });
      await send(page, { type: 'setState', state: reportState, strings });
      await page.locator('#evaluation').waitFor({ state: 'visible' });
      assert.equal(await page.locator('.stop-button').isVisible(), false);
    });

    it('shows the hint while idle', async () => {
      const { page } = await openPanel();
      await send(page, { type: 'setState', state: { kind: 'idle' }, strings });
      await page.locator('.run-status').waitFor({ state: 'visible' });
      assert.equal(await page.locator('.run-status').textContent(), strings.idle);
    });

    it('shows the failure message', async () => {
      const { page } = await openPanel();
      const message = 'Layer dense_1: units must be a positive integer, got -3.';
      await send(page, { type: 'setState', state: { kind: 'failed', message }, strings });
      await page.locator('.run-status.is-error').waitFor({ state: 'visible' });
      assert.equal(await page.locator('.run-status').textContent(), `${strings.failed} ${message}`);
    });

    it('runs without console errors or CSP violations', async () => {
      const { page, errors } = await openPanel();
      await send(page, { type: 'setState', state: trainingState(syntheticRun()), strings });
      await page.locator('g.heatmap-row[data-layer-name="dense_1"] .heatmap-row-label').click();
      await page.locator('rect.heatmap-cell').nth(3).hover();
      await page.locator('.tooltip').waitFor({ state: 'visible' });
      assert.deepEqual({ errors, violations: await cspViolations(page) }, { errors: [], violations: [] });
    });
  });
});
