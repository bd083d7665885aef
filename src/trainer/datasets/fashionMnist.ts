/**
 * Fashion-MNIST as `keras.datasets.fashion_mnist.load_data()` returns it: 60,000 training
 * and 10,000 test images of 28×28 grey pixels in 10 clothing classes, read from the four IDX
 * files the host downloaded into the cache.
 */
import * as l10n from '@vscode/l10n';
import * as path from 'node:path';
import { REMOTE_DATASET_FILES, type RemoteDatasetFile } from '../../common/datasetFiles';
import { datasetFolder } from './cacheFolder';
import { IMAGE_DATASETS } from '../../common/datasets';
import { readIdxFile, type IdxFile } from './idx';
import type { LoadedDataset } from './types';

/** One IDX file of the dataset, with where it comes from and the SHA-256 of the `.gz` file. */
export type FashionMnistFile = IdxFile & Pick<RemoteDatasetFile, 'url' | 'sha256'>;

export interface FashionMnistFiles {
  readonly trainImages: FashionMnistFile;
  readonly trainLabels: FashionMnistFile;
  readonly testImages: FashionMnistFile;
  readonly testLabels: FashionMnistFile;
}

const FACTS = IMAGE_DATASETS.fashion_mnist;

function remote(name: string): Pick<RemoteDatasetFile, 'url' | 'sha256'> {
  const file = REMOTE_DATASET_FILES.fashion_mnist.find((entry) => entry.name === name) as RemoteDatasetFile;
  return { url: file.url, sha256: file.sha256 };
}

/** The files Keras downloads, with the checksums Keras 3 checks them against. */
export const FASHION_MNIST_FILES: FashionMnistFiles = {
  trainImages: { name: 'train-images-idx3-ubyte.gz', kind: 'images', count: FACTS.trainExamples, rows: 28, columns: 28, ...remote('train-images-idx3-ubyte.gz') },
  trainLabels: { name: 'train-labels-idx1-ubyte.gz', kind: 'labels', count: FACTS.trainExamples, ...remote('train-labels-idx1-ubyte.gz') },
  testImages: { name: 't10k-images-idx3-ubyte.gz', kind: 'images', count: FACTS.testExamples, rows: 28, columns: 28, ...remote('t10k-images-idx3-ubyte.gz') },
  testLabels: { name: 't10k-labels-idx1-ubyte.gz', kind: 'labels', count: FACTS.testExamples, ...remote('t10k-labels-idx1-ubyte.gz') },
};

/**
 * Reads and checks the four files in `cacheDir/fashion_mnist`. Tests pass `files` to read
 * small fixtures in the same format.
 * @throws TrainerError naming the file when one is missing, damaged, or not the expected file.
 */
export async function loadFashionMnist(cacheDir: string, files: FashionMnistFiles = FASHION_MNIST_FILES): Promise<LoadedDataset> {
  const folder = datasetFolder(cacheDir, 'fashion_mnist');
  const read = (file: FashionMnistFile): Promise<Uint8Array> => {
    const filePath = path.join(folder, file.name);
    return readIdxFile(filePath, file, {
      datasetLabel: 'Fashion-MNIST',
      restoreHint: l10n.t('Delete {0} and train again to download it anew, or put a good copy there from {1}.', filePath, file.url),
      compressedSha256: file.sha256,
    });
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    read(files.trainImages),
    read(files.trainLabels),
    read(files.testImages),
    read(files.testLabels),
  ]);
  return {
    name: 'fashion_mnist',
    displayName: 'Fashion-MNIST',
    exampleShape: FACTS.exampleShape,
    classes: FACTS.classes,
    train: { features: trainImages, labels: trainLabels, count: files.trainImages.count },
    test: { features: testImages, labels: testLabels, count: files.testImages.count },
  };
}
