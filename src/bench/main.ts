/**
 * `npm run bench`: measures the trainer in one run on real MNIST and prints each figure with
 * its target. The figures are milliseconds per step against plain tfjs `model.fit`, the cost
 * of statistics, the peak memory of the trainer process, and the time from "Train model" to
 * the first heatmap column. It exits with 0 whether or not the targets are met, and with 1
 * only when a measurement cannot run. This is a developer tool, so its output is English only.
 *
 * Options: --steps N (steps per timed run, default 120), --rounds N (timed runs of each
 * method and model, default 12), --warmup N (steps of the untimed first runs, default 50),
 * --launches N (forks timed to the first sample, default 3).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelSpec } from '../common/modelSpec';
import { parseModelFile } from '../parser';
import { sampledBatches } from '../trainer/layerStatistics';
import { formatReport } from './report';
import { defaultSamplesFor, measureStepTimes, type BenchModel } from './stepTiming';
import { measureFirstSample, measurePeakMemory, type FirstSampleTiming, type LaunchPaths } from './trainerLaunch';

/** The extension's root folder: dist/bench.js sits one level below it. */
const ROOT = path.resolve(__dirname, '..');
const MODEL_FILE = path.join(ROOT, 'examples', 'deep_sigmoid.py');

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      steps: { type: 'string', default: '120' },
      rounds: { type: 'string', default: '12' },
      warmup: { type: 'string', default: '50' },
      launches: { type: 'string', default: '3' },
    },
  });
  const steps = positiveInteger('--steps', values.steps);
  const rounds = positiveInteger('--rounds', values.rounds);
  const warmupSteps = positiveInteger('--warmup', values.warmup);
  const launches = positiveInteger('--launches', values.launches);

  const paths: LaunchPaths = {
    trainerPath: path.join(ROOT, 'dist', 'trainer.js'),
    dataDir: path.join(ROOT, 'data'),
    wasmDir: path.join(ROOT, 'dist', 'wasm'),
  };
  if (!existsSync(paths.trainerPath)) {
    throw new Error(`${paths.trainerPath} was not found. Build it first with: node esbuild.mjs --production`);
  }

  const text = readFileSync(MODEL_FILE, 'utf8');
  const sigmoid = parseSpec(text);
  const models: BenchModel[] = [
    { label: 'deep sigmoid', spec: sigmoid },
    { label: 'deep ReLU', spec: withHiddenActivation(sigmoid, 'relu') },
  ];

  const progress = (message: string): void => {
    process.stdout.write(`${message}\n`);
  };
  const started = performance.now();
  const stepTimes = await measureStepTimes(models, {
    steps,
    rounds,
    warmupSteps,
    dataDir: paths.dataDir,
    wasmDir: paths.wasmDir,
    onProgress: progress,
  });

  progress(`Timing ${launches} launches of the trainer process to the first statistics sample.`);
  const firstSamples: FirstSampleTiming[] = [];
  for (let launch = 0; launch < launches; launch++) {
    firstSamples.push(await measureFirstSample(text, path.basename(MODEL_FILE), paths));
  }

  progress('Training one full epoch in a trainer process to measure its peak memory.');
  const memory = await measurePeakMemory(sigmoid, paths);

  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.platform()} ${os.arch()}, Node ${process.version}`;
  const stepPlan =
    `${rounds} rounds × ${steps} steps per method and model after a ${warmupSteps}-step warm-up, batch ${sigmoid.fit.batchSize}, ` +
    `runs interleaved; default statistics = ${sampledBatches(steps, defaultSamplesFor(steps)).size} samples per ${steps} steps ` +
    '(the default is 25 per 1,500-step epoch).';
  process.stdout.write(formatReport({ machine, stepPlan, steps: stepTimes, firstSamples, memory }));
  process.stdout.write(`Benchmark time: ${((performance.now() - started) / 1000).toFixed(0)} s.\n`);
}

function parseSpec(text: string): ModelSpec {
  const { spec, diagnostics } = parseModelFile(text, path.basename(MODEL_FILE));
  if (!spec) {
    throw new Error(`${MODEL_FILE} did not parse: ${diagnostics.map((diagnostic) => diagnostic.message).join(' ')}`);
  }
  return spec;
}

/** Returns `spec` with every Dense layer except the last using `activation`. */
function withHiddenActivation(spec: ModelSpec, activation: string): ModelSpec {
  const lastDense = spec.layers.map((layer) => layer.className).lastIndexOf('Dense');
  return {
    ...spec,
    layers: spec.layers.map((layer, index) =>
      layer.className === 'Dense' && index !== lastDense ? { ...layer, config: { ...layer.config, activation } } : layer,
    ),
  };
}

function positiveInteger(option: string, value: string | undefined): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new Error(`${option} must be a positive whole number, got ${value}.`);
  }
  return number;
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`The benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
