/**
 * The trainer on the layer families of Keras 3: layer numerics against independent references
 * (plain-JavaScript convolution, tfjs-layers recurrent layers, Keras documentation values), the
 * Keras initial weights, and short real MNIST runs of an MLP, a CNN, recurrent models and
 * functional models with a merge.
 */
import * as assert from 'node:assert/strict';
import type * as tfCore from '@tensorflow/tfjs-core';
import type { LayerSpec, ModelSpec } from '../../src/common/modelSpec';
import type { TrainerToHost } from '../../src/common/trainerProtocol';
import { orthonormalColumns, resolveInitializer } from '../../src/trainer/initializers';
import { relu } from '../../src/trainer/layers/activationLayers';
import { buildModel, disposeModel, forward, outputLogitsActivation, type BuiltModel } from '../../src/trainer/model';
import { createOptimizer } from '../../src/trainer/optimizers';
import { createRandom } from '../../src/trainer/random';
import { loadTensorFlow, type Tf } from '../../src/trainer/tensorflow';
import { train } from '../../src/trainer/train';
import { TrainingStep } from '../../src/trainer/trainingStep';
import { dense, graphLayer, layer, messagesOfType, modelSpec, trainOptions, WASM_DIR } from '../helpers/modelSpecs';

function functionalSpec(layers: LayerSpec[], outputLayer: string, inputShape = [28, 28]): ModelSpec {
  return { ...modelSpec(layers, { inputShape, optimizer: { className: 'Adam', learningRate: 0.002 } }), outputLayer, topology: 'functional' };
}

/** Returns max |actual − expected| over two equally long arrays. */
function maxDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'lengths differ');
  let largest = 0;
  for (let i = 0; i < actual.length; i++) {
    largest = Math.max(largest, Math.abs(actual[i] - expected[i]));
  }
  return largest;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label: string): void {
  const difference = maxDifference(actual, expected);
  assert.ok(difference <= tolerance, `${label}: max difference ${difference} > ${tolerance}`);
}

