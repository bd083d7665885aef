/**
 * Reads the MNIST files shipped in `data/`: gzip-compressed IDX files, checked against their
 * IDX headers and the SHA-256 of the decompressed bytes before any training starts.
 */
import * as l10n from '@vscode/l10n';
import * as path from 'node:path';
import type { DataSplit } from './datasets/types';
import { checkIdxHeader as checkIdxFileHeader, readIdxFile, type IdxFile, type IdxReadOptions } from './datasets/idx';

export const MNIST_ROWS = 28;
export const MNIST_COLUMNS = 28;
export const MNIST_PIXELS = MNIST_ROWS * MNIST_COLUMNS;
export const MNIST_CLASSES = 10;

export interface MnistFile extends IdxFile {
  /** SHA-256 of the decompressed IDX file. */
  readonly sha256: string;
}

export const MNIST_FILES = {
  trainImages: {
    name: 'train-images-idx3-ubyte.gz',
    kind: 'images',
    count: 60000,
    rows: MNIST_ROWS,
    columns: MNIST_COLUMNS,
    sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  },
  trainLabels: {
    name: 'train-labels-idx1-ubyte.gz',
    kind: 'labels',
    count: 60000,
    sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  },
  testImages: {
    name: 't10k-images-idx3-ubyte.gz',
    kind: 'images',
    count: 10000,
    rows: MNIST_ROWS,
    columns: MNIST_COLUMNS,
    sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  },
  testLabels: {
    name: 't10k-labels-idx1-ubyte.gz',
    kind: 'labels',
    count: 10000,
    sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
} as const satisfies Record<string, MnistFile>;

export interface MnistSplit extends DataSplit {
  /** `count × 784` pixels, row-major, 0–255; the same array as `features`. */
  readonly images: Uint8Array;
  /** `count` digits 0–9. */
  readonly labels: Uint8Array;
}

export interface Mnist {
  readonly train: MnistSplit;
  readonly test: MnistSplit;
}

/**
 * Reads and checks the four MNIST files in `dataDir`.
 * @throws TrainerError naming the file when one is missing, not gzip, or not the expected MNIST file.
 */
export async function loadMnist(dataDir: string): Promise<Mnist> {
  const read = (file: MnistFile): Promise<Uint8Array> =>
    readIdxFile(path.join(dataDir, file.name), file, {
      datasetLabel: 'MNIST',
      restoreHint: l10n.t('Reinstall the extension to restore the MNIST files.'),
      decompressedSha256: file.sha256,
    } satisfies IdxReadOptions);
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    read(MNIST_FILES.trainImages),
    read(MNIST_FILES.trainLabels),
    read(MNIST_FILES.testImages),
    read(MNIST_FILES.testLabels),
  ]);
  return {
    train: { images: trainImages, features: trainImages, labels: trainLabels, count: MNIST_FILES.trainImages.count },
    test: { images: testImages, features: testImages, labels: testLabels, count: MNIST_FILES.testImages.count },
  };
}

/**
 * Returns a localized sentence saying what is wrong with the IDX header and length of
 * `bytes`, or undefined when they fit `file`. `filePath` is only used in the message.
 */
export function checkIdxHeader(bytes: Uint8Array, file: IdxFile, filePath: string): string | undefined {
  return checkIdxFileHeader(bytes, file, filePath, 'MNIST');
}
