/**
 * Loads the dataset a `ModelSpec` names: MNIST from the extension's `data/` folder,
 * Fashion-MNIST and CIFAR-10 from the download cache the host filled, the scikit-learn
 * generators in memory, and CSV files from the path the host resolved.
 */
import * as l10n from '@vscode/l10n';
import type { DatasetSpec } from '../../common/modelSpec';
import type { TrainOptions } from '../../common/trainerProtocol';
import { TrainerError } from '../errors';
import { loadMnist } from '../mnist';
import { loadCifar10 } from './cifar10';
import { loadCsvDataset } from './csv';
import { loadFashionMnist } from './fashionMnist';
import { loadGeneratedDataset } from './sklearn';
import type { LoadedDataset } from './types';

export type { DataSplit, LoadedDataset } from './types';

/**
 * Loads `dataset`; `runSeed` seeds generators and splits that the file leaves unseeded.
 * @throws TrainerError naming the file or argument at fault.
 */
export async function loadDataset(
  dataset: DatasetSpec,
  options: Pick<TrainOptions, 'dataDir' | 'datasetCacheDir' | 'csvPath'>,
  runSeed: number,
): Promise<LoadedDataset> {
  switch (dataset.name) {
    case 'mnist': {
      const mnist = await loadMnist(options.dataDir);
      return { name: 'mnist', displayName: 'MNIST', exampleShape: [28, 28], classes: 10, train: mnist.train, test: mnist.test };
    }
    case 'fashion_mnist':
      return loadFashionMnist(requireCacheDir(options.datasetCacheDir, 'Fashion-MNIST'));
    case 'cifar10':
      return loadCifar10(requireCacheDir(options.datasetCacheDir, 'CIFAR-10'));
    case 'make_moons':
    case 'make_circles':
    case 'make_blobs':
      return loadGeneratedDataset({ ...dataset, name: dataset.name }, runSeed);
    case 'csv': {
      if (!dataset.csv || !options.csvPath) {
        throw new TrainerError(l10n.t('The model file reads a CSV file, but the trainer was given no path to it. Train the file again.'));
      }
      return loadCsvDataset(options.csvPath, dataset.csv, runSeed);
    }
  }
}

function requireCacheDir(cacheDir: string | undefined, displayName: string): string {
  if (!cacheDir) {
    throw new TrainerError(l10n.t('{0} is downloaded on first use, but the trainer was given no folder for downloads. Train the file again.', displayName));
  }
  return cacheDir;
}
