/**
 * A synthetic but realistic run of the classroom model for panel tests: six sigmoid Dense
 * layers, then ReLU and softmax. Gradients shrink by about 4× per layer toward the input, and
 * a few cells of the first layer are NaN. The noise is seeded, so every call returns the same run.
 */
import type { RunSnapshot } from '../../src/common/runState';
import type { EpochLogs, LayerStatistics, StatisticsSample, TrackedLayer } from '../../src/common/statistics';
import { HISTOGRAM_BINS } from '../../src/common/statistics';

export interface SyntheticRunOptions {
  /** Epochs the run plans. Default 2. */
  readonly epochs?: number;
  /** Epochs that have samples and logs; the rest are still to come. Default: all. */
  readonly completedEpochs?: number;
  /** Default 25, as the trainer samples by default. */
  readonly samplesPerEpoch?: number;
  /** Default 1,500: 48,000 training examples in batches of 32. */
  readonly stepsPerEpoch?: number;
}

/** Spec index of the first Dense layer: the spec starts with InputLayer and Flatten. */
export const FIRST_DENSE_SPEC_INDEX = 2;

export const LAYERS: readonly TrackedLayer[] = [
  ['sigmoid', 64],
  ['sigmoid', 128],
  ['sigmoid', 256],
  ['sigmoid', 256],
  ['sigmoid', 168],
  ['sigmoid', 64],
  ['relu', 32],
  ['softmax', 10],
].map(([activation, units], index) => ({
  specIndex: FIRST_DENSE_SPEC_INDEX + index,
  name: `dense_${index + 1}`,
  className: 'Dense',
  activation: activation as string,
  units: units as number,
  hasWeights: true,
  line: 14 + index,
}));

/** Row and sample index of the cell whose weight-gradient norm is exactly `EXACT_VALUE`. */
export const EXACT_CELL = { row: 1, sample: 7 } as const;
export const EXACT_VALUE = 3.215e-5;

/** Sample indexes at which the first layer's weight gradient is NaN. */
export const NAN_SAMPLES: readonly number[] = [30, 31, 32];

/** Mulberry32: a small seeded generator, enough for plausible noise. */
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

function activationMean(layer: TrackedLayer, row: number, random: () => number): number {
  switch (layer.activation) {
    case 'sigmoid':
      return 0.5 + 0.08 * (random() - 0.5) + 0.02 * row;
    case 'relu':
      return 0.4 * (0.8 + 0.4 * random());
    default:
      return 1 / (layer.units ?? 1);
  }
}

function layerStatistics(layer: TrackedLayer, row: number, progress: number, random: () => number): LayerStatistics {
  const depthFromOutput = LAYERS.length - 1 - row;
  const noise = (): number => 0.8 + 0.4 * random();
  const weightGradNorm = 0.6 * 0.25 ** depthFromOutput * (1 - 0.3 * progress) * noise();
  const sigmoid = layer.activation === 'sigmoid';
  return {
    weightGradNorm,
    weightGradMeanAbs: weightGradNorm / 100,
    biasGradNorm: weightGradNorm / 10,
    gradNonFinite: 0,
    outputGradNorm: 0.9 * 0.3 ** depthFromOutput * noise(),
    activationMean: activationMean(layer, row, random),
    activationStd: sigmoid ? 0.2 / (row + 1) * noise() : 0.25 * noise(),
    histogram: Array.from({ length: HISTOGRAM_BINS }, () => Math.floor(100 * random())),
    histogramMin: 0,
    histogramMax: 1,
    saturatedFraction: sigmoid ? Math.min(1, 0.05 * row * noise() + 0.1 * progress) : null,
    deadFraction: layer.activation === 'relu' ? 0.15 * noise() : null,
    updateRatio: (0.01 * weightGradNorm) / 4,
  };
}

export function syntheticRun(options: SyntheticRunOptions = {}): RunSnapshot {
  const epochs = options.epochs ?? 2;
  const completedEpochs = options.completedEpochs ?? epochs;
  const samplesPerEpoch = options.samplesPerEpoch ?? 25;
  const stepsPerEpoch = options.stepsPerEpoch ?? 1500;
  const random = seededRandom(42);

  const samples: StatisticsSample[] = [];
  for (let epoch = 0; epoch < completedEpochs; epoch++) {
    for (let index = 0; index < samplesPerEpoch; index++) {
      const batch = Math.floor((index * stepsPerEpoch) / samplesPerEpoch);
      const progress = (epoch * samplesPerEpoch + index) / (epochs * samplesPerEpoch);
      samples.push({
        step: epoch * stepsPerEpoch + batch,
        epoch,
        batch,
        loss: 2.305 - 0.01 * progress + 0.01 * (random() - 0.5),
        accuracy: 0.1 + 0.03 * random(),
        layers: LAYERS.map((layer, row) => layerStatistics(layer, row, progress, random)),
      });
    }
  }

  const exact = samples[EXACT_CELL.sample];
  if (exact) {
    const layers = [...exact.layers];
    layers[EXACT_CELL.row] = { ...layers[EXACT_CELL.row], weightGradNorm: EXACT_VALUE };
    samples[EXACT_CELL.sample] = { ...exact, layers };
  }
  for (const index of NAN_SAMPLES) {
    const sample = samples[index];
    if (sample) {
      const layers = [...sample.layers];
      layers[0] = { ...layers[0], weightGradNorm: NaN, updateRatio: NaN, gradNonFinite: 64 };
      samples[index] = { ...sample, layers };
    }
  }

  const epochLogs: EpochLogs[] = Array.from({ length: completedEpochs }, (_, epoch) => ({
    epoch,
    loss: 2.3015 - 0.002 * epoch,
    accuracy: 0.1124 + 0.001 * epoch,
    valLoss: 2.3011 - 0.001 * epoch,
    valAccuracy: 0.1135,
    seconds: 41.5,
  }));

  const last = samples.at(-1);
  return {
    fileName: 'deep_sigmoid.py',
    backend: 'wasm',
    datasetName: 'mnist',
    datasetOrigin: 'inferred',
    trainExamples: 48000,
    validationExamples: 12000,
    testExamples: 10000,
    seed: 42,
    layers: LAYERS,
    epochs,
    stepsPerEpoch,
    samples,
    epochLogs,
    progress: last ? { epoch: last.epoch, batch: stepsPerEpoch - 1 } : undefined,
    evaluation: completedEpochs === epochs ? { loss: 2.3012, accuracy: 0.1135, examples: 10000 } : undefined,
  };
}
