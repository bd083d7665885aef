/**
 * The trainer computes Dense layers with its own matMul formulation (explicit transposes in
 * the gradient) and its own loss. These tests check that the gradients it applies, and the
 * weights after a few SGD steps, equal what tfjs computes with its standard layers.
 */
import * as assert from 'node:assert/strict';
import type * as tfCore from '@tensorflow/tfjs-core';
import type * as tfLayers from '@tensorflow/tfjs-layers';
import { makeBatch, type Batch, type ExampleSet } from '../../src/trainer/dataset';
import { loadMnist, type Mnist } from '../../src/trainer/mnist';
import { buildModel, disposeModel, type BuiltModel } from '../../src/trainer/model';
import { createOptimizer, type Optimizer } from '../../src/trainer/optimizers';
import { createRandom } from '../../src/trainer/random';
import { loadTensorFlow, type Tf } from '../../src/trainer/tensorflow';
import { TrainingStep } from '../../src/trainer/trainingStep';
import { DATA_DIR, deepMnistSpec, WASM_DIR } from '../helpers/modelSpecs';

/**
 * Largest accepted |ours − tfjs| per tensor, relative to the largest |tfjs| entry of that
 * tensor. Both sides round in float32 but sum in different orders.
 */
const RELATIVE_TOLERANCE = 1e-4;

const BATCH_SIZE = 32;
const SGD_STEPS = 5;
const HIDDEN_UNITS = [64, 128, 256, 256, 168, 64];

/** An optimizer that keeps a copy of every gradient it is given, then applies it with `inner`. */
class RecordingOptimizer implements Optimizer {
  readonly gradients: Float32Array[][] = [];

  constructor(private readonly inner: Optimizer) {}

  applyGradients(variables: readonly tfCore.Variable[], gradients: readonly tfCore.Tensor[]): void {
    this.gradients.push(gradients.map((gradient) => gradient.dataSync() as Float32Array));
    this.inner.applyGradients(variables, gradients);
  }

  dispose(): void {
    this.inner.dispose();
  }
}

/** Builds the classroom model as a plain tfjs Sequential of standard layers, with the weights of `ours`. */
function referenceModel(tf: Tf, ours: BuiltModel, hiddenActivation: string): tfLayers.Sequential {
  const reference = tf.sequential();
  reference.add(tf.layers.flatten({ inputShape: [28, 28] }));
  for (const units of HIDDEN_UNITS) {
    reference.add(tf.layers.dense({ units, activation: hiddenActivation as 'sigmoid' | 'relu' }));
  }
  reference.add(tf.layers.dense({ units: 10, activation: 'softmax' }));

  const weights = ours.trainableVariables.map((variable) => tf.clone(variable));
  reference.setWeights(weights);
  tf.dispose(weights);
  return reference;
}

function referenceVariables(reference: tfLayers.Sequential): tfCore.Variable[] {
  return reference.trainableWeights.map((weight) => weight.read() as tfCore.Variable);
}

/** Mean crossentropy with tfjs-layers' own Keras loss function. */
function referenceLoss(tf: Tf, reference: tfLayers.Sequential, batch: Batch): tfCore.Scalar {
  const probabilities = reference.apply(batch.x) as tfCore.Tensor;
  return tf.mean(tf.metrics.categoricalCrossentropy(batch.y, probabilities)) as tfCore.Scalar;
}

/** Returns max |actual − expected| / max |expected|. */
function relativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'tensor sizes differ');
  let largestDifference = 0;
  let largestExpected = 0;
  for (let i = 0; i < expected.length; i++) {
    largestDifference = Math.max(largestDifference, Math.abs(actual[i] - expected[i]));
    largestExpected = Math.max(largestExpected, Math.abs(expected[i]));
  }
  return largestExpected === 0 ? largestDifference : largestDifference / largestExpected;
}

function assertAllClose(actual: readonly ArrayLike<number>[], expected: readonly ArrayLike<number>[], names: readonly string[]): void {
  assert.equal(actual.length, expected.length, 'tensor counts differ');
  const differences = names.map((name, i) => ({ name, difference: relativeDifference(actual[i], expected[i]) }));
  const failing = differences.filter(({ difference }) => !(difference <= RELATIVE_TOLERANCE));
  assert.deepEqual(failing, [], `relative differences above ${RELATIVE_TOLERANCE}`);
}

