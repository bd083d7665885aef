/**
 * Downloads the datasets Keras fetches on first use (Fashion-MNIST, CIFAR-10) into a cache
 * folder before the trainer starts. Only the fixed HTTPS addresses in `REMOTE_DATASET_FILES`
 * are fetched, redirects are followed only to HTTPS, and each file must match its published
 * size and SHA-256 before it is moved into place. Used by the extension host and the CLI
 * alike, so it imports nothing from `vscode`.
 */
import * as l10n from '@vscode/l10n';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { REMOTE_DATASET_FILES, type DownloadedDatasetName, type RemoteDatasetFile } from '../common/datasetFiles';
import { datasetFolder } from '../trainer/datasets/cacheFolder';

/** Redirects followed per file. The dataset servers send the files without redirecting. */
const MAX_REDIRECTS = 5;
/** A connection that sends nothing for this long is given up. */
const IDLE_TIMEOUT_MS = 30_000;

export interface DownloadProgress {
  readonly file: string;
  /** Bytes of `file` received so far, of `fileBytes`. */
  readonly receivedBytes: number;
  readonly fileBytes: number;
  /** Bytes of the files this call finished before `file`. */
  readonly completedBytes: number;
  /** Bytes of every file this call downloads. */
  readonly allBytes: number;
}

export interface DownloadOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /**
   * Test only: also accept plain `http://127.0.0.1` addresses, for a server the test starts
   * on the loopback interface. Production callers never set it.
   */
  readonly allowLoopbackHttpForTests?: boolean;
}

/** A download that failed; the message names the file, its address and the folder to put it in by hand. */
export class DatasetDownloadError extends Error {
  override name = 'DatasetDownloadError';

  constructor(
    message: string,
    readonly cancelled = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Returns the files of `dataset` that are not in `cacheDir` yet. */
export async function missingDatasetFiles(dataset: DownloadedDatasetName, cacheDir: string): Promise<RemoteDatasetFile[]> {
  const folder = datasetFolder(cacheDir, dataset);
  const missing: RemoteDatasetFile[] = [];
  for (const file of REMOTE_DATASET_FILES[dataset]) {
    if (!(await isFile(path.join(folder, file.name)))) {
      missing.push(file);
    }
  }
  return missing;
}

/**
 * Downloads every file of `dataset` that `cacheDir` lacks. Files already there are left for
 * the trainer to check, so a copy put there by hand is used as it is.
 * @throws DatasetDownloadError naming the file, its address and the folder, when a download
 * fails, is cancelled, or does not match its checksum.
 */
export async function ensureDatasetFiles(dataset: DownloadedDatasetName, cacheDir: string, options: DownloadOptions = {}): Promise<void> {
  const missing = await missingDatasetFiles(dataset, cacheDir);
  const allBytes = missing.reduce((sum, file) => sum + file.bytes, 0);
  let completedBytes = 0;
  for (const file of missing) {
    const before = completedBytes;
    await downloadFile(file, datasetFolder(cacheDir, dataset), {
      ...options,
      allowLoopbackHttpForTests: false,
      onProgress: (progress) => options.onProgress?.({ ...progress, completedBytes: before, allBytes }),
    });
    completedBytes += file.bytes;
  }
}

/**
 * Downloads `file.url` into `folder/file.name`, through a temporary file that is renamed
 * only once the size and SHA-256 match.
 * @throws DatasetDownloadError as `ensureDatasetFiles` does.
 */
export async function downloadFile(file: RemoteDatasetFile, folder: string, options: DownloadOptions = {}): Promise<string> {
  const target = path.join(folder, file.name);
  const partial = path.join(folder, `${file.name}.${randomBytes(4).toString('hex')}.part`);
  const manualHint = (): string =>
    l10n.t('Connect to the internet and train again, or download {0} yourself and put it in {1}.', file.url, folder);

  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw new DatasetDownloadError(
      l10n.t('The folder {0} for downloaded datasets could not be created: {1}', folder, reason(error)),
      false,
      { cause: error },
    );
  }

  try {
    const digest = await fetchToFile(new URL(file.url), partial, file, options);
    if (digest !== file.sha256) {
      throw new DatasetDownloadError(
        l10n.t(
          'The download of {0} from {1} is damaged: its SHA-256 is {2}, expected {3}. Try again later, or download it yourself and put it in {4}.',
          file.name,
          file.url,
          digest,
          file.sha256,
          folder,
        ),
      );
    }
    await rename(partial, target);
    return target;
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof DatasetDownloadError) {
      throw error;
    }
    if (options.signal?.aborted) {
      throw new DatasetDownloadError(l10n.t('The download of {0} was cancelled.', file.name), true, { cause: error });
    }
    throw new DatasetDownloadError(
      `${l10n.t('{0} could not be downloaded from {1}: {2}.', file.name, file.url, reason(error))} ${manualHint()}`,
      false,
      { cause: error },
    );
  }
}

