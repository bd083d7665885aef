import * as assert from 'node:assert/strict';
import { HISTOGRAM_BINS, type LayerStatistics } from '../../src/common/statistics';
import { sampledBatches } from '../../src/trainer/layerStatistics';
import { buildModel, disposeModel, type BuiltModel } from '../../src/trainer/model';
import { createOptimizer, type Optimizer } from '../../src/trainer/optimizers';
import { createRandom } from '../../src/trainer/random';
import { loadTensorFlow, type Tf } from '../../src/trainer/tensorflow';
import { TrainingStep } from '../../src/trainer/trainingStep';
import { dense, modelSpec, WASM_DIR } from '../helpers/modelSpecs';

type Matrix = number[][];

const LEARNING_RATE = 0.1;

// A 2-layer sigmoid MLP small enough to differentiate by hand: 3 inputs → 4 sigmoid → 3 softmax.
const X: Matrix = [
  [0.5, -1.0, 2.0],
  [1.5, 0.3, -0.7],
  [-0.2, 0.8, 0.1],
  [0.9, -0.4, -1.2],
  [0.0, 1.1, 0.6],
];
const LABELS = [2, 0, 1, 1, 2];
const W1: Matrix = [
  [0.3, -0.5, 0.8, 0.1],
  [-0.7, 0.2, 0.4, -0.3],
  [0.6, 0.9, -0.2, 0.5],
];
const B1 = [0.1, -0.2, 0.05, 0.0];
const W2: Matrix = [
  [0.4, -0.6, 0.2],
  [0.7, 0.1, -0.5],
  [-0.3, 0.8, 0.6],
  [0.5, -0.2, 0.3],
];
const B2 = [0.02, -0.01, 0.03];