for (const activation of ['sigmoid', 'relu']) {
  describe(`trainer on the ${activation} classroom model`, () => {
    let tf: Tf;
    let mnist: Mnist;
    let ours: BuiltModel;
    let optimizer: RecordingOptimizer;
    let step: TrainingStep;
    let reference: tfLayers.Sequential;
    let batches: Batch[];
    let names: string[];
    let learningRate: number;

    before(async () => {
      ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
      mnist = await loadMnist(DATA_DIR);
    });

    beforeEach(() => {
      const spec = deepMnistSpec(activation);
      ours = buildModel(tf, spec, createRandom(20240601), () => undefined);
      learningRate = spec.compile.optimizer.learningRate;
      optimizer = new RecordingOptimizer(createOptimizer(tf, spec.compile.optimizer));
      step = new TrainingStep(tf, ours, optimizer, learningRate, createRandom(5));
      reference = referenceModel(tf, ours, activation);
      names = ours.trainableVariables.map((variable) => variable.name);

      // Real MNIST examples in a fixed, seeded order.
      const examples: ExampleSet = { source: mnist.train, indices: seededIndices(BATCH_SIZE * SGD_STEPS, 77) };
      batches = Array.from({ length: SGD_STEPS }, (_, i) =>
        makeBatch(tf, examples, i * BATCH_SIZE, (i + 1) * BATCH_SIZE, spec.inputShape, spec.dataset),
      );
    });

    afterEach(() => {
      tf.dispose(batches.flatMap((batch) => [batch.x, batch.y]));
      reference.dispose();
      optimizer.dispose();
      disposeModel(ours);
    });

    function referenceGradients(batch: Batch): Float32Array[] {
      const variables = referenceVariables(reference);
      const { value, grads } = tf.variableGrads(() => referenceLoss(tf, reference, batch), variables);
      const arrays = variables.map((variable) => grads[variable.name].dataSync() as Float32Array);
      tf.dispose([value, ...Object.values(grads)]);
      return arrays;
    }

    it('applies tfjs Dense gradients on a plain step', async () => {
      const expected = referenceGradients(batches[0]);

      await step.run(batches[0].x, batches[0].y, false);

      assertAllClose(optimizer.gradients[0], expected, names);
    });

    it('applies tfjs Dense gradients on a statistics step', async () => {
      const expected = referenceGradients(batches[0]);

      await step.run(batches[0].x, batches[0].y, true);

      assertAllClose(optimizer.gradients[0], expected, names);
    });

    it('reports the tfjs loss', async () => {
      const expected = tf.tidy(() => referenceLoss(tf, reference, batches[0]).dataSync()[0]);

      const outcome = await step.run(batches[0].x, batches[0].y, false);

      assert.ok(Math.abs(outcome.loss - expected) <= RELATIVE_TOLERANCE * Math.abs(expected), `${outcome.loss} vs ${expected}`);
    });

    it(`matches tfjs SGD weights after ${SGD_STEPS} steps`, async () => {
      const initial = ours.trainableVariables.map((variable) => variable.dataSync().slice());
      reference.compile({ optimizer: tf.train.sgd(learningRate), loss: 'categoricalCrossentropy' });

      for (const [i, batch] of batches.entries()) {
        // Every other step gathers statistics, which must not change the update.
        await step.run(batch.x, batch.y, i % 2 === 1);
        await reference.trainOnBatch(batch.x, batch.y);
      }

      // The weights move by far less than their size, so the movement itself is compared.
      const failing = referenceVariables(reference).flatMap((variable, v) => {
        const referenceAfter = variable.dataSync();
        const oursAfter = ours.trainableVariables[v].dataSync();
        const referenceChange = referenceAfter.map((value, i) => value - initial[v][i]);
        const oursChange = oursAfter.map((value, i) => value - initial[v][i]);
        const difference = maxAbs(oursChange.map((value, i) => value - referenceChange[i]));
        const allowed = RELATIVE_TOLERANCE * maxAbs(referenceChange) + SGD_STEPS * float32Spacing(maxAbs(referenceAfter));
        return difference <= allowed ? [] : [`${names[v]}: ${difference} > ${allowed}`];
      });
      assert.deepEqual(failing, []);
    });

    it(`applies tfjs Dense gradients at each of ${SGD_STEPS} steps`, async () => {
      reference.compile({ optimizer: tf.train.sgd(learningRate), loss: 'categoricalCrossentropy' });
      const expected: Float32Array[][] = [];

      // In the first sigmoid layers the gradients are too small to move the weights beyond
      // float32 rounding, so the gradients of every step are compared on their own scale.
      for (const batch of batches) {
        expected.push(referenceGradients(batch));
        await step.run(batch.x, batch.y, false);
        await reference.trainOnBatch(batch.x, batch.y);
      }

      const failing = expected.flatMap((gradients, i) => {
        const differences = gradients.map((gradient, v) => relativeDifference(optimizer.gradients[i][v], gradient));
        return differences.some((difference) => !(difference <= RELATIVE_TOLERANCE)) ? [`step ${i}: ${differences.join(', ')}`] : [];
      });
      assert.deepEqual(failing, []);
    });
  });
}

function maxAbs(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    largest = Math.max(largest, Math.abs(values[i]));
  }
  return largest;
}

/**
 * Returns the gap between float32 numbers near `value`. Each SGD step rounds every weight
 * to float32, and two updates that differ in their last bits can round one gap apart.
 */
function float32Spacing(value: number): number {
  return value === 0 ? 0 : 2 ** (Math.floor(Math.log2(value)) - 23);
}

/** Returns `count` distinct training-set indices in a seeded random order. */
function seededIndices(count: number, seed: number): Int32Array {
  const random = createRandom(seed);
  const chosen = new Set<number>();
  while (chosen.size < count) {
    chosen.add(random.nextUint32() % 60000);
  }
  return Int32Array.from(chosen);
}
