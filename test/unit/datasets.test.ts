/**
 * The data a model file loads, end to end. The parser's DatasetSpec for each form a class
 * writes, the trainer's loaders on small fixtures in the real file formats (IDX, pickled
 * CIFAR batches in a tar.gz, CSV), and the scikit-learn generators. Then the host's check of
 * CSV paths, and short real training runs on generated and CSV data.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import * as tar from 'tar-stream';
import { datasetClassCount, fittedExampleShape } from '../../src/common/datasetShapes';
import type { CsvSource, DatasetSpec, ModelSpec, ParseResult } from '../../src/common/modelSpec';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { parseModelFile } from '../../src/parser';
import { prepareDataset, targetEncoding } from '../../src/trainer/dataset';
import { loadDataset } from '../../src/trainer/datasets';
import { sha256Hex } from '../../src/trainer/datasets/checksum';
import { loadCifar10, readCifarBatch, type CifarArchive } from '../../src/trainer/datasets/cifar10';
import { loadCsvDataset } from '../../src/trainer/datasets/csv';
import { FASHION_MNIST_FILES, loadFashionMnist, type FashionMnistFiles } from '../../src/trainer/datasets/fashionMnist';
import { readPickle } from '../../src/trainer/datasets/pickle';
import { generateDataset, loadGeneratedDataset, trainTestSplit } from '../../src/trainer/datasets/sklearn';
import { TrainerError } from '../../src/trainer/errors';
import { createRandom } from '../../src/trainer/random';
import { loadTensorFlow } from '../../src/trainer/tensorflow';
import { train } from '../../src/trainer/train';
import { CsvLocationError, resolveCsvPath } from '../../src/training/csvLocation';
import { messagesOfType, REPOSITORY_ROOT, trainOptions, WASM_DIR } from '../helpers/modelSpecs';

const FIXTURES = path.join(REPOSITORY_ROOT, 'test', 'fixtures');
const MODELS = path.join(FIXTURES, 'models');
const DATASETS = path.join(FIXTURES, 'datasets');
const CSV_DIR = path.join(DATASETS, 'csv');

/** Value of stored byte `position` of image `image` in CIFAR fixture batch `batch`; see make_fixtures.py. */
function cifarPixel(batch: number, image: number, position: number): number {
  return (batch * 37 + image * 11 + position * 7 + Math.floor(position / 1024) * 101) % 256;
}

function parseFixture(name: string): ParseResult {
  return parseModelFile(readFileSync(path.join(MODELS, name), 'utf8'), name);
}

function describeDiagnostics(result: ParseResult): string {
  return result.diagnostics.map((d) => `${d.severity} ${d.code} line ${d.range.startLine + 1}: ${d.message}`).join('\n');
}

/** The dataset spec of a fixture, without its source range. */
function datasetOf(name: string): Omit<DatasetSpec, 'range'> {
  const result = parseFixture(name);
  assert.ok(result.spec, `${name} gives no spec:\n${describeDiagnostics(result)}`);
  const { range: _range, ...dataset } = result.spec.dataset;
  return dataset;
}

function codesOf(result: ParseResult): string[] {
  return result.diagnostics.map((diagnostic) => `${diagnostic.severity} ${diagnostic.code} ${diagnostic.range.startLine + 1}`);
}

async function trainerError(run: () => Promise<unknown>): Promise<TrainerError> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof TrainerError, `expected a TrainerError, got ${String(error)}`);
    return error;
  }
  assert.fail('the loader accepted broken data');
}