describe('trainer architectures', () => {
  let tf: Tf;
  const models: BuiltModel[] = [];

  before(async () => {
    ({ tf } = await loadTensorFlow('wasm', WASM_DIR));
  });

  afterEach(() => {
    models.splice(0).forEach(disposeModel);
  });

  function build(spec: ModelSpec, seed = 11, warnings: string[] = []): BuiltModel {
    const model = buildModel(tf, spec, createRandom(seed), (message) => warnings.push(message));
    models.push(model);
    return model;
  }

  describe('initializers', () => {
    /** Returns the row-major product a·bᵀ of an r × c matrix with itself. */
    function gram(values: ArrayLike<number>, rows: number, columns: number): number[] {
      const result: number[] = [];
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < rows; j++) {
          let dot = 0;
          for (let k = 0; k < columns; k++) {
            dot += values[i * columns + k] * values[j * columns + k];
          }
          result.push(dot);
        }
      }
      return result;
    }

    function identity(size: number, scale = 1): number[] {
      return Array.from({ length: size * size }, (_, i) => (Math.floor(i / size) === i % size ? scale : 0));
    }

    /** Returns the values of an r × c matrix transposed. */
    function transpose(values: ArrayLike<number>, rows: number, columns: number): number[] {
      return Array.from({ length: rows * columns }, (_, i) => values[(i % rows) * columns + Math.floor(i / rows)]);
    }

    it('gives LSTM an orthogonal recurrent kernel', () => {
      const model = build(modelSpec([layer('LSTM', 'lstm', { units: 16 }), dense(0, 10, 'softmax')]));
      const recurrent = model.layers[0].implementation?.variables[1];

      assert.ok(recurrent);
      assert.deepEqual(recurrent.shape, [16, 64]);
      // Fewer rows than columns: the rows are orthonormal.
      assertClose(gram(recurrent.dataSync(), 16, 64), identity(16), 1e-5, 'W·Wᵀ');
    });

    it('scales tall Orthogonal columns by gain', () => {
      const initializer = resolveInitializer({ class_name: 'Orthogonal', config: { gain: 2 } }, 'zeros');

      const values = initializer.generate([40, 8], createRandom(3));

      assertClose(gram(transpose(values, 40, 8), 8, 40), identity(8, 4), 1e-5, 'WᵀW');
    });

    it('repeats Orthogonal with the same seed', () => {
      const initializer = resolveInitializer('orthogonal', 'zeros');

      assert.deepEqual(initializer.generate([6, 6], createRandom(9)), initializer.generate([6, 6], createRandom(9)));
      assert.notDeepEqual(initializer.generate([6, 6], createRandom(9)), initializer.generate([6, 6], createRandom(10)));
    });

    it('sign-corrects Q so that R has a positive diagonal', () => {
      // A = Q·R with R = diag(1, 2) positive, so Q is A's columns divided by 1 and 2.
      const a = Float64Array.from([1, 0, 0, -2, 0, 0]);

      const q = orthonormalColumns(a, 3, 2);

      assert.deepEqual(Array.from(q, (value) => value + 0), [1, 0, 0, -1, 0, 0]);
    });

    it('reproduces A = Q·R with an upper triangular R', () => {
      const random = createRandom(4);
      const a = Float64Array.from({ length: 5 * 3 }, () => random.nextNormal());

      const q = orthonormalColumns(a, 5, 3);

      // R = Qᵀ·A must be upper triangular with a positive diagonal.
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let r = 0;
          for (let k = 0; k < 5; k++) {
            r += q[k * 3 + i] * a[k * 3 + j];
          }
          if (i > j) {
            assert.ok(Math.abs(r) < 1e-12, `R[${i}][${j}] = ${r}`);
          }
          if (i === j) {
            assert.ok(r > 0, `R[${i}][${i}] = ${r}`);
          }
        }
      }
    });

    it('sets the LSTM forget-gate bias to one with unit_forget_bias', () => {
      const model = build(modelSpec([layer('LSTM', 'lstm', { units: 4 }), dense(0, 10, 'softmax')]));

      assert.deepEqual(Array.from(model.tracked[0].bias?.dataSync() ?? []), [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    });

    it('keeps the LSTM bias initializer without unit_forget_bias', () => {
      const model = build(
        modelSpec([layer('LSTM', 'lstm', { units: 4, unit_forget_bias: false, bias_initializer: { class_name: 'Constant', config: { value: 0.5 } } }), dense(0, 10, 'softmax')]),
      );

      assert.ok(Array.from(model.tracked[0].bias?.dataSync() ?? []).every((value) => value === 0.5));
    });

    it('applies bias_initializer around the ones of unit_forget_bias', () => {
      const model = build(
        modelSpec([layer('LSTM', 'lstm', { units: 2, bias_initializer: { class_name: 'Constant', config: { value: 0.25 } } }), dense(0, 10, 'softmax')]),
      );

      assert.deepEqual(Array.from(model.tracked[0].bias?.dataSync() ?? []), [0.25, 0.25, 1, 1, 0.25, 0.25, 0.25, 0.25]);
    });

    it('gives GRU with reset_after two zero bias rows', () => {
      const model = build(modelSpec([layer('GRU', 'gru', { units: 3 }), dense(0, 10, 'softmax')]));

      assert.deepEqual(model.tracked[0].bias?.shape, [2, 9]);
    });

    it('draws Embedding rows from RandomUniform(−0.05, 0.05)', () => {
      const model = build(modelSpec([layer('Embedding', 'embedding', { input_dim: 256, output_dim: 8 }), layer('Flatten', 'flatten'), dense(0, 10, 'softmax')], { inputShape: [784] }));
      const values = Array.from(model.tracked[0].kernel?.dataSync() ?? []);

      assert.equal(values.length, 2048);
      assert.ok(values.every((value) => value >= -0.05 && value < 0.05));
      assert.ok(Math.max(...values.map(Math.abs)) > 0.049);
    });

    it('starts PReLU alpha at zero', () => {
      const model = build(modelSpec([layer('Flatten', 'flatten'), dense(0, 16, 'linear'), layer('PReLU', 'p_re_lu', {}), dense(1, 10, 'softmax')]));

      assert.ok(Array.from(model.tracked[1].kernel?.dataSync() ?? []).every((value) => value === 0));
    });

    it('draws Conv2D kernels from glorot_uniform with receptive-field fans', () => {
      const model = build(modelSpec([layer('Conv2D', 'conv2d', { filters: 32, kernel_size: [3, 3] }), layer('Flatten', 'flatten'), dense(0, 10, 'softmax')], { inputShape: [28, 28, 1] }));
      const values = Array.from(model.tracked[0].kernel?.dataSync() ?? []);
      // fan_in = 3·3·1, fan_out = 3·3·32.
      const limit = Math.sqrt(6 / (9 + 288));

      assert.ok(values.every((value) => Math.abs(value) <= limit));
      assert.ok(Math.max(...values.map(Math.abs)) > 0.95 * limit);
    });
  });

  describe('layer numerics', () => {
    /** Runs the built model's forward pass on `x` and returns the output values. */
    function run(model: BuiltModel, x: tfCore.Tensor): Float32Array {
      return tf.tidy(() => forward(tf, model, x, { training: false }).dataSync() as Float32Array);
    }

    interface ConvolutionCase {
      readonly label: string;
      readonly config: Record<string, unknown>;
      readonly inputShape: [number, number, number];
    }

    const CONVOLUTIONS: ConvolutionCase[] = [
      { label: 'valid, stride 1', config: { kernel_size: [3, 3] }, inputShape: [7, 6, 2] },
      { label: 'valid, stride 2', config: { kernel_size: [3, 2], strides: [2, 2] }, inputShape: [8, 7, 2] },
      { label: 'same, stride 1', config: { kernel_size: [3, 3], padding: 'same' }, inputShape: [5, 6, 2] },
      { label: 'same, stride 2', config: { kernel_size: [3, 3], strides: 2, padding: 'same' }, inputShape: [6, 7, 2] },
      { label: 'dilation 2', config: { kernel_size: [3, 3], dilation_rate: 2 }, inputShape: [8, 8, 2] },
      { label: 'same with dilation', config: { kernel_size: [2, 3], dilation_rate: [2, 1], padding: 'same' }, inputShape: [5, 5, 2] },
    ];

    for (const { label, config, inputShape } of CONVOLUTIONS) {
      it(`matches plain convolution: ${label}`, () => {
        const spec = modelSpec([layer('Conv2D', 'conv2d', { filters: 3, ...config }), layer('Flatten', 'flatten'), dense(0, 10, 'softmax')], { inputShape });
        const model = build(spec);
        const kernel = model.tracked[0].kernel as tfCore.Variable;
        const bias = model.tracked[0].bias as tfCore.Variable;
        bias.assign(tf.tensor1d([0.1, -0.2, 0.3]));
        const random = createRandom(2);
        const batch = 2;
        const xValues = Float64Array.from({ length: batch * inputShape[0] * inputShape[1] * inputShape[2] }, () => random.nextNormal());
        const conv = model.layers[0].implementation;
        assert.ok(conv);

        const expected = referenceConvolution(xValues, [batch, ...inputShape], kernel.dataSync(), kernel.shape, config);
        const upstream = Float64Array.from({ length: expected.output.length }, () => random.nextNormal());
        const reference = referenceGradients(xValues, [batch, ...inputShape], kernel.dataSync(), kernel.shape, config, upstream, expected.outputShape);

        const { output, gradients } = tf.tidy(() => {
          const x = tf.tensor(Float32Array.from(xValues), [batch, ...inputShape]);
          const weightedSum = (): tfCore.Scalar => {
            const y = conv.call([x], { training: true });
            return tf.sum(tf.mul(y, tf.tensor(Float32Array.from(upstream), y.shape))) as tfCore.Scalar;
          };
          const { grads } = tf.engine().gradients(weightedSum, [x, kernel, bias]);
          return {
            output: conv.call([x], { training: false }).dataSync(),
            gradients: grads.map((gradient) => gradient.dataSync()),
          };
        });

        assertClose(output, expected.output.map((value, i) => value + [0.1, -0.2, 0.3][i % 3]), 1e-4, 'output');
        assertClose(gradients[0], reference.input, 1e-4, '∂L/∂x');
        assertClose(gradients[1], reference.kernel, 1e-4, '∂L/∂kernel');
        assertClose(gradients[2], reference.bias, 1e-4, '∂L/∂bias');
      });
    }

    it('transposes channels_first to channels-last and back', () => {
      const first = build(modelSpec([layer('Conv2D', 'conv2d', { filters: 2, kernel_size: 3, data_format: 'channels_first' }), layer('Flatten', 'flatten', { data_format: 'channels_first' }), dense(0, 10, 'softmax')], { inputShape: [3, 6, 5] }));
      const last = build(modelSpec([layer('Conv2D', 'conv2d', { filters: 2, kernel_size: 3 }), layer('Flatten', 'flatten'), dense(0, 10, 'softmax')], { inputShape: [6, 5, 3] }));
      (last.tracked[0].kernel as tfCore.Variable).assign(first.tracked[0].kernel as tfCore.Variable);
      (last.tracked[1].kernel as tfCore.Variable).assign(first.tracked[1].kernel as tfCore.Variable);
      const random = createRandom(5);
      const values = Float32Array.from({ length: 2 * 3 * 6 * 5 }, () => random.nextNormal());

      const channelsFirst = run(first, tf.tensor(values, [2, 3, 6, 5]));
      const channelsLast = run(last, tf.transpose(tf.tensor(values, [2, 3, 6, 5]), [0, 2, 3, 1]));

      // Flatten(data_format='channels_first') restores channels-last order, so the Dense layers see the same vector.
      assertClose(channelsFirst, channelsLast, 1e-5, 'softmax output');
    });

    /** Builds `className` in our trainer and in tfjs-layers with the same weights and compares outputs on a random sequence. */
    function compareWithTfjs(className: 'SimpleRNN' | 'LSTM' | 'GRU', config: Record<string, unknown>): void {
      const spec = modelSpec([layer(className, 'rnn', { units: 5, ...config }), dense(0, 10, 'softmax')], { inputShape: [6, 3] });
      const ours = build(spec);
      const rnn = ours.layers[0].implementation;
      assert.ok(rnn);
      // tfjs's own orthogonal initializer needs the chained tensor API, which the trainer does not load, and setWeights replaces it anyway.
      const options = {
        units: 5,
        returnSequences: config.return_sequences === true,
        goBackwards: config.go_backwards === true,
        inputShape: [6, 3],
        recurrentInitializer: 'zeros' as const,
      };
      const reference =
        className === 'LSTM'
          ? tf.layers.lstm({ ...options, recurrentActivation: 'sigmoid' })
          : className === 'GRU'
            ? tf.layers.gru({ ...options, recurrentActivation: 'sigmoid' })
            : tf.layers.simpleRNN(options);
      const random = createRandom(6);
      const x = tf.tensor(Float32Array.from({ length: 4 * 6 * 3 }, () => random.nextNormal()), [4, 6, 3]);
      try {
        reference.apply(x);
        reference.setWeights([...rnn.variables]);
        const expected = tf.tidy(() => (reference.apply(x) as tfCore.Tensor).dataSync());
        const actual = tf.tidy(() => rnn.call([x], { training: false }).dataSync());
        assertClose(actual, expected, 1e-5, className);
      } finally {
        x.dispose();
        reference.dispose();
      }
    }

    it('computes LSTM as tfjs-layers does', () => compareWithTfjs('LSTM', {}));
    it('computes LSTM sequences as tfjs-layers does', () => compareWithTfjs('LSTM', { return_sequences: true }));
    it('computes SimpleRNN as tfjs-layers does', () => compareWithTfjs('SimpleRNN', { return_sequences: true }));
    it('computes GRU without reset_after as tfjs-layers does', () => compareWithTfjs('GRU', { reset_after: false }));
    it('reads the sequence backwards with go_backwards', () => compareWithTfjs('LSTM', { go_backwards: true, return_sequences: true }));

    it('computes GRU with reset_after as Keras 3 does', () => {
      const units = 3;
      const model = build(modelSpec([layer('GRU', 'gru', { units }), dense(0, 10, 'softmax')], { inputShape: [4, 2] }));
      const gru = model.layers[0].implementation;
      assert.ok(gru);
      const [kernel, recurrentKernel, bias] = gru.variables;
      bias.assign(tf.tensor2d([[0.1, -0.1, 0.2, 0.05, 0, -0.2, 0.3, 0.1, -0.3], [-0.05, 0.2, 0.1, 0, 0.15, -0.1, 0.2, -0.2, 0.1]]));
      const random = createRandom(8);
      const x = Array.from({ length: 4 }, () => [random.nextNormal(), random.nextNormal()]);

      // Keras 3 GRUCell.call with reset_after=True, written out for one example.
      const w = Array.from(kernel.dataSync());
      const u = Array.from(recurrentKernel.dataSync());
      const b = Array.from(bias.dataSync());
      const sigmoid = (value: number): number => 1 / (1 + Math.exp(-value));
      let h = [0, 0, 0];
      for (const input of x) {
        const projected = (gate: number, j: number): number => input[0] * w[gate * units + j] + input[1] * w[3 * units + gate * units + j] + b[gate * units + j];
        const inner = (gate: number, j: number): number => h.reduce((sum, value, k) => sum + value * u[k * 3 * units + gate * units + j], 0) + b[3 * units + gate * units + j];
        h = h.map((previous, j) => {
          const z = sigmoid(projected(0, j) + inner(0, j));
          const r = sigmoid(projected(1, j) + inner(1, j));
          const candidate = Math.tanh(projected(2, j) + r * inner(2, j));
          return z * previous + (1 - z) * candidate;
        });
      }

      const actual = tf.tidy(() => gru.call([tf.tensor3d([x])], { training: false }).dataSync());
      assertClose(actual, h, 1e-5, 'h');
    });

    it('keeps the state over masked timesteps', () => {
      const spec = modelSpec([layer('Embedding', 'embedding', { input_dim: 10, output_dim: 4, mask_zero: true }), layer('LSTM', 'lstm', { units: 3 }), dense(0, 10, 'softmax')], { inputShape: [6] });
      const model = build(spec);

      const padded = run(model, tf.tensor2d([[3, 5, 7, 0, 0, 0]]));
      const short = tf.tidy(() => {
        const embedded = model.layers[0].implementation?.call([tf.tensor2d([[3, 5, 7]])], { training: false }) as tfCore.Tensor;
        const lstm = model.layers[1].implementation?.call([embedded], { training: false }) as tfCore.Tensor;
        return model.layers[2].implementation?.call([lstm], { training: false }).dataSync() as Float32Array;
      });

      assertClose(padded, short, 1e-6, 'softmax output');
    });

    it('normalizes BatchNormalization along axis 1', () => {
      const model = build(modelSpec([layer('BatchNormalization', 'batch_normalization', { axis: 1 }), layer('Flatten', 'flatten'), dense(0, 10, 'softmax')], { inputShape: [2, 3, 3] }));
      const normalization = model.layers[0].implementation;
      assert.ok(normalization);
      const random = createRandom(12);
      // Channel 0 around 5, channel 1 around −3, four examples.
      const values = Array.from({ length: 4 * 2 * 9 }, (_, i) => (Math.floor(i / 9) % 2 === 0 ? 5 : -3) + random.nextNormal());

      const output = tf.tidy(() => normalization.call([tf.tensor4d(values, [4, 2, 3, 3])], { training: true }).arraySync() as number[][][][]);

      for (const channel of [0, 1]) {
        const entries = output.flatMap((example) => example[channel].flat());
        const mean = entries.reduce((sum, value) => sum + value, 0) / entries.length;
        const variance = entries.reduce((sum, value) => sum + (value - mean) ** 2, 0) / entries.length;
        assert.ok(Math.abs(mean) < 1e-5, `channel ${channel} mean ${mean}`);
        assert.ok(Math.abs(variance - 1) < 0.01, `channel ${channel} variance ${variance}`);
      }
      assert.deepEqual(model.tracked[0].kernel?.shape, [2]);
    });

    it('reports the logits of a final sigmoid', () => {
      const model = build(modelSpec([dense(0, 1, 'sigmoid')], { inputShape: [3] }));
      let logits: number[] = [];

      const output = tf.tidy(() => {
        const prediction = forward(tf, model, tf.tensor2d([[1, -2, 0.5]]), {
          training: false,
          onLogits: (z) => {
            logits = Array.from(z.dataSync());
          },
        });
        return Array.from(prediction.dataSync());
      });

      assert.equal(outputLogitsActivation(model), 'sigmoid');
      assert.equal(logits.length, 1);
      assertClose(output, [1 / (1 + Math.exp(-logits[0]))], 1e-6, 'sigmoid(logits)');
    });

    it('sums Embedding gradients of repeated indices', () => {
      const model = build(modelSpec([layer('Embedding', 'embedding', { input_dim: 5, output_dim: 2 }), layer('Flatten', 'flatten'), dense(0, 10, 'softmax')], { inputShape: [3] }));
      const embeddings = model.tracked[0].kernel as tfCore.Variable;
      const embedding = model.layers[0].implementation;
      assert.ok(embedding);

      const gradient = tf.tidy(() => {
        const { grads } = tf.engine().gradients(() => tf.sum(tf.mul(embedding.call([tf.tensor2d([[1, 1, 4]])], { training: true }), tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]))), [embeddings]);
        return Array.from(grads[0].dataSync());
      });

      assert.deepEqual(gradient, [0, 0, 4, 6, 0, 0, 0, 0, 5, 6]);
    });

    it('rejects an Embedding index at input_dim', () => {
      const model = build(modelSpec([layer('Embedding', 'embedding', { input_dim: 5, output_dim: 2 }, 3), layer('Flatten', 'flatten'), dense(0, 10, 'softmax')], { inputShape: [3] }));

      assert.throws(() => run(model, tf.tensor2d([[1, 5, 2]])), /Embedding embedding on line 4 got the index 5, outside 0 to 4/);
    });

    it('follows the Keras ReLU documentation examples', () => {
      const x = [-10, -5, 0, 5, 10];
      const apply = (config: Partial<Parameters<typeof relu>[2]>): number[] =>
        tf.tidy(() => Array.from(relu(tf, tf.tensor1d(x), { maxValue: null, negativeSlope: 0, threshold: 0, ...config }).dataSync(), (value) => value + 0));

      assert.deepEqual(apply({}), [0, 0, 0, 5, 10]);
      assert.deepEqual(apply({ negativeSlope: 0.5 }), [-5, -2.5, 0, 5, 10]);
      assert.deepEqual(apply({ maxValue: 5 }), [0, 0, 0, 5, 5]);
      assert.deepEqual(apply({ threshold: 5 }), [0, 0, 0, 0, 10]);
      assert.deepEqual(apply({ maxValue: 10, negativeSlope: 0.5 }), [-5, -2.5, 0, 5, 10]);
    });

    it('applies Keras defaults of LeakyReLU, ELU and Softmax', () => {
      const spec = modelSpec(
        [layer('LeakyReLU', 'leaky_re_lu', {}), layer('ELU', 'elu', { alpha: 0.5 }), layer('Softmax', 'softmax', { axis: 1 })],
        { inputShape: [2, 2] },
      );
      const model = build(spec);
      const x = tf.tensor3d([[[-1, 2], [0.5, -3]]]);
      const leaky = [[-0.3, 2], [0.5, -0.9]];
      const elu = leaky.map((row) => row.map((value) => (value > 0 ? value : 0.5 * (Math.exp(value) - 1))));
      // Softmax over axis 1 normalizes each column.
      const softmax = elu.map((row) => row.map((value, j) => Math.exp(value) / (Math.exp(elu[0][j]) + Math.exp(elu[1][j]))));

      assertClose(run(model, x), softmax.flat(), 1e-6, 'output');
    });
  });

  describe('dead channels', () => {
    it('counts zero-everywhere Conv2D channels dead', async () => {
      const spec = modelSpec(
        [layer('Conv2D', 'conv2d', { filters: 4, kernel_size: 3, activation: 'relu' }), layer('Flatten', 'flatten'), dense(0, 10, 'softmax')],
        { inputShape: [8, 8, 1] },
      );
      const model = build(spec);
      // Filters 0 and 1 can never fire. Filters 2 and 3 fire on some pixels and not others.
      (model.tracked[0].bias as tfCore.Variable).assign(tf.tensor1d([-1000, -1000, 0, 0]));
      const optimizer = createOptimizer(tf, spec.compile.optimizer);
      const step = new TrainingStep(tf, model, optimizer, 0.01, createRandom(1));
      const random = createRandom(3);
      const x = tf.tensor4d(Float32Array.from({ length: 4 * 64 }, () => random.nextNormal()), [4, 8, 8, 1]);
      const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10), 'float32'));
      try {
        const outcome = await step.run(x, y, true);

        assert.equal(outcome.layers?.[0].deadFraction, 0.5);
      } finally {
        optimizer.dispose();
        tf.dispose([x, y]);
      }
    });
  });

  describe('training runs', () => {
    /** 640 examples: 20 batches of 32 per epoch. */
    const OPTIONS = { trainLimit: 640, testLimit: 200, samplesPerEpoch: 5 };

    async function trainRun(spec: ModelSpec, epochs = 3): Promise<TrainerToHost[]> {
      const messages: TrainerToHost[] = [];
      await train({ ...spec, fit: { ...spec.fit, epochs } }, trainOptions(OPTIONS), (message) => messages.push(message), () => false);
      return messages;
    }

    interface Family {
      readonly name: string;
      readonly spec: ModelSpec;
      /** Expected heatmap rows: class names in source order. */
      readonly rows: readonly string[];
      readonly epochs?: number;
    }

    const adam = (learningRate: number) => ({ optimizer: { className: 'Adam' as const, learningRate } });
    const branches = [
      layer('InputLayer', 'input_layer', {}, 1),
      graphLayer('Flatten', 'flatten', {}, ['input_layer'], 2),
      graphLayer('Dense', 'left', { units: 32, activation: 'relu' }, ['flatten'], 3),
      graphLayer('Dense', 'right', { units: 32, activation: 'tanh' }, ['flatten'], 4),
    ];

    const FAMILIES: Family[] = [
      {
        name: 'MLP with activation layers',
        spec: modelSpec(
          [
            layer('Flatten', 'flatten', {}, 2),
            dense(0, 64, 'linear'),
            layer('LeakyReLU', 'leaky_re_lu', {}, 5),
            dense(1, 32, 'linear'),
            layer('PReLU', 'p_re_lu', {}, 7),
            dense(2, 10, 'linear'),
            layer('Softmax', 'softmax', {}, 9),
          ],
          adam(0.002),
        ),
        rows: ['Dense', 'LeakyReLU', 'Dense', 'PReLU', 'Dense', 'Softmax'],
      },
      {
        name: 'CNN',
        spec: modelSpec(
          [
            layer('Conv2D', 'conv2d', { filters: 8, kernel_size: [3, 3], activation: 'relu' }, 2),
            layer('MaxPooling2D', 'max_pooling2d', { pool_size: [2, 2] }, 3),
            layer('Flatten', 'flatten', {}, 4),
            dense(0, 10, 'softmax'),
          ],
          { inputShape: [28, 28, 1], ...adam(0.002) },
        ),
        rows: ['Conv2D', 'Dense'],
      },
      {
        name: 'LSTM',
        spec: modelSpec([layer('LSTM', 'lstm', { units: 32 }, 2), dense(0, 10, 'softmax')], adam(0.01)),
        rows: ['LSTM', 'Dense'],
      },
      {
        name: 'GRU',
        spec: modelSpec([layer('GRU', 'gru', { units: 16 }, 2), dense(0, 10, 'softmax')], adam(0.01)),
        rows: ['GRU', 'Dense'],
      },
      {
        name: 'SimpleRNN with dropout',
        spec: modelSpec([layer('SimpleRNN', 'simple_rnn', { units: 16, dropout: 0.1, recurrent_dropout: 0.1 }, 2), dense(0, 10, 'softmax')], adam(0.01)),
        rows: ['SimpleRNN', 'Dense'],
      },
      {
        name: 'functional Concatenate',
        spec: functionalSpec(
          [...branches, graphLayer('Concatenate', 'concatenate', {}, ['left', 'right'], 5), graphLayer('Dense', 'output', { units: 10, activation: 'softmax' }, ['concatenate'], 6)],
          'output',
        ),
        rows: ['Dense', 'Dense', 'Dense'],
      },
      {
        name: 'functional Add',
        spec: functionalSpec(
          [...branches, graphLayer('Add', 'add', {}, ['left', 'right'], 5), graphLayer('Dense', 'output', { units: 10, activation: 'softmax' }, ['add'], 6)],
          'output',
        ),
        rows: ['Dense', 'Dense', 'Dense'],
      },
    ];

    for (const family of FAMILIES) {
      describe(family.name, () => {
        let messages: TrainerToHost[];
        let tensorsBefore: number;
        let tensorsAfter: number;

        before(async () => {
          tensorsBefore = tf.memory().numTensors;
          messages = await trainRun(family.spec, family.epochs);
          tensorsAfter = tf.memory().numTensors;
        });

        it('lowers the epoch loss', () => {
          const losses = messagesOfType(messages, 'epoch').map((message) => message.logs.loss);

          assert.ok(losses[losses.length - 1] < losses[0] - 0.1, `epoch losses ${losses.join(', ')}`);
        });

        it('tracks its layers in source order', () => {
          const [started] = messagesOfType(messages, 'trainingStarted');
          const indices = started.layers.map((tracked) => tracked.specIndex);

          assert.deepEqual(started.layers.map((tracked) => tracked.className), family.rows);
          assert.deepEqual(indices, [...indices].sort((a, b) => a - b));
        });

        it('reports finite statistics for every layer', () => {
          const samples = messagesOfType(messages, 'sample').map((message) => message.sample);
          const [started] = messagesOfType(messages, 'trainingStarted');

          assert.ok(samples.length >= 10);
          for (const sample of samples) {
            assert.equal(sample.layers.length, family.rows.length);
            sample.layers.forEach((statistics, row) => {
              const name = `${started.layers[row].name} at step ${sample.step}`;
              assert.ok(Number.isFinite(statistics.outputGradNorm), `${name}: ∂L/∂output ${statistics.outputGradNorm}`);
              assert.ok(statistics.outputGradNorm > 0, `${name}: ∂L/∂output ${statistics.outputGradNorm}`);
              assert.ok(Number.isFinite(statistics.activationMean), `${name}: mean ${statistics.activationMean}`);
              assert.ok(Number.isFinite(statistics.activationStd), `${name}: std ${statistics.activationStd}`);
              assert.ok(Math.abs(statistics.histogram.reduce((sum, value) => sum + value, 0) - 1) < 1e-4, `${name}: histogram`);
              const activation = started.layers[row].activation;
              const saturates = activation === 'sigmoid' || activation === 'tanh';
              assert.equal(statistics.saturatedFraction !== null, saturates, `${name}: saturated % for ${activation}`);
              assert.equal(statistics.deadFraction !== null, activation === 'relu', `${name}: dead % for ${activation}`);
              for (const fraction of [statistics.saturatedFraction, statistics.deadFraction]) {
                assert.ok(fraction === null || (fraction >= 0 && fraction <= 1), `${name}: fraction ${fraction}`);
              }
              if (started.layers[row].hasWeights) {
                assert.ok(Number.isFinite(statistics.weightGradNorm), `${name}: ‖∂L/∂W‖ ${statistics.weightGradNorm}`);
                assert.ok(statistics.weightGradNorm > 0, `${name}: ‖∂L/∂W‖ ${statistics.weightGradNorm}`);
                // PReLU's alpha starts at zero, so its first update ratio divides by ‖alpha‖ = 0.
                const zeroWeights = started.layers[row].className === 'PReLU' && sample.step === 0;
                assert.ok(Number.isFinite(statistics.updateRatio) || zeroWeights, `${name}: update ratio ${statistics.updateRatio}`);
              } else {
                assert.ok(Number.isNaN(statistics.weightGradNorm), `${name}: weightless layer has a weight gradient`);
              }
            });
          }
        });

        it('leaves no tensors behind', () => {
          assert.equal(tensorsAfter, tensorsBefore);
        });

        it('repeats its statistics with the same seed', async () => {
          const again = await trainRun(family.spec, 1);
          const firstEpoch = (list: TrainerToHost[]) =>
            messagesOfType(list, 'sample')
              .map((message) => message.sample)
              .filter((sample) => sample.epoch === 0);

          assert.deepEqual(firstEpoch(again), firstEpoch(messages));
        });
      });
    }

    it('labels rows with units and filters', () => {
      const lstm = build(modelSpec([layer('LSTM', 'lstm', { units: 4 }), dense(0, 10, 'softmax')]));
      const cnn = build(modelSpec([layer('Conv2D', 'conv2d', { filters: 2, kernel_size: 3, activation: 'relu' }), layer('Flatten', 'flatten'), dense(0, 10, 'softmax')], { inputShape: [28, 28, 1] }));

      assert.deepEqual([lstm.tracked[0].info.activation, lstm.tracked[0].info.units, lstm.tracked[0].info.hasWeights], ['tanh', 4, true]);
      assert.deepEqual([cnn.tracked[0].info.activation, cnn.tracked[0].info.units, cnn.tracked[0].info.hasWeights], ['relu', 2, true]);
    });

    it('skips a branch off the output path', () => {
      const warnings: string[] = [];
      const spec = functionalSpec(
        [...branches, graphLayer('Dense', 'output', { units: 10, activation: 'softmax' }, ['left'], 6)],
        'output',
      );

      const model = build(spec, 11, warnings);

      assert.deepEqual(model.tracked.map((state) => state.info.name), ['left', 'output']);
      assert.ok(warnings.some((warning) => /right on line 5 does not lead to the model output/.test(warning)), warnings.join('\n'));
    });

    it('trains an Embedding on pixel values', async () => {
      const spec = modelSpec(
        [layer('Embedding', 'embedding', { input_dim: 256, output_dim: 2 }, 2), layer('Flatten', 'flatten', {}, 3), dense(0, 10, 'softmax')],
        { inputShape: [784], dataset: { pixelDivisor: 1 }, ...adam(0.01) },
      );

      const messages = await trainRun(spec, 2);

      const losses = messagesOfType(messages, 'epoch').map((message) => message.logs.loss);
      const [started] = messagesOfType(messages, 'trainingStarted');
      assert.deepEqual(started.layers.map((tracked) => [tracked.className, tracked.units]), [['Embedding', 2], ['Dense', 10]]);
      assert.ok(losses[1] < losses[0], `epoch losses ${losses.join(', ')}`);
    });
  });
});

