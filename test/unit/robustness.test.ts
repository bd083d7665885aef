/**
 * Bad input reaching the parser and the CLI: broken, half-typed, empty, binary, huge and
 * foreign-encoded files, and models that cannot be built. Each case must end in a
 * diagnostic at the right line or a clear message, never in an exception.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ParseDiagnostic, ParseResult } from '../../src/common/modelSpec';
import { parseModelFile } from '../../src/parser';
import { decodeModelFile } from '../../src/parser/sourceEncoding';
import { MAX_BRACKET_DEPTH, MAX_SOURCE_CHARACTERS } from '../../src/parser/sourceLimits';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SEED_MODEL = readFileSync(path.join(ROOT, 'test/fixtures/parser/seed_model.py'), 'utf8');

/** Returns the 1-based line of `needle` in `text`, for expectations that follow the file. */
function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `"${needle}" not in the text`);
  return text.slice(0, index).split('\n').length;
}

function parse(text: string): ParseResult {
  return parseModelFile(text, 'model.py');
}

function errors(result: ParseResult): ParseDiagnostic[] {
  return result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
}

function listDiagnostics(result: ParseResult): string {
  return result.diagnostics.map((d) => `${d.severity} ${d.code} line ${d.range.startLine + 1}: ${d.message}`).join('\n');
}

