import * as assert from 'node:assert/strict';
import type * as tfCore from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../../src/common/modelSpec';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { prepareDataset, validationSplitIndex } from '../../src/trainer/dataset';
import { TrainerError } from '../../src/trainer/errors';
import { loadMnist, type Mnist } from '../../src/trainer/mnist';
import { buildModel, disposeModel, forward, type BuiltModel } from '../../src/trainer/model';
import { createOptimizer, KERAS_DEFAULTS } from '../../src/trainer/optimizers';
import { createRandom } from '../../src/trainer/random';
import { loadTensorFlow, type Tf } from '../../src/trainer/tensorflow';
import { train } from '../../src/trainer/train';
import { DATA_DIR, deepMnistSpec, dense, layer, messagesOfType, modelSpec, trainOptions, WASM_DIR } from '../helpers/modelSpecs';

describe('Keras defaults', () => {
  let tf: Tf;
  const models: BuiltModel[] = [];

  before(async () => {
    ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
  });

  afterEach(() => {
    models.splice(0).forEach(disposeModel);
  });

  function build(spec: ModelSpec, seed = 42): BuiltModel {
    const model = buildModel(tf, spec, createRandom(seed), () => undefined);
    models.push(model);
    return model;
  }

  function values(variable: tfCore.Variable | undefined): Float32Array {
    assert.ok(variable, 'expected a weight');
    return variable.dataSync() as Float32Array;
  }

  function maxAbs(data: Float32Array): number {
    return data.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
  }

  function standardDeviation(data: Float32Array): number {
    const mean = data.reduce((sum, value) => sum + value, 0) / data.length;
    return Math.sqrt(data.reduce((sum, value) => sum + (value - mean) ** 2, 0) / data.length);
  }

  describe('initializers', () => {
    it('draws Dense kernels from glorot_uniform by default', () => {
      const model = build(deepMnistSpec('sigmoid'));

      for (const state of model.tracked) {
        const [fanIn, fanOut] = state.kernel?.shape as number[];
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        const kernel = values(state.kernel);
        assert.ok(maxAbs(kernel) <= limit, `${state.info.name} exceeds ±${limit}`);
        // A glorot_normal kernel (the tfjs default) stays within 2σ ≈ 0.67 of this limit.
        assert.ok(maxAbs(kernel) > 0.95 * limit, `${state.info.name} does not reach ±${limit}`);
        assertRelativelyClose(standardDeviation(kernel), limit / Math.sqrt(3), 0.05, state.info.name);
      }
    });

    it('starts Dense biases at zero', () => {
      const model = build(deepMnistSpec('sigmoid'));

      for (const state of model.tracked) {
        assert.ok(values(state.bias).every((value) => value === 0), `${state.info.name} bias is not zero`);
      }
    });

    it('honours kernel_initializer he_uniform', () => {
      const model = build(modelSpec([layer('Flatten', 'flatten'), dense(0, 128, 'relu', { kernel_initializer: 'he_uniform' }), dense(1, 10, 'softmax')]));

      const kernel = values(model.tracked[0].kernel);
      const limit = Math.sqrt(6 / 784);
      assert.ok(maxAbs(kernel) <= limit);
      assert.ok(maxAbs(kernel) > 0.95 * limit);
    });

    it('truncates he_normal at two corrected standard deviations', () => {
      const model = build(modelSpec([layer('Flatten', 'flatten'), dense(0, 128, 'relu', { kernel_initializer: 'HeNormal' }), dense(1, 10, 'softmax')]));

      const kernel = values(model.tracked[0].kernel);
      const stddev = Math.sqrt(2 / 784);
      assert.ok(maxAbs(kernel) <= (2 * stddev) / 0.87962566103423978);
      assertRelativelyClose(standardDeviation(kernel), stddev, 0.03, 'he_normal');
    });

    it('reads a serialized RandomUniform config', () => {
      const initializer = { class_name: 'RandomUniform', config: { minval: 0.2, maxval: 0.3 } };
      const model = build(modelSpec([layer('Flatten', 'flatten'), dense(0, 10, 'softmax', { kernel_initializer: initializer })]));

      const kernel = values(model.tracked[0].kernel);
      assert.ok(kernel.every((value) => value >= 0.2 && value < 0.3 + 1e-7));
    });

    it('repeats the same weights for the same seed', () => {
      const first = values(build(deepMnistSpec('sigmoid'), 5).tracked[3].kernel);
      const second = values(build(deepMnistSpec('sigmoid'), 5).tracked[3].kernel);
      const other = values(build(deepMnistSpec('sigmoid'), 6).tracked[3].kernel);

      assert.deepEqual(first, second);
      assert.notDeepEqual(first, other);
    });

    it('rejects an unknown initializer at its layer', () => {
      const spec = modelSpec([layer('Flatten', 'flatten'), dense(0, 10, 'softmax', { kernel_initializer: 'glorot_uniformm' })]);

      assert.throws(
        () => build(spec),
        (error: unknown) => error instanceof TrainerError && error.layerIndex === 1 && /glorot_uniformm/.test(error.message),
      );
    });
  });

  describe('optimizers', () => {
    /** Applies `gradients` one step after another to a variable starting at `start`; returns the values after each step. */
    function optimize(spec: Partial<ModelSpec['compile']['optimizer']>, start: number[], gradients: number[][]): number[][] {
      const optimizer = createOptimizer(tf, { className: 'SGD', learningRate: 0.01, momentum: 0, nesterov: false, ...spec });
      const variable = tf.variable(tf.tensor1d(start));
      const trajectory: number[][] = [];
      try {
        for (const gradient of gradients) {
          const tensor = tf.tensor1d(gradient);
          optimizer.applyGradients([variable], [tensor]);
          tensor.dispose();
          trajectory.push([...(variable.dataSync() as Float32Array)]);
        }
      } finally {
        optimizer.dispose();
        variable.dispose();
      }
      return trajectory;
    }

    it('steps SGD by −lr·g', () => {
      const [after] = optimize({}, [1, -2], [[0.5, -1]]);

      assertAllClose(after, [1 - 0.01 * 0.5, -2 + 0.01 * 1]);
    });

    it('follows Keras SGD momentum v = m·v − lr·g, w += v', () => {
      const lr = 0.1;
      const m = 0.9;
      const gradients = [[1, -2], [0.5, 0.25]];

      const trajectory = optimize({ learningRate: lr, momentum: m }, [0, 0], gradients);

      const v1 = gradients[0].map((g) => -lr * g);
      const w1 = v1;
      const v2 = v1.map((v, i) => m * v - lr * gradients[1][i]);
      assertAllClose(trajectory[0], w1);
      assertAllClose(trajectory[1], w1.map((w, i) => w + v2[i]));
    });

    it('follows Keras Nesterov w += m·v − lr·g', () => {
      const lr = 0.1;
      const m = 0.9;
      const gradients = [[1, -2], [0.5, 0.25]];

      const trajectory = optimize({ learningRate: lr, momentum: m, nesterov: true }, [0, 0], gradients);

      const v1 = gradients[0].map((g) => -lr * g);
      const w1 = v1.map((v, i) => m * v - lr * gradients[0][i]);
      const v2 = v1.map((v, i) => m * v - lr * gradients[1][i]);
      assertAllClose(trajectory[0], w1);
      assertAllClose(trajectory[1], w1.map((w, i) => w + m * v2[i] - lr * gradients[1][i]));
    });

    it('uses Keras Adam defaults β1 0.9, β2 0.999, ε 1e-7', () => {
      assert.deepEqual(KERAS_DEFAULTS.adam, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    });

    it('adds Adam epsilon to the uncorrected √v as Keras does', () => {
      // With g = 1e-6 the placement of ε decides the step: Keras moves 0.24·lr, tfjs 0.99·lr.
      const lr = 0.001;
      const g = 1e-6;

      const [after] = optimize({ className: 'Adam', learningRate: lr }, [1], [[g]]);

      const m = 0.1 * g;
      const v = 0.001 * g * g;
      const alpha = (lr * Math.sqrt(1 - 0.999)) / (1 - 0.9);
      assertAllClose(after, [1 - (alpha * m) / (Math.sqrt(v) + 1e-7)], 1e-7);
    });

    it('follows Keras Adam over two steps', () => {
      const lr = 0.01;
      const gradients = [[0.3, -0.2], [0.1, 0.4]];

      const trajectory = optimize({ className: 'Adam', learningRate: lr }, [1, 1], gradients);

      let m = [0, 0];
      let v = [0, 0];
      let w = [1, 1];
      gradients.forEach((gradient, step) => {
        m = m.map((value, i) => value + (gradient[i] - value) * 0.1);
        v = v.map((value, i) => value + (gradient[i] ** 2 - value) * 0.001);
        const alpha = (lr * Math.sqrt(1 - 0.999 ** (step + 1))) / (1 - 0.9 ** (step + 1));
        w = w.map((value, i) => value - (alpha * m[i]) / (Math.sqrt(v[i]) + 1e-7));
        assertAllClose(trajectory[step], w);
      });
    });

    it('follows Keras RMSprop ρ 0.9 with ε inside the square root', () => {
      const lr = 0.001;
      const g = [0.5, -0.002];

      const [after] = optimize({ className: 'RMSprop', learningRate: lr }, [0, 0], [g]);

      assertAllClose(after, g.map((value) => (-lr * value) / Math.sqrt(0.1 * value * value + 1e-7)));
    });
  });

  describe('dropout', () => {
    const spec = modelSpec([layer('Flatten', 'flatten'), layer('Dropout', 'dropout', { rate: 0.25 }), dense(0, 10, 'softmax')]);

    /** Returns what the Dropout layer passes on for an input of ones. */
    function dropoutOutput(model: BuiltModel, training: boolean, random = createRandom(3)): Float32Array {
      const dropoutOnly: BuiltModel = { ...model, layers: model.layers.slice(0, 2) };
      return tf.tidy(() => forward(tf, dropoutOnly, tf.ones([64, 28, 28]), { training, dropoutRandom: random }).dataSync() as Float32Array);
    }

    it('drops about rate and rescales the rest', () => {
      const output = dropoutOutput(build(spec), true);

      const zeros = output.filter((value) => value === 0).length;
      assert.ok(output.every((value) => value === 0 || Math.abs(value - 1 / 0.75) < 1e-6));
      assertRelativelyClose(zeros / output.length, 0.25, 0.05, 'dropped fraction');
    });

    it('draws a new mask on every step', () => {
      const model = build(spec);
      const random = createRandom(3);

      assert.notDeepEqual(dropoutOutput(model, true, random), dropoutOutput(model, true, random));
    });

    it('passes values through unchanged in inference', () => {
      const output = dropoutOutput(build(spec), false);

      assert.ok(output.every((value) => value === 1));
    });
  });

  describe('fit', () => {
    let mnist: Mnist;

    before(async () => {
      mnist = await loadMnist(DATA_DIR);
    });

    it('cuts validation_split=0.2 of 60,000 at 48,000', () => {
      assert.equal(validationSplitIndex(60000, 0.2), 48000);
    });

    it('takes the last fraction of the arrays for validation', () => {
      const data = prepareDataset(mnist, deepMnistSpec('sigmoid').fit, { trainLimit: 100 });

      assert.deepEqual([...(data.validation?.indices ?? [])], Array.from({ length: 20 }, (_, i) => 80 + i));
      assert.deepEqual([...data.train.indices], Array.from({ length: 80 }, (_, i) => i));
    });

    it('validates on the test set for validation_data=(x_test, y_test)', () => {
      const fit = { ...deepMnistSpec('sigmoid').fit, validationSplit: 0, validationOnTest: true };

      const data = prepareDataset(mnist, fit, { testLimit: 300 });

      assert.equal(data.validation, data.test);
      assert.equal(data.train.indices.length, 60000);
    });

    it('rejects a split that leaves no training example', () => {
      assert.throws(() => validationSplitIndex(1, 0.5), TrainerError);
    });

    it('weights epoch metrics by batch size', async () => {
      // 80 training examples in batches of 32, 32 and 16; every batch is sampled.
      const messages: TrainerToHost[] = [];
      await train(deepMnistSpec('relu'), trainOptions({ trainLimit: 100, testLimit: 100 }), (message) => messages.push(message), () => false);

      const samples = messagesOfType(messages, 'sample').map((message) => message.sample);
      const [logs] = messagesOfType(messages, 'epoch').map((message) => message.logs);
      const sizes = [32, 32, 16];
      assert.deepEqual(samples.map((sample) => sample.batch), [0, 1, 2]);
      assertRelativelyClose(logs.loss, samples.reduce((sum, sample, i) => sum + sample.loss * sizes[i], 0) / 80, 1e-6, 'loss');
      assertRelativelyClose(logs.accuracy, samples.reduce((sum, sample, i) => sum + sample.accuracy * sizes[i], 0) / 80, 1e-6, 'accuracy');
    });
  });
});

function assertRelativelyClose(actual: number, expected: number, relative: number, label: string): void {
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${label}: expected ${expected} ± ${relative * 100}%, got ${actual}`,
  );
}

function assertAllClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) =>
    assert.ok(Math.abs(value - expected[i]) <= tolerance, `index ${i}: expected ${expected[i]}, got ${value}`),
  );
}