interface ConvolutionGeometry {
  readonly strides: [number, number];
  readonly dilation: [number, number];
  readonly kernel: [number, number];
  readonly padBefore: [number, number];
  readonly outputSize: [number, number];
}

/** Works out Keras 3 Conv2D geometry for one case: TensorFlow's 'same' puts the odd padding after. */
function geometry(inputShape: readonly number[], kernelShape: readonly number[], config: Record<string, unknown>): ConvolutionGeometry {
  const pair = (value: unknown, fallback: number): [number, number] =>
    value === undefined ? [fallback, fallback] : typeof value === 'number' ? [value, value] : (value as [number, number]);
  const strides = pair(config.strides, 1);
  const dilation = pair(config.dilation_rate, 1);
  const kernel: [number, number] = [kernelShape[0], kernelShape[1]];
  const padBefore: [number, number] = [0, 0];
  const outputSize: [number, number] = [0, 0];
  for (const axis of [0, 1]) {
    const size = inputShape[axis + 1];
    const window = dilation[axis] * (kernel[axis] - 1) + 1;
    if (config.padding === 'same') {
      outputSize[axis] = Math.ceil(size / strides[axis]);
      padBefore[axis] = Math.floor(Math.max((outputSize[axis] - 1) * strides[axis] + window - size, 0) / 2);
    } else {
      outputSize[axis] = Math.floor((size - window) / strides[axis]) + 1;
    }
  }
  return { strides, dilation, kernel, padBefore, outputSize };
}