/** Returns Mulberry32, a small seeded generator, so every fuzz run makes the same mutations. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('robustness: broken model files', () => {
  it('empty file asks for a Sequential model on line 1', () => {
    const result = parse('');
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.range.startLine]),
      [['model-missing', 0]],
    );
  });

  it('half-typed call points at its open bracket', () => {
    const text = SEED_MODEL.replace("model.add(Dense(units = 128, activation = 'sigmoid'))", 'model.add(Dense(units=');
    const result = parse(text);
    const first = errors(result)[0];
    assert.equal(first?.code, 'syntax-error');
    assert.equal((first?.range.startLine ?? -1) + 1, lineOf(text, 'model.add(Dense(units=\n'));
  });

  it('half-typed call is reported only once per line', () => {
    const text = SEED_MODEL.replace("model.add(Dense(units = 128, activation = 'sigmoid'))", 'model.add(Dense(units=');
    const lines = errors(parse(text)).map((d) => d.range.startLine);
    assert.equal(new Set(lines).size, lines.length);
  });

  it('NUL byte gives one binary-file error at its line', () => {
    const text = SEED_MODEL.replace('model.add(Flatten())', 'model.add(Flatten())\u0000\u0001');
    const result = parse(text);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.range.startLine + 1]),
      [['binary-file', lineOf(text, '\u0000')]],
    );
  });

  it('random binary content gives one diagnostic', () => {
    const random = seededRandom(7);
    const bytes = Buffer.from(Array.from({ length: 4096 }, () => Math.floor(random() * 256)));
    const result = parse(bytes.toString('latin1'));
    assert.deepEqual(result.diagnostics.map((d) => d.code), ['binary-file']);
  });

  it('5 MB file is rejected before parsing, within 1 s', () => {
    const filler = '# padding comment that makes the file large\n'.repeat(Math.ceil((5 * 1024 * 1024) / 45));
    const started = performance.now();
    const result = parse(SEED_MODEL + filler);
    const elapsed = performance.now() - started;
    assert.deepEqual(result.diagnostics.map((d) => d.code), ['file-too-large']);
    assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  });

  it('file just under the size limit is still parsed', () => {
    const filler = '#'.repeat(MAX_SOURCE_CHARACTERS - SEED_MODEL.length - 1) + '\n';
    const result = parse(SEED_MODEL + filler);
    assert.ok(result.spec, listDiagnostics(result));
  });

  it('brackets nested past the Python limit fail fast', () => {
    const depth = 50_000;
    const text = `${SEED_MODEL}x = ${'('.repeat(depth)}1${')'.repeat(depth)}\n`;
    const started = performance.now();
    const result = parse(text);
    const elapsed = performance.now() - started;
    const first = result.diagnostics[0];
    assert.equal(first?.code, 'syntax-error');
    assert.equal((first?.range.startLine ?? -1) + 1, lineOf(text, 'x = ((('));
    assert.match(first?.message ?? '', new RegExp(`more than ${MAX_BRACKET_DEPTH} levels`));
    assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  });

  it('brackets inside strings and comments do not count as nesting', () => {
    const text = `${SEED_MODEL}note = "${'('.repeat(300)}"\n# ${'['.repeat(300)}\nlong = '''\n${'{'.repeat(300)}\n'''\n`;
    const result = parse(text);
    assert.ok(result.spec, listDiagnostics(result));
  });

  it('control characters in messages are shown as escapes', () => {
    const text = SEED_MODEL.replace('model.add(Flatten())', 'model.add(Flatten())\u0007\u0001');
    const messages = errors(parse(text)).map((d) => d.message).join('\n');
    assert.match(messages, /\\x07/);
  });

  it('200 seeded mutations of the seed model never raise', () => {
    const random = seededRandom(2024);
    const alphabet = "()[]{}:,=.'\"\\#\n\t 0123456789abcdefxyzDenseSequential";
    const internal: string[] = [];
    for (let round = 0; round < 200; round++) {
      let text = SEED_MODEL;
      const edits = 1 + Math.floor(random() * 4);
      for (let edit = 0; edit < edits; edit++) {
        const at = Math.floor(random() * text.length);
        const cut = Math.floor(random() * 12);
        const insert = Array.from({ length: Math.floor(random() * 6) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
        text = text.slice(0, at) + insert + text.slice(at + cut);
      }
      const result = parse(text);
      if (result.diagnostics.some((d) => d.code === 'internal-error')) {
        internal.push(JSON.stringify(text));
      }
    }
    assert.deepEqual(internal, []);
  });
});

describe('robustness: models that cannot be built', () => {
  /** `at` is text on the line the error must point to, in the changed file. */
  const cases: readonly { name: string; from: string; to: string; at: string; code: string; fix: RegExp }[] = [
    {
      name: 'one-unit sigmoid output under sparse crossentropy',
      from: "model.add(Dense(units =10, activation = 'softmax'))",
      to: "model.add(Dense(1, activation='sigmoid'))",
      at: "Dense(1, activation='sigmoid')",
      code: 'output-units',
      fix: /units=10/,
    },
    {
      name: 'five-unit output for ten classes',
      from: "model.add(Dense(units =10, activation = 'softmax'))",
      to: "model.add(Dense(5, activation='softmax'))",
      at: "Dense(5, activation='softmax')",
      code: 'output-units',
      fix: /5 units.*10 classes/,
    },
    {
      name: 'unknown layer',
      from: 'model.add(Flatten())',
      to: 'model.add(Flatten())\nmodel.add(Conv3D(32, 3))',
      at: 'Conv3D(32, 3)',
      code: 'unsupported-layer',
      fix: /Conv3D/,
    },
    {
      name: 'unknown argument',
      from: "model.add(Dense(units = 64, activation ='sigmoid'))",
      to: "model.add(Dense(units = 64, activation ='sigmoid', kernel_size=3))",
      at: 'kernel_size=3',
      code: 'unsupported-argument',
      fix: /kernel_size/,
    },
    {
      name: 'missing input shape',
      from: 'model.add(InputLayer(input_shape = (28,28)))',
      to: '',
      at: 'model.add(Flatten())',
      code: 'missing-input-shape',
      fix: /input_shape=\(28, 28\)/,
    },
    {
      name: 'input shape that is not MNIST',
      from: 'input_shape = (28,28)',
      to: 'input_shape = (32,32)',
      at: 'input_shape = (32,32)',
      code: 'unknown-dataset',
      fix: /\(28, 28\) gives MNIST/,
    },
    {
      name: 'Dense on a 2-D input',
      from: 'model.add(Flatten())',
      to: '',
      at: "Dense(units = 64, activation ='sigmoid')",
      code: 'missing-flatten',
      fix: /Flatten\(\)/,
    },
  ];

  for (const testCase of cases) {
    it(`${testCase.name} is an error at its line`, () => {
      const text = SEED_MODEL.replace(testCase.from, testCase.to);
      const result = parse(text);
      const error = errors(result).find((d) => d.code === testCase.code);
      assert.ok(error, `no ${testCase.code} error:\n${listDiagnostics(result)}`);
      assert.equal(result.spec, undefined, 'a model spec despite the error');
      assert.equal(error.range.startLine + 1, lineOf(text, testCase.at), 'line of the error');
      assert.match(error.message, testCase.fix);
    });
  }
});