describe('datasets: parser', () => {
  it('Fashion-MNIST with a channel axis and one-hot labels', () => {
    assert.deepEqual(datasetOf('data_fashion_mnist.py'), {
      name: 'fashion_mnist',
      origin: 'file',
      pixelDivisor: 255,
      oneHotLabels: true,
      exampleShape: [28, 28, 1],
    });
  });

  it('CIFAR-10 with raw pixels keeps divisor 1 and says so', () => {
    const result = parseFixture('data_cifar10.py');
    assert.deepEqual(result.spec?.dataset.name, 'cifar10');
    assert.equal(result.spec?.dataset.pixelDivisor, 1);
    assert.deepEqual(codesOf(result), ['information unscaled-pixels 6']);
  });

  it('expand_dims and [..., None] add a channel axis', () => {
    const dataset = datasetOf('data_mnist_expand_dims.py');
    assert.deepEqual(dataset.exampleShape, [28, 28, 1]);
    assert.equal(dataset.pixelDivisor, 255);
  });

  it('reshape to the wrong size is an error at its line', () => {
    const result = parseFixture('data_mnist_bad_reshape.py');
    assert.equal(result.spec, undefined);
    const error = result.diagnostics.find((diagnostic) => diagnostic.code === 'invalid-reshape');
    assert.equal(error?.range.startLine, 4);
    assert.match(error?.message ?? '', /784 values/);
  });

  it('make_moons with train_test_split', () => {
    assert.deepEqual(datasetOf('data_moons.py'), {
      name: 'make_moons',
      origin: 'file',
      pixelDivisor: 1,
      oneHotLabels: false,
      generator: { n_samples: 500, noise: 0.2, random_state: 42, test_size: 0.2, split_shuffle: true, split_random_state: 7 },
    });
  });

  it('make_circles without a split', () => {
    const dataset = datasetOf('data_circles.py');
    assert.deepEqual(dataset.generator, { n_samples: 300, factor: 0.5, noise: 0.05, shuffle: true, random_state: 1 });
    assert.equal(datasetClassCount(dataset), 2);
  });

  it('make_blobs gives features and classes', () => {
    const dataset = datasetOf('data_blobs.py');
    assert.equal(dataset.name, 'make_blobs');
    assert.equal(dataset.oneHotLabels, true);
    assert.deepEqual(fittedExampleShape(dataset), [3]);
    assert.equal(datasetClassCount(dataset), 4);
    assert.equal(dataset.generator?.test_size, 0.25);
  });

  it('pandas drop and column label', () => {
    assert.deepEqual(datasetOf('data_csv_pandas.py').csv, {
      path: '../datasets/csv/points.csv',
      delimiter: ',',
      skipRows: 1,
      labelColumn: 'label',
      testFraction: 0.25,
      randomState: 0,
    } satisfies CsvSource);
  });

  it('pandas iloc slices drop the id column', () => {
    const csv = datasetOf('data_csv_iloc.py').csv;
    assert.equal(csv?.labelColumn, -1);
    assert.deepEqual(csv?.dropColumns, [0, -1]);
    assert.equal(csv?.testFraction, 0);
  });

  it('numpy loadtxt with slices', () => {
    assert.deepEqual(datasetOf('data_csv_loadtxt.py').csv, {
      path: '../datasets/csv/points.csv',
      delimiter: ',',
      skipRows: 1,
      labelColumn: -1,
      testFraction: 0,
    } satisfies CsvSource);
  });

  it('DataFrame pop leaves the features', () => {
    const csv = datasetOf('data_csv_pop.py').csv;
    assert.equal(csv?.labelColumn, 'label');
    assert.equal(csv?.featureColumns, undefined);
    assert.equal(csv?.dropColumns, undefined);
  });

  it('two inputs and no data infer make_moons', () => {
    const result = parseFixture('data_inferred_moons.py');
    assert.equal(result.spec?.dataset.name, 'make_moons');
    assert.equal(result.spec?.dataset.origin, 'inferred');
    const note = result.diagnostics.find((diagnostic) => diagnostic.code === 'dataset-inferred');
    assert.match(note?.message ?? '', /make_moons\(n_samples=1000/);
  });

  it('a 32×32×3 input infers CIFAR-10', () => {
    const result = parseModelFile(
      "from tensorflow import keras\nmodel = keras.Sequential([keras.layers.Flatten(input_shape=(32, 32, 3)), keras.layers.Dense(10, activation='softmax')])\n",
      'model.py',
    );
    assert.equal(result.spec?.dataset.name, 'cifar10');
    assert.match(result.diagnostics.find((d) => d.code === 'dataset-inferred')?.message ?? '', /CIFAR-10/);
  });

  const MOONS = [
    'from sklearn.datasets import make_moons',
    'from tensorflow import keras',
    'X, y = make_moons(n_samples=200, noise=0.1)',
  ];

  it('an input of other size than the features is an error', () => {
    const text = [...MOONS, "model = keras.Sequential([keras.layers.Dense(2, activation='softmax', input_shape=(3,))])", "model.compile(loss='sparse_categorical_crossentropy')", 'model.fit(X, y)'].join('\n');
    const result = parseModelFile(text, 'model.py');
    const error = result.diagnostics.find((diagnostic) => diagnostic.code === 'input-shape-mismatch');
    assert.equal(error?.range.startLine, 3);
    assert.match(error?.message ?? '', /\(3,\), 3 values.*\(2,\), 2 values/);
  });

  it('a flat input for 28×28 images is reshaped with a note', () => {
    const text = [
      'from tensorflow import keras',
      '(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()',
      "model = keras.Sequential([keras.layers.Dense(10, activation='softmax', input_shape=(784,))])",
      "model.compile(loss='sparse_categorical_crossentropy')",
      'model.fit(x_train / 255.0, y_train)',
    ].join('\n');
    const result = parseModelFile(text, 'model.py');
    assert.ok(result.spec, describeDiagnostics(result));
    const note = result.diagnostics.find((diagnostic) => diagnostic.code === 'input-reshaped');
    assert.equal(note?.severity, 'information');
    assert.match(note?.message ?? '', /reshape\(-1, 784\)/);
  });

  it('a 28×28×1 input takes 28×28 images silently', () => {
    const text = [
      'from tensorflow import keras',
      '(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()',
      "model = keras.Sequential([keras.layers.Flatten(input_shape=(28, 28, 1)), keras.layers.Dense(10, activation='softmax')])",
      "model.compile(loss='sparse_categorical_crossentropy')",
      'model.fit(x_train / 255.0, y_train)',
    ].join('\n');
    assert.deepEqual(codesOf(parseModelFile(text, 'model.py')), []);
  });

  it('to_categorical with the wrong class count', () => {
    const text = [...MOONS, 'from tensorflow.keras.utils import to_categorical', 'y = to_categorical(y, 3)'].join('\n');
    const error = parseModelFile(text, 'model.py').diagnostics.find((diagnostic) => diagnostic.code === 'invalid-value');
    assert.match(error?.message ?? '', /2 classes.*num_classes=2/);
  });

  it('a CSV file from a URL is rejected', () => {
    const text = ['import pandas as pd', "df = pd.read_csv('https://example.com/data.csv')"].join('\n');
    const error = parseModelFile(text, 'model.py').diagnostics.find((diagnostic) => diagnostic.code === 'unsupported-dataset');
    assert.equal(error?.range.startLine, 1);
    assert.match(error?.message ?? '', /https:\/\/example\.com\/data\.csv/);
  });

  it('loadtxt without delimiter asks for one', () => {
    const text = ['import numpy as np', "data = np.loadtxt('points.csv', skiprows=1)"].join('\n');
    const error = parseModelFile(text, 'model.py').diagnostics.find((diagnostic) => diagnostic.code === 'missing-argument');
    assert.match(error?.message ?? '', /delimiter=','/);
  });

  it('train_test_split unpacked into three names', () => {
    const text = [...MOONS, 'from sklearn.model_selection import train_test_split', 'a, b, c = train_test_split(X, y)'].join('\n');
    const error = parseModelFile(text, 'model.py').diagnostics.find((diagnostic) => diagnostic.code === 'unsupported-dataset-unpacking');
    assert.match(error?.message ?? '', /returns 4 arrays/);
  });

  it('columns by name without a header', () => {
    const text = [
      'import pandas as pd',
      'from tensorflow import keras',
      "df = pd.read_csv('points.csv', header=None)",
      "model = keras.Sequential([keras.layers.Dense(2, activation='softmax', input_shape=(2,))])",
      "model.compile(loss='sparse_categorical_crossentropy')",
      "model.fit(df.drop('label', axis=1), df['label'])",
    ].join('\n');
    const result = parseModelFile(text, 'model.py');
    assert.equal(result.spec, undefined);
    assert.match(result.diagnostics.find((d) => d.code === 'unknown-training-data')?.message ?? '', /without a header row/);
  });

  it('mangled data files never make the parser throw', () => {
    const sources = ['data_moons.py', 'data_csv_pandas.py', 'data_fashion_mnist.py', 'data_csv_iloc.py'].map((name) =>
      readFileSync(path.join(MODELS, name), 'utf8'),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sources.length - 1 }), fc.nat(), fc.nat(), fc.string({ maxLength: 6 }), (which, start, length, insert) => {
        const text = sources[which];
        const from = start % text.length;
        const mangled = text.slice(0, from) + insert + text.slice(from + (length % 12));
        parseModelFile(mangled, 'model.py');
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('datasets: Fashion-MNIST loader', () => {
  let cache: string;
  let files: FashionMnistFiles;

  beforeEach(() => {
    cache = mkdtempSync(path.join(tmpdir(), 'gradient-flow-fashion-'));
    mkdirSync(path.join(cache, 'fashion_mnist'));
    const entry = (key: keyof FashionMnistFiles, count: number): FashionMnistFiles[typeof key] => {
      const name = FASHION_MNIST_FILES[key].name;
      const bytes = readFileSync(path.join(DATASETS, 'fashion_mnist', name));
      writeFileSync(path.join(cache, 'fashion_mnist', name), bytes);
      return { ...FASHION_MNIST_FILES[key], count, sha256: sha256Hex(bytes) };
    };
    files = { trainImages: entry('trainImages', 12), trainLabels: entry('trainLabels', 12), testImages: entry('testImages', 6), testLabels: entry('testLabels', 6) };
  });

  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  it('reads images and labels of the fixture', async () => {
    const data = await loadFashionMnist(cache, files);

    assert.deepEqual([data.train.count, data.test.count], [12, 6]);
    assert.deepEqual(data.exampleShape, [28, 28]);
    assert.deepEqual([...data.train.labels.subarray(0, 4)], [0, 3, 6, 9]);
    assert.deepEqual([...data.test.features.subarray(0, 3)], [100, 101, 102]);
    assert.equal(data.train.features[784 * 2], 10);
  });

  it('rejects a file whose SHA-256 differs', async () => {
    const error = await trainerError(() => loadFashionMnist(cache, { ...files, testLabels: { ...files.testLabels, sha256: '0'.repeat(64) } }));

    assert.match(error.message, /t10k-labels-idx1-ubyte\.gz is damaged: its SHA-256 is [0-9a-f]{64}, expected 0{64}/);
    assert.match(error.message, /Delete .* and train again/);
  });

  it('names a missing file', async () => {
    rmSync(path.join(cache, 'fashion_mnist', 'train-images-idx3-ubyte.gz'));

    const error = await trainerError(() => loadFashionMnist(cache, files));

    assert.match(error.message, /Fashion-MNIST file .*train-images-idx3-ubyte\.gz was not found/);
    assert.match(error.message, /storage\.googleapis\.com/);
  });

  it('uses the checksums Keras publishes', () => {
    assert.equal(FASHION_MNIST_FILES.trainImages.sha256, '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84');
    assert.equal(FASHION_MNIST_FILES.testLabels.url, 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/t10k-labels-idx1-ubyte.gz');
  });
});

describe('datasets: CIFAR-10 loader', () => {
  const archiveBytes = readFileSync(path.join(DATASETS, 'cifar10', 'cifar-10-python.tar.gz'));
  const fixture: CifarArchive = { name: 'cifar-10-python.tar.gz', url: 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz', sha256: sha256Hex(archiveBytes), imagesPerTrainBatch: 4, testImages: 3 };
  let cache: string;

  beforeEach(() => {
    cache = mkdtempSync(path.join(tmpdir(), 'gradient-flow-cifar-'));
    mkdirSync(path.join(cache, 'cifar10'));
  });

  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  function writeArchive(bytes: Buffer): void {
    writeFileSync(path.join(cache, 'cifar10', fixture.name), bytes);
  }

  /** Returns the fixture archive with its entries changed by `edit`, which may drop one by returning undefined. */
  async function editedArchive(edit: (name: string, bytes: Buffer) => Buffer | undefined): Promise<Buffer> {
    const extract = tar.extract();
    const pack = tar.pack();
    const output: Buffer[] = [];
    pack.on('data', (chunk: unknown) => {
      output.push(chunk as Buffer);
    });
    const packed = new Promise<void>((resolve, reject) => {
      pack.on('end', () => resolve());
      extract.on('error', reject);
    });
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => {
        chunks.push(chunk as Buffer);
      });
      stream.on('end', () => {
        const bytes = edit(header.name, Buffer.concat(chunks));
        if (bytes) {
          pack.entry({ ...header, size: bytes.length }, bytes);
        }
        next();
      });
    });
    extract.on('finish', () => pack.finalize());
    extract.end(gunzipSync(archiveBytes));
    await packed;
    return gzipSync(Buffer.concat(output));
  }

  it('reads five training batches and the test batch', async () => {
    writeArchive(archiveBytes);

    const data = await loadCifar10(cache, fixture);

    assert.deepEqual([data.train.count, data.test.count], [20, 3]);
    assert.deepEqual(data.exampleShape, [32, 32, 3]);
    // data_batch_b contains labels (3b + i) % 10 for images i = 0..3.
    assert.deepEqual([...data.train.labels], [3, 4, 5, 6, 6, 7, 8, 9, 9, 0, 1, 2, 2, 3, 4, 5, 5, 6, 7, 8]);
    assert.deepEqual([...data.test.labels], [8, 9, 0]);
  });

  it('puts the channels last, as Keras does', async () => {
    writeArchive(archiveBytes);

    const data = await loadCifar10(cache, fixture);

    // Image 1 of data_batch_2 is training example 5; check the pixel at row 3, column 7.
    const pixel = 3 * 32 + 7;
    const offset = 5 * 3072 + pixel * 3;
    assert.deepEqual([...data.train.features.subarray(offset, offset + 3)], [0, 1, 2].map((channel) => cifarPixel(2, 1, channel * 1024 + pixel)));
  });

  it('rejects an archive whose SHA-256 differs', async () => {
    writeArchive(archiveBytes);

    const error = await trainerError(() => loadCifar10(cache, { ...fixture, sha256: 'f'.repeat(64) }));

    assert.match(error.message, /CIFAR-10 archive .*cifar-10-python\.tar\.gz is damaged/);
  });

  it('names a missing batch', async () => {
    const archive = await editedArchive((name, bytes) => (name.endsWith('test_batch') ? undefined : bytes));
    writeArchive(archive);

    const error = await trainerError(() => loadCifar10(cache, { ...fixture, sha256: sha256Hex(archive) }));

    assert.match(error.message, /lacks the batches cifar-10-batches-py\/test_batch/);
  });

  it('rejects a batch that is not a pickle', async () => {
    const archive = await editedArchive((name, bytes) => (name.endsWith('data_batch_3') ? Buffer.from('not a pickle') : bytes));
    writeArchive(archive);

    const error = await trainerError(() => loadCifar10(cache, { ...fixture, sha256: sha256Hex(archive) }));

    assert.match(error.message, /batch cifar-10-batches-py\/data_batch_3 that cannot be read: unsupported pickle opcode 0x6e/);
  });

  it('names a missing archive', async () => {
    const error = await trainerError(() => loadCifar10(cache, fixture));

    assert.match(error.message, /CIFAR-10 archive .* was not found/);
  });

  for (const name of ['protocol0', 'python3-protocol2', 'python3-protocol4']) {
    it(`reads a batch pickled as ${name}`, () => {
      const batch = readCifarBatch(readFileSync(path.join(DATASETS, 'pickles', `${name}.pickle`)), 2);

      assert.deepEqual([...batch.labels], [7, 8]);
      const expected = Array.from({ length: 2 * 3072 }, (_, index) => cifarPixel(9, Math.floor(index / 3072), index % 3072));
      assert.deepEqual([...batch.data], expected);
    });
  }

  it('pickle reader runs nothing it names', () => {
    // `os.system('touch hacked')` as a pickle: the reader returns a call node instead.
    const hostile = Buffer.from("cos\nsystem\n(S'touch hacked'\ntR.", 'latin1');

    const value = readPickle(hostile);

    assert.deepEqual(value, { kind: 'call', callable: { kind: 'global', module: 'os', name: 'system' }, args: [{ kind: 'bytes', bytes: Uint8Array.from(Buffer.from('touch hacked')) }] });
    assert.throws(() => readCifarBatch(hostile, 1), /the pickle contains no dict/);
  });

  it('pickle reader stops at truncated data', () => {
    const bytes = readFileSync(path.join(DATASETS, 'pickles', 'python3-protocol4.pickle'));

    assert.throws(() => readCifarBatch(bytes.subarray(0, 200), 2), /runs past the end|ends before its STOP/);
  });
});

describe('datasets: scikit-learn generators', () => {
  it('make_moons gives two classes, the odd example to the inner moon', () => {
    const data = generateDataset('make_moons', { n_samples: 101, random_state: 0 }, 1);

    assert.equal(data.count, 101);
    assert.equal(data.features.length, 202);
    assert.deepEqual(classSizes(data.labels, 2), [50, 51]);
  });

  it('make_moons without noise lies on the two half circles', () => {
    const data = generateDataset('make_moons', { n_samples: 40, random_state: 3 }, 1);

    for (let i = 0; i < data.count; i++) {
      const [x, y] = [data.features[2 * i], data.features[2 * i + 1]];
      const radius = data.labels[i] === 0 ? Math.hypot(x, y) : Math.hypot(x - 1, y - 0.5);
      assert.ok(Math.abs(radius - 1) < 1e-6, `example ${i} has radius ${radius}`);
    }
  });

  it('make_circles puts the inner class at radius factor', () => {
    const data = generateDataset('make_circles', { n_samples: 60, factor: 0.3, shuffle: false }, 1);

    assert.deepEqual([...data.labels.subarray(28, 32)], [0, 0, 1, 1]);
    const radius = Math.hypot(data.features[2 * 45], data.features[2 * 45 + 1]);
    assert.ok(Math.abs(radius - 0.3) < 1e-6);
  });

  it('make_circles rejects factor 1', () => {
    assert.throws(() => generateDataset('make_circles', { factor: 1 }, 1), TrainerError);
  });

  it('make_blobs shares samples among centers as scikit-learn does', () => {
    const data = generateDataset('make_blobs', { n_samples: 10, centers: 4, n_features: 3, random_state: 5 }, 1);

    assert.equal(data.featureCount, 3);
    assert.equal(data.classes, 4);
    assert.deepEqual(classSizes(data.labels, 4), [3, 3, 2, 2]);
  });

  it('make_blobs clusters around given centers', () => {
    const data = generateDataset('make_blobs', { n_samples: 400, centers: [[-5, 0], [5, 0]], cluster_std: 0.5, random_state: 2 }, 1);

    const meanX = (label: number): number => {
      const xs = [...data.labels].flatMap((value, i) => (value === label ? [data.features[2 * i]] : []));
      return xs.reduce((sum, x) => sum + x, 0) / xs.length;
    };
    assert.ok(Math.abs(meanX(0) + 5) < 0.2, `mean ${meanX(0)}`);
    assert.ok(Math.abs(meanX(1) - 5) < 0.2, `mean ${meanX(1)}`);
  });

  it('random_state repeats the data whatever the run seed', () => {
    const first = generateDataset('make_moons', { n_samples: 50, noise: 0.1, random_state: 4 }, 1);
    const second = generateDataset('make_moons', { n_samples: 50, noise: 0.1, random_state: 4 }, 99);
    const other = generateDataset('make_moons', { n_samples: 50, noise: 0.1, random_state: 5 }, 1);

    assert.deepEqual([...first.features], [...second.features]);
    assert.notDeepEqual([...first.features], [...other.features]);
  });

  it('no random_state follows the run seed', () => {
    const first = generateDataset('make_moons', { n_samples: 50, noise: 0.1 }, 1);
    const same = generateDataset('make_moons', { n_samples: 50, noise: 0.1 }, 1);
    const other = generateDataset('make_moons', { n_samples: 50, noise: 0.1 }, 2);

    assert.deepEqual([...first.features], [...same.features]);
    assert.notDeepEqual([...first.features], [...other.features]);
  });

  it('train_test_split holds out ceil(n × test_size)', () => {
    const split = trainTestSplit(10, 0.25, true, createRandom(1));

    assert.deepEqual([split.train.length, split.test.length], [7, 3]);
    assert.deepEqual([...split.train, ...split.test].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('train_test_split without shuffle keeps the order', () => {
    const split = trainTestSplit(5, 0.4, false, createRandom(1));

    assert.deepEqual([[...split.train], [...split.test]], [[0, 1, 2], [3, 4]]);
  });

  it('generator spec loads split and shaped', () => {
    const spec = datasetOf('data_moons.py');

    const data = loadGeneratedDataset({ ...spec, name: 'make_moons' }, 1);

    assert.deepEqual([data.train.count, data.test.count, data.classes], [400, 100, 2]);
    assert.deepEqual(data.exampleShape, [2]);
  });
});

describe('datasets: CSV loader', () => {
  const source = (overrides: Partial<CsvSource> = {}): CsvSource => ({
    path: 'points.csv',
    delimiter: ',',
    skipRows: 1,
    labelColumn: 'label',
    testFraction: 0,
    ...overrides,
  });
  const load = (file: string, overrides: Partial<CsvSource> = {}): ReturnType<typeof loadCsvDataset> =>
    loadCsvDataset(path.join(CSV_DIR, file), source(overrides), 1);

  it('reads features and labels by header name', async () => {
    const data = await load('points.csv');

    assert.deepEqual([data.train.count, data.exampleShape[0], data.classes], [240, 2, 2]);
    assert.deepEqual(classSizes(data.train.labels, 2), [120, 120]);
    assert.equal(data.test, data.train);
  });

  it('splits with test_size', async () => {
    const data = await load('points.csv', { testFraction: 0.25, randomState: 3 });

    assert.deepEqual([data.train.count, data.test.count], [180, 60]);
  });

  it('reads a file without header by column number', async () => {
    const data = await load('points_no_header.csv', { skipRows: 0, labelColumn: -1 });

    assert.equal(data.train.count, 240);
    assert.deepEqual([...data.train.features.subarray(0, 2)], [...(await load('points.csv')).train.features.subarray(0, 2)]);
  });

  it('reads semicolons', async () => {
    const data = await load('semicolons.csv', { delimiter: ';' });

    assert.equal(data.train.count, 20);
  });

  it('drops extra columns', async () => {
    const data = await load('with_id.csv', { labelColumn: -1, dropColumns: [0, -1] });

    assert.deepEqual(data.exampleShape, [2]);
    assert.equal(data.train.count, 40);
  });

  it('real-valued labels mean regression', async () => {
    const data = await load('regression.csv', { labelColumn: 'y' });

    assert.equal(data.classes, 0);
    assert.deepEqual([...data.train.labels], [0.5, 1.5, 2.5, 3.5]);
  });

  it('rejects a ragged row at its line', async () => {
    const error = await trainerError(() => load('ragged.csv'));
    assert.match(error.message, /Line 3 of .*ragged\.csv has 2 columns, but line 2 has 3/);
  });

  it('rejects an empty cell at its line and column', async () => {
    const error = await trainerError(() => load('nan.csv'));
    assert.match(error.message, /Line 3, column 2 \("x2"\) of .*nan\.csv is empty or NaN/);
  });

  it('rejects text at its line and column', async () => {
    const error = await trainerError(() => load('text.csv'));
    assert.match(error.message, /Line 3, column 2 \("x2"\) of .*text\.csv holds "abc", which is not a number/);
  });

  it('rejects a file with no data rows', async () => {
    const error = await trainerError(() => load('empty.csv'));
    assert.match(error.message, /empty\.csv has no data rows after line 1/);
  });

  it('names a missing column', async () => {
    const error = await trainerError(() => load('points.csv', { labelColumn: 'species' }));
    assert.match(error.message, /no column named "species": the header on line 1 names x1, x2, label/);
  });

  it('trainer needs the resolved path', async () => {
    const error = await trainerError(() => loadDataset({ name: 'csv', origin: 'file', pixelDivisor: 1, oneHotLabels: false, csv: source() }, trainOptions(), 1));
    assert.match(error.message, /no path/);
  });

  it('sparse labels beyond the output units are rejected', async () => {
    const data = await load('points.csv');
    const spec = parseFixture('data_csv_pandas.py').spec as ModelSpec;

    assert.throws(() => targetEncoding(spec, data, [1]), /label 1, but sparse_categorical_crossentropy with 1 output units/);
    assert.deepEqual(targetEncoding(spec, data, [2]), { kind: 'one-hot', depth: 2 });
    assert.equal(prepareDataset(data, spec.fit, {}).train.indices.length, 240);
  });
});

describe('datasets: CSV location', () => {
  let workspace: string;
  let outside: string;

  before(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'gradient-flow-workspace-'));
    outside = mkdtempSync(path.join(tmpdir(), 'gradient-flow-outside-'));
    mkdirSync(path.join(workspace, 'models'));
    mkdirSync(path.join(workspace, 'data'));
    writeFileSync(path.join(workspace, 'data', 'points.csv'), 'x,label\n1,0\n');
    writeFileSync(path.join(outside, 'secret.csv'), 'x,label\n1,0\n');
    symlinkSync(path.join(outside, 'secret.csv'), path.join(workspace, 'data', 'link.csv'));
  });

  after(() => {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const model = (): string => path.join(workspace, 'models', 'model.py');

  it('resolves relative to the model file', async () => {
    assert.equal(await resolveCsvPath('../data/points.csv', model(), [workspace]), path.join(workspace, 'data', 'points.csv'));
  });

  it('rejects a path outside the workspace', async () => {
    const written = path.relative(path.join(workspace, 'models'), path.join(outside, 'secret.csv'));

    await assert.rejects(resolveCsvPath(written, model(), [workspace]), (error: Error) => {
      assert.ok(error instanceof CsvLocationError);
      assert.match(error.message, /secret\.csv resolves to .* which is outside the workspace folders/);
      return true;
    });
  });

  it('rejects a symbolic link that leads outside', async () => {
    await assert.rejects(resolveCsvPath('../data/link.csv', model(), [workspace]), /link\.csv resolves to .*secret\.csv, which is outside/);
  });

  it('rejects a missing file outside without looking', async () => {
    await assert.rejects(resolveCsvPath('../../no-such-folder/data.csv', model(), [workspace]), /no-such-folder\/data\.csv, which is outside the workspace folders/);
  });

  it('names a missing file and where it looked', async () => {
    await assert.rejects(resolveCsvPath('missing.csv', model(), [workspace]), /missing\.csv .* was not found at .*models\/missing\.csv/);
  });

  it('rejects a folder', async () => {
    await assert.rejects(resolveCsvPath('../data', model(), [workspace]), /is a folder, not a file/);
  });
});

describe('datasets: training runs', function () {
  before(async () => {
    await loadTensorFlow('wasm', WASM_DIR);
  });

  async function run(spec: ModelSpec, csvPath?: string): Promise<TrainerToHost[]> {
    const messages: TrainerToHost[] = [];
    await train(spec, trainOptions({ samplesPerEpoch: 2, csvPath }), (message) => messages.push(message), () => false);
    const failure = messagesOfType(messages, 'failed')[0];
    assert.equal(failure, undefined, failure?.message);
    return messages;
  }

  it('make_moons trains to a curved border', async () => {
    const spec = parseFixture('data_moons.py').spec as ModelSpec;

    const messages = await run(spec);

    const dataset = messagesOfType(messages, 'dataset')[0];
    assert.deepEqual([dataset.name, dataset.trainExamples, dataset.validationExamples, dataset.testExamples], ['make_moons', 400, 100, 100]);
    const accuracy = messagesOfType(messages, 'evaluation')[0].evaluation.accuracy;
    assert.ok(accuracy > 0.9, `test accuracy ${accuracy}`);
  });

  it('CSV points train to high accuracy', async () => {
    const file = path.join(MODELS, 'data_csv_pandas.py');
    const spec = parseFixture('data_csv_pandas.py').spec as ModelSpec;
    const csvPath = await resolveCsvPath((spec.dataset.csv as CsvSource).path, file, [FIXTURES]);

    const messages = await run(spec, csvPath);

    const dataset = messagesOfType(messages, 'dataset')[0];
    assert.deepEqual([dataset.name, dataset.trainExamples, dataset.testExamples], ['csv', 180, 60]);
    const accuracy = messagesOfType(messages, 'evaluation')[0].evaluation.accuracy;
    assert.ok(accuracy > 0.95, `test accuracy ${accuracy}`);
  });
});

function classSizes(labels: ArrayLike<number>, classes: number): number[] {
  const sizes = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    sizes[labels[i]] += 1;
  }
  return sizes;
}
