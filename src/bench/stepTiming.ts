/**
 * Milliseconds per training step, measured in this process on one tfjs backend: plain tfjs
 * `model.fit` on a `tf.Sequential` of the same layers, and the trainer's `train` with
 * statistics off, at the default sampling rate and on every step.
 */
import type * as tfCore from '@tensorflow/tfjs-core';
import type * as tfLayers from '@tensorflow/tfjs-layers';
import type { ModelSpec } from '../common/modelSpec';
import type { BackendName, TrainOptions } from '../common/trainerProtocol';
import { sampledBatches } from '../trainer/layerStatistics';
import { loadMnist, MNIST_PIXELS } from '../trainer/mnist';
import { loadTensorFlow, type Tf } from '../trainer/tensorflow';
import { train } from '../trainer/train';

/** The extension's default: 25 statistics samples in an epoch of 1,500 steps (48,000 examples, batch 32). */
export const DEFAULT_SAMPLES_PER_EPOCH = 25;
export const FULL_EPOCH_STEPS = 1500;

export type StepMethod = 'modelFit' | 'statisticsOff' | 'statisticsDefault' | 'statisticsEveryStep';

export const STEP_METHODS: readonly StepMethod[] = ['modelFit', 'statisticsOff', 'statisticsDefault', 'statisticsEveryStep'];

export interface StepTimingPlan {
  /** Steps of each timed run; every run trains a fresh model on the first `steps × batch size` examples. */
  readonly steps: number;
  /** Timed runs of each method and model, interleaved in rounds. */
  readonly rounds: number;
  /** Steps of the untimed warm-up run of each method and model. */
  readonly warmupSteps: number;
  readonly dataDir: string;
  readonly wasmDir: string;
  readonly onProgress: (message: string) => void;
}

export interface BenchModel {
  readonly label: string;
  readonly spec: ModelSpec;
}

export interface StepTimes {
  readonly model: string;
  /** Milliseconds per step of each timed round, in round order, by method. */
  readonly perRound: Readonly<Record<StepMethod, readonly number[]>>;
  /** Statistics samples per timed run, by method (0 for model.fit). */
  readonly samplesPerRun: Readonly<Record<StepMethod, number>>;
}

export interface StepTimingResult {
  readonly backend: BackendName;
  readonly tfjsVersion: string;
  readonly times: readonly StepTimes[];
}

/** Samples per run of `steps` steps that keep the default rate of 25 per 1,500 steps. */
export function defaultSamplesFor(steps: number): number {
  return Math.max(1, Math.round((DEFAULT_SAMPLES_PER_EPOCH * steps) / FULL_EPOCH_STEPS));
}

/**
 * Times every method on every model: one warm-up run each, then `rounds` rounds in which
 * the order of the runs rotates, so that a slow spell of the machine does not fall on one
 * method only.
 */
export async function measureStepTimes(models: readonly BenchModel[], plan: StepTimingPlan): Promise<StepTimingResult> {
  const { tf, backend } = await loadTensorFlow('auto', plan.wasmDir);
  const data = await loadFitData(tf, plan.dataDir, plan.steps * batchSizeOf(models));
  const times = models.map((model) => ({
    model: model.label,
    perRound: emptyPerMethod(() => [] as number[]),
    samplesPerRun: emptyPerMethod(() => 0),
  }));
  const runs = models.flatMap((model, index) => STEP_METHODS.map((method) => ({ model, method, times: times[index] })));

  try {
    plan.onProgress(`Warming up: ${runs.length} runs of ${plan.warmupSteps} steps.`);
    for (const run of runs) {
      await timeRun(tf, run.model, run.method, plan.warmupSteps, data, plan);
    }

    for (let round = 0; round < plan.rounds; round++) {
      plan.onProgress(`Round ${round + 1} of ${plan.rounds}: ${runs.length} runs of ${plan.steps} steps.`);
      const order = runs.map((_, i) => runs[(i + round) % runs.length]);
      for (const run of order) {
        const outcome = await timeRun(tf, run.model, run.method, plan.steps, data, plan);
        run.times.perRound[run.method][round] = outcome.milliseconds / plan.steps;
        run.times.samplesPerRun[run.method] = outcome.samples;
      }
    }
  } finally {
    tf.dispose([data.x, data.y]);
  }
  return { backend, tfjsVersion: tf.version_core, times };
}

function emptyPerMethod<T>(create: () => T): Record<StepMethod, T> {
  return Object.fromEntries(STEP_METHODS.map((method) => [method, create()])) as Record<StepMethod, T>;
}

function batchSizeOf(models: readonly BenchModel[]): number {
  const sizes = new Set(models.map((model) => model.spec.fit.batchSize));
  if (sizes.size !== 1) {
    throw new Error(`The benchmark models must share one batch size, got ${[...sizes].join(', ')}.`);
  }
  return [...sizes][0];
}

interface FitData {
  /** The first training images scaled to [0, 1], shaped [examples, 28, 28]. */
  readonly x: tfCore.Tensor;
  /** Their class numbers as floats, shaped [examples]. */
  readonly y: tfCore.Tensor;
}

