import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const LANGUAGES = ['', '.ko', '.vi'];

interface WalkthroughStep {
  readonly id: string;
  readonly description: string;
  readonly media: { readonly markdown: string };
  readonly completionEvents: readonly string[];
}

function readJson<T>(relativePath: string): T {
  return JSON.parse(readFileSync(path.join(ROOT, relativePath), 'utf8')) as T;
}

const manifest = readJson<{
  contributes: { walkthroughs: { steps: WalkthroughStep[] }[]; commands: { command: string }[] };
}>('package.json');
const steps = manifest.contributes.walkthroughs[0].steps;

/** Resolves a `%key%` manifest value in one language's package.nls file. */
function resolve(value: string, language: string): string {
  const nls = readJson<Record<string, string>>(`package.nls${language}.json`);
  const key = /^%(.+)%$/.exec(value)?.[1];
  return key ? nls[key] : value;
}

/** `command:` links of a step description: the command and its JSON arguments. */
function commandLinks(description: string): { command: string; args: unknown[] }[] {
  return [...description.matchAll(/\(command:([\w.]+)(?:\?([^)]*))?\)/g)].map((match) => ({
    command: match[1],
    args: match[2] ? (JSON.parse(decodeURIComponent(match[2])) as unknown[]) : [],
  }));
}

describe('walkthrough', () => {
  it('has the three example steps and the classroom step', () => {
    assert.deepEqual(steps.map((step) => step.id), ['deepSigmoid', 'reluFix', 'explodingLr', 'classroom']);
  });

  for (const language of LANGUAGES) {
    const name = language === '' ? 'en' : language.slice(1);

    it(`step markdown exists in ${name}`, () => {
      const missing = steps.map((step) => resolve(step.media.markdown, language)).filter((file) => !file || !existsSync(path.join(ROOT, file)));
      assert.deepEqual(missing, []);
    });

    it(`step markdown for ${name} is in its own folder`, () => {
      const folders = steps.map((step) => path.dirname(resolve(step.media.markdown, language)));
      assert.deepEqual([...new Set(folders)], [`media/walkthrough/${name}`]);
    });

    it(`step links in ${name} name contributed commands and bundled examples`, () => {
      const commands = new Set(manifest.contributes.commands.map((entry) => entry.command));
      const problems = steps.flatMap((step) =>
        commandLinks(resolve(step.description, language)).flatMap(({ command, args }) => [
          ...(commands.has(command) ? [] : [`${step.id}: unknown command ${command}`]),
          ...args.filter((arg) => typeof arg !== 'string' || !existsSync(path.join(ROOT, 'examples', arg))).map((arg) => `${step.id}: no example ${String(arg)}`),
        ]),
      );
      assert.deepEqual(problems, []);
    });
  }

  it('example steps open and train their example', () => {
    const linked = steps.slice(0, 3).map((step) => commandLinks(resolve(step.description, '')).map((link) => `${link.command} ${String(link.args[0])}`));
    assert.deepEqual(linked, [
      ['gradientFlow.openExample deep_sigmoid.py', 'gradientFlow.trainExample deep_sigmoid.py'],
      ['gradientFlow.openExample relu_fix.py', 'gradientFlow.trainExample relu_fix.py'],
      ['gradientFlow.openExample exploding_lr.py', 'gradientFlow.trainExample exploding_lr.py'],
    ]);
  });

  it('example steps complete on the context keys the train command sets', () => {
    const source = readFileSync(path.join(ROOT, 'src', 'walkthrough', 'exampleModels.ts'), 'utf8');
    const keys = steps.slice(0, 3).map((step) => step.completionEvents[0].replace(/^onContext:/, ''));
    assert.deepEqual(keys.filter((key) => !source.includes(`'${key}'`)), []);
  });
});
