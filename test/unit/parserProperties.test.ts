import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { ParseResult } from '../../src/common/modelSpec';
import { parseModelFile } from '../../src/parser';

const ROOT = path.resolve(__dirname, '..', '..');
const MODEL_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'models');

/** Valid model files to mutate: the model-construction fixtures and the seed model. */
const SOURCES: readonly string[] = [
  ...readdirSync(MODEL_FIXTURES)
    .filter((name) => name.startsWith('models_') && name.endsWith('.py'))
    .sort()
    .map((name) => readFileSync(path.join(MODEL_FIXTURES, name), 'utf8')),
  readFileSync(path.join(ROOT, 'test', 'fixtures', 'parser', 'seed_model.py'), 'utf8'),
];

/** Names, numbers and single punctuation characters, as a rough Python tokenizer finds them. */
const TOKEN = /[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\S/g;
/** Two neighbouring arguments inside a call, without nested brackets. */
const ARGUMENT_PAIR = /\(([^(),\n]+),\s*([^(),\n]+)/g;

type Mutation =
  | { readonly kind: 'delete-token'; readonly index: number }
  | { readonly kind: 'swap-arguments'; readonly index: number }
  | { readonly kind: 'rename'; readonly index: number; readonly name: string }
  | { readonly kind: 'truncate-line'; readonly line: number; readonly at: number }
  | { readonly kind: 'duplicate-line'; readonly line: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete-token' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('swap-arguments' as const), index: fc.nat() }),
  fc.record({
    kind: fc.constant('rename' as const),
    index: fc.nat(),
    name: fc.constantFrom('undefined_name', 'Dens', 'inputs', 'model', 'range', 'input', 'self', 'x'),
  }),
  fc.record({ kind: fc.constant('truncate-line' as const), line: fc.nat(), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), line: fc.nat() }),
);

function matchesOf(text: string, pattern: RegExp): RegExpExecArray[] {
  return [...text.matchAll(new RegExp(pattern.source, 'g'))];
}

function mutate(text: string, change: Mutation): string {
  switch (change.kind) {
    case 'delete-token':
    case 'rename': {
      const tokens = matchesOf(text, TOKEN).filter((token) => change.kind === 'delete-token' || /^[A-Za-z_]/.test(token[0]));
      if (tokens.length === 0) {
        return text;
      }
      const token = tokens[change.index % tokens.length];
      const start = token.index ?? 0;
      const replacement = change.kind === 'rename' ? change.name : '';
      return text.slice(0, start) + replacement + text.slice(start + token[0].length);
    }
    case 'swap-arguments': {
      const pairs = matchesOf(text, ARGUMENT_PAIR);
      if (pairs.length === 0) {
        return text;
      }
      const pair = pairs[change.index % pairs.length];
      const start = pair.index ?? 0;
      return `${text.slice(0, start)}(${pair[2].trim()}, ${pair[1].trim()}${text.slice(start + pair[0].length)}`;
    }
    case 'truncate-line':
    case 'duplicate-line': {
      const lines = text.split('\n');
      const index = change.line % lines.length;
      if (change.kind === 'truncate-line') {
        lines[index] = lines[index].slice(0, change.at % (lines[index].length + 1));
      } else {
        lines.splice(index, 0, lines[index]);
      }
      return lines.join('\n');
    }
  }
}

/** Checks what every parse must give, whatever the text: a spec or a diagnostic, each inside the file. */
function checkResult(text: string, result: ParseResult): void {
  const lineCount = text.split(/\r\n|\r|\n/).length;
  assert.ok(result.spec !== undefined || result.diagnostics.length > 0, 'neither a spec nor a diagnostic');
  for (const diagnostic of result.diagnostics) {
    const where = `${diagnostic.code} at ${JSON.stringify(diagnostic.range)}: ${diagnostic.message}`;
    assert.notEqual(diagnostic.code, 'internal-error', where);
    assert.ok(diagnostic.message.trim().length > 0, `empty message: ${where}`);
    const { startLine, endLine, startCharacter, endCharacter } = diagnostic.range;
    assert.ok(Number.isInteger(startLine), `start line not a whole number: ${where}`);
    assert.ok(startLine >= 0, `start line before the file: ${where}`);
    assert.ok(startLine < lineCount, `start line after the file: ${where}`);
    assert.ok(endLine >= startLine, `end line before the start line: ${where}`);
    assert.ok(endLine < lineCount, `end line after the file: ${where}`);
    assert.ok(startCharacter >= 0, `negative start column: ${where}`);
    assert.ok(endCharacter >= 0, `negative end column: ${where}`);
  }
  if (result.spec) {
    assert.ok(!result.diagnostics.some((diagnostic) => diagnostic.severity === 'error'), 'a spec next to an error');
    checkGraph(result);
  }
}

/** Checks that a functional spec links only to layers listed before, and that its output is one of its layers. */
function checkGraph(result: ParseResult): void {
  const spec = result.spec;
  if (spec?.topology !== 'functional') {
    return;
  }
  const seen = new Set<string>();
  for (const layer of spec.layers) {
    for (const name of layer.inbound ?? []) {
      assert.ok(seen.has(name), `${layer.name} reads ${name}, which is not listed before it`);
    }
    seen.add(layer.name);
  }
  assert.ok(spec.outputLayer !== undefined, 'a functional spec without an output layer');
  assert.ok(seen.has(spec.outputLayer), `output ${spec.outputLayer} is not a layer`);
}

describe('parser properties', () => {
  it('unchanged fixtures satisfy the checks', () => {
    for (const text of SOURCES) {
      checkResult(text, parseModelFile(text, 'model.py'));
    }
  });

  it('mutated fixtures give a spec or diagnostics', () => {
    fc.assert(
      fc.property(fc.nat(SOURCES.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (sourceIndex, changes) => {
        const text = changes.reduce(mutate, SOURCES[sourceIndex]);
        checkResult(text, parseModelFile(text, 'model.py'));
      }),
      { numRuns: 400, seed: 20_241_204 },
    );
  });

  it('truncated fixtures give a spec or diagnostics', () => {
    fc.assert(
      fc.property(fc.nat(SOURCES.length - 1), fc.nat(), (sourceIndex, cut) => {
        const source = SOURCES[sourceIndex];
        const text = source.slice(0, cut % (source.length + 1));
        checkResult(text, parseModelFile(text, 'model.py'));
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
