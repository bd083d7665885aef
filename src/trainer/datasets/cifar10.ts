/**
 * CIFAR-10 as `keras.datasets.cifar10.load_data()` returns it: 50,000 training and 10,000
 * test colour images of 32×32 pixels in 10 classes, with the pixels of each image in
 * height × width × channel order (Keras's `channels_last`).
 *
 * The source is the Python version of the archive Keras downloads, `cifar-10-python.tar.gz`,
 * a tar.gz of six pickled batches. Each batch is a dict whose `data` is a NumPy uint8 array of
 * shape (n, 3072), with the red, green and blue planes of an image one after the other. Its
 * `labels` is a list of n class numbers.
 */
import * as l10n from '@vscode/l10n';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { REMOTE_DATASET_FILES, type RemoteDatasetFile } from '../../common/datasetFiles';
import { datasetFolder } from './cacheFolder';
import { IMAGE_DATASETS } from '../../common/datasets';
import { TrainerError, errorMessage } from '../errors';
import { PickleError, readPickle, type PickleValue } from './pickle';
import type { LoadedDataset } from './types';

const FACTS = IMAGE_DATASETS.cifar10;
const [HEIGHT, WIDTH, CHANNELS] = FACTS.exampleShape;
const PLANE = HEIGHT * WIDTH;
const IMAGE_VALUES = PLANE * CHANNELS;

/** Batch files inside the archive, in the order Keras concatenates them. */
const TRAIN_BATCHES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5'];
const TEST_BATCH = 'test_batch';
const ARCHIVE_FOLDER = 'cifar-10-batches-py';

/** Batch entries larger than this are rejected before they are read into memory. */
const MAX_BATCH_BYTES = 64 * 1024 * 1024;

export interface CifarArchive extends Pick<RemoteDatasetFile, 'name' | 'url' | 'sha256'> {
  /** Images in each of the five training batches. */
  readonly imagesPerTrainBatch: number;
  readonly testImages: number;
}

/** The archive Keras downloads, with the SHA-256 Keras 3 checks it against. */
export const CIFAR10_ARCHIVE: CifarArchive = {
  ...(REMOTE_DATASET_FILES.cifar10[0] as RemoteDatasetFile),
  imagesPerTrainBatch: FACTS.trainExamples / TRAIN_BATCHES.length,
  testImages: FACTS.testExamples,
};

/**
 * Reads `cacheDir/cifar10/cifar-10-python.tar.gz` in one pass, checking its SHA-256 on the
 * way. Tests pass `archive` to read a small fixture in the same format.
 * @throws TrainerError naming the archive and what is wrong with it.
 */
