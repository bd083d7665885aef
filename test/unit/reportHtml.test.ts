import assert from 'node:assert/strict';
import { buildPanelStrings } from '../../src/common/panelStrings';
import { REPORT_DATA_ELEMENT_ID } from '../../src/common/reportData';
import type { PanelState } from '../../src/common/runState';
import { jsonForScriptElement, renderReportHtml, reportContentSecurityPolicy, serializeStatistics } from '../../src/report/htmlReport';
import { decodePanelState } from '../../webview/hostMessages';
import { NAN_SAMPLES, syntheticRun } from '../browser-fixtures/syntheticRun';

const strings = buildPanelStrings();
const hostileName = '</script><script>alert(1)</script><!--.py';
const state: PanelState = { kind: 'finished', run: { ...syntheticRun(), fileName: hostileName }, stopped: true };
const script = 'document.title = "panel";';
const style = 'body { color: red; }';

function report(overrides: Partial<Parameters<typeof renderReportHtml>[0]> = {}): string {
  return renderReportHtml({ state, strings, script, style, lang: 'en', nonce: 'Tk9OQ0U=', ...overrides });
}

/** Returns the text of the report's JSON data element. */
function embeddedJson(html: string): string {
  const start = html.indexOf(`id="${REPORT_DATA_ELEMENT_ID}">`) + `id="${REPORT_DATA_ELEMENT_ID}">`.length;
  return html.slice(start, html.indexOf('</script>', start));
}

describe('report html', () => {
  it('jsonForScriptElement leaves no < in the output', () => {
    assert.equal(jsonForScriptElement({ name: hostileName }).includes('<'), false);
  });

  it('jsonForScriptElement output parses back to the input', () => {
    const value = { name: hostileName, separators: '\u2028\u2029' };
    assert.deepEqual(JSON.parse(jsonForScriptElement(value)), value);
  });

  it('a file name with markup cannot close the data element', () => {
    // The data element and the inlined panel script are the only two script elements.
    assert.equal(report().match(/<\/script>/g)?.length, 2);
  });

  it('embedded state decodes to the run, NaN included', () => {
    assert.deepStrictEqual(decodePanelState(JSON.parse(embeddedJson(report())).state), state);
  });

  it('embeds the strings for the panel', () => {
    assert.deepEqual(JSON.parse(embeddedJson(report())).strings, strings);
  });

  it('inlines the script and the stylesheet with the nonce', () => {
    const html = report();
    assert.deepEqual(
      [html.includes(`<script nonce="Tk9OQ0U=">\n${script}\n</script>`), html.includes(`<style nonce="Tk9OQ0U=">\n${style}\n</style>`)],
      [true, true],
    );
  });

  it('loads nothing from outside the file', () => {
    assert.equal(/<(link|img|iframe)\b|<script[^>]*\bsrc=/i.test(report()), false);
  });

  it('policy denies every load and runs only nonced code', () => {
    assert.equal(
      reportContentSecurityPolicy('N'),
      "default-src 'none'; style-src 'nonce-N'; script-src 'nonce-N'; base-uri 'none'; form-action 'none'",
    );
  });

  it('uses a fresh nonce when none is given', () => {
    const nonces = [renderReportHtml({ state, strings, script, style, lang: 'en' }), renderReportHtml({ state, strings, script, style, lang: 'en' })].map(
      (html) => /<script nonce="([^"]+)">/.exec(html)?.[1],
    );
    assert.notEqual(nonces[0], nonces[1]);
  });

  it('drops the source map comment of a development build', () => {
    assert.equal(report({ script: `${script}\n//# sourceMappingURL=webview.js.map\n` }).includes('sourceMappingURL'), false);
  });

  it('rejects a script that contains its own end tag', () => {
    assert.throws(() => report({ script: 'const s = "</SCRIPT>";' }), /<\/script/);
  });

  it('rejects a stylesheet that contains its own end tag', () => {
    assert.throws(() => report({ style: '/* </style> */' }), /<\/style/);
  });
});

describe('statistics json', () => {
  const parsed = JSON.parse(serializeStatistics(state)) as {
    format: string;
    version: number;
    status: string;
    run: { samples: { layers: { weightGradNorm: unknown; deadFraction: unknown }[] }[] };
  };

  it('names its format and version', () => {
    assert.deepEqual([parsed.format, parsed.version], ['gradient-flow-statistics', 1]);
  });

  it('says the run was stopped', () => {
    assert.equal(parsed.status, 'stopped');
  });

  it('writes NaN as the string NaN', () => {
    assert.equal(parsed.run.samples[NAN_SAMPLES[0]].layers[0].weightGradNorm, 'NaN');
  });

  it('writes not applicable as null', () => {
    assert.equal(parsed.run.samples[0].layers[0].deadFraction, null);
  });

  it('keeps every sample', () => {
    assert.equal(parsed.run.samples.length, syntheticRun().samples.length);
  });
});
