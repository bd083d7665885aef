/**
 * scikit-learn's toy dataset generators `make_moons`, `make_circles` and `make_blobs`, and
 * `train_test_split`, following the algorithms of scikit-learn 1.5 step by step.
 *
 * NOTE: the random numbers come from the trainer's seeded generator, not NumPy's Mersenne
 * Twister, so `random_state=0` gives a different (but equally distributed and repeatable)
 * dataset than in Python. The shapes, class counts, class order and split sizes are the same.
 */
import * as l10n from '@vscode/l10n';
import { GENERATOR_DEFAULTS } from '../../common/datasetShapes';
import type { DatasetSpec } from '../../common/modelSpec';
import { TrainerError } from '../errors';
import { createRandom, deriveSeed, shuffleInPlace, type Random } from '../random';
import type { DataSplit, LoadedDataset } from './types';

/**
 * Random streams of the run seed for data that the file leaves unseeded, numbered apart from
 * the trainer's own streams (initializers, shuffling, dropout).
 */
export const DATASET_RANDOM_STREAM = 101;
export const SPLIT_RANDOM_STREAM = 102;

export interface GeneratedData {
  /** `count × features` values, row-major. */
  readonly features: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly featureCount: number;
  readonly classes: number;
}

/** Returns the generator's data for the keyword arguments the file passes; see `GENERATOR_DEFAULTS`. */
export function generateDataset(name: 'make_moons' | 'make_circles' | 'make_blobs', options: Readonly<Record<string, unknown>>, runSeed: number): GeneratedData {
  const random = createRandom(seedOf(options.random_state, runSeed, DATASET_RANDOM_STREAM));
  const shuffle = options.shuffle !== false;
  const noise = typeof options.noise === 'number' ? options.noise : undefined;
  switch (name) {
    case 'make_moons':
      return makeMoons(options.n_samples ?? GENERATOR_DEFAULTS.n_samples, shuffle, noise, random);
    case 'make_circles': {
      const factor = typeof options.factor === 'number' ? options.factor : GENERATOR_DEFAULTS.factor;
      return makeCircles(options.n_samples ?? GENERATOR_DEFAULTS.n_samples, shuffle, noise, factor, random);
    }
    case 'make_blobs':
      return makeBlobs(options, shuffle, random);
  }
}

function makeMoons(samples: unknown, shuffle: boolean, noise: number | undefined, random: Random): GeneratedData {
  const [outer, inner] = twoGroups(samples, 'make_moons');
  const x: number[] = [];
  const y: number[] = [];
  linspace(0, Math.PI, outer, true).forEach((angle) => {
    x.push(Math.cos(angle), Math.sin(angle));
    y.push(0);
  });
  linspace(0, Math.PI, inner, true).forEach((angle) => {
    x.push(1 - Math.cos(angle), 1 - Math.sin(angle) - 0.5);
    y.push(1);
  });
  return finishTwoClasses(x, y, shuffle, noise, random);
}

function makeCircles(samples: unknown, shuffle: boolean, noise: number | undefined, factor: number, random: Random): GeneratedData {
  if (!(factor >= 0 && factor < 1)) {
    throw new TrainerError(l10n.t('make_circles needs factor from 0 up to but not including 1, got {0}.', factor));
  }
  const [outer, inner] = twoGroups(samples, 'make_circles');
  const x: number[] = [];
  const y: number[] = [];
  linspace(0, 2 * Math.PI, outer, false).forEach((angle) => {
    x.push(Math.cos(angle), Math.sin(angle));
    y.push(0);
  });
  linspace(0, 2 * Math.PI, inner, false).forEach((angle) => {
    x.push(Math.cos(angle) * factor, Math.sin(angle) * factor);
    y.push(1);
  });
  return finishTwoClasses(x, y, shuffle, noise, random);
}

/** Shuffles the examples, then adds Gaussian noise, in scikit-learn's order. */
function finishTwoClasses(x: number[], y: number[], shuffle: boolean, noise: number | undefined, random: Random): GeneratedData {
  const count = y.length;
  const data: GeneratedData = { features: Float32Array.from(x), labels: Uint8Array.from(y), count, featureCount: 2, classes: 2 };
  const shuffled = shuffle ? shuffleExamples(data, random) : data;
  if (noise !== undefined) {
    for (let i = 0; i < shuffled.features.length; i++) {
      shuffled.features[i] += noise * random.nextNormal();
    }
  }
  return shuffled;
}