/** Visits every (output position, kernel tap) pair whose input position lies inside the image. */
function forEachTap(
  inputShape: readonly number[],
  kernelShape: readonly number[],
  config: Record<string, unknown>,
  visit: (inputIndex: number, kernelIndex: number, outputIndex: number) => void,
): [number, number, number, number] {
  const [batch, height, width, channels] = inputShape;
  const filters = kernelShape[3];
  const { strides, dilation, kernel, padBefore, outputSize } = geometry(inputShape, kernelShape, config);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < outputSize[0]; i++) {
      for (let j = 0; j < outputSize[1]; j++) {
        for (let p = 0; p < kernel[0]; p++) {
          for (let q = 0; q < kernel[1]; q++) {
            const row = i * strides[0] + p * dilation[0] - padBefore[0];
            const column = j * strides[1] + q * dilation[1] - padBefore[1];
            if (row < 0 || row >= height || column < 0 || column >= width) {
              continue;
            }
            for (let c = 0; c < channels; c++) {
              for (let o = 0; o < filters; o++) {
                visit(((b * height + row) * width + column) * channels + c, ((p * kernel[1] + q) * channels + c) * filters + o, ((b * outputSize[0] + i) * outputSize[1] + j) * filters + o);
              }
            }
          }
        }
      }
    }
  }
  return [batch, outputSize[0], outputSize[1], filters];
}

