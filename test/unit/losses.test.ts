/**
 * Crossentropy from logits when the model ends in softmax, as Keras computes it, and from
 * clipped probabilities otherwise. The logits z = [1000, 0, −1000] put two probabilities far
 * below the 1e-7 clip, where the probability form loses its gradient.
 */
import * as assert from 'node:assert/strict';
import type * as tfCore from '@tensorflow/tfjs-core';
import type { LayerSpec } from '../../src/common/modelSpec';
import { evaluateExamples } from '../../src/trainer/evaluation';
import { EPSILON, correctPerExample, crossentropyPerExample, crossentropyProbabilityGradient } from '../../src/trainer/losses';
import { MNIST_CLASSES, MNIST_PIXELS } from '../../src/trainer/mnist';
import { buildModel, disposeModel, endsWithSoftmax, type BuiltModel } from '../../src/trainer/model';
import { createOptimizer } from '../../src/trainer/optimizers';
import { createRandom } from '../../src/trainer/random';
import { loadTensorFlow, type Tf } from '../../src/trainer/tensorflow';
import { TrainingStep } from '../../src/trainer/trainingStep';
import { dense, layer, modelSpec, WASM_DIR } from '../helpers/modelSpecs';

const LOGITS = [1000, 0, -1000];
/** One example per class, so the label probabilities are 1, e^−1000 and e^−2000. */
const LABELS = [0, 1, 2];
const LEARNING_RATE = 0.1;

