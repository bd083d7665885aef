/**
 * The shape of one example and the number of classes a `DatasetSpec` gives the model, known
 * before any file is read. The parser checks the model against these, and the trainer checks
 * the loaded data against them. CSV files are known only once read, so both are undefined.
 */
import { IMAGE_DATASETS, isImageDataset } from './datasets';
import type { DatasetSpec } from './modelSpec';

/** scikit-learn 1.5 defaults of the generators' keyword arguments. */
export const GENERATOR_DEFAULTS = {
  n_samples: 100,
  n_features: 2,
  blobCenters: 3,
  cluster_std: 1.0,
  factor: 0.8,
  /** `train_test_split`'s `test_size` when neither it nor `train_size` is given. */
  test_size: 0.25,
} as const;

/** Returns the shape of one example as the dataset's loader returns it, before the file's reshapes. */
export function loadedExampleShape(spec: DatasetSpec): readonly number[] | undefined {
  if (isImageDataset(spec.name)) {
    return IMAGE_DATASETS[spec.name].exampleShape;
  }
  if (spec.name === 'make_moons' || spec.name === 'make_circles') {
    return [2];
  }
  if (spec.name === 'make_blobs') {
    const centers = spec.generator?.centers;
    if (Array.isArray(centers) && Array.isArray(centers[0])) {
      return [centers[0].length];
    }
    const features = spec.generator?.n_features;
    return [typeof features === 'number' ? features : GENERATOR_DEFAULTS.n_features];
  }
  return undefined;
}

/** Returns the shape of one example as `fit` receives it: after the file's reshapes, if any. */
export function fittedExampleShape(spec: DatasetSpec): readonly number[] | undefined {
  return spec.exampleShape ?? loadedExampleShape(spec);
}

/** Returns the number of classes, with labels 0 to classes − 1, or undefined for CSV files. */
export function datasetClassCount(spec: DatasetSpec): number | undefined {
  if (isImageDataset(spec.name)) {
    return IMAGE_DATASETS[spec.name].classes;
  }
  if (spec.name === 'make_moons' || spec.name === 'make_circles') {
    return 2;
  }
  if (spec.name === 'make_blobs') {
    const centers = spec.generator?.centers;
    if (Array.isArray(centers)) {
      return centers.length;
    }
    const samples = spec.generator?.n_samples;
    if (Array.isArray(samples)) {
      return samples.length;
    }
    return typeof centers === 'number' ? centers : GENERATOR_DEFAULTS.blobCenters;
  }
  return undefined;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}
