/**
 * The panel's Content Security Policy, validation of messages from the webview, and the
 * rule that nothing in a model file is executed, imported or used as a path.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ModelSpec } from '../../src/common/modelSpec';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { parseWebviewMessage } from '../../src/common/webviewProtocol';
import { createNonce, PANEL_RESOURCE_FOLDERS, renderPanelHtml } from '../../src/panel/html';
import { describeRejectedMessage } from '../../src/panel/rejectedMessage';
import { parseModelFile } from '../../src/parser';
import { REPOSITORY_ROOT, trainOptions } from '../helpers/modelSpecs';

const SOURCE_ROOT = path.join(REPOSITORY_ROOT, 'src');
const CSP_SOURCE = 'https://*.vscode-cdn.net';

/** Returns the directives of the page's CSP meta tag, each mapped to its source list. */
function policyDirectives(html: string): Map<string, string[]> {
  const content = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';
  const policy = content.replace(/&#39;/g, "'").replace(/&#38;/g, '&');
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((tokens) => tokens[0] !== '')
      .map(([name, ...sources]) => [name, sources]),
  );
}

function renderPage(nonce = createNonce(), lang = 'en'): string {
  return renderPanelHtml({
    scriptUri: `${CSP_SOURCE.replace('*', 'file+.vscode-resource')}/ext/dist/webview.js`,
    styleUri: `${CSP_SOURCE.replace('*', 'file+.vscode-resource')}/ext/media/panel.css`,
    cspSource: CSP_SOURCE,
    nonce,
    lang,
  });
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = path.join(folder, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('security: panel content security policy', () => {
  it('denies every load by default', () => {
    assert.deepEqual(policyDirectives(renderPage()).get('default-src'), ["'none'"]);
  });

  it('runs scripts only with the page nonce', () => {
    const nonce = createNonce();
    assert.deepEqual(policyDirectives(renderPage(nonce)).get('script-src'), [`'nonce-${nonce}'`]);
  });

  it('nonce carries 128 bits from the system generator', () => {
    assert.equal(Buffer.from(createNonce(), 'base64').length, 16);
  });

  it('allows styles and images only from the extension', () => {
    const directives = policyDirectives(renderPage());
    assert.deepEqual([directives.get('style-src'), directives.get('img-src')], [[CSP_SOURCE], [CSP_SOURCE, 'data:']]);
  });

  it('closes base-uri and form-action', () => {
    const directives = policyDirectives(renderPage());
    assert.deepEqual([directives.get('base-uri'), directives.get('form-action')], [["'none'"], ["'none'"]]);
  });

  it('lists no other directive', () => {
    assert.deepEqual([...policyDirectives(renderPage()).keys()].sort(), ['base-uri', 'default-src', 'form-action', 'img-src', 'script-src', 'style-src']);
  });

  it('names no unsafe source or wildcard scheme', () => {
    const sources = [...policyDirectives(renderPage()).values()].flat();
    const unsafe = sources.filter((source) => /unsafe-|^\*$|^https?:$|^blob:$/.test(source));
    assert.deepEqual(unsafe, []);
  });

  it('page has one script, the nonced bundle', () => {
    const nonce = createNonce();
    const scripts = renderPage(nonce).match(/<script\b[^>]*>/g) ?? [];
    assert.deepEqual(scripts, [`<script nonce="${nonce}" src="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js">`]);
  });

  it('markup in the language tag stays text', () => {
    const page = renderPage(createNonce(), '"><script>alert(1)</script>');
    assert.equal((page.match(/<script\b/g) ?? []).length, 1);
  });

  it('webview loads only from dist and media', () => {
    assert.deepEqual([...PANEL_RESOURCE_FOLDERS], ['dist', 'media']);
  });
});

describe('security: messages from the webview', () => {
  const hugeString = 'x'.repeat(20 * 1024 * 1024);
  const malformed: readonly [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a string', 'stop'],
    ['an array', [{ type: 'stop' }]],
    ['no type', { specIndex: 1 }],
    ['a numeric type', { type: 1 }],
    ['an object type', { type: { toString: () => 'stop' } }],
    ['an unknown type', { type: 'train' }],
    ['a type of another case', { type: 'STOP' }],
    ['revealLayer without index', { type: 'revealLayer' }],
    ['revealLayer with a string index', { type: 'revealLayer', specIndex: '1' }],
    ['revealLayer with a negative index', { type: 'revealLayer', specIndex: -1 }],
    ['revealLayer with a fractional index', { type: 'revealLayer', specIndex: 1.5 }],
    ['revealLayer with NaN', { type: 'revealLayer', specIndex: NaN }],
    ['revealLayer with Infinity', { type: 'revealLayer', specIndex: Infinity }],
    ['a 20 MB type', { type: hugeString }],
    ['a prototype-polluting payload', JSON.parse('{"__proto__": {"type": "stop", "polluted": true}}')],
  ];

  for (const [name, value] of malformed) {
    it(`rejects ${name}`, () => {
      assert.equal(parseWebviewMessage(value), undefined);
    });
  }

  it('returns a fresh object without extra keys', () => {
    const value = JSON.parse('{"type": "stop", "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');
    assert.deepEqual(Object.keys(parseWebviewMessage(value) ?? {}), ['type']);
  });

  it('leaves Object.prototype alone', () => {
    for (const [, value] of malformed) {
      parseWebviewMessage(value);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('rejects a 20 MB payload within 50 ms', () => {
    const started = performance.now();
    parseWebviewMessage({ type: 'revealLayer', specIndex: hugeString });
    assert.ok(performance.now() - started < 50);
  });

  it('log line for a rejected message stays short', () => {
    const descriptions = malformed.map(([, value]) => describeRejectedMessage(value));
    const longest = Math.max(...descriptions.map((description) => description.length));
    assert.ok(longest <= 200, `longest description: ${longest} characters`);
  });

  it('log line names the rejected type', () => {
    assert.equal(describeRejectedMessage({ type: 'train', file: '/etc/passwd' }), 'object with type "train" and keys ["type","file"]');
  });

  it('log line survives values that throw when inspected', () => {
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('trap'); } });
    const cyclic: Record<string, unknown> = { type: 'stop' };
    cyclic.self = cyclic;
    assert.deepEqual(
      [describeRejectedMessage(hostile), describeRejectedMessage(cyclic)],
      ['value that cannot be inspected (Error)', 'object with type "stop" and keys ["type","self"]'],
    );
  });
});

describe('security: model file strings', function () {
  let scratch: string;

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'gradient-flow-security-'));
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Returns a script whose statements, if anything ran them, would create files in `scratch`. */
  function hostileScript(): string {
    const canary = (name: string): string => path.join(scratch, name);
    return [
      'import os  # Gradient Flow reads this file and never runs it',
      'from tensorflow.keras.datasets import mnist',
      'from tensorflow.keras.layers import Dense, Flatten',
      'from tensorflow.keras.models import Sequential',
      `os.system('touch ${canary('shell')}')`,
      `__import__('subprocess').run(['touch', '${canary('import')}'])`,
      `exec("open('${canary('exec')}', 'w').close()")`,
      `(x_train, y_train), (x_test, y_test) = mnist.load_data(path='${canary('dataset.npz')}')`,
      'x_train = x_train / 255.0',
      "model = Sequential([Flatten(input_shape=(28, 28)), Dense(10, activation='softmax')])",
      `model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy', '$(touch ${canary('metric')})'])`,
      'model.fit(x_train, y_train, epochs=1)',
    ].join('\n');
  }

  it('parsing runs nothing from the file', () => {
    parseModelFile(hostileScript(), 'hostile.py');
    assert.deepEqual(readdirSync(scratch), []);
  });

  it('the spec carries none of the file paths', () => {
    const spec = parseModelFile(hostileScript(), 'hostile.py').spec;
    assert.ok(spec);
    assert.ok(!JSON.stringify(spec).includes(scratch), JSON.stringify(spec));
  });

  it('a layer name with shell syntax is an error', () => {
    const text = hostileScript().replace("Dense(10, activation='softmax')", "Dense(10, activation='softmax', name='$(reboot)')");
    const result = parseModelFile(text, 'hostile.py');
    assert.deepEqual(
      result.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.range.startLine]),
      [['invalid-value', 9]],
    );
  });

  it('trainer reads only dist and data, and starts no process', async function () {
    // Node's permission model turns any read outside these folders, and any child
    // process, into an ERR_ACCESS_DENIED failure.
    const trainer = path.join(REPOSITORY_ROOT, 'dist', 'trainer.js');
    if (!existsSync(trainer)) {
      throw new Error(`${trainer} is missing; build it with \`node esbuild.mjs\` first.`);
    }
    const spec = parseModelFile(hostileScript(), 'hostile.py').spec as ModelSpec;
    const child = fork(trainer, [], {
      execArgv: [
        '--experimental-permission',
        `--allow-fs-read=${path.join(REPOSITORY_ROOT, 'dist')}/*`,
        `--allow-fs-read=${path.join(REPOSITORY_ROOT, 'data')}/*`,
      ],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const messages: TrainerToHost[] = [];
    child.on('message', (message) => messages.push(message as TrainerToHost));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    child.send({
      type: 'start',
      spec,
      options: trainOptions({ wasmDir: path.join(REPOSITORY_ROOT, 'dist', 'wasm'), trainLimit: 500, testLimit: 100, samplesPerEpoch: 2 }),
    });
    const code = await exited;

    const failure = messages.find((message) => message.type === 'failed');
    assert.equal(failure, undefined);
    assert.equal(code, 0);
    assert.deepEqual(readdirSync(scratch), []);
  });

  it('only the trainer launcher starts processes', () => {
    const users = sourceFiles(SOURCE_ROOT)
      .filter((file) => /from ['"](node:)?child_process['"]/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(REPOSITORY_ROOT, file));
    assert.deepEqual(users, [path.join('src', 'training', 'trainerProcess.ts')]);
  });

  it('the trainer launcher forks only the given trainer path', () => {
    const source = readFileSync(path.join(SOURCE_ROOT, 'training', 'trainerProcess.ts'), 'utf8');
    assert.deepEqual(source.match(/\b(fork|spawn|exec|execFile|execSync|spawnSync)\(([^,)]*)/g), ['fork(options.trainerPath']);
  });

  it('no source evaluates code or requires a computed module', () => {
    const offenders = sourceFiles(SOURCE_ROOT).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const found = [...text.matchAll(/\beval\s*\(|new Function\s*\(|\brequire\s*\(\s*[^'"\s)]|\bimport\s*\(\s*[^'"\s)]/g)].map((match) => match[0]);
      return found.map((match) => `${path.relative(REPOSITORY_ROOT, file)}: ${match}`);
    });
    assert.deepEqual(offenders, []);
  });

  it('the parser imports no file system or process module', () => {
    const offenders = sourceFiles(path.join(SOURCE_ROOT, 'parser')).filter((file) =>
      /from ['"](node:)?(fs|fs\/promises|child_process|worker_threads|vm)['"]/.test(readFileSync(file, 'utf8')),
    );
    assert.deepEqual(offenders, []);
  });
});