function makeBlobs(options: Readonly<Record<string, unknown>>, shuffle: boolean, random: Random): GeneratedData {
  const samples = options.n_samples ?? GENERATOR_DEFAULTS.n_samples;
  let featureCount = typeof options.n_features === 'number' ? options.n_features : GENERATOR_DEFAULTS.n_features;
  const [boxLow, boxHigh] = Array.isArray(options.center_box) ? (options.center_box as number[]) : [-10, 10];
  let perCenter: number[];
  let centers: number[][];

  const givenCenters = options.centers;
  if (Array.isArray(givenCenters)) {
    centers = givenCenters.map((center) => (Array.isArray(center) ? center.map(Number) : [Number(center)]));
    featureCount = centers[0]?.length ?? featureCount;
  } else {
    let centerCount: number = GENERATOR_DEFAULTS.blobCenters;
    if (Array.isArray(samples)) {
      centerCount = samples.length;
    } else if (typeof givenCenters === 'number') {
      centerCount = givenCenters;
    }
    centers = Array.from({ length: centerCount }, () =>
      Array.from({ length: featureCount }, () => boxLow + (boxHigh - boxLow) * random.nextFloat()),
    );
  }
  if (Array.isArray(samples)) {
    perCenter = samples.map(Number);
    if (perCenter.length !== centers.length) {
      throw new TrainerError(l10n.t('make_blobs has {0} sample counts in n_samples but {1} centers; give one count per center.', perCenter.length, centers.length));
    }
  } else {
    const total = Number(samples);
    perCenter = centers.map((_, index) => Math.floor(total / centers.length) + (index < total % centers.length ? 1 : 0));
  }

  const stds = Array.isArray(options.cluster_std)
    ? (options.cluster_std as number[])
    : centers.map(() => (typeof options.cluster_std === 'number' ? options.cluster_std : GENERATOR_DEFAULTS.cluster_std));
  if (stds.length !== centers.length) {
    throw new TrainerError(l10n.t('make_blobs has {0} values in cluster_std but {1} centers; give one value per center.', stds.length, centers.length));
  }

  const count = perCenter.reduce((sum, value) => sum + value, 0);
  const features = new Float32Array(count * featureCount);
  const labels = new Uint8Array(count);
  let row = 0;
  perCenter.forEach((examples, center) => {
    for (let i = 0; i < examples; i++, row++) {
      for (let feature = 0; feature < featureCount; feature++) {
        features[row * featureCount + feature] = centers[center][feature] + stds[center] * random.nextNormal();
      }
      labels[row] = center;
    }
  });
  const data: GeneratedData = { features, labels, count, featureCount, classes: centers.length };
  return shuffle ? shuffleExamples(data, random) : data;
}

/** Splits `n_samples` into the outer and inner group: an int halves (inner gets the odd one), a pair gives both. */
function twoGroups(samples: unknown, generator: string): [number, number] {
  if (Array.isArray(samples) && samples.length === 2) {
    return [Number(samples[0]), Number(samples[1])];
  }
  if (typeof samples === 'number' && Number.isInteger(samples) && samples >= 0) {
    const outer = Math.floor(samples / 2);
    return [outer, samples - outer];
  }
  throw new TrainerError(l10n.t('{0} needs n_samples as a whole number or a pair of whole numbers, got {1}.', generator, JSON.stringify(samples)));
}