export async function loadCifar10(cacheDir: string, archive: CifarArchive = CIFAR10_ARCHIVE): Promise<LoadedDataset> {
  const archivePath = path.join(datasetFolder(cacheDir, 'cifar10'), archive.name);
  const restore = l10n.t('Delete {0} and train again to download it anew, or put a good copy there from {1}.', archivePath, archive.url);
  const fail = (message: string, cause?: unknown): never => {
    throw new TrainerError(`${message} ${restore}`, undefined, cause === undefined ? undefined : { cause });
  };

  const trainCount = archive.imagesPerTrainBatch * TRAIN_BATCHES.length;
  const train = { features: new Uint8Array(trainCount * IMAGE_VALUES), labels: new Uint8Array(trainCount), count: trainCount };
  const test = { features: new Uint8Array(archive.testImages * IMAGE_VALUES), labels: new Uint8Array(archive.testImages), count: archive.testImages };
  const seen = new Set<string>();

  const storeBatch = (entryName: string, bytes: Uint8Array): void => {
    const batchName = entryName.slice(ARCHIVE_FOLDER.length + 1);
    const trainIndex = TRAIN_BATCHES.indexOf(batchName);
    const expected = trainIndex >= 0 ? archive.imagesPerTrainBatch : archive.testImages;
    let batch: CifarBatch;
    try {
      batch = readCifarBatch(bytes, expected);
    } catch (error) {
      const detail = error instanceof CifarFormatError || error instanceof PickleError ? error.message : errorMessage(error);
      return fail(l10n.t('The CIFAR-10 archive {0} holds a batch {1} that cannot be read: {2}.', archivePath, entryName, detail), error);
    }
    const target = trainIndex >= 0 ? train : test;
    const first = trainIndex >= 0 ? trainIndex * archive.imagesPerTrainBatch : 0;
    toChannelsLast(batch.data, target.features, first * IMAGE_VALUES);
    target.labels.set(batch.labels, first);
    seen.add(batchName);
  };

  const digest = createHash('sha256');
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const batchName = header.name.startsWith(`${ARCHIVE_FOLDER}/`) ? header.name.slice(ARCHIVE_FOLDER.length + 1) : '';
    const isBatchFile = header.type === 'file' && (TRAIN_BATCHES.includes(batchName) || batchName === TEST_BATCH);
    if (!isBatchFile) {
      stream.resume();
      stream.on('end', () => next());
      return;
    }
    if ((header.size ?? 0) > MAX_BATCH_BYTES) {
      stream.resume();
      next(new CifarFormatError(`the entry ${header.name} has ${header.size} bytes, more than a batch can hold`));
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    stream.on('end', () => {
      try {
        storeBatch(header.name, Buffer.concat(chunks));
        next();
      } catch (error) {
        next(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });

  try {
    const source = createReadStream(archivePath);
    source.on('data', (chunk) => digest.update(chunk));
    await pipeline(source, createGunzip(), extract);
  } catch (error) {
    if (error instanceof TrainerError) {
      throw error;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      fail(l10n.t('The CIFAR-10 archive {0} was not found.', archivePath), error);
    }
    fail(l10n.t('The CIFAR-10 archive {0} could not be read as a tar.gz file: {1}', archivePath, errorMessage(error)), error);
  }

  const actual = digest.digest('hex');
  if (actual !== archive.sha256) {
    fail(l10n.t('The CIFAR-10 archive {0} is damaged: its SHA-256 is {1}, expected {2}.', archivePath, actual, archive.sha256));
  }
  const missing = [...TRAIN_BATCHES, TEST_BATCH].filter((name) => !seen.has(name));
  if (missing.length > 0) {
    fail(l10n.t('The CIFAR-10 archive {0} lacks the batches {1}.', archivePath, missing.map((name) => `${ARCHIVE_FOLDER}/${name}`).join(', ')));
  }

  return {
    name: 'cifar10',
    displayName: 'CIFAR-10',
    exampleShape: FACTS.exampleShape,
    classes: FACTS.classes,
    train,
    test,
  };
}

/** One batch file: `count × 3072` pixels, channel planes first, and `count` labels. */
export interface CifarBatch {
  readonly data: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/** A pickle that is valid but is not a CIFAR-10 batch. Messages are English technical detail. */
export class CifarFormatError extends Error {
  override name = 'CifarFormatError';
}

/**
 * Reads one pickled batch and checks that it contains `expectedCount` images.
 * @throws PickleError for a malformed pickle, CifarFormatError for anything but a batch.
 */
export function readCifarBatch(bytes: Uint8Array, expectedCount: number): CifarBatch {
  const root = readPickle(bytes);
  if (!isKind(root, 'dict')) {
    throw new CifarFormatError('the pickle contains no dict');
  }
  const data = readUint8Matrix(entry(root, 'data'));
  const labelList = entry(root, 'labels');
  if (!isKind(labelList, 'list')) {
    throw new CifarFormatError('"labels" is not a list');
  }
  if (data.rows !== expectedCount || data.columns !== IMAGE_VALUES) {
    throw new CifarFormatError(`"data" has shape (${data.rows}, ${data.columns}), expected (${expectedCount}, ${IMAGE_VALUES})`);
  }
  if (labelList.items.length !== expectedCount) {
    throw new CifarFormatError(`"labels" has ${labelList.items.length} entries, expected ${expectedCount}`);
  }
  const labels = new Uint8Array(expectedCount);
  labelList.items.forEach((label, index) => {
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= FACTS.classes) {
      throw new CifarFormatError(`label ${index} is ${String(label)}, not a class number from 0 to ${FACTS.classes - 1}`);
    }
    labels[index] = label;
  });
  return { data: data.values, labels, count: expectedCount };
}

/** Copies images from channel planes (CHW) into `target` at `offset` in height × width × channel order. */
function toChannelsLast(source: Uint8Array, target: Uint8Array, offset: number): void {
  const images = source.length / IMAGE_VALUES;
  for (let image = 0; image < images; image++) {
    const from = image * IMAGE_VALUES;
    const to = offset + from;
    for (let pixel = 0; pixel < PLANE; pixel++) {
      for (let channel = 0; channel < CHANNELS; channel++) {
        target[to + pixel * CHANNELS + channel] = source[from + channel * PLANE + pixel];
      }
    }
  }
}

/** Looks up a key in a pickled dict; Python 2 pickles key by bytes, Python 3 ones by str. */
function entry(dict: Extract<PickleValue, { kind: 'dict' }>, key: string): PickleValue {
  for (const [candidate, value] of dict.entries) {
    const text = typeof candidate === 'string' ? candidate : isKind(candidate, 'bytes') ? Buffer.from(candidate.bytes).toString('latin1') : undefined;
    if (text === key) {
      return value;
    }
  }
  throw new CifarFormatError(`the dict has no "${key}" entry`);
}

/**
 * Reads a 2-D C-ordered uint8 NumPy array as `numpy.ndarray.__reduce__` pickles it:
 * `_reconstruct(ndarray, (0,), b'b')` followed by the state
 * `(version, shape, dtype('u1'), is_fortran, raw_bytes)`.
 */
function readUint8Matrix(value: PickleValue): { rows: number; columns: number; values: Uint8Array } {
  const reconstruct = isKind(value, 'call') && isKind(value.callable, 'global') ? value.callable : undefined;
  const isArray =
    reconstruct !== undefined &&
    (reconstruct.module === 'numpy.core.multiarray' || reconstruct.module === 'numpy._core.multiarray') &&
    reconstruct.name === '_reconstruct';
  if (!isArray || !isKind(value, 'call') || !isKind(value.state, 'tuple') || value.state.items.length !== 5) {
    throw new CifarFormatError('"data" is not a NumPy array');
  }
  const [, shape, dtype, fortran, raw] = value.state.items;
  if (!isKind(shape, 'tuple') || shape.items.length !== 2 || !shape.items.every((size) => typeof size === 'number')) {
    throw new CifarFormatError('"data" is not a 2-D array');
  }
  if (!isUint8Dtype(dtype)) {
    throw new CifarFormatError('"data" is not an array of uint8');
  }
  if (fortran !== false && fortran !== 0) {
    throw new CifarFormatError('"data" is stored in Fortran order');
  }
  if (!isKind(raw, 'bytes')) {
    throw new CifarFormatError('"data" contains no raw bytes');
  }
  const [rows, columns] = shape.items as number[];
  if (raw.bytes.length !== rows * columns) {
    throw new CifarFormatError(`"data" has ${raw.bytes.length} bytes, expected ${rows * columns}`);
  }
  return { rows, columns, values: raw.bytes };
}

/** `numpy.dtype('u1', False, True)`, optionally with its state tuple. */
function isUint8Dtype(value: PickleValue): boolean {
  if (!isKind(value, 'call') || !isKind(value.callable, 'global') || value.callable.module !== 'numpy' || value.callable.name !== 'dtype') {
    return false;
  }
  const code = value.args[0];
  const text = typeof code === 'string' ? code : isKind(code, 'bytes') ? Buffer.from(code.bytes).toString('latin1') : '';
  return text === 'u1' || text === 'uint8';
}

function isKind<K extends string>(value: PickleValue | undefined, kind: K): value is Extract<PickleValue, { kind: K }> {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === kind;
}
