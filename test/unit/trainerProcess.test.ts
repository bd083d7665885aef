import * as assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ModelSpec } from '../../src/common/modelSpec';
import type { TrainerToHost, TrainOptions } from '../../src/common/trainerProtocol';
import { deepMnistSpec, dense, layer, modelSpec, REPOSITORY_ROOT, trainOptions } from '../helpers/modelSpecs';

const TRAINER = path.join(REPOSITORY_ROOT, 'dist', 'trainer.js');
const BUNDLED_WASM = path.join(REPOSITORY_ROOT, 'dist', 'wasm');

/** A forked trainer and everything it has sent so far. */
interface Trainer {
  readonly child: ChildProcess;
  readonly messages: TrainerToHost[];
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startTrainer(spec: ModelSpec, options: Partial<TrainOptions>, env: NodeJS.ProcessEnv = {}): Trainer {
  const child = fork(TRAINER, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, ...env },
  });
  const messages: TrainerToHost[] = [];
  child.on('message', (message) => messages.push(message as TrainerToHost));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  child.send({ type: 'start', spec, options: trainOptions({ wasmDir: BUNDLED_WASM, ...options }) });
  return { child, messages, exit };
}

/** Polls `condition` every 20 ms; rejects after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function hasMessage(trainer: Trainer, type: TrainerToHost['type']): boolean {
  return trainer.messages.some((message) => message.type === type);
}

describe('trainer process', function () {
  const started: Trainer[] = [];

  before(function () {
    if (!existsSync(TRAINER) || !existsSync(BUNDLED_WASM)) {
      throw new Error(`${TRAINER} or ${BUNDLED_WASM} is missing; build them with \`node esbuild.mjs\` first.`);
    }
  });

  afterEach(() => {
    for (const trainer of started.splice(0)) {
      if (trainer.child.exitCode === null && trainer.child.signalCode === null) {
        trainer.child.kill('SIGKILL');
      }
    }
  });

  function start(spec: ModelSpec, options: Partial<TrainOptions> = {}, env: NodeJS.ProcessEnv = {}): Trainer {
    const trainer = startTrainer(spec, options, env);
    started.push(trainer);
    return trainer;
  }

  it('streams samples, then exits with 0', async () => {
    const trainer = start(deepMnistSpec('sigmoid'), { trainLimit: 1000, testLimit: 200, samplesPerEpoch: 3 });

    const { code } = await trainer.exit;

    const types = trainer.messages.map((message) => message.type);
    assert.equal(code, 0);
    assert.equal(types.filter((type) => type === 'sample').length, 3);
    assert.deepEqual(trainer.messages[trainer.messages.length - 1], { type: 'finished', stopped: false });
  });

  it('falls back from tfjs-node to wasm', async () => {
    const trainer = start(deepMnistSpec('relu'), { backend: 'auto', trainLimit: 300, testLimit: 100 });

    await trainer.exit;

    assert.deepEqual(trainer.messages[0], {
      type: 'backend',
      backend: 'wasm',
      fallbacks: [{ backend: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed.' }],
    });
  });

  it('keeps NaN in messages', async () => {
    const spec = deepMnistSpec('relu', { compile: { metrics: [] } });
    const trainer = start(spec, { trainLimit: 300, testLimit: 100 });

    await trainer.exit;

    const sample = trainer.messages.find((message) => message.type === 'sample');
    assert.ok(sample?.type === 'sample');
    assert.ok(Number.isNaN(sample.sample.accuracy));
  });

  it('stops promptly on stop', async () => {
    const trainer = start(deepMnistSpec('sigmoid', { fit: { epochs: 20 } }));
    await waitFor(() => hasMessage(trainer, 'sample'), 30000, 'the first sample');

    const stopSent = Date.now();
    trainer.child.send({ type: 'stop' });
    const { code } = await trainer.exit;

    assert.ok(Date.now() - stopSent < 2000, `stopping took ${Date.now() - stopSent} ms`);
    assert.equal(code, 0);
    assert.deepEqual(trainer.messages[trainer.messages.length - 1], { type: 'finished', stopped: true });
  });

  it('exits when the parent disconnects', async () => {
    const trainer = start(deepMnistSpec('sigmoid', { fit: { epochs: 20 } }));
    await waitFor(() => hasMessage(trainer, 'sample'), 30000, 'the first sample');

    const disconnected = Date.now();
    trainer.child.disconnect();
    await trainer.exit;

    assert.ok(Date.now() - disconnected < 2000, `exiting took ${Date.now() - disconnected} ms`);
  });

  it('fails at the broken layer', async () => {
    const trainer = start(modelSpec([layer('Flatten', 'flatten', {}, 3), dense(0, 0, 'relu'), dense(1, 10, 'softmax')]));

    const { code } = await trainer.exit;

    const failed = trainer.messages.find((message) => message.type === 'failed');
    assert.equal(code, 1);
    assert.ok(failed?.type === 'failed');
    assert.equal(failed.layerIndex, 1);
    assert.match(failed.message, /positive whole number of units/);
  });

  it('reports unexpected errors as failed', async () => {
    const malformed = { ...deepMnistSpec('relu'), layers: undefined } as unknown as ModelSpec;
    const trainer = start(malformed);

    const { code } = await trainer.exit;

    const failed = trainer.messages.find((message) => message.type === 'failed');
    assert.equal(code, 1);
    assert.ok(failed?.type === 'failed');
    assert.match(failed.message, /^Training stopped because of an unexpected error: /);
  });

  describe('localization', () => {
    let folder: string;

    before(() => {
      folder = mkdtempSync(path.join(tmpdir(), 'gradient-flow-l10n-'));
    });

    after(() => {
      rmSync(folder, { recursive: true, force: true });
    });

    it('translates failures with the bundle', async () => {
      const bundle = path.join(folder, 'bundle.l10n.test.json');
      writeFileSync(
        bundle,
        JSON.stringify({ '{0} {1} on line {2} needs a positive whole number of {3}, got {4}.': 'TRANSLATED {1} {4}' }),
      );
      const trainer = start(
        modelSpec([layer('Flatten', 'flatten', {}, 3), dense(0, 0, 'relu'), dense(1, 10, 'softmax')]),
        {},
        { GRADIENT_FLOW_L10N_BUNDLE: bundle },
      );

      await trainer.exit;

      const failed = trainer.messages.find((message) => message.type === 'failed');
      assert.ok(failed?.type === 'failed');
      assert.equal(failed.message, 'TRANSLATED dense 0');
    });
  });
});
