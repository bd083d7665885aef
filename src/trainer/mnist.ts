/**
 * Reads the MNIST files shipped in `data/`: gzip-compressed IDX files, checked against their
 * IDX headers and the SHA-256 of the decompressed bytes before any training starts.
 */
import * as l10n from '@vscode/l10n';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { TrainerError, errorMessage } from './errors';

export const MNIST_ROWS = 28;
export const MNIST_COLUMNS = 28;
export const MNIST_PIXELS = MNIST_ROWS * MNIST_COLUMNS;
export const MNIST_CLASSES = 10;

/** IDX magic numbers: 0x08 (unsigned byte) data with 3 dimensions (images) or 1 (labels). */
const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

export interface MnistFile {
  readonly name: string;
  readonly kind: 'images' | 'labels';
  readonly count: number;
  /** SHA-256 of the decompressed IDX file. */
  readonly sha256: string;
}

export const MNIST_FILES = {
  trainImages: {
    name: 'train-images-idx3-ubyte.gz',
    kind: 'images',
    count: 60000,
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
    sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  },
  testLabels: {
    name: 't10k-labels-idx1-ubyte.gz',
    kind: 'labels',
    count: 10000,
    sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
} as const satisfies Record<string, MnistFile>;

export interface MnistSplit {
  /** `count × 784` pixels, row-major, 0–255. */
  readonly images: Uint8Array;
  /** `count` digits 0–9. */
  readonly labels: Uint8Array;
  readonly count: number;
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
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readIdxFile(dataDir, MNIST_FILES.trainImages),
    readIdxFile(dataDir, MNIST_FILES.trainLabels),
    readIdxFile(dataDir, MNIST_FILES.testImages),
    readIdxFile(dataDir, MNIST_FILES.testLabels),
  ]);
  return {
    train: { images: trainImages, labels: trainLabels, count: MNIST_FILES.trainImages.count },
    test: { images: testImages, labels: testLabels, count: MNIST_FILES.testImages.count },
  };
}

/** Returns the data of one IDX file without its header. */
async function readIdxFile(dataDir: string, file: MnistFile): Promise<Uint8Array> {
  const filePath = path.join(dataDir, file.name);
  const reinstall = l10n.t('Reinstall the extension to restore the MNIST files.');

  let compressed: Buffer;
  try {
    compressed = await readFile(filePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? l10n.t('The MNIST file {0} was not found.', filePath)
        : l10n.t('The MNIST file {0} could not be read: {1}', filePath, errorMessage(error));
    throw new TrainerError(`${message} ${reinstall}`, undefined, { cause: error });
  }

  let bytes: Buffer;
  try {
    bytes = await promisify(gunzip)(compressed);
  } catch (error) {
    throw new TrainerError(
      `${l10n.t('The MNIST file {0} is not a valid gzip file: {1}', filePath, errorMessage(error))} ${reinstall}`,
      undefined,
      { cause: error },
    );
  }

  const headerProblem = checkIdxHeader(bytes, file, filePath);
  if (headerProblem) {
    throw new TrainerError(`${headerProblem} ${reinstall}`);
  }

  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== file.sha256) {
    throw new TrainerError(
      `${l10n.t(
        'The MNIST file {0} is damaged: its SHA-256 is {1}, expected {2}.',
        filePath,
        digest,
        file.sha256,
      )} ${reinstall}`,
    );
  }

  const headerLength = file.kind === 'images' ? 16 : 8;
  return new Uint8Array(bytes.buffer, bytes.byteOffset + headerLength, bytes.length - headerLength);
}

/**
 * Returns a localized sentence saying what is wrong with the IDX header and length of
 * `bytes`, or undefined when they fit `file`. `filePath` is only used in the message.
 */
export function checkIdxHeader(bytes: Uint8Array, file: MnistFile, filePath: string): string | undefined {
  const headerLength = file.kind === 'images' ? 16 : 8;
  if (bytes.length < headerLength) {
    return l10n.t(
      'The MNIST file {0} is too short: {1} bytes, fewer than its {2}-byte IDX header.',
      filePath,
      bytes.length,
      headerLength,
    );
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const expectedMagic = file.kind === 'images' ? IMAGES_MAGIC : LABELS_MAGIC;
  if (magic !== expectedMagic) {
    return l10n.t(
      'The MNIST file {0} has the IDX magic number 0x{1}, expected 0x{2}.',
      filePath,
      hex(magic),
      hex(expectedMagic),
    );
  }

  const count = view.getUint32(4);
  if (count !== file.count) {
    return l10n.t('The MNIST file {0} holds {1} items, expected {2}.', filePath, count, file.count);
  }

  if (file.kind === 'images') {
    const rows = view.getUint32(8);
    const columns = view.getUint32(12);
    if (rows !== MNIST_ROWS || columns !== MNIST_COLUMNS) {
      return l10n.t(
        'The MNIST file {0} holds images of {1}×{2} pixels, expected {3}×{4}.',
        filePath,
        rows,
        columns,
        MNIST_ROWS,
        MNIST_COLUMNS,
      );
    }
  }

  const itemSize = file.kind === 'images' ? MNIST_PIXELS : 1;
  const expectedLength = headerLength + count * itemSize;
  if (bytes.length !== expectedLength) {
    return l10n.t('The MNIST file {0} has {1} bytes, expected {2}.', filePath, bytes.length, expectedLength);
  }
  return undefined;
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
