/**
 * Dataset downloads against an HTTP server this test starts on 127.0.0.1, serving the small
 * fixtures: checksum success and mismatch, an unreachable server, redirects, oversized
 * bodies, cancelling, and the trainer reading what was downloaded.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REMOTE_DATASET_FILES, type RemoteDatasetFile } from '../../src/common/datasetFiles';
import { sha256Hex } from '../../src/trainer/datasets/checksum';
import { loadCifar10 } from '../../src/trainer/datasets/cifar10';
import { FASHION_MNIST_FILES, loadFashionMnist } from '../../src/trainer/datasets/fashionMnist';
import {
  DatasetDownloadError,
  defaultCliCacheDir,
  downloadFile,
  ensureDatasetFiles,
  type DownloadProgress,
} from '../../src/training/datasetDownload';
import { needsDownload } from '../../src/training/runData';
import { modelSpec, REPOSITORY_ROOT } from '../helpers/modelSpecs';

const DATASETS = path.join(REPOSITORY_ROOT, 'test', 'fixtures', 'datasets');

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

describe('dataset download', () => {
  let server: http.Server;
  let origin: string;
  let handler: Handler;
  let folder: string;
  const requests: string[] = [];

  before(async () => {
    server = http.createServer((request, response) => {
      requests.push(request.url ?? '');
      handler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'gradient-flow-download-'));
    requests.length = 0;
    handler = serveFixtures();
  });

  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  /** Serves the files under test/fixtures/datasets at their relative paths. */
  function serveFixtures(): Handler {
    return (request, response) => {
      const file = path.join(DATASETS, decodeURIComponent(request.url ?? '/'));
      if (!file.startsWith(DATASETS) || !existsSync(file)) {
        response.writeHead(404).end();
        return;
      }
      const body = readFileSync(file);
      response.writeHead(200, { 'content-length': body.length }).end(body);
    };
  }

  function fixtureFile(relative: string, overrides: Partial<RemoteDatasetFile> = {}): RemoteDatasetFile {
    const bytes = readFileSync(path.join(DATASETS, relative));
    return { name: path.basename(relative), url: `${origin}/${relative}`, sha256: sha256Hex(bytes), bytes: bytes.length, ...overrides };
  }

  async function downloadError(file: RemoteDatasetFile, options: Parameters<typeof downloadFile>[2] = { allowLoopbackHttpForTests: true }): Promise<DatasetDownloadError> {
    try {
      await downloadFile(file, folder, options);
    } catch (error) {
      assert.ok(error instanceof DatasetDownloadError, `expected a DatasetDownloadError, got ${String(error)}`);
      return error;
    }
    assert.fail('the download succeeded');
  }

  it('downloads a file whose checksum matches', async () => {
    const file = fixtureFile('fashion_mnist/train-labels-idx1-ubyte.gz');

    const saved = await downloadFile(file, folder, { allowLoopbackHttpForTests: true });

    assert.equal(saved, path.join(folder, file.name));
    assert.equal(sha256Hex(readFileSync(saved)), file.sha256);
    assert.deepEqual(readdirSync(folder), [file.name]);
  });

  it('downloaded Fashion-MNIST loads in the trainer', async () => {
    const target = path.join(folder, 'fashion_mnist');
    const keys = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
    for (const key of keys) {
      await downloadFile(fixtureFile(`fashion_mnist/${FASHION_MNIST_FILES[key].name}`), target, { allowLoopbackHttpForTests: true });
    }
    const digest = (name: string): string => sha256Hex(readFileSync(path.join(target, name)));

    const data = await loadFashionMnist(folder, {
      trainImages: { ...FASHION_MNIST_FILES.trainImages, count: 12, sha256: digest('train-images-idx3-ubyte.gz') },
      trainLabels: { ...FASHION_MNIST_FILES.trainLabels, count: 12, sha256: digest('train-labels-idx1-ubyte.gz') },
      testImages: { ...FASHION_MNIST_FILES.testImages, count: 6, sha256: digest('t10k-images-idx3-ubyte.gz') },
      testLabels: { ...FASHION_MNIST_FILES.testLabels, count: 6, sha256: digest('t10k-labels-idx1-ubyte.gz') },
    });

    assert.deepEqual([data.train.count, data.test.count], [12, 6]);
  });

  it('downloaded CIFAR-10 archive loads in the trainer', async () => {
    const file = fixtureFile('cifar10/cifar-10-python.tar.gz');
    await downloadFile(file, path.join(folder, 'cifar10'), { allowLoopbackHttpForTests: true });

    const data = await loadCifar10(folder, { ...file, imagesPerTrainBatch: 4, testImages: 3 });

    assert.deepEqual([data.train.count, data.test.count], [20, 3]);
  });

  it('rejects a body whose checksum differs and keeps nothing', async () => {
    const file = fixtureFile('fashion_mnist/t10k-labels-idx1-ubyte.gz', { sha256: 'a'.repeat(64) });

    const error = await downloadError(file);

    assert.match(error.message, /t10k-labels-idx1-ubyte\.gz from http:\/\/127\.0\.0\.1:\d+\/.* is damaged: its SHA-256 is [0-9a-f]{64}, expected a{64}/);
    assert.ok(error.message.includes(folder), error.message);
    assert.deepEqual(readdirSync(folder), []);
  });

  it('names file, address and folder when offline', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const file = fixtureFile('fashion_mnist/train-labels-idx1-ubyte.gz', { url: `http://127.0.0.1:${port}/train-labels-idx1-ubyte.gz` });

    const error = await downloadError(file);

    assert.match(error.message, new RegExp(`train-labels-idx1-ubyte\\.gz could not be downloaded from http://127\\.0\\.0\\.1:${port}/train-labels-idx1-ubyte\\.gz: .*ECONNREFUSED`));
    assert.match(error.message, /download http:.* yourself and put it in/);
    assert.ok(error.message.includes(folder), error.message);
    assert.equal(error.cancelled, false);
  });

  it('reports an HTTP error status', async () => {
    const error = await downloadError(fixtureFile('fashion_mnist/train-labels-idx1-ubyte.gz', { url: `${origin}/missing.gz` }));

    assert.match(error.message, /HTTP 404/);
  });

  it('follows a redirect on the same server', async () => {
    const file = fixtureFile('fashion_mnist/train-labels-idx1-ubyte.gz');
    handler = (request, response) => {
      if (request.url === '/moved') {
        response.writeHead(302, { location: '/fashion_mnist/train-labels-idx1-ubyte.gz' }).end();
      } else {
        serveFixtures()(request, response);
      }
    };

    await downloadFile({ ...file, url: `${origin}/moved` }, folder, { allowLoopbackHttpForTests: true });

    assert.deepEqual(requests, ['/moved', '/fashion_mnist/train-labels-idx1-ubyte.gz']);
  });

  it('refuses a redirect to a plain HTTP host', async () => {
    handler = (_request, response) => {
      response.writeHead(301, { location: 'http://example.invalid/train-labels-idx1-ubyte.gz' }).end();
    };

    const error = await downloadError(fixtureFile('fashion_mnist/train-labels-idx1-ubyte.gz', { url: `${origin}/moved` }));

    assert.match(error.message, /was sent to http:\/\/example\.invalid\/train-labels-idx1-ubyte\.gz, which is not an HTTPS address/);
  });

  it('refuses plain HTTP without the test flag', async () => {
    const error = await downloadError(fixtureFile('fashion_mnist/train-labels-idx1-ubyte.gz'), {});

    assert.match(error.message, /not an HTTPS address/);
    assert.deepEqual(requests, []);
  });

  it('stops a body larger than the file', async () => {
    const file = fixtureFile('fashion_mnist/train-labels-idx1-ubyte.gz');
    handler = (_request, response) => {
      response.writeHead(200);
      response.end(Buffer.alloc(file.bytes + 10));
    };

    const error = await downloadError(file);

    assert.match(error.message, /more than the \d+ bytes the file has/);
    assert.deepEqual(readdirSync(folder), []);
  });

  it('cancels and keeps nothing', async () => {
    const file = fixtureFile('cifar10/cifar-10-python.tar.gz');
    const abort = new AbortController();
    handler = (_request, response) => {
      // Sends half the file, then waits for the client to give up.
      response.writeHead(200, { 'content-length': file.bytes });
      response.write(readFileSync(path.join(DATASETS, 'cifar10', file.name)).subarray(0, file.bytes >> 1));
    };
    const progress: DownloadProgress[] = [];

    const error = await downloadError(file, {
      allowLoopbackHttpForTests: true,
      signal: abort.signal,
      onProgress: (update) => {
        progress.push(update);
        abort.abort();
      },
    });

    assert.equal(error.cancelled, true);
    assert.match(error.message, /download of cifar-10-python\.tar\.gz was cancelled/);
    assert.ok(progress[0].receivedBytes > 0);
    assert.deepEqual(readdirSync(folder), []);
  });

  it('production downloads use only the fixed HTTPS addresses', async () => {
    const files = Object.values(REMOTE_DATASET_FILES).flat();

    assert.ok(files.every((file) => file.url.startsWith('https://') && file.url.endsWith(`/${file.name}`)));
    assert.ok(files.every((file) => /^[0-9a-f]{64}$/.test(file.sha256)));
  });

  it('files already in the cache are not downloaded again', async () => {
    const cache = path.join(folder, 'cache');
    const spec = modelSpec([], { dataset: { name: 'fashion_mnist', origin: 'file' } });
    assert.equal(await needsDownload(spec, cache), true);
    for (const file of REMOTE_DATASET_FILES.fashion_mnist) {
      // Copies put there by hand count as present; the trainer checks their checksums.
      mkdirSync(path.join(cache, 'fashion_mnist'), { recursive: true });
      writeFileSync(path.join(cache, 'fashion_mnist', file.name), 'placed by hand');
    }

    await ensureDatasetFiles('fashion_mnist', cache);

    assert.equal(await needsDownload(spec, cache), false);
    assert.deepEqual(requests, []);
  });

  it('CLI cache folder follows XDG_CACHE_HOME', () => {
    assert.equal(defaultCliCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, '/home/me', 'linux'), path.join('/var/cache/me', 'gradient-flow', 'datasets'));
    assert.equal(defaultCliCacheDir({}, '/home/me', 'linux'), path.join('/home/me', '.cache', 'gradient-flow', 'datasets'));
    assert.equal(defaultCliCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/me', 'linux'), path.join('/home/me', '.cache', 'gradient-flow', 'datasets'));
  });
});
