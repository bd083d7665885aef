import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { TrainerError } from '../../src/trainer/errors';
import { checkIdxHeader, loadMnist, MNIST_FILES, type Mnist } from '../../src/trainer/mnist';
import { DATA_DIR } from '../helpers/modelSpecs';

describe('MNIST loader', () => {
  let mnist: Mnist;
  let scratch: string;

  before(async () => {
    mnist = await loadMnist(DATA_DIR);
  });

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'gradient-flow-mnist-'));
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Copies the four shipped files into the scratch folder, replacing `name` with `contents`, or leaving it out. */
  function copyDataWith(name: string, contents: Buffer | undefined): void {
    for (const file of Object.values(MNIST_FILES)) {
      if (file.name !== name) {
        writeFileSync(path.join(scratch, file.name), readFileSync(path.join(DATA_DIR, file.name)));
      } else if (contents) {
        writeFileSync(path.join(scratch, file.name), contents);
      }
    }
  }

  async function loadError(): Promise<TrainerError> {
    try {
      await loadMnist(scratch);
    } catch (error) {
      assert.ok(error instanceof TrainerError, `expected a TrainerError, got ${String(error)}`);
      return error;
    }
    assert.fail('loadMnist accepted the broken data');
  }

  it('reads 60,000 training and 10,000 test images of 784 pixels', () => {
    assert.equal(mnist.train.count, 60000);
    assert.equal(mnist.train.images.length, 60000 * 784);
    assert.equal(mnist.train.labels.length, 60000);
    assert.equal(mnist.test.count, 10000);
    assert.equal(mnist.test.images.length, 10000 * 784);
    assert.equal(mnist.test.labels.length, 10000);
  });

  it('starts with the well-known first labels 5, 0, 4 and 7, 2, 1', () => {
    assert.deepEqual([...mnist.train.labels.subarray(0, 3)], [5, 0, 4]);
    assert.deepEqual([...mnist.test.labels.subarray(0, 3)], [7, 2, 1]);
  });

  it('keeps labels within the ten digits', () => {
    assert.ok(mnist.train.labels.every((label) => label <= 9));
    assert.ok(mnist.test.labels.every((label) => label <= 9));
  });

  it('has pixels spanning 0 to 255', () => {
    const first = mnist.train.images.subarray(0, 784);
    assert.equal(Math.min(...first), 0);
    assert.equal(Math.max(...first), 255);
  });

  it('names a missing file and says how to restore it', async () => {
    copyDataWith(MNIST_FILES.testLabels.name, undefined);

    const error = await loadError();

    assert.match(error.message, /t10k-labels-idx1-ubyte\.gz was not found/);
    assert.match(error.message, /Reinstall the extension/);
  });

  it('rejects a file that is not gzip', async () => {
    copyDataWith(MNIST_FILES.trainLabels.name, Buffer.from('not gzip at all'));

    const error = await loadError();

    assert.match(error.message, /train-labels-idx1-ubyte\.gz is not a valid gzip file/);
  });

  it('rejects a labels file with an images magic number', async () => {
    const labels = gunzipSync(readFileSync(path.join(DATA_DIR, MNIST_FILES.testLabels.name)));
    labels.writeUInt32BE(0x00000803, 0);
    copyDataWith(MNIST_FILES.testLabels.name, gzipSync(labels));

    const error = await loadError();

    assert.match(error.message, /t10k-labels-idx1-ubyte\.gz has the IDX magic number 0x00000803, expected 0x00000801/);
  });

  it('rejects a damaged file through its SHA-256', async () => {
    const labels = gunzipSync(readFileSync(path.join(DATA_DIR, MNIST_FILES.testLabels.name)));
    labels[100] = (labels[100] + 1) % 10;
    copyDataWith(MNIST_FILES.testLabels.name, gzipSync(labels));

    const error = await loadError();

    assert.match(error.message, /t10k-labels-idx1-ubyte\.gz is damaged: its SHA-256 is [0-9a-f]{64}, expected ff7bcfd4/);
  });

  it('checks the image size in the header', () => {
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x00000803, 0);
    header.writeUInt32BE(10000, 4);
    header.writeUInt32BE(32, 8);
    header.writeUInt32BE(32, 12);

    const problem = checkIdxHeader(header, MNIST_FILES.testImages, 'images.gz');

    assert.match(problem ?? '', /images of 32×32 pixels, expected 28×28/);
  });

  it('checks the file length against the item count', () => {
    const truncated = Buffer.alloc(8 + 9999);
    truncated.writeUInt32BE(0x00000801, 0);
    truncated.writeUInt32BE(10000, 4);

    const problem = checkIdxHeader(truncated, MNIST_FILES.testLabels, 'labels.gz');

    assert.match(problem ?? '', /has 10007 bytes, expected 10008/);
  });
});
