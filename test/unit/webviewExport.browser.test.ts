/**
 * Figure export in real Chromium: the panel renders the heatmap and the curves as SVG and
 * PNG, replies to the host's export requests, and offers the formats in its Export menu.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ExportFailedMessage, ExportImageMessage, ExportStatisticsMessage } from '../../src/common/exportProtocol';
import { buildPanelStrings } from '../../src/common/panelStrings';
import type { PanelState } from '../../src/common/runState';
import { parseWebviewMessage, type WebviewToHost } from '../../src/common/webviewProtocol';
import { PanelBrowser, REPOSITORY_ROOT, until, type PanelPage } from '../browser-fixtures/chromiumPanel';
import { LAYERS, syntheticRun } from '../browser-fixtures/syntheticRun';

const strings = buildPanelStrings();
const run = syntheticRun();
const state: PanelState = { kind: 'finished', run, stopped: false };
const RESULTS = path.join(REPOSITORY_ROOT, 'test-results');

const isImage = (message: WebviewToHost): message is ExportImageMessage => message.type === 'exportImage';
const isFailure = (message: WebviewToHost): message is ExportFailedMessage => message.type === 'exportFailed';
const isStatistics = (message: WebviewToHost): message is ExportStatisticsMessage => message.type === 'exportStatistics';

/** Width and height from a PNG's IHDR chunk, which follows the 8-byte signature and the chunk header. */
function pngSize(base64: string): { width: number; height: number; signature: string } {
  const bytes = Buffer.from(base64, 'base64');
  return { signature: bytes.subarray(0, 8).toString('hex'), width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('figure export in Chromium', function () {
  this.timeout(60_000);
  let browser: PanelBrowser;

  before(async function () {
    this.timeout(330_000);
    browser = await PanelBrowser.start();
    mkdirSync(RESULTS, { recursive: true });
  });

  afterEach(async () => {
    await browser.closePages();
  });

  after(async () => {
    await browser?.stop();
  });

  async function openPanel(panelState: PanelState = state): Promise<PanelPage> {
    const panel = await browser.open();
    await panel.send({ type: 'setState', state: panelState, strings });
    if (panelState.kind !== 'idle') {
      await until(async () => (await panel.page.locator('rect.heatmap-cell').count()) === LAYERS.length * run.samples.length, 'the heatmap is drawn');
    }
    return panel;
  }

  /** Sends an export request and returns the panel's reply. */
  async function requestImage(panel: PanelPage, figure: 'heatmap' | 'curves', format: 'svg' | 'png', requestId: number): Promise<WebviewToHost> {
    await panel.send({ type: 'exportRequest', requestId, figure, format });
    return panel.waitForPosted(
      (message: WebviewToHost): message is ExportImageMessage | ExportFailedMessage =>
        (isImage(message) || isFailure(message)) && message.requestId === requestId,
      `the answer to export request ${requestId}`,
    );
  }

  /** Parses SVG markup in the page and returns facts about it. */
  async function inspectSvg(panel: PanelPage, markup: string): Promise<{ parseError: boolean; texts: string[]; cells: number; width: number }> {
    return panel.page.evaluate((text) => {
      const document = new DOMParser().parseFromString(text, 'image/svg+xml');
      return {
        parseError: document.querySelector('parsererror') !== null,
        texts: [...document.querySelectorAll('text')].map((element) => element.textContent ?? ''),
        cells: document.querySelectorAll('rect.heatmap-cell').length,
        width: Number(document.documentElement.getAttribute('width')),
      };
    }, markup);
  }

  it('heatmap SVG answers the request with its id', async () => {
    const panel = await openPanel();
    const answer = await requestImage(panel, 'heatmap', 'svg', 7);
    assert.deepEqual({ type: answer.type, requestId: (answer as ExportImageMessage).requestId }, { type: 'exportImage', requestId: 7 });
  });

  it('heatmap SVG is well-formed and has every cell and row label', async () => {
    const panel = await openPanel();
    const answer = (await requestImage(panel, 'heatmap', 'svg', 1)) as ExportImageMessage;
    writeFileSync(path.join(RESULTS, 'export-heatmap.svg'), answer.data);
    const svg = await inspectSvg(panel, answer.data);
    assert.equal(svg.parseError, false);
    assert.equal(svg.cells, LAYERS.length * run.samples.length);
    for (const layer of LAYERS) {
      assert.ok(svg.texts.some((text) => text.startsWith(layer.name)), `no text for ${layer.name}`);
    }
  });

  it('heatmap SVG carries the title, legend and NaN explanation as text', async () => {
    const panel = await openPanel();
    const answer = (await requestImage(panel, 'heatmap', 'svg', 1)) as ExportImageMessage;
    const { texts } = await inspectSvg(panel, answer.data);
    assert.ok(texts.includes('deep_sigmoid.py'), 'file name');
    assert.ok(texts.includes(`${strings.statistics.weightGradNorm.label} · ${strings.logScale}`), 'legend title');
    assert.ok(texts.includes(strings.legendNonFinite), 'NaN swatch label');
  });

  it('heatmap SVG keeps the colours without the panel stylesheet', async () => {
    const panel = await openPanel();
    const answer = (await requestImage(panel, 'heatmap', 'svg', 1)) as ExportImageMessage;
    const fills = await panel.page.evaluate((text) => {
      const document = new DOMParser().parseFromString(text, 'image/svg+xml');
      const cell = document.querySelector('rect.heatmap-cell[data-kind="value"]') as SVGRectElement;
      return { style: cell.getAttribute('style') ?? '', background: document.querySelector('svg > rect')?.getAttribute('fill') };
    }, answer.data);
    assert.match(fills.style, /fill: rgb\(/);
    assert.equal(fills.background, 'rgb(31, 31, 31)');
  });

  it('heatmap PNG is twice the SVG size', async () => {
    const panel = await openPanel();
    const svg = (await requestImage(panel, 'heatmap', 'svg', 1)) as ExportImageMessage;
    const png = (await requestImage(panel, 'heatmap', 'png', 2)) as ExportImageMessage;
    writeFileSync(path.join(RESULTS, 'export-heatmap.png'), Buffer.from(png.data, 'base64'));
    const { width } = await inspectSvg(panel, svg.data);
    const size = pngSize(png.data);
    assert.equal(size.signature, '89504e470d0a1a0a');
    assert.equal(size.width, 2 * width);
  });

  it('heatmap SVG of a comparison has both runs', async () => {
    const panel = await browser.open();
    await panel.send({ type: 'setState', state: { kind: 'finished', run, stopped: false, baseline: syntheticRun({ epochs: 1 }) }, strings });
    await until(async () => (await panel.page.locator('svg.heatmap rect.heatmap-cell').count()) === LAYERS.length * (run.samples.length + 25), 'both heatmaps are drawn');
    const answer = (await requestImage(panel, 'heatmap', 'svg', 1)) as ExportImageMessage;
    const { cells } = await inspectSvg(panel, answer.data);
    assert.equal(cells, LAYERS.length * (run.samples.length + 25));
  });

  it('curves SVG has both charts and the series legend', async () => {
    const panel = await openPanel();
    const answer = (await requestImage(panel, 'curves', 'svg', 3)) as ExportImageMessage;
    writeFileSync(path.join(RESULTS, 'export-curves.svg'), answer.data);
    const { texts, parseError } = await inspectSvg(panel, answer.data);
    assert.equal(parseError, false);
    for (const label of [strings.lossTitle, strings.accuracyTitle, strings.seriesBatches, strings.seriesTrain, strings.seriesValidation]) {
      assert.ok(texts.includes(label), `no text "${label}"`);
    }
  });

  it('curves PNG is a PNG', async () => {
    const panel = await openPanel();
    const answer = (await requestImage(panel, 'curves', 'png', 4)) as ExportImageMessage;
    writeFileSync(path.join(RESULTS, 'export-curves.png'), Buffer.from(answer.data, 'base64'));
    assert.equal(pngSize(answer.data).signature, '89504e470d0a1a0a');
  });

  it('host accepts the exported messages unchanged', async () => {
    const panel = await openPanel();
    const svg = await requestImage(panel, 'heatmap', 'svg', 5);
    const png = await requestImage(panel, 'curves', 'png', 6);
    assert.deepEqual([parseWebviewMessage(svg), parseWebviewMessage(png)], [svg, png]);
  });

  it('idle panel answers noRun', async () => {
    const panel = await openPanel({ kind: 'idle' });
    const answer = await requestImage(panel, 'heatmap', 'png', 9);
    assert.deepEqual({ type: answer.type, reason: (answer as ExportFailedMessage).reason }, { type: 'exportFailed', reason: 'noRun' });
  });

  it('Export menu is hidden while idle', async () => {
    const panel = await openPanel({ kind: 'idle' });
    await panel.page.locator('.run-status').waitFor({ state: 'visible' });
    assert.equal(await panel.page.locator('.export-button').isVisible(), false);
  });

  it('Export menu lists every format', async () => {
    const panel = await openPanel();
    await panel.page.locator('.export-button').click();
    const labels = await panel.page.locator('.export-item').allTextContents();
    const { images, statistics } = strings.exportMenu;
    assert.deepEqual(labels, [images.heatmap.svg, images.heatmap.png, images.curves.svg, images.curves.png, statistics.samplesCsv, statistics.epochsCsv, statistics.json]);
  });

  it('Export menu opens from the keyboard and posts the chosen statistics format', async () => {
    const panel = await openPanel();
    await panel.page.locator('.export-button').focus();
    await panel.page.keyboard.press('ArrowDown');
    for (let index = 0; index < 5; index++) {
      await panel.page.keyboard.press('ArrowDown');
    }
    await panel.page.keyboard.press('Enter');
    const message = await panel.waitForPosted(isStatistics, 'the panel posts exportStatistics');
    assert.equal(message.format, 'epochsCsv');
  });

  it('Escape closes the Export menu and returns focus to its button', async () => {
    const panel = await openPanel();
    await panel.page.locator('.export-button').click();
    await panel.page.keyboard.press('Escape');
    const focused = await panel.page.evaluate(() => document.activeElement?.className);
    assert.deepEqual({ open: await panel.page.locator('.export-list').isVisible(), focused }, { open: false, focused: 'export-button' });
  });

  it('Export menu posts a heatmap PNG without a request id', async () => {
    const panel = await openPanel();
    await panel.page.locator('.export-button').click();
    await panel.page.locator('.export-item[data-export="heatmap-png"]').click();
    const message = await panel.waitForPosted(isImage, 'the panel posts exportImage');
    assert.deepEqual({ figure: message.figure, format: message.format, requestId: message.requestId }, { figure: 'heatmap', format: 'png', requestId: undefined });
  });

  it('exports without console errors', async () => {
    const panel = await openPanel();
    await requestImage(panel, 'heatmap', 'png', 1);
    await requestImage(panel, 'curves', 'svg', 2);
    assert.deepEqual(panel.errors, []);
  });
});
