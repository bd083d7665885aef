import { getL10nJson } from '@vscode/l10n-dev';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const TRANSLATIONS = ['ko', 'vi'];

function readJson(relativePath: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, relativePath), 'utf8')) as Record<string, unknown>;
}

/** The message of an l10n bundle entry, which is a string or `{ message, comment }`. */
function messageOf(entry: unknown): string {
  return typeof entry === 'string' ? entry : String((entry as { message?: unknown }).message ?? '');
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = path.join(folder, name);
    if (statSync(full).isDirectory()) {
      return sourceFiles(full);
    }
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** `{0}`-style placeholders in a message, sorted, so translations can be checked to keep them. */
function placeholders(message: string): string[] {
  return (message.match(/\{\d+\}/g) ?? []).sort();
}

describe('localization', () => {
  it('manifest placeholders all have English text', () => {
    const manifest = readFileSync(path.join(ROOT, 'package.json'), 'utf8');
    const english = readJson('package.nls.json');
    const used = [...manifest.matchAll(/"%([\w.]+)%"/g)].map((match) => match[1]);
    const missing = used.filter((key) => !(key in english));
    assert.deepEqual(missing, [], `package.json uses keys that package.nls.json lacks`);
  });

  for (const language of TRANSLATIONS) {
    it(`manifest strings are translated to ${language}`, () => {
      const english = readJson('package.nls.json');
      const translated = readJson(`package.nls.${language}.json`);
      const missing = Object.keys(english).filter((key) => typeof translated[key] !== 'string' || translated[key] === '');
      assert.deepEqual(missing, [], `package.nls.${language}.json lacks these keys`);
    });
  }

  it('English bundle lists every string the code localizes', async () => {
    const files = [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'webview'))].map((file) => ({
      extension: '.ts',
      contents: readFileSync(file, 'utf8'),
    }));
    const extracted = await getL10nJson(files);
    const bundle = readJson('l10n/bundle.l10n.json');
    const missing = Object.keys(extracted).filter((key) => !(key in bundle));
    assert.deepEqual(missing, [], 'l10n/bundle.l10n.json is stale: run `npm run l10n:export`');
  });

  for (const language of TRANSLATIONS) {
    it(`bundle strings are translated to ${language}`, () => {
      const english = readJson('l10n/bundle.l10n.json');
      const translated = readJson(`l10n/bundle.l10n.${language}.json`);
      const missing = Object.keys(english).filter((key) => messageOf(translated[key] ?? '') === '');
      assert.deepEqual(missing, [], `l10n/bundle.l10n.${language}.json lacks these strings`);
    });

    it(`${language} translations keep every placeholder`, () => {
      const english = readJson('l10n/bundle.l10n.json');
      const translated = readJson(`l10n/bundle.l10n.${language}.json`);
      const broken = Object.keys(english).filter(
        (key) => key in translated && placeholders(messageOf(translated[key])).join() !== placeholders(messageOf(english[key])).join(),
      );
      assert.deepEqual(broken, [], `these ${language} translations drop or add {n} placeholders`);
    });
  }
});
