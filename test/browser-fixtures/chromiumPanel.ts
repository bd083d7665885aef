/**
 * The panel bundle in Debian's Chromium as a simulated VS Code webview. The page is served
 * from a loopback HTTP server with the panel's real HTML and Content Security Policy, and
 * `acquireVsCodeApi` is a fake that records every message the panel posts.
 */
import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { encodeNonFiniteNumbers } from '../../src/common/nonFiniteNumbers';
import type { HostToWebview, WebviewToHost } from '../../src/common/webviewProtocol';
import { createNonce, renderPanelHtml } from '../../src/panel/html';

export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');
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

/** Stands in for VS Code: records every message the panel posts and keeps its saved state. */
const FAKE_VSCODE_API = `
  window.__posted = [];
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => window.__posted.push(message),
    getState: () => window.__savedState,
    setState: (state) => { window.__savedState = state; },
  });
`;

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
    entryPoints: [path.join(REPOSITORY_ROOT, 'webview', 'main.ts')],
    tsconfig: path.join(REPOSITORY_ROOT, 'webview', 'tsconfig.json'),
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

/**
 * Polls `condition` every 50 ms until it holds. Page-side `waitForFunction` is not used
 * because its string predicates go through `eval`, which the panel's CSP rightly blocks.
 */
export async function until(condition: () => Promise<boolean>, description: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting until ${description}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface PanelPageOptions {
  readonly width?: number;
  readonly colorScheme?: 'dark' | 'light';
  /** Classes for `<body>`, as VS Code sets them, such as `vscode-high-contrast`. */
  readonly bodyClasses?: readonly string[];
  /** CSS custom properties VS Code would set on `<html>`, such as `--vscode-contrastBorder`. */
  readonly themeVariables?: Readonly<Record<string, string>>;
  /** Page zoom factor, as VS Code's zoom level gives it; 1 is 100 %. */
  readonly deviceScaleFactor?: number;
}

/** A page with the panel loaded in a fake VS Code webview. */
export class PanelPage {
  readonly errors: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (message) => {
      if (message.type() === 'error') {
        this.errors.push(message.text());
      }
    });
    page.on('pageerror', (error) => this.errors.push(error.message));
  }

  async posted(): Promise<WebviewToHost[]> {
    return (await this.page.evaluate('window.__posted')) as WebviewToHost[];
  }

  /** Waits until the panel posted a message matching `predicate` and returns it. */
  async waitForPosted<T extends WebviewToHost>(predicate: (message: WebviewToHost) => message is T, description: string, timeoutMs = 15_000): Promise<T> {
    let found: T | undefined;
    await until(
      async () => {
        found = (await this.posted()).find(predicate);
        return found !== undefined;
      },
      description,
      timeoutMs,
    );
    return found as T;
  }

  /** Sends messages as the host does: non-finite numbers encoded, then through JSON. */
  async send(...messages: HostToWebview[]): Promise<void> {
    const wire = JSON.parse(JSON.stringify(messages.map(encodeNonFiniteNumbers))) as unknown[];
    await this.page.evaluate((batch) => {
      const target = globalThis as unknown as { postMessage(message: unknown, targetOrigin: string): void };
      for (const message of batch) {
        target.postMessage(message, '*');
      }
    }, wire);
  }
}

/** Chromium and a loopback server with the panel page; `open` gives a fresh page each time. */
export class PanelBrowser {
  private readonly pages: Page[] = [];

  private constructor(
    private readonly browser: Browser,
    private readonly server: Server,
    private readonly origin: string,
  ) {}

  static async start(): Promise<PanelBrowser> {
    await waitForChromium(300_000);
    const script = await buildWebviewBundle();
    const style = readFileSync(path.join(REPOSITORY_ROOT, 'media', 'panel.css'), 'utf8');
    let origin = '';
    const server = createServer((request, response) => {
      const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      const files: Record<string, { type: string; body: () => string }> = {
        '/webview.js': { type: 'text/javascript', body: () => script },
        '/panel.css': { type: 'text/css', body: () => style },
        '/panel.html': {
          type: 'text/html',
          body: () =>
            renderPanelHtml({ scriptUri: `${origin}/webview.js`, styleUri: `${origin}/panel.css`, cspSource: origin, nonce: createNonce(), lang: 'en' }),
        },
      };
      const file = files[pathname];
      if (!file) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': file.type }).end(file.body());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    return new PanelBrowser(browser, server, origin);
  }

  async open(options: PanelPageOptions = {}): Promise<PanelPage> {
    const page = await this.browser.newPage({
      viewport: { width: options.width ?? 1280, height: 1000 },
      colorScheme: options.colorScheme ?? 'dark',
      deviceScaleFactor: options.deviceScaleFactor ?? 1,
    });
    this.pages.push(page);
    const panel = new PanelPage(page);
    await page.addInitScript({ content: FAKE_VSCODE_API });
    const classes = JSON.stringify(options.bodyClasses ?? []);
    const variables = JSON.stringify(options.themeVariables ?? {});
    // VS Code sets the theme's classes and variables before the panel's script runs.
    await page.addInitScript({
      content: `document.addEventListener('DOMContentLoaded', () => {
        document.body.classList.add(...${classes});
        for (const [name, value] of Object.entries(${variables})) document.documentElement.style.setProperty(name, value);
      });`,
    });
    await page.goto(`${this.origin}/panel.html`);
    return panel;
  }

  async closePages(): Promise<void> {
    await Promise.all(this.pages.splice(0).map((page) => page.close()));
  }

  async stop(): Promise<void> {
    await this.browser.close();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
