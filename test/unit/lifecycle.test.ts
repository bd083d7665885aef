/**
 * The trainer process's life from the outside, with real forked trainers (dist/trainer.js):
 * stop, kill, crashes, the parent going away, damaged data, and two runs side by side.
 * Every test checks that the processes it started are gone afterwards.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ModelSpec } from '../../src/common/modelSpec';
import type { PanelState } from '../../src/common/runState';
import type { TrainOptions } from '../../src/common/trainerProtocol';
import { MNIST_FILES } from '../../src/trainer/mnist';
import { TrainingSession } from '../../src/training/trainingSession';
import { DATA_DIR, deepMnistSpec, dense, layer, modelSpec, REPOSITORY_ROOT, trainOptions } from '../helpers/modelSpecs';

const TRAINER = path.join(REPOSITORY_ROOT, 'dist', 'trainer.js');
const BUNDLED_WASM = path.join(REPOSITORY_ROOT, 'dist', 'wasm');
const PARENT_SCRIPT = path.join(REPOSITORY_ROOT, 'test', 'fixtures', 'lifecycle', 'forkingParent.ts');

/** Long enough that every test acts while training is still going on. */
const LONG_RUN = deepMnistSpec('sigmoid', { fit: { epochs: 20 } });

/** True while a process with `pid` runs dist/trainer.js; a zombie's command line is empty. */
function trainerIsRunning(pid: number | undefined): boolean {
  if (pid === undefined) {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dist/trainer.js');
  } catch {
    return false;
  }
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

function samplesOf(state: PanelState): number {
  return state.kind === 'idle' || !state.run ? 0 : state.run.samples.length;
}

describe('lifecycle: trainer process', function () {
  /** Trainer pids started by the current test, checked and cleaned up after it. */
  const pids = new Set<number>();
  const sessions: TrainingSession[] = [];

  before(function () {
    if (!existsSync(TRAINER) || !existsSync(BUNDLED_WASM)) {
      throw new Error(`${TRAINER} or ${BUNDLED_WASM} is missing; build them with \`node esbuild.mjs\` first.`);
    }
  });

  afterEach(async function () {
    for (const session of sessions.splice(0)) {
      session.kill();
      await session.done;
    }
    const survivors = [...pids].filter(trainerIsRunning);
    for (const pid of survivors) {
      process.kill(pid, 'SIGKILL');
    }
    pids.clear();
    assert.deepEqual(survivors, [], 'trainer processes that outlived their test');
  });

  function start(spec: ModelSpec, options: Partial<TrainOptions> = {}): TrainingSession {
    const session = new TrainingSession(spec, trainOptions({ wasmDir: BUNDLED_WASM, ...options }), { trainerPath: TRAINER }, {
      onState: () => undefined,
      onUpdate: () => undefined,
      onLog: () => undefined,
    });
    sessions.push(session);
    if (session.trainerPid !== undefined) {
      pids.add(session.trainerPid);
    }
    return session;
  }

  async function startAndWaitForSamples(spec: ModelSpec = LONG_RUN, samples = 1): Promise<TrainingSession> {
    const session = start(spec);
    await waitFor(() => samplesOf(session.state) >= samples, 60_000, `${samples} samples`);
    return session;
  }

  it('stop finishes the run as stopped', async () => {
    const session = await startAndWaitForSamples();

    session.stop();
    const state = await session.done;

    assert.equal(state.kind, 'finished');
    assert.equal(state.kind === 'finished' && state.stopped, true);
  });

  it('stop keeps the statistics so far', async () => {
    const session = await startAndWaitForSamples(LONG_RUN, 2);

    session.stop();
    const state = await session.done;

    assert.ok(samplesOf(state) >= 2, `samples: ${samplesOf(state)}`);
  });

  it('stop ends the process within 2 s', async () => {
    const session = await startAndWaitForSamples();
    const pid = session.trainerPid;

    const stopped = Date.now();
    session.stop();
    await waitFor(() => !trainerIsRunning(pid), 2000, `trainer ${pid} to exit`);

    assert.ok(Date.now() - stopped < 2000);
  });

  it('kill ends the process within 1 s', async () => {
    const session = await startAndWaitForSamples();
    const pid = session.trainerPid;

    session.kill();
    await waitFor(() => !trainerIsRunning(pid), 1000, `trainer ${pid} to exit`);
    const state = await session.done;

    assert.equal(state.kind, 'finished');
  });

  it('SIGKILL from outside is a failure that names memory', async () => {
    const session = await startAndWaitForSamples();

    process.kill(session.trainerPid as number, 'SIGKILL');
    const state = await session.done;

    assert.equal(state.kind, 'failed');
    assert.match(state.kind === 'failed' ? state.message : '', /was killed \(signal SIGKILL\).*memory/s);
  });

  it('SIGKILL from outside keeps the samples', async () => {
    const session = await startAndWaitForSamples(LONG_RUN, 2);

    process.kill(session.trainerPid as number, 'SIGKILL');
    const state = await session.done;

    assert.ok(samplesOf(state) >= 2, `samples: ${samplesOf(state)}`);
  });

  it('SIGSEGV is reported as a native crash', async () => {
    const session = await startAndWaitForSamples();

    process.kill(session.trainerPid as number, 'SIGSEGV');
    const state = await session.done;

    assert.match(state.kind === 'failed' ? state.message : state.kind, /crashed in native code \(signal SIGSEGV\)/);
  });

  it('heap exhaustion is reported as out of memory', async () => {
    // An 8 MB V8 heap cannot even load TensorFlow.js: Node aborts with "FATAL ERROR: ...
    // JavaScript heap out of memory" and a native stack trace, as a real exhaustion does.
    const previous = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = '--max-old-space-size=8';
    let session: TrainingSession;
    try {
      session = start(LONG_RUN);
    } finally {
      if (previous === undefined) {
        delete process.env.NODE_OPTIONS;
      } else {
        process.env.NODE_OPTIONS = previous;
      }
    }

    const state = await session.done;

    assert.match(state.kind === 'failed' ? state.message : state.kind, /ran out of memory.*\n.*FATAL ERROR: .*heap out of memory/s);
  });

  it('missing trainer script is reported with its output', async () => {
    const session = new TrainingSession(LONG_RUN, trainOptions(), { trainerPath: path.join(tmpdir(), 'no-such-trainer.js') }, {
      onState: () => undefined,
      onUpdate: () => undefined,
      onLog: () => undefined,
    });

    const state = await session.done;

    assert.match(state.kind === 'failed' ? state.message : state.kind, /ended unexpectedly \(exit code 1\).*Cannot find module/s);
  });

  for (const mode of ['killed', 'exits'] as const) {
    it(`trainer exits when its parent is ${mode === 'killed' ? 'killed with SIGKILL' : 'gone without stopping it'}`, async () => {
      const parent = spawn(
        process.execPath,
        ['-r', 'tsx/cjs', PARENT_SCRIPT, JSON.stringify(LONG_RUN), JSON.stringify(trainOptions({ wasmDir: BUNDLED_WASM })), TRAINER, ...(mode === 'exits' ? ['--exit'] : [])],
        { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const parentExited = new Promise<void>((resolve) => parent.on('exit', () => resolve()));
      let output = '';
      parent.stdout.setEncoding('utf8');
      parent.stdout.on('data', (chunk: string) => {
        output += chunk;
      });

      try {
        await waitFor(() => /trainer \d+\n/.test(output), 60_000, 'the parent to report its trainer');
        const pid = Number(/trainer (\d+)/.exec(output)?.[1]);
        pids.add(pid);
        if (mode === 'killed') {
          parent.kill('SIGKILL');
        }
        await parentExited;

        await waitFor(() => !trainerIsRunning(pid), 5000, `trainer ${pid} to exit after its parent`);
      } finally {
        parent.kill('SIGKILL');
      }
    });
  }

  it('two runs at once keep their own layers', async () => {
    const small = modelSpec([layer('Flatten', 'flatten', {}, 3), dense(0, 10, 'softmax')], { fit: { epochs: 20 } });
    const first = start(LONG_RUN);
    const second = start(small);
    await waitFor(() => samplesOf(first.state) >= 2 && samplesOf(second.state) >= 2, 60_000, 'samples from both runs');

    first.stop();
    second.stop();
    const [firstState, secondState] = await Promise.all([first.done, second.done]);

    const layerCounts = (state: PanelState): number[] =>
      state.kind === 'idle' || !state.run ? [] : state.run.samples.map((sample) => sample.layers.length);
    assert.deepEqual([...new Set(layerCounts(firstState))], [7]);
    assert.deepEqual([...new Set(layerCounts(secondState))], [1]);
  });

  it('an edit during training marks the run and training goes on', async () => {
    const session = await startAndWaitForSamples();
    const before = samplesOf(session.state);

    session.markSourceChanged();
    await waitFor(() => samplesOf(session.state) > before, 60_000, 'a sample after the edit');

    const state = session.state;
    assert.equal(state.kind === 'training' && state.run.sourceChangedSinceStart, true);
  });

  describe('damaged data', function () {
    let dataDir: string;

    beforeEach(() => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'gradient-flow-data-'));
      for (const file of Object.values(MNIST_FILES)) {
        copyFileSync(path.join(DATA_DIR, file.name), path.join(dataDir, file.name));
      }
    });

    afterEach(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function failureFor(options: Partial<TrainOptions>): Promise<string> {
      const state = await start(modelSpec([layer('Flatten', 'flatten'), dense(0, 10, 'softmax')]), { dataDir, ...options }).done;
      assert.equal(state.kind, 'failed');
      return state.kind === 'failed' ? state.message : '';
    }

    it('truncated file is named with a reinstall hint', async () => {
      const file = path.join(dataDir, MNIST_FILES.trainLabels.name);
      writeFileSync(file, readFileSync(file).subarray(0, 1000));

      const message = await failureFor({});

      assert.ok(message.includes(file), message);
      assert.match(message, /Reinstall the extension/);
    });

    it('altered file fails its SHA-256 check', async () => {
      // A valid gzip stream with the right IDX header and length, but one label changed.
      const file = path.join(dataDir, MNIST_FILES.testLabels.name);
      const { gunzipSync, gzipSync } = await import('node:zlib');
      const labels = gunzipSync(readFileSync(file));
      labels[100] = (labels[100] + 1) % 10;
      writeFileSync(file, gzipSync(labels));

      const message = await failureFor({});

      assert.match(message, new RegExp(`${MNIST_FILES.testLabels.name} is damaged: its SHA-256 is [0-9a-f]{64}, expected ${MNIST_FILES.testLabels.sha256}`));
    });

    it('missing file is named as not found', async () => {
      const file = path.join(dataDir, MNIST_FILES.testImages.name);
      rmSync(file);

      const message = await failureFor({});

      assert.ok(message.includes(`${file} was not found`), message);
    });

    it('empty training set is refused', async () => {
      const message = await failureFor({ trainLimit: 0 });

      assert.match(message, /dataset is empty: 0 training and 10000 test examples/);
    });

    it('zero pixel divisor is refused before training', async () => {
      const spec = modelSpec([layer('Flatten', 'flatten'), dense(0, 10, 'softmax')], { dataset: { pixelDivisor: 0 } });
      const state = await start(spec, { dataDir }).done;

      assert.match(state.kind === 'failed' ? state.message : state.kind, /divided by 0, which makes the inputs NaN or infinite/);
    });
  });
});
