/**
 * The VS Code workbench in Debian's Chromium, driven through playwright-core: opening
 * files, editor context menus, and reading the DOM inside webviews.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { registerGroup, stopGroup } from './processes.mjs';
import { waitFor } from './wait.mjs';

const CHROMIUM_PATH = '/usr/bin/chromium';

// The networking flags stop Chromium from trying to reach update and sync hosts, which
// this machine cannot reach.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches headless Chromium and returns the browser with one page of the given size.
 * Chromium runs as a browser server because only that API exposes the process id.
 */
export async function launchBrowser({ viewport = { width: 1600, height: 1000 } } = {}) {
  const server = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    host: '127.0.0.1',
  });
  const pid = server.process().pid;
  // Playwright starts Chromium as the leader of its own process group.
  registerGroup(pid);

  const browser = await chromium.connect(server.wsEndpoint());
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();

  // Console output of the workbench and of the webviews' frames, for the logs and checks.
  const consoleMessages = [];
  page.on('console', (message) => {
    consoleMessages.push({ type: message.type(), text: message.text(), url: message.location().url });
  });
  page.on('pageerror', (error) => {
    consoleMessages.push({ type: 'pageerror', text: error.message, url: '' });
  });
  return { server, browser, page, pid, consoleMessages };
}

/** Closes the browser, then ends its process group by id in case it did not exit. */
export async function closeBrowser({ server, browser, pid }) {
  const closing = Promise.allSettled([browser.close(), server.close()]);
  await Promise.race([closing, delay(10_000)]);
  return stopGroup(pid, { name: 'Chromium', graceMs: 5_000 });
}

/** Opens the workbench and waits until the explorer lists `fileName` from the workspace. */
export async function openWorkbench(page, url, fileName, { timeoutMs = 90_000 } = {}) {
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: timeoutMs });
  await page
    .locator('.explorer-folders-view .monaco-list-row', { hasText: fileName })
    .first()
    .waitFor({ timeout: timeoutMs });
}

/** Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor. */
export async function openFileWithQuickOpen(page, fileName, { timeoutMs = 30_000 } = {}) {
  await page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 } }).catch(() => {});
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: timeoutMs });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor({ timeout: timeoutMs });
}

/**
 * Right-clicks the text of the active editor and clicks the context-menu entry titled
 * `title`. The workbench sometimes ignores a click that comes right after the menu opened
 * and leaves the menu open, so the entry is clicked again while the menu stays, unless a
 * modal dialog shows that the command already ran. Returns `performance.now()` taken just
 * before the first click.
 */
export async function clickEditorContextMenuEntry(page, title, { timeoutMs = 15_000 } = {}) {
  const editorText = page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
  await editorText.click({ button: 'right', position: { x: 40, y: 10 } });

  const exactTitle = new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`);
  const entry = page.locator('.context-view .action-label', { hasText: exactTitle }).first();
  try {
    await entry.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const offered = await page.locator('.context-view .action-label').allInnerTexts().catch(() => []);
    throw new Error(`The editor context menu has no entry "${title}". Entries: [${offered.filter(Boolean).join(' | ')}]`);
  }

  const clickedAt = performance.now();
  await entry.click();

  const dialog = page.locator('.monaco-dialog-box');
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await entry.waitFor({ state: 'hidden', timeout: 2_000 });
      return clickedAt;
    } catch {
      // A second click while the command's dialog is up would run the command twice.
      if (await dialog.isVisible()) {
        return clickedAt;
      }
      await entry.click({ timeout: timeoutMs }).catch(() => {});
    }
  }
  await entry.waitFor({ state: 'hidden', timeout: 2_000 });
  return clickedAt;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Returns the titles of the open editor tabs. */
export async function editorTabTitles(page) {
  return page.locator('.tabs-container .tab .label-name').allInnerTexts();
}

/**
 * Returns the first frame whose document contains `selector`. A webview is a nest of
 * iframes, and its inner frame is replaced when the webview reloads, so callers look it up
 * again on every poll instead of keeping it.
 */
export async function findFrameContaining(page, selector) {
  for (const frame of page.frames()) {
    try {
      if (await frame.evaluate((query) => document.querySelector(query) !== null, selector)) {
        return frame;
      }
    } catch {
      // Detached or still loading: not this one.
    }
  }
  return undefined;
}

/**
 * Polls until `read` (run inside the webview frame that contains `frameSelector`) returns a
 * truthy value, and returns it.
 */
export async function waitInWebview(page, frameSelector, read, argument, options) {
  return waitFor(async () => {
    const frame = await findFrameContaining(page, frameSelector);
    return frame ? frame.evaluate(read, argument) : undefined;
  }, options);
}

/** Returns the texts of the notification toasts on screen, for error messages. */
export async function notificationTexts(page) {
  return page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts().catch(() => []);
}