describe('robustness: dataset paths in the file', () => {
  const script = [
    'from tensorflow.keras.datasets import mnist',
    'from tensorflow.keras.layers import Dense, Flatten',
    'from tensorflow.keras.models import Sequential',
    "(x_train, y_train), (x_test, y_test) = mnist.load_data(path='/etc/passwd')",
    'x_train = x_train / 255.0',
    'model = Sequential([Flatten(input_shape=(28, 28)), Dense(10, activation="softmax")])',
    "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')",
    'model.fit(x_train, y_train)',
  ].join('\n');

  it('load_data(path=...) is a warning at its line', () => {
    const warning = parse(script).diagnostics.find((d) => d.code === 'ignored-argument');
    assert.equal(warning?.range.startLine, 3);
  });

  it('the spec carries no path from the file', () => {
    const spec = parse(script).spec;
    assert.ok(spec);
    assert.ok(!JSON.stringify(spec).includes('/etc/passwd'));
  });
});

describe('robustness: file encodings', () => {
  // The seed model's comments are Korean, which Latin-1 cannot hold; these tests keep its code.
  const text = "# Modèle à deux couches: é ü ß\n" + SEED_MODEL.replace(/[^\u0000-\u00ff]/g, '');

  it('UTF-16LE with BOM decodes to the text', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    assert.equal(decodeModelFile(bytes).text, text);
  });

  it('UTF-16BE with BOM decodes to the text', () => {
    const bytes = Buffer.from(text, 'utf16le').swap16();
    assert.equal(decodeModelFile(Buffer.concat([Buffer.from([0xfe, 0xff]), bytes])).text, text);
  });

  it('UTF-8 BOM is dropped', () => {
    assert.equal(decodeModelFile(Buffer.from(`\ufeff${text}`, 'utf8')).text, text);
  });

  it('Latin-1 with a coding declaration decodes to the text', () => {
    const declared = `# -*- coding: latin-1 -*-\n${text}`;
    assert.equal(decodeModelFile(Buffer.from(declared, 'latin1')).text, declared);
  });

  it('undeclared Latin-1 warns at the first invalid byte', () => {
    const decoded = decodeModelFile(Buffer.from(`x = 1\n${text}`, 'latin1'));
    assert.equal(decoded.warningLine, 1);
    assert.match(decoded.warning ?? '', /byte 0xe8 at offset 11/);
  });

  it('undeclared Latin-1 seed model still parses', () => {
    const result = parse(decodeModelFile(Buffer.from(text, 'latin1')).text);
    assert.ok(result.spec, listDiagnostics(result));
  });
});

describe('robustness: command line', function () {
  let folder: string;

  before(function () {
    if (!existsSync(CLI)) {
      throw new Error(`${CLI} is missing; build it with \`node esbuild.mjs\` first.`);
    }
    folder = mkdtempSync(path.join(tmpdir(), 'gradient-flow-robustness-'));
  });

  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LANG: 'C' } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** Node prints "    at file:line" frames for an uncaught exception; a clear message has none. */
  function hasStackTrace(output: string): boolean {
    return /^\s+at .+:\d+:\d+\)?$/m.test(output);
  }

  it('binary file exits 2 with the line and no stack trace', () => {
    const file = path.join(folder, 'binary.py');
    writeFileSync(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]));
    const result = runCli(['train', file, '--report', path.join(folder, 'binary.html')]);
    assert.equal(result.status, 2);
    // The PNG signature contains CR LF and LF, so its first NUL byte is on line 3.
    assert.match(result.stderr, /binary\.py:3:\d+: error: .*NUL byte/);
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
  });

  it('UTF-16 file is decoded and reaches the memory check', () => {
    // Dense(200000) after the 784 inputs needs far more than the default limit, so the CLI
    // stops before training: proof that the UTF-16 text parsed into a model.
    const huge = SEED_MODEL.replace("Dense(units = 64, activation ='sigmoid')", "Dense(units = 200000, activation ='sigmoid')");
    const file = path.join(folder, 'utf16.py');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(huge, 'utf16le')]));
    const result = runCli(['train', file, '--report', path.join(folder, 'utf16.html')]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /largest layer, dense on line \d+/);
    assert.match(result.stderr, /--force/);
  });

  it('folder in place of a file exits 2 without a stack trace', () => {
    const result = runCli(['train', folder]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /could not be read/);
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
  });

  it('misspelt command names it and prints usage', () => {
    const result = runCli(['trian', 'model.py']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Unknown command "trian"/);
    assert.match(result.stdout, /Usage: node dist\/cli\.js train FILE/);
  });

  it('unknown option prints usage without a stack trace', () => {
    const result = runCli(['train', 'model.py', '--epochz', '3']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--epochz/);
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
  });
});