describe('layer statistics', () => {
  let tf: Tf;
  const cleanups: (() => void)[] = [];

  before(async () => {
    ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
  });

  afterEach(() => {
    cleanups.splice(0).forEach((cleanup) => cleanup());
  });

  /** Builds a model on `inputShape` with the given Dense layers and explicit weights. */
  function buildWithWeights(
    layers: { units: number; activation: string; kernel: Matrix; bias: number[] }[],
    inputShape: number[],
  ): { model: BuiltModel; step: TrainingStep; optimizer: Optimizer } {
    const spec = modelSpec(
      layers.map((layer, i) => dense(i, layer.units, layer.activation)),
      { inputShape, optimizer: { learningRate: LEARNING_RATE } },
    );
    const model = buildModel(tf, spec, createRandom(7), () => undefined);
    layers.forEach((layer, i) => {
      model.tracked[i].kernel?.assign(tf.tensor2d(layer.kernel));
      model.tracked[i].bias?.assign(tf.tensor1d(layer.bias));
    });
    const optimizer = createOptimizer(tf, spec.compile.optimizer);
    const step = new TrainingStep(tf, model, optimizer, LEARNING_RATE, createRandom(8));
    cleanups.push(() => {
      optimizer.dispose();
      disposeModel(model);
    });
    return { model, step, optimizer };
  }

  async function runStep(step: TrainingStep, inputs: Matrix, labels: number[], classes: number) {
    const x = tf.tensor2d(inputs);
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32'));
    try {
      return await step.run(x, y, true);
    } finally {
      tf.dispose([x, y]);
    }
  }

  describe('on a 2-layer sigmoid MLP', () => {
    let layers: readonly LayerStatistics[];
    let loss: number;
    let expected: ReturnType<typeof backpropagate>;
    let kernelsAfter: number[][][];

    before(async () => {
      const { model, step } = buildWithWeights(
        [
          { units: 4, activation: 'sigmoid', kernel: W1, bias: B1 },
          { units: 3, activation: 'softmax', kernel: W2, bias: B2 },
        ],
        [3],
      );
      const outcome = await runStep(step, X, LABELS, 3);
      layers = outcome.layers ?? [];
      loss = outcome.loss;
      expected = backpropagate();
      kernelsAfter = model.tracked.map((state) => state.kernel?.arraySync() as number[][]);
    });

    it('reports the hand-derived loss', () => {
      assertClose(loss, expected.loss);
    });

    it('matches the hand-derived weight-gradient norms', () => {
      assertClose(layers[0].weightGradNorm, norm(expected.dW1));
      assertClose(layers[1].weightGradNorm, norm(expected.dW2));
    });

    it('matches the hand-derived mean absolute weight gradients', () => {
      assertClose(layers[0].weightGradMeanAbs, meanAbs(expected.dW1));
      assertClose(layers[1].weightGradMeanAbs, meanAbs(expected.dW2));
    });

    it('matches the hand-derived bias-gradient norms', () => {
      assertClose(layers[0].biasGradNorm, norm([expected.db1]));
      assertClose(layers[1].biasGradNorm, norm([expected.db2]));
    });

    it('matches the hand-derived output-signal norms', () => {
      assertClose(layers[0].outputGradNorm, norm(expected.da1));
      assertClose(layers[1].outputGradNorm, norm(expected.dp));
    });

    it('reports the update ratio lr·‖∂L/∂W‖ / ‖W‖', () => {
      assertClose(layers[0].updateRatio, (LEARNING_RATE * norm(expected.dW1)) / norm(W1));
      assertClose(layers[1].updateRatio, (LEARNING_RATE * norm(expected.dW2)) / norm(W2));
    });

    it('uses the gradients the optimizer applied', () => {
      const applied = subtract(W1, kernelsAfter[0]).map((row) => row.map((value) => value / LEARNING_RATE));
      assertClose(norm(applied), layers[0].weightGradNorm, 1e-3);
    });

    it('describes the sigmoid activations', () => {
      const values = expected.a1.flat();
      assertClose(layers[0].activationMean, mean(values));
      assertClose(layers[0].activationStd, Math.sqrt(mean(values.map((value) => (value - mean(values)) ** 2))));
    });

    it('bins sigmoid activations over [0, 1]', () => {
      const values = expected.a1.flat();
      const bins = new Array<number>(HISTOGRAM_BINS).fill(0);
      values.forEach((value) => (bins[Math.min(HISTOGRAM_BINS - 1, Math.floor(value * HISTOGRAM_BINS))] += 1 / values.length));

      assert.equal(layers[0].histogramMin, 0);
      assert.equal(layers[0].histogramMax, 1);
      layers[0].histogram.forEach((fraction, bin) => assertClose(fraction, bins[bin], 1e-6, `bin ${bin}`));
    });

    it('reports no non-finite gradients', () => {
      assert.equal(layers[0].gradNonFinite, 0);
      assert.equal(layers[1].gradNonFinite, 0);
    });

    it('reports saturation for sigmoid and nothing for softmax', () => {
      assert.equal(layers[0].saturatedFraction, 0);
      assert.equal(layers[1].saturatedFraction, null);
      assert.equal(layers[0].deadFraction, null);
    });
  });

  it('counts saturated sigmoid outputs', async () => {
    // Unit 0 receives +20·x0, unit 1 receives −20·x1, unit 2 is always σ(0) = 0.5, unit 3 receives x2.
    const { step } = buildWithWeights(
      [
        { units: 4, activation: 'sigmoid', kernel: [[20, 0, 0, 0], [0, -20, 0, 0], [0, 0, 0, 1]], bias: [0, 0, 0, 0] },
        { units: 2, activation: 'softmax', kernel: [[1, 0], [0, 1], [1, 1], [0, 0]], bias: [0, 0] },
      ],
      [3],
    );

    // Saturated are units 0 and 1 of row 0, unit 1 of row 1, and units 0, 1 and 3 of row 2 (σ(6) > 0.99).
    const outcome = await runStep(step, [[1, 1, 0.3], [0, 1, 0.3], [1, 1, 6]], [0, 1, 0], 2);

    assert.equal(outcome.layers?.[0].saturatedFraction, 6 / 12);
  });

  it('counts dead ReLU units', async () => {
    // Unit 1 outputs max(0, −x1), alive only in the last row; unit 2 always has −1 before ReLU.
    const { step } = buildWithWeights(
      [
        { units: 4, activation: 'relu', kernel: [[1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 0, 0]], bias: [0, 0, -1, 0.5] },
        { units: 2, activation: 'softmax', kernel: [[1, 0], [0, 1], [1, 1], [0, 0]], bias: [0, 0] },
      ],
      [3],
    );

    const outcome = await runStep(step, [[1, 1, 0], [2, 3, 0], [0.5, -1, 0]], [0, 1, 0], 2);

    assert.equal(outcome.layers?.[0].deadFraction, 1 / 4);
  });

  it('counts NaN gradients of a NaN input', async () => {
    const { step } = buildWithWeights(
      [
        { units: 4, activation: 'sigmoid', kernel: W1, bias: B1 },
        { units: 3, activation: 'softmax', kernel: W2, bias: B2 },
      ],
      [3],
    );

    const outcome = await runStep(step, [[NaN, 0, 0], ...X.slice(1)], LABELS, 3);

    assert.equal(outcome.layers?.[0].gradNonFinite, 3 * 4 + 4);
    assert.equal(outcome.layers?.[1].gradNonFinite, 4 * 3 + 3);
  });

  it('frees every tensor of a step', async () => {
    const { step } = buildWithWeights(
      [
        { units: 4, activation: 'sigmoid', kernel: W1, bias: B1 },
        { units: 3, activation: 'softmax', kernel: W2, bias: B2 },
      ],
      [3],
    );
    await runStep(step, X, LABELS, 3);
    const before = tf.memory().numTensors;

    await runStep(step, X, LABELS, 3);

    assert.equal(tf.memory().numTensors, before);
  });

  describe('sampled batches', () => {
    it('spreads 25 samples over 1,500 batches', () => {
      const batches = sampledBatches(1500, 25);

      assert.equal(batches.size, 25);
      assert.ok(batches.has(0));
      assert.ok(batches.has(1499));
    });

    it('samples every batch of short epochs', () => {
      assert.deepEqual([...sampledBatches(4, 25)], [0, 1, 2, 3]);
    });

    it('keeps first and last for one sample', () => {
      assert.deepEqual([...sampledBatches(10, 1)], [0, 9]);
    });

    it('samples nothing when statistics are off', () => {
      assert.equal(sampledBatches(1500, 0).size, 0);
    });
  });
});