describe('crossentropy', () => {
  let tf: Tf;
  const cleanups: (() => void)[] = [];

  before(async () => {
    ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
  });

  afterEach(() => {
    cleanups.splice(0).forEach((cleanup) => cleanup());
  });

  function oneHot(labels: readonly number[], classes: number): tfCore.Tensor2D {
    return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels as number[], 'int32'), classes), 'float32') as tfCore.Tensor2D);
  }

  /** Returns the batch-mean loss and its gradient with respect to the logits of every row. */
  function lossAndLogitGradient(logitRows: number[][], labels: readonly number[], fromLogits: boolean): { loss: number; gradient: number[][] } {
    return tf.tidy(() => {
      const y = oneHot(labels, logitRows[0].length);
      const meanLoss = (z: tfCore.Tensor): tfCore.Scalar =>
        tf.mean(crossentropyPerExample(tf, y, tf.softmax(z), fromLogits ? z : undefined)) as tfCore.Scalar;
      const { value, grad } = tf.valueAndGrad(meanLoss)(tf.tensor2d(logitRows));
      return { loss: value.dataSync()[0], gradient: grad.arraySync() as number[][] };
    });
  }

  describe('from logits', () => {
    it('equals log-sum-exp minus the label logit', () => {
      const perExample = tf.tidy(() => {
        const z = tf.tensor2d(LABELS.map(() => LOGITS));
        return Array.from(crossentropyPerExample(tf, oneHot(LABELS, 3), tf.softmax(z), z).dataSync());
      });

      // log Σ exp z = 1000 + log(1 + e^−1000 + e^−2000), which is 1000 in float32.
      assertRowsClose([perExample], [[0, 1000, 2000]]);
    });

    it('has gradient (softmax(z) − y) / batch for large logits', () => {
      const { gradient } = lossAndLogitGradient(LABELS.map(() => LOGITS), LABELS, true);

      const batch = LABELS.length;
      const expected = LABELS.map((label) => [1, 0, 0].map((p, j) => (p - (j === label ? 1 : 0)) / batch));
      assertRowsClose(gradient, expected);
    });

    it('matches the probability form for moderate logits', () => {
      const rows = [[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]];
      const labels = [2, 1];

      const fromLogits = lossAndLogitGradient(rows, labels, true);
      const fromProbabilities = lossAndLogitGradient(rows, labels, false);

      assertClose(fromLogits.loss, fromProbabilities.loss);
      assertRowsClose(fromLogits.gradient, fromProbabilities.gradient);
    });
  });

  describe('from probabilities', () => {
    it('clips the label probability to 1e-7', () => {
      const loss = tf.tidy(() => crossentropyPerExample(tf, oneHot([2], 3), tf.tensor2d([[0.5, 0.5, 0]])).dataSync()[0]);

      assertClose(loss, -Math.log(EPSILON));
    });

    it('loses the gradient below 1e-7', () => {
      const { gradient } = lossAndLogitGradient([LOGITS], [1], false);

      assert.deepEqual(gradient, [[0, 0, 0]]);
    });
  });

  describe('probability gradient', () => {
    it('equals (1 − y/p) / batch', () => {
      const rows = [[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]];
      const labels = [2, 1];

      const gradient = tf.tidy(() => crossentropyProbabilityGradient(tf, oneHot(labels, 3), tf.tensor2d(rows)).arraySync() as number[][]);

      const expected = rows.map((row, i) => softmax(row).map((p, j) => (1 - (j === labels[i] ? 1 / p : 0)) / rows.length));
      assertRowsClose(gradient, expected);
    });

    it('maps through the softmax to the logit gradient', () => {
      const rows = [[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]];
      const labels = [2, 1];

      const [throughSoftmax, direct] = tf.tidy(() => {
        const z = tf.tensor2d(rows);
        const y = oneHot(labels, 3);
        const dp = crossentropyProbabilityGradient(tf, y, z);
        // Vector-Jacobian product of the softmax: p ⊙ (g − Σ p·g).
        const p = tf.softmax(z);
        const vjp = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(p, dp), -1, true)));
        return [vjp.arraySync() as number[][], tf.div(tf.sub(p, y), rows.length).arraySync() as number[][]];
      });

      assertRowsClose(throughSoftmax, direct);
    });

    it('stays 1/batch for wrong classes of probability 0', () => {
      const gradient = tf.tidy(() => crossentropyProbabilityGradient(tf, oneHot([0], 3), tf.tensor2d([LOGITS])).arraySync() as number[][]);

      assert.deepEqual(gradient, [[0, 1, 1]]);
    });
  });

  describe('model output', () => {
    function build(layers: LayerSpec[], inputShape = [3]): BuiltModel {
      const model = buildModel(tf, modelSpec(layers, { inputShape, optimizer: { learningRate: LEARNING_RATE } }), createRandom(3), () => undefined);
      cleanups.push(() => disposeModel(model));
      return model;
    }

    it('ends with softmax for Dense(activation="softmax")', () => {
      assert.equal(endsWithSoftmax(build([dense(0, 3, 'softmax')])), true);
    });

    it('ends with softmax for a final Activation("softmax")', () => {
      const model = build([dense(0, 3, 'linear'), layer('Activation', 'activation', { activation: 'softmax' })]);

      assert.equal(endsWithSoftmax(model), true);
    });

    it('does not end with softmax when Dropout follows it', () => {
      const model = build([dense(0, 3, 'softmax'), layer('Dropout', 'dropout', { rate: 0.5 })]);

      assert.equal(endsWithSoftmax(model), false);
    });

    it('does not end with softmax for a sigmoid output', () => {
      assert.equal(endsWithSoftmax(build([dense(0, 3, 'sigmoid')])), false);
    });
  });

  describe('training step', () => {
    /**
     * Trains Dense(3) on rows of the identity matrix for one SGD step, so example i's logits
     * are kernel row i, [1000, 0, −1000]. Returns the step outcome and the kernel change.
     */
    async function runStep(layers: LayerSpec[], labels: readonly number[] = LABELS) {
      const spec = modelSpec(layers, { inputShape: [3], optimizer: { learningRate: LEARNING_RATE } });
      const model = buildModel(tf, spec, createRandom(3), () => undefined);
      const optimizer = createOptimizer(tf, spec.compile.optimizer);
      cleanups.push(() => {
        optimizer.dispose();
        disposeModel(model);
      });
      const kernel = model.tracked[0].kernel as tfCore.Variable;
      kernel.assign(tf.tensor2d(LABELS.map(() => LOGITS)));
      model.tracked[0].bias?.assign(tf.zeros([3]));
      const before = kernel.arraySync() as number[][];

      const step = new TrainingStep(tf, model, optimizer, LEARNING_RATE, createRandom(4));
      const x = tf.tidy(() => tf.slice(tf.eye(3), [0, 0], [labels.length, 3]));
      const y = oneHot(labels, 3);
      try {
        const outcome = await step.run(x, y, true);
        const after = kernel.arraySync() as number[][];
        return { outcome, kernelChange: after.map((row, i) => row.map((value, j) => value - before[i][j])) };
      } finally {
        tf.dispose([x, y]);
      }
    }

    // Kernel row i moves by −lr · ∂L/∂z of example i = −lr · (softmax(z) − y) / 3, with softmax(z) = [1, 0, 0].
    const expectedChange = LABELS.map((label) => [1, 0, 0].map((p, j) => (-LEARNING_RATE * (p - (j === label ? 1 : 0))) / 3));

    for (const [name, layers] of [
      ['Dense(activation="softmax")', [dense(0, 3, 'softmax')]],
      ['Activation("softmax")', [dense(0, 3, 'linear'), layer('Activation', 'activation', { activation: 'softmax' })]],
    ] as const) {
      describe(`ending in ${name}`, () => {
        let result: Awaited<ReturnType<typeof runStep>>;

        before(async () => {
          result = await runStep([...layers]);
        });

        it('reports the logits loss', () => {
          assertClose(result.outcome.loss, 1000);
        });

        it('applies the logits gradient', () => {
          // float32 spacing at 1000 is 6e-5, so the change is compared with an absolute tolerance.
          result.kernelChange.forEach((row, i) =>
            row.forEach((change, j) => assert.ok(Math.abs(change - expectedChange[i][j]) <= 2e-4, `[${i}][${j}] expected ${expectedChange[i][j]}, got ${change}`)),
          );
        });

        it('reports the softmax outputs as activations', () => {
          const layers = result.outcome.layers ?? [];

          assertClose(layers[layers.length - 1]?.activationMean ?? NaN, 1 / 3);
        });
      });
    }

    it('reports ∂L/∂p of a softmax output', async () => {
      // Only example 0, whose label probability is 1, keeps y/p within float32.
      const { outcome } = await runStep([dense(0, 3, 'softmax')], [0]);

      // ∂L/∂p = (1 − y/p) / batch = [0, 1, 1] for a batch of one.
      assertClose(outcome.layers?.[0].outputGradNorm ?? NaN, Math.SQRT2);
    });

    it('keeps clipped probabilities for a sigmoid output', async () => {
      const { outcome } = await runStep([dense(0, 3, 'sigmoid')]);

      // Sigmoid of [1000, 0, −1000] is [1, 0.5, 0], clipped to [1 − 1e-7, 0.5, 1e-7]. Keras's
      // sparse crossentropy then divides by the clipped sum, 1.5, through a softmax of the logarithms.
      const sum = 1 - EPSILON + 0.5 + EPSILON;
      const expected = (-Math.log((1 - EPSILON) / sum) - Math.log(0.5 / sum) - Math.log(EPSILON / sum)) / 3;
      assertClose(outcome.loss, expected);
    });
  });

  describe('evaluation', () => {
    it('computes the loss from the logits', async () => {
      // Pixel i of image i is 1 and all others 0, so image i's logits are kernel row i.
      const count = 3;
      const images = new Uint8Array(count * MNIST_PIXELS);
      LABELS.forEach((_, i) => (images[i * MNIST_PIXELS + i] = 1));
      const spec = modelSpec([layer('Flatten', 'flatten'), dense(0, MNIST_CLASSES, 'softmax')], {
        dataset: { pixelDivisor: 1 },
      });
      const model = buildModel(tf, spec, createRandom(3), () => undefined);
      cleanups.push(() => disposeModel(model));
      const kernel = new Float32Array(MNIST_PIXELS * MNIST_CLASSES);
      // Logits [1000, 0, −1000, 0, …] for every image; labels 0, 1 and 2.
      for (let row = 0; row < count; row++) {
        kernel[row * MNIST_CLASSES] = 1000;
        kernel[row * MNIST_CLASSES + 2] = -1000;
      }
      model.tracked[0].kernel?.assign(tf.tensor2d(kernel, [MNIST_PIXELS, MNIST_CLASSES]));

      const result = await evaluateExamples(
        tf,
        model,
        { source: { features: images, labels: Uint8Array.from(LABELS), count }, indices: Int32Array.from([0, 1, 2]) },
        spec.inputShape,
        spec.dataset,
        () => false,
      );

      assertClose(result?.loss ?? NaN, (0 + 1000 + 2000) / 3);
    });
  });

  it('keeps accuracy as the argmax of the probabilities', () => {
    const correct = tf.tidy(() => Array.from(correctPerExample(tf, oneHot(LABELS, 3), tf.softmax(tf.tensor2d(LABELS.map(() => LOGITS)))).dataSync()));

    assert.deepEqual(correct, [1, 0, 0]);
  });
});

function softmax(row: number[]): number[] {
  const exps = row.map((value) => Math.exp(value - Math.max(...row)));
  const total = exps.reduce((sum, value) => sum + value, 0);
  return exps.map((value) => value / total);
}

function assertClose(actual: number, expected: number, relative = 1e-5, label = ''): void {
  const tolerance = relative * Math.max(Math.abs(expected), 1e-6);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label} expected ${expected}, got ${actual} (tolerance ${tolerance})`.trim());
}

function assertRowsClose(actual: number[][], expected: number[][]): void {
  assert.equal(actual.length, expected.length, 'row counts differ');
  actual.forEach((row, i) => row.forEach((value, j) => assertClose(value, expected[i][j], 1e-5, `[${i}][${j}]`)));
}
