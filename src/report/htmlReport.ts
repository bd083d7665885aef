/**
 * A training run as one self-contained HTML file: the panel script and stylesheet inlined,
 * the run embedded as JSON, nothing loaded from anywhere else. A teacher can mail it or
 * open it offline, and it shows the same heatmap and curves as the panel.
 */
import { encodeNonFiniteNumbers } from '../common/nonFiniteNumbers';
import type { PanelStrings } from '../common/panelStrings';
import { REPORT_DATA_ELEMENT_ID, type ReportData } from '../common/reportData';
import type { PanelState } from '../common/runState';
import { createNonce, escapeHtml } from '../panel/html';

export interface ReportHtmlOptions {
  readonly state: PanelState;
  readonly strings: PanelStrings;
  /** Contents of `dist/webview.js`. */
  readonly script: string;
  /** Contents of `media/panel.css`. */
  readonly style: string;
  /** Language of the strings, such as `en`; the panel formats numbers for it. */
  readonly lang: string;
  /** Defaults to a fresh `createNonce()`. */
  readonly nonce?: string;
}

/**
 * Content Security Policy of a report: nothing may load from anywhere (`default-src 'none'`),
 * and only the inlined script and stylesheet carrying this file's nonce apply. The JSON data
 * element is never executed, so it needs no nonce.
 */
export function reportContentSecurityPolicy(nonce: string): string {
  return ["default-src 'none'", `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`, "base-uri 'none'", "form-action 'none'"].join(
    '; ',
  );
}

/**
 * Serializes `value` for a `<script type="application/json">` element. Every `<` becomes
 * `\u003c`, so no value (a file name such as `</script>.py`) can end the element or open a
 * comment. The line separators U+2028 and U+2029 are escaped too, and `JSON.parse` reads the
 * result unchanged.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Throws when inlined text contains its own end tag, which would end the element early. */
function assertInlinable(text: string, tag: 'script' | 'style', description: string): void {
  if (new RegExp(`</${tag}`, 'i').test(text)) {
    throw new Error(`Cannot inline ${description} into the report: it contains "</${tag}".`);
  }
}

export function renderReportHtml(options: ReportHtmlOptions): string {
  const nonce = options.nonce ?? createNonce();
  assertInlinable(options.script, 'script', 'the panel script');
  assertInlinable(options.style, 'style', 'the panel stylesheet');

  // The source map comment of a development build points at a file the report does not carry.
  const script = options.script.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  const data: ReportData = { state: options.state, strings: options.strings };
  const json = jsonForScriptElement(encodeNonFiniteNumbers(data));

  return `<!DOCTYPE html>
<html lang="${escapeHtml(options.lang)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(reportContentSecurityPolicy(nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(options.strings.title)}</title>
<style nonce="${escapeHtml(nonce)}">
${options.style}
</style>
</head>
<body class="report">
<div id="app"></div>
<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">${json}</script>
<script nonce="${escapeHtml(nonce)}">
${script}
</script>
</body>
</html>
`;
}

/** Version of the statistics JSON layout; raise it when a field changes meaning or goes away. */
export const STATISTICS_FORMAT_VERSION = 1;

/**
 * Serializes the run's statistics as JSON, to write beside the report for analysis elsewhere
 * (pandas, a notebook). The run is the `RunSnapshot` the panel receives. NaN and ±Infinity
 * are written as the strings "NaN", "Infinity" and "-Infinity", which Python's `float()` reads.
 */
export function serializeStatistics(state: PanelState): string {
  let status: string = state.kind;
  if (state.kind === 'finished' && state.stopped) {
    status = 'stopped';
  }
  const document = {
    format: 'gradient-flow-statistics',
    version: STATISTICS_FORMAT_VERSION,
    nonFiniteNumbers: 'NaN and infinite values are the strings "NaN", "Infinity" and "-Infinity".',
    status,
    failure: state.kind === 'failed' ? state.message : undefined,
    run: state.kind === 'idle' ? undefined : state.run,
  };
  return `${JSON.stringify(encodeNonFiniteNumbers(document))}\n`;
}
