import assert from 'node:assert/strict';
import type { Finding } from '../../src/common/findings';
import { buildPanelStrings } from '../../src/common/panelStrings';
import type { PanelState, RunSnapshot } from '../../src/common/runState';
import { PanelBrowser, until, type PanelPage } from '../browser-fixtures/chromiumPanel';
import { FIRST_DENSE_SPEC_INDEX, LAYERS, syntheticRun } from '../browser-fixtures/syntheticRun';

const strings = buildPanelStrings();

const VANISHING: Finding = {
  kind: 'vanishingGradients',
  severity: 'warning',
  specIndexes: [FIRST_DENSE_SPEC_INDEX, FIRST_DENSE_SPEC_INDEX + 1],
  title: 'Vanishing gradients: the gradients reaching dense_1, dense_2 are about 2000 times weaker than those of the output layer dense_8.',
  explanation: 'The derivative of sigmoid is at most 0.25.',
  evidence: [
    { label: 'Weight-gradient norm of dense_1', value: 3.215e-5, step: 2999, specIndex: FIRST_DENSE_SPEC_INDEX },
    { label: 'Ratio dense_1 / dense_8', value: NaN, step: 2999 },
  ],
  fixes: ['reluHiddenActivations', 'insertBatchNormalization'],
  firstStep: 1500,
};

const STALLED: Finding = {
  kind: 'learningRateTooLow',
  severity: 'warning',
  specIndexes: [],
  title: 'The learning rate is too low.',
  explanation: 'The weights move too little per step.',
  evidence: [],
  fixes: ['raiseLearningRate'],
  firstStep: 10,
};

function finishedState(run: RunSnapshot, findings: readonly Finding[], baseline?: RunSnapshot): PanelState {
  return { kind: 'finished', run: { ...run, findings }, stopped: false, baseline };
}

/** Returns the run with every weight-gradient norm multiplied by `factor`. */
function scaledRun(run: RunSnapshot, factor: number): RunSnapshot {
  return {
    ...run,
    samples: run.samples.map((sample) => ({
      ...sample,
      layers: sample.layers.map((layer) => ({ ...layer, weightGradNorm: layer.weightGradNorm * factor })),
    })),
  };
}