/** Computes a plain float64 convolution without bias, straight from the definition. */
function referenceConvolution(
  x: Float64Array,
  inputShape: readonly number[],
  kernel: ArrayLike<number>,
  kernelShape: readonly number[],
  config: Record<string, unknown>,
): { output: number[]; outputShape: number[] } {
  const { outputSize } = geometry(inputShape, kernelShape, config);
  const output = new Array<number>(inputShape[0] * outputSize[0] * outputSize[1] * kernelShape[3]).fill(0);
  const outputShape = forEachTap(inputShape, kernelShape, config, (inputIndex, kernelIndex, outputIndex) => {
    output[outputIndex] += x[inputIndex] * kernel[kernelIndex];
  });
  return { output, outputShape };
}

/** Gradients of Σ upstream·conv(x) with respect to x, the kernel and the bias. */
function referenceGradients(
  x: Float64Array,
  inputShape: readonly number[],
  kernel: ArrayLike<number>,
  kernelShape: readonly number[],
  config: Record<string, unknown>,
  upstream: Float64Array,
  outputShape: readonly number[],
): { input: number[]; kernel: number[]; bias: number[] } {
  const input = new Array<number>(x.length).fill(0);
  const kernelGradient = new Array<number>(kernel.length).fill(0);
  forEachTap(inputShape, kernelShape, config, (inputIndex, kernelIndex, outputIndex) => {
    input[inputIndex] += upstream[outputIndex] * kernel[kernelIndex];
    kernelGradient[kernelIndex] += upstream[outputIndex] * x[inputIndex];
  });
  const filters = outputShape[3];
  const bias = new Array<number>(filters).fill(0);
  upstream.forEach((value, i) => {
    bias[i % filters] += value;
  });
  return { input, kernel: kernelGradient, bias };
}
