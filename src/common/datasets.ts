/**
 * Example shapes, class counts and sizes of the datasets. The parser checks the model
 * against them, and the trainer loads the data they describe.
 */
import type { DatasetName } from './modelSpec';

export interface DatasetFacts {
  /** Shape of one example as the loader returns it, without the batch axis. */
  readonly exampleShape: readonly number[];
  /** Number of classes; the label is a class index in [0, classes). */
  readonly classes: number;
  /** `image` datasets hold 0–255 pixels; `table` datasets hold real-valued features. */
  readonly kind: 'image' | 'table';
  readonly trainExamples: number;
  readonly testExamples: number;
}

/** The Keras image datasets, as `load_data()` returns them. */
export const IMAGE_DATASETS: Readonly<Record<'mnist' | 'fashion_mnist' | 'cifar10', DatasetFacts>> = {
  mnist: { exampleShape: [28, 28], classes: 10, kind: 'image', trainExamples: 60000, testExamples: 10000 },
  fashion_mnist: { exampleShape: [28, 28], classes: 10, kind: 'image', trainExamples: 60000, testExamples: 10000 },
  cifar10: { exampleShape: [32, 32, 3], classes: 10, kind: 'image', trainExamples: 50000, testExamples: 10000 },
};

export function isImageDataset(name: DatasetName): name is keyof typeof IMAGE_DATASETS {
  return name in IMAGE_DATASETS;
}

/** Names of the datasets as their authors write them, for the panel, reports and CLI output. */
const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  mnist: 'MNIST',
  fashion_mnist: 'Fashion-MNIST',
  cifar10: 'CIFAR-10',
  csv: 'CSV',
};

/** Returns the display name of a dataset; the sklearn generators keep their function names. */
export function datasetDisplayName(name: string): string {
  return DISPLAY_NAMES[name.toLowerCase()] ?? name;
}