describe('webview findings and comparison in Chromium', function () {
  let browser: PanelBrowser;
  const run = syntheticRun();

  before(async function () {
    this.timeout(330_000);
    browser = await PanelBrowser.start();
  });

  afterEach(() => browser.closePages());

  after(() => browser?.stop());

  async function openWith(state: PanelState): Promise<PanelPage> {
    const opened = await browser.open();
    await until(async () => (await opened.posted()).length > 0, 'the panel posts ready');
    await opened.send({ type: 'setState', state, strings });
    await until(async () => (await opened.page.locator('rect.heatmap-cell').count()) > 0, 'the heatmap has cells');
    return opened;
  }

  async function highlightedRows(panel: PanelPage): Promise<string[]> {
    return panel.page.locator('g.heatmap-row.is-highlighted').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-layer-name') ?? ''));
  }

  describe('findings list', () => {
    it('shows title, explanation, evidence and fixes', async () => {
      const { page } = await openWith(finishedState(run, [VANISHING]));
      const item = page.locator('li.finding[data-kind="vanishingGradients"]');

      assert.equal(await item.locator('.finding-title-text').textContent(), VANISHING.title);
      assert.equal(await item.locator('.finding-explanation').textContent(), VANISHING.explanation);
      assert.deepEqual(await item.locator('.finding-evidence tr').allTextContents(), ['Weight-gradient norm of dense_13.215 × 10⁻⁵', 'Ratio dense_1 / dense_8NaN']);
      assert.deepEqual(await item.locator('.finding-fixes li').allTextContents(), [
        strings.findings.fixLabels.reluHiddenActivations,
        strings.findings.fixLabels.insertBatchNormalization,
      ]);
    });

    it('says when the finding was first made', async () => {
      const { page } = await openWith(finishedState(run, [VANISHING]));

      assert.equal(await page.locator('.finding-since').textContent(), 'Since step 1,501 (epoch 2)');
    });

    it('says so when there are no findings', async () => {
      const { page } = await openWith(finishedState(run, []));

      assert.equal(await page.locator('.findings-hint').textContent(), strings.findings.none);
    });

    it('click highlights the finding rows', async () => {
      const panel = await openWith(finishedState(run, [VANISHING]));

      await panel.page.click('li.finding .finding-title');

      assert.deepEqual(await highlightedRows(panel), [LAYERS[0].name, LAYERS[1].name]);
      assert.equal(await panel.page.locator('li.finding .finding-title').getAttribute('aria-pressed'), 'true');
    });

    it('second click clears the highlight', async () => {
      const panel = await openWith(finishedState(run, [VANISHING]));

      await panel.page.click('li.finding .finding-title');
      await panel.page.click('li.finding .finding-title');

      assert.deepEqual(await highlightedRows(panel), []);
    });

    it('keyboard selects, moves and clears', async () => {
      const panel = await openWith(finishedState(run, [VANISHING, STALLED]));
      const buttons = panel.page.locator('li.finding .finding-title');

      await buttons.first().focus();
      await panel.page.keyboard.press('Enter');
      assert.deepEqual(await highlightedRows(panel), [LAYERS[0].name, LAYERS[1].name]);

      await panel.page.keyboard.press('ArrowDown');
      assert.equal(await buttons.nth(1).evaluate((button) => button === document.activeElement), true);

      await panel.page.keyboard.press('Escape');
      assert.deepEqual(await highlightedRows(panel), []);
    });

    it('highlight survives a new sample', async () => {
      const panel = await openWith(finishedState(run, [VANISHING]));
      await panel.page.click('li.finding .finding-title');
      const renders = await panel.page.locator('#app').getAttribute('data-render-count');

      await panel.send({ type: 'update', update: { type: 'progress', epoch: 1, batch: 1499 } });
      await until(async () => (await panel.page.locator('#app').getAttribute('data-render-count')) !== renders, 'the panel renders again');

      assert.deepEqual(await highlightedRows(panel), [LAYERS[0].name, LAYERS[1].name]);
    });

    it('findings update replaces the list', async () => {
      const panel = await openWith({ kind: 'training', run: { ...run, evaluation: undefined } });

      await panel.send({ type: 'update', update: { type: 'findings', findings: [STALLED] } });
      await until(async () => (await panel.page.locator('li.finding').count()) === 1, 'one finding is listed');

      assert.equal(await panel.page.locator('li.finding').getAttribute('data-kind'), 'learningRateTooLow');
    });

    it('train again button posts its request', async () => {
      const panel = await openWith(finishedState(run, [VANISHING]));

      await panel.page.click('button.train-again-button');

      assert.deepEqual((await panel.posted()).at(-1), { type: 'trainAgainAndCompare' });
    });

    it('train again button waits for the run to end', async () => {
      const { page } = await openWith({ kind: 'training', run: { ...run, evaluation: undefined, findings: [VANISHING] } });

      assert.equal(await page.locator('li.finding').count(), 1);
      assert.equal(await page.locator('button.train-again-button').isHidden(), true);
    });

    it('undiagnosed run shows no list', async () => {
      const { page } = await openWith({ kind: 'finished', run, stopped: false });

      assert.equal(await page.locator('.findings-section').isHidden(), true);
    });
  });

  describe('comparison', () => {
    // The previous run's gradients are 1,000 times larger, so on a shared scale this run's
    // cells stay far below the top colour, which they would reach on a scale of their own.
    const baseline = { ...scaledRun(run, 1000), seed: 42 };
    const TOP_OF_VIRIDIS = '#fde725';

    async function fills(panel: PanelPage, heatmap: string): Promise<string[]> {
      return panel.page.locator(`${heatmap} rect.heatmap-cell[data-kind="value"]`).evaluateAll((cells) => cells.map((cell) => cell.getAttribute('fill') ?? ''));
    }

    it('draws two heatmaps', async () => {
      const { page } = await openWith(finishedState(run, [], baseline));

      assert.equal(await page.locator('svg.heatmap').count(), 2);
      assert.equal(await page.locator('svg.baseline-heatmap g.heatmap-row').count(), LAYERS.length);
    });

    it('titles the previous run with its seed', async () => {
      const { page } = await openWith(finishedState(run, [], baseline));

      assert.deepEqual(await page.locator('.compare-title').allTextContents(), ['Previous run (seed 42)', 'This run']);
    });

    it('puts both heatmaps on one colour scale', async () => {
      const panel = await openWith(finishedState(run, [], baseline));

      assert.ok((await fills(panel, 'svg.baseline-heatmap')).includes(TOP_OF_VIRIDIS));
      assert.ok(!(await fills(panel, 'svg.heatmap:not(.baseline-heatmap)')).includes(TOP_OF_VIRIDIS));
    });

    it('a run alone reaches the top colour', async () => {
      const panel = await openWith(finishedState(run, []));

      assert.ok((await fills(panel, 'svg.heatmap:not(.baseline-heatmap)')).includes(TOP_OF_VIRIDIS));
    });

    it('draws both runs on the same curve axes', async () => {
      const { page } = await openWith(finishedState(run, [], baseline));

      assert.equal(await page.locator('.compare-curves .curve-loss path.series.run-previous').count(), 3);
      assert.equal(await page.locator('.compare-curves .curve-loss path.series.run-current').count(), 3);
      assert.equal(await page.locator('.curves-section:not(.compare-curves)').isHidden(), true);
    });

    it('lists the previous run findings', async () => {
      const { page } = await openWith(finishedState(run, [], { ...baseline, findings: [VANISHING] }));

      assert.deepEqual(await page.locator('.compare-findings li').allTextContents(), [VANISHING.title]);
    });

    it('hides without a previous run', async () => {
      const { page } = await openWith(finishedState(run, []));

      assert.equal(await page.locator('.compare-baseline').isHidden(), true);
      assert.equal(await page.locator('.compare-curves').isHidden(), true);
    });

    it('logs no errors', async () => {
      const { errors } = await openWith(finishedState(run, [VANISHING], baseline));

      assert.deepEqual(errors, []);
    });
  });
});
