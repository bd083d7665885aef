import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ModelSpec } from '../../src/common/modelSpec';
import { parseModelFile } from '../../src/parser';
import {
  DEFAULT_MAX_MODEL_MEMORY_MB,
  describeMemoryProblem,
  estimateModelSize,
  exceedsMemoryLimit,
  largestLayer,
  megabytes,
} from '../../src/training/modelSize';
import { deepMnistSpec, dense, layer, modelSpec } from '../helpers/modelSpecs';

const ROOT = path.resolve(__dirname, '..', '..');
const SEED_MODEL = readFileSync(path.join(ROOT, 'test/fixtures/parser/seed_model.py'), 'utf8');

function seedSpec(text = SEED_MODEL): ModelSpec {
  const result = parseModelFile(text, 'seed_model.py');
  assert.ok(result.spec, result.diagnostics.map((d) => d.message).join('\n'));
  return result.spec;
}

describe('model size estimate', () => {
  it('counts the seed model parameters as Keras does', () => {
    // model.summary() in Keras: 50,240 + 8,320 + 33,024 + 65,792 + 43,176 + 10,816 + 650.
    assert.equal(estimateModelSize(seedSpec()).parameters, 212_018);
  });

  it('gives each layer its Keras output shape', () => {
    const shapes = estimateModelSize(seedSpec()).layers.map((entry) => entry.outputShape.join('x'));
    assert.deepEqual(shapes, ['28x28', '784', '64', '128', '256', '256', '168', '64', '10']);
  });

  it('leaves the seed model far below the default limit', () => {
    assert.equal(exceedsMemoryLimit(estimateModelSize(seedSpec()), DEFAULT_MAX_MODEL_MEMORY_MB), false);
  });

  it('counts no bias with use_bias=False', () => {
    const spec = modelSpec([layer('Flatten', 'flatten'), dense(0, 10, 'softmax', { use_bias: false })]);
    assert.equal(estimateModelSize(spec).parameters, 7840);
  });

  it('adds two slots per weight for Adam', () => {
    const sgd = estimateModelSize(deepMnistSpec('relu'));
    const adam = estimateModelSize(deepMnistSpec('relu', { optimizer: { className: 'Adam', learningRate: 0.001 } }));
    assert.equal(adam.weightBytes - sgd.weightBytes, 2 * 4 * sgd.parameters);
  });

  it('caps the batch at the training set', () => {
    assert.equal(estimateModelSize(deepMnistSpec('relu', { fit: { batchSize: 10 ** 12 } })).batchSize, 60_000);
  });

  it('grows with the batch size', () => {
    const small = estimateModelSize(deepMnistSpec('relu', { fit: { batchSize: 32 } }));
    const large = estimateModelSize(deepMnistSpec('relu', { fit: { batchSize: 60_000 } }));
    assert.ok(large.activationBytes > 100 * small.activationBytes, `${large.activationBytes} vs ${small.activationBytes}`);
  });

  it('flags a billion-unit layer over the default limit', () => {
    const huge = seedSpec(SEED_MODEL.replace("Dense(units = 256, activation ='sigmoid')", "Dense(units = 1000000000, activation ='sigmoid')"));
    assert.equal(exceedsMemoryLimit(estimateModelSize(huge), DEFAULT_MAX_MODEL_MEMORY_MB), true);
  });

  it('names the largest layer and its line', () => {
    // dense_2 gets a billion units, so the kernel of dense_3 (1e9 × 256) is the largest.
    const text = SEED_MODEL.replace("Dense(units = 256, activation ='sigmoid')", "Dense(units = 1000000000, activation ='sigmoid')");
    const spec = seedSpec(text);
    const estimate = estimateModelSize(spec);
    const line = text.slice(0, text.indexOf("Dense(units = 256, activation = 'sigmoid')")).split('\n').length;
    assert.equal(largestLayer(estimate)?.name, 'dense_3');
    assert.match(describeMemoryProblem(spec, estimate, 2048), new RegExp(`dense_3 on line ${line}, has 256,000,000,256 weights`));
  });

  it('reports an overflowing size as infinite', () => {
    const spec = modelSpec([layer('Flatten', 'flatten'), dense(0, 1e300, 'relu'), dense(1, 1e300, 'relu'), dense(2, 10, 'softmax')]);
    const estimate = estimateModelSize(spec);
    assert.equal(estimate.totalBytes, Infinity);
    assert.match(describeMemoryProblem(spec, estimate, 2048), /about ∞ MB/);
  });

  it('rounds megabytes up', () => {
    assert.equal(megabytes(1024 * 1024 + 1), 2);
  });
});
