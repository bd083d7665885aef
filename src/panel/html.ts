/**
 * The HTML page of the training panel webview. Pure: the caller converts file URIs to
 * webview URIs, so this module needs no `vscode` import and is tested in Node.
 */
import { randomBytes } from 'node:crypto';

export interface PanelHtmlOptions {
  /** Webview URI of `dist/webview.js`. */
  readonly scriptUri: string;
  /** Webview URI of `media/panel.css`. */
  readonly styleUri: string;
  /** `webview.cspSource`: the origin webview URIs are served from. */
  readonly cspSource: string;
  /** From `createNonce()`, new for every page. */
  readonly nonce: string;
  /** VS Code display language, such as `en` or `ko`; the panel formats numbers for it. */
  readonly lang: string;
}

/** Extension folders the webview may load from (`localResourceRoots`): the bundle and the stylesheet. */
export const PANEL_RESOURCE_FOLDERS: readonly string[] = ['dist', 'media'];

/** 128 random bits from the operating system's generator, base64: unguessable by page content. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Escapes text for an HTML attribute value in double quotes or for element content. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * Content Security Policy of the panel:
 * - `default-src 'none'` denies every kind of load not listed below, including network
 *   requests, frames, fonts and plugins.
 * - Scripts run only with this page's nonce: the bundle's `<script>` tag has it, while inline
 *   handlers, injected markup and `eval` (no `'unsafe-eval'`) do not run.
 * - Styles come only from the extension's own files. d3 sets styles through the CSSOM,
 *   which CSP does not restrict, so no `'unsafe-inline'` is needed.
 * - Images only from the extension's files and `data:` URIs.
 * - `base-uri` and `form-action` are not covered by `default-src` and are closed too.
 */
export function panelContentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function renderPanelHtml(options: PanelHtmlOptions): string {
  const policy = panelContentSecurityPolicy(options.cspSource, options.nonce);
  return `<!DOCTYPE html>
<html lang="${escapeHtml(options.lang)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
</head>
<body>
<div id="app"></div>
<script nonce="${escapeHtml(options.nonce)}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>
`;
}
