/** The in-memory form every dataset loader returns. */
import type { DatasetName } from '../../common/modelSpec';

/** One split of a dataset: examples stored row by row. */
export interface DataSplit {
  /**
   * `count × exampleSize` values, row-major in the layout Keras gives the arrays: 0–255 pixels
   * for the image datasets, real-valued features for the table datasets.
   */
  readonly features: Uint8Array | Float32Array;
  /** One label per example: a class index, or a target value for a CSV regression. */
  readonly labels: Uint8Array | Float32Array;
  readonly count: number;
}

export interface LoadedDataset {
  readonly name: DatasetName;
  /** Name for messages: `MNIST`, `make_moons`, or the CSV file's name. */
  readonly displayName: string;
  /** Shape of one example as Keras would return it, without the batch axis. */
  readonly exampleShape: readonly number[];
  /**
   * Number of classes (labels 0 to classes − 1). 0 for a CSV file whose labels are not all
   * whole numbers of at least 0, which can only train with a regression loss.
   */
  readonly classes: number;
  readonly train: DataSplit;
  /** The test split; the same object as `train` when the file never splits its data. */
  readonly test: DataSplit;
}