/** Fetches `url`, following HTTPS redirects, into `filePath`; returns the SHA-256 of the body. */
async function fetchToFile(url: URL, filePath: string, file: RemoteDatasetFile, options: DownloadOptions): Promise<string> {
  let current = url;
  for (let redirects = 0; ; redirects++) {
    checkAddress(current, file, options);
    const response = await request(current, options.signal);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (redirects >= MAX_REDIRECTS) {
        throw new DatasetDownloadError(l10n.t('{0} redirects more than {1} times, so the download of {2} stopped.', file.url, MAX_REDIRECTS, file.name));
      }
      current = new URL(response.headers.location, current);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new Error(`HTTP ${status} ${response.statusMessage ?? ''}`.trim());
    }
    return saveBody(response, filePath, file, options);
  }
}

/**
 * Rejects every address but HTTPS, and plain HTTP to 127.0.0.1 in tests, so that neither a
 * changed table nor a redirect can send the download elsewhere or in the clear.
 */
function checkAddress(url: URL, file: RemoteDatasetFile, options: DownloadOptions): void {
  const loopbackTest = options.allowLoopbackHttpForTests === true && url.protocol === 'http:' && url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !loopbackTest) {
    throw new DatasetDownloadError(
      l10n.t('The download of {0} was sent to {1}, which is not an HTTPS address, so it stopped.', file.name, url.toString()),
    );
  }
}

function request(url: URL, signal: AbortSignal | undefined): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? https.get : http.get;
    const outgoing = get(url, { signal, headers: { 'user-agent': 'gradient-flow' } }, resolve);
    outgoing.setTimeout(IDLE_TIMEOUT_MS, () => outgoing.destroy(new Error(l10n.t('timed out after {0} seconds without a response', IDLE_TIMEOUT_MS / 1000))));
    outgoing.on('error', reject);
  });
}

/** Streams the body into `filePath`, hashing it, and stops when it grows past the expected size. */
function saveBody(response: http.IncomingMessage, filePath: string, file: RemoteDatasetFile, options: DownloadOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const output = createWriteStream(filePath);
    let received = 0;
    let failed = false;
    const fail = (error: Error): void => {
      if (!failed) {
        failed = true;
        response.destroy();
        output.destroy();
        reject(error);
      }
    };

    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > file.bytes) {
      fail(new Error(l10n.t('the server sends {0} bytes, but the file has {1}', declared, file.bytes)));
      return;
    }
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > file.bytes) {
        fail(new Error(l10n.t('the server sends more than the {0} bytes the file has', file.bytes)));
        return;
      }
      hash.update(chunk);
      options.onProgress?.({ file: file.name, receivedBytes: received, fileBytes: file.bytes, completedBytes: 0, allBytes: file.bytes });
    });
    response.on('error', fail);
    response.on('aborted', () => fail(new Error(l10n.t('the connection closed early'))));
    output.on('error', fail);
    response.on('end', () => {
      if (received !== file.bytes) {
        fail(new Error(l10n.t('the server sent {0} of {1} bytes', received, file.bytes)));
        return;
      }
      output.end(() => {
        if (!failed) {
          resolve(hash.digest('hex'));
        }
      });
    });
    response.pipe(output, { end: false });
  });
}

async function isFile(filePath: string): Promise<boolean> {
  try {
    return (await stat(filePath)).isFile();
  } catch {
    return false;
  }
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

/** Returns the CLI's default cache folder: `$XDG_CACHE_HOME/gradient-flow/datasets`, else `~/.cache/...`, or `%LOCALAPPDATA%` on Windows. */
export function defaultCliCacheDir(env: NodeJS.ProcessEnv, homeDir: string, platform: NodeJS.Platform): string {
  if (platform === 'win32' && env.LOCALAPPDATA) {
    return path.join(env.LOCALAPPDATA, 'gradient-flow', 'datasets');
  }
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(homeDir, '.cache');
  return path.join(base, 'gradient-flow', 'datasets');
}