/** NumPy's `linspace(start, stop, count, endpoint)`. */
function linspace(start: number, stop: number, count: number, endpoint: boolean): number[] {
  if (count <= 0) {
    return [];
  }
  if (count === 1) {
    return [start];
  }
  const step = (stop - start) / (endpoint ? count - 1 : count);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

function shuffleExamples(data: GeneratedData, random: Random): GeneratedData {
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  shuffleInPlace(order, random);
  return { ...data, ...gather(data, order, data.featureCount) };
}

function gather(data: { readonly features: Float32Array; readonly labels: Uint8Array }, order: Int32Array, featureCount: number): { features: Float32Array; labels: Uint8Array; count: number } {
  const features = new Float32Array(order.length * featureCount);
  const labels = new Uint8Array(order.length);
  order.forEach((source, target) => {
    features.set(data.features.subarray(source * featureCount, (source + 1) * featureCount), target * featureCount);
    labels[target] = data.labels[source];
  });
  return { features, labels, count: order.length };
}

export interface SplitIndices {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/**
 * Splits `count` examples as `train_test_split` does. With shuffling, the first
 * `ceil(count × testSize)` entries of a random permutation are the test set and the rest the
 * training set (scikit-learn's `ShuffleSplit`). Without, the first examples train and the last test.
 * @throws TrainerError when either part would be empty, as scikit-learn raises then too.
 */
export function trainTestSplit(count: number, testSize: number, shuffle: boolean, random: Random): SplitIndices {
  const testCount = testSize >= 1 ? Math.floor(testSize) : Math.ceil(testSize * count);
  const trainCount = count - testCount;
  if (testCount <= 0 || trainCount <= 0) {
    throw new TrainerError(
      l10n.t('train_test_split with test_size={0} leaves no training or no test examples out of {1}. Use a test_size between 0 and 1.', testSize, count),
    );
  }
  if (!shuffle) {
    return {
      train: Int32Array.from({ length: trainCount }, (_, i) => i),
      test: Int32Array.from({ length: testCount }, (_, i) => trainCount + i),
    };
  }
  const permutation = Int32Array.from({ length: count }, (_, i) => i);
  shuffleInPlace(permutation, random);
  return { test: permutation.slice(0, testCount), train: permutation.slice(testCount) };
}

/** Returns the split of `split` picked by `indices`, as the arrays `X[indices]` and `y[indices]`. */
export function pickExamples(split: DataSplit, indices: Int32Array): DataSplit {
  const size = split.count > 0 ? split.features.length / split.count : 0;
  const features = split.features instanceof Uint8Array ? new Uint8Array(indices.length * size) : new Float32Array(indices.length * size);
  const labels = split.labels instanceof Uint8Array ? new Uint8Array(indices.length) : new Float32Array(indices.length);
  indices.forEach((source, target) => {
    features.set(split.features.subarray(source * size, (source + 1) * size), target * size);
    labels[target] = split.labels[source];
  });
  return { features, labels, count: indices.length };
}

/**
 * Splits `data` into training and test sets when the file calls `train_test_split`; otherwise
 * both are the whole dataset, which `fit` and `evaluate` then see alike.
 */
export function splitForTraining(
  data: DataSplit,
  testSize: number | undefined,
  shuffle: boolean,
  randomState: unknown,
  runSeed: number,
): { train: DataSplit; test: DataSplit } {
  if (testSize === undefined || testSize === 0) {
    return { train: data, test: data };
  }
  const random = createRandom(seedOf(randomState, runSeed, SPLIT_RANDOM_STREAM));
  const indices = trainTestSplit(data.count, testSize, shuffle, random);
  return { train: pickExamples(data, indices.train), test: pickExamples(data, indices.test) };
}

/** Loads a generator dataset as `spec.generator` describes it. */
export function loadGeneratedDataset(spec: DatasetSpec & { name: 'make_moons' | 'make_circles' | 'make_blobs' }, runSeed: number): LoadedDataset {
  const options = spec.generator ?? {};
  const generated = generateDataset(spec.name, options, runSeed);
  const testSize = typeof options.test_size === 'number' ? options.test_size : undefined;
  const { train, test } = splitForTraining(generated, testSize, options.split_shuffle !== false, options.split_random_state, runSeed);
  return {
    name: spec.name,
    displayName: spec.name,
    exampleShape: [generated.featureCount],
    classes: generated.classes,
    train,
    test,
  };
}

/** `random_state=None` draws from the run seed; an int seeds the data the same in every run. */
function seedOf(randomState: unknown, runSeed: number, stream: number): number {
  return typeof randomState === 'number' && Number.isInteger(randomState) ? randomState >>> 0 : deriveSeed(runSeed, stream);
}
