import assert from 'node:assert/strict';
import { createNonce, escapeHtml, panelContentSecurityPolicy, renderPanelHtml } from '../../src/panel/html';

const options = {
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css?a=1&b="2"',
  cspSource: 'https://*.vscode-cdn.net',
  nonce: 'bm9uY2Utdmx1ZQ==',
  lang: 'ko',
};

/** Returns the value of the CSP meta tag in `html`, unescaped. */
function policyOf(html: string): string {
  const match = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html);
  return (match?.[1] ?? '').replace(/&#39;/g, "'");
}

describe('webview html', () => {
  it('createNonce returns 16 random bytes in base64', () => {
    assert.equal(Buffer.from(createNonce(), 'base64').length, 16);
  });

  it('createNonce differs on every call', () => {
    const nonces = new Set(Array.from({ length: 100 }, createNonce));
    assert.equal(nonces.size, 100);
  });

  it('policy denies everything by default', () => {
    assert.ok(panelContentSecurityPolicy('x', 'n').startsWith("default-src 'none';"));
  });

  it('policy runs scripts only with the nonce', () => {
    const directive = panelContentSecurityPolicy(options.cspSource, options.nonce)
      .split('; ')
      .find((part) => part.startsWith('script-src'));
    assert.equal(directive, `script-src 'nonce-${options.nonce}'`);
  });

  it('policy allows neither eval nor inline code', () => {
    const policy = panelContentSecurityPolicy(options.cspSource, options.nonce);
    assert.deepEqual([policy.includes('unsafe-eval'), policy.includes('unsafe-inline')], [false, false]);
  });

  it('page carries the policy in a meta tag', () => {
    assert.equal(policyOf(renderPanelHtml(options)), panelContentSecurityPolicy(options.cspSource, options.nonce));
  });

  it('page loads the bundle with the nonce', () => {
    assert.ok(renderPanelHtml(options).includes(`<script nonce="${options.nonce}" src="${options.scriptUri}"></script>`));
  });

  it('page escapes quotes and ampersands in URIs', () => {
    assert.ok(renderPanelHtml(options).includes('panel.css?a=1&#38;b=&#34;2&#34;"'));
  });

  it('page declares the display language', () => {
    assert.ok(renderPanelHtml(options).includes('<html lang="ko">'));
  });

  it('escapeHtml escapes every markup character', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });
});
