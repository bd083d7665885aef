/**
 * Reads gzip-compressed IDX files, the format of MNIST and Fashion-MNIST: a big-endian header
 * (magic number, item count, and for images rows and columns) followed by unsigned bytes.
 * Each file is checked against its header and checksums before any training starts.
 */
import * as l10n from '@vscode/l10n';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { TrainerError, errorMessage } from '../errors';
import { sha256Hex } from './checksum';

/** IDX magic numbers: 0x08 (unsigned byte) data with 3 dimensions (images) or 1 (labels). */
const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

export interface IdxFile {
  readonly name: string;
  readonly kind: 'images' | 'labels';
  readonly count: number;
  /** Image height and width in pixels; images only. */
  readonly rows?: number;
  readonly columns?: number;
}

export interface IdxReadOptions {
  /** Dataset name for messages, such as `MNIST`. */
  readonly datasetLabel: string;
  /** Localized sentence added to every error, saying how to restore the file. */
  readonly restoreHint: string;
  /** SHA-256 of the `.gz` file as stored. */
  readonly compressedSha256?: string;
  /** SHA-256 of the decompressed IDX bytes. */
  readonly decompressedSha256?: string;
}

/**
 * Returns the data of one IDX file without its header.
 * @throws TrainerError naming the file when it is missing, not gzip, damaged, or not the expected file.
 */
export async function readIdxFile(filePath: string, file: IdxFile, options: IdxReadOptions): Promise<Uint8Array> {
  const fail = (message: string, cause?: unknown): never => {
    throw new TrainerError(`${message} ${options.restoreHint}`, undefined, cause === undefined ? undefined : { cause });
  };

  let compressed: Buffer;
  try {
    compressed = await readFile(filePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      code === 'ENOENT'
        ? l10n.t('The {0} file {1} was not found.', options.datasetLabel, filePath)
        : l10n.t('The {0} file {1} could not be read: {2}', options.datasetLabel, filePath, errorMessage(error)),
      error,
    );
  }
  if (options.compressedSha256) {
    checkDigest(sha256Hex(compressed), options.compressedSha256, filePath, options, fail);
  }

  let bytes: Buffer;
  try {
    bytes = await promisify(gunzip)(compressed);
  } catch (error) {
    return fail(l10n.t('The {0} file {1} is not a valid gzip file: {2}', options.datasetLabel, filePath, errorMessage(error)), error);
  }

  const headerProblem = checkIdxHeader(bytes, file, filePath, options.datasetLabel);
  if (headerProblem) {
    fail(headerProblem);
  }
  if (options.decompressedSha256) {
    checkDigest(sha256Hex(bytes), options.decompressedSha256, filePath, options, fail);
  }

  const headerLength = headerLengthOf(file);
  return new Uint8Array(bytes.buffer, bytes.byteOffset + headerLength, bytes.length - headerLength);
}

function checkDigest(
  digest: string,
  expected: string,
  filePath: string,
  options: IdxReadOptions,
  fail: (message: string) => never,
): void {
  if (digest !== expected) {
    fail(l10n.t('The {0} file {1} is damaged: its SHA-256 is {2}, expected {3}.', options.datasetLabel, filePath, digest, expected));
  }
}

/**
 * Returns a localized sentence saying what is wrong with the IDX header and length of
 * `bytes`, or undefined when they fit `file`. `filePath` is only used in the message.
 */
export function checkIdxHeader(bytes: Uint8Array, file: IdxFile, filePath: string, datasetLabel: string): string | undefined {
  const headerLength = headerLengthOf(file);
  if (bytes.length < headerLength) {
    return l10n.t(
      'The {0} file {1} is too short: {2} bytes, fewer than its {3}-byte IDX header.',
      datasetLabel,
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
      'The {0} file {1} has the IDX magic number 0x{2}, expected 0x{3}.',
      datasetLabel,
      filePath,
      hex(magic),
      hex(expectedMagic),
    );
  }

  const count = view.getUint32(4);
  if (count !== file.count) {
    return l10n.t('The {0} file {1} holds {2} items, expected {3}.', datasetLabel, filePath, count, file.count);
  }

  let itemSize = 1;
  if (file.kind === 'images') {
    const rows = view.getUint32(8);
    const columns = view.getUint32(12);
    if (rows !== file.rows || columns !== file.columns) {
      return l10n.t(
        'The {0} file {1} holds images of {2}×{3} pixels, expected {4}×{5}.',
        datasetLabel,
        filePath,
        rows,
        columns,
        file.rows ?? 0,
        file.columns ?? 0,
      );
    }
    itemSize = rows * columns;
  }

  const expectedLength = headerLength + count * itemSize;
  if (bytes.length !== expectedLength) {
    return l10n.t('The {0} file {1} has {2} bytes, expected {3}.', datasetLabel, filePath, bytes.length, expectedLength);
  }
  return undefined;
}

function headerLengthOf(file: IdxFile): number {
  return file.kind === 'images' ? 16 : 8;
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