/** Loads the examples `model.fit` trains on, the same first examples that `train` takes with `trainLimit`. */
async function loadFitData(tf: Tf, dataDir: string, examples: number): Promise<FitData> {
  const mnist = await loadMnist(dataDir);
  const pixels = Float32Array.from(mnist.train.images.subarray(0, examples * MNIST_PIXELS), (value) => value / 255);
  const labels = Float32Array.from(mnist.train.labels.subarray(0, examples));
  return { x: tf.tensor(pixels, [examples, 28, 28]), y: tf.tensor(labels, [examples]) };
}

interface RunOutcome {
  readonly milliseconds: number;
  readonly samples: number;
}

async function timeRun(
  tf: Tf,
  model: BenchModel,
  method: StepMethod,
  steps: number,
  data: FitData,
  plan: StepTimingPlan,
): Promise<RunOutcome> {
  if (method === 'modelFit') {
    return { milliseconds: await timeModelFit(tf, model, steps, data), samples: 0 };
  }
  const samplesPerEpoch = samplesPerEpochFor(method, steps);
  const outcome = await timeTrainer(model.spec, steps, samplesPerEpoch, plan);

  // A run that sampled more or less than asked would time the wrong thing.
  const expected = sampledBatches(steps, samplesPerEpoch).size;
  if (outcome.samples !== expected) {
    throw new Error(`${model.label} ${method}: expected ${expected} statistics samples in ${steps} steps, got ${outcome.samples}.`);
  }
  return outcome;
}

function samplesPerEpochFor(method: Exclude<StepMethod, 'modelFit'>, steps: number): number {
  switch (method) {
    case 'statisticsOff':
      return 0;
    case 'statisticsDefault':
      return defaultSamplesFor(steps);
    case 'statisticsEveryStep':
      return steps;
  }
}

/** Trains one epoch of `steps` batches with `train` and returns the epoch's wall-clock time. */
async function timeTrainer(spec: ModelSpec, steps: number, samplesPerEpoch: number, plan: StepTimingPlan): Promise<RunOutcome> {
  const epochSpec: ModelSpec = { ...spec, fit: { ...spec.fit, epochs: 1, validationSplit: 0, validationOnTest: false } };
  const options: TrainOptions = {
    backend: 'auto',
    seed: 42,
    samplesPerEpoch,
    maxEpochs: 1,
    dataDir: plan.dataDir,
    wasmDir: plan.wasmDir,
    trainLimit: steps * spec.fit.batchSize,
    testLimit: 1,
  };
  let epochSeconds: number | undefined;
  let samples = 0;
  let failure: string | undefined;

  // The epoch's own `seconds` covers its batches only, not loading MNIST or building the
  // model. The stop request after the epoch skips the test evaluation.
  await train(
    epochSpec,
    options,
    (message) => {
      if (message.type === 'sample') {
        samples += 1;
      } else if (message.type === 'epoch') {
        epochSeconds = message.logs.seconds;
      } else if (message.type === 'failed') {
        failure = message.message;
      }
    },
    () => epochSeconds !== undefined,
  );
  if (epochSeconds === undefined) {
    throw new Error(`The trainer ended without finishing its epoch${failure ? `: ${failure}` : '.'}`);
  }
  return { milliseconds: epochSeconds * 1000, samples };
}

/**
 * Trains a fresh tf.Sequential for one epoch of `steps` batches with `model.fit` and returns
 * the epoch's time from the epoch callbacks, which like the trainer's epoch time leave out
 * building the model and `fit`'s checks of its arguments.
 */
async function timeModelFit(tf: Tf, model: BenchModel, steps: number, data: FitData): Promise<number> {
  const { batchSize } = model.spec.fit;
  const sequential = plainSequential(tf, model);
  const optimizer = tf.train.sgd(model.spec.compile.optimizer.learningRate);
  sequential.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const examples = steps * batchSize;
  const [x, y] = tf.tidy(() => [tf.slice(data.x, 0, examples), tf.slice(data.y, 0, examples)]);
  let epochStarted: number | undefined;
  let epochMilliseconds: number | undefined;

  try {
    await sequential.fit(x, y, {
      batchSize,
      epochs: 1,
      shuffle: true,
      verbose: 0,
      callbacks: {
        onEpochBegin: () => {
          epochStarted = performance.now();
        },
        onEpochEnd: () => {
          epochMilliseconds = performance.now() - (epochStarted ?? NaN);
        },
      },
    });
  } finally {
    tf.dispose([x, y]);
    sequential.dispose();
    optimizer.dispose();
  }
  if (epochMilliseconds === undefined || !Number.isFinite(epochMilliseconds)) {
    throw new Error(`${model.label} model.fit: the epoch callbacks did not run.`);
  }
  return epochMilliseconds;
}

/** Builds the model as a plain tfjs Sequential: Flatten, the spec's Dense layers, glorot_uniform kernels. */
function plainSequential(tf: Tf, model: BenchModel): tfLayers.Sequential {
  const sequential = tf.sequential();
  sequential.add(tf.layers.flatten({ inputShape: [...model.spec.inputShape] }));
  for (const layer of model.spec.layers) {
    if (layer.className === 'Dense') {
      sequential.add(
        tf.layers.dense({
          units: layer.config.units as number,
          activation: layer.config.activation as 'sigmoid' | 'relu' | 'softmax',
          kernelInitializer: 'glorotUniform',
          biasInitializer: 'zeros',
        }),
      );
    }
  }
  return sequential;
}