/** Forward and backward pass of the 2-layer MLP in float64, derived by hand. */
function backpropagate() {
  const batch = X.length;
  const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

  const a1 = addRow(matMul(X, W1), B1).map((row) => row.map(sigmoid));
  const z2 = addRow(matMul(a1, W2), B2);
  const p = z2.map((row) => {
    const exps = row.map((value) => Math.exp(value - Math.max(...row)));
    const total = exps.reduce((sum, value) => sum + value, 0);
    return exps.map((value) => value / total);
  });
  const loss = mean(p.map((row, i) => -Math.log(row[LABELS[i]])));

  // Keras's crossentropy divides p by Σp before the log, so ∂L/∂p_j = (1 − [j = y] / p_y) / batch.
  const dp = p.map((row, i) => row.map((value, j) => (1 - (j === LABELS[i] ? 1 / value : 0)) / batch));
  const dz2 = p.map((row, i) => row.map((value, j) => (value - (j === LABELS[i] ? 1 : 0)) / batch));
  const dW2 = matMul(transpose(a1), dz2);
  const db2 = columnSums(dz2);
  const da1 = matMul(dz2, transpose(W2));
  const dz1 = da1.map((row, i) => row.map((value, j) => value * a1[i][j] * (1 - a1[i][j])));
  const dW1 = matMul(transpose(X), dz1);
  const db1 = columnSums(dz1);

  return { loss, a1, dp, da1, dW1, db1, dW2, db2 };
}

function matMul(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => b[0].map((_, j) => row.reduce((sum, value, k) => sum + value * b[k][j], 0)));
}

function transpose(a: Matrix): Matrix {
  return a[0].map((_, j) => a.map((row) => row[j]));
}

function addRow(a: Matrix, row: number[]): Matrix {
  return a.map((values) => values.map((value, j) => value + row[j]));
}

function subtract(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((value, j) => value - b[i][j]));
}

function columnSums(a: Matrix): number[] {
  return a[0].map((_, j) => a.reduce((sum, row) => sum + row[j], 0));
}

function norm(a: Matrix): number {
  return Math.sqrt(a.flat().reduce((sum, value) => sum + value * value, 0));
}

function meanAbs(a: Matrix): number {
  return mean(a.flat().map(Math.abs));
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function assertClose(actual: number, expected: number, relative = 1e-4, label = ''): void {
  const tolerance = relative * Math.max(Math.abs(expected), 1e-6);
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${label} expected ${expected}, got ${actual} (tolerance ${tolerance})`.trim(),
  );
}
