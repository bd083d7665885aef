/**
 * Shape inference against Keras 3: each expected shape and parameter count is what
 * `model.summary()` prints for the same layers.
 */
import * as assert from 'node:assert/strict';
import { inferLayerShapes, totalParameters, type ShapeInference } from '../../src/common/layerShapes';
import type { LayerSpec, ModelSpec } from '../../src/common/modelSpec';
import { estimateModelSize } from '../../src/training/modelSize';
import { dense, graphLayer, layer, modelSpec } from '../helpers/modelSpecs';

function infer(layers: LayerSpec[], inputShape: number[], outputLayer?: string): ShapeInference {
  return inferLayerShapes({ inputShape, layers, outputLayer });
}

/** Returns `[output shape, parameters]` per layer, failing with the inference error if there is one. */
function summary(layers: LayerSpec[], inputShape: number[], outputLayer?: string): [string, number][] {
  const inference = infer(layers, inputShape, outputLayer);
  assert.equal(inference.error, undefined, inference.error?.message);
  return inference.layers.map((entry) => [entry.outputShape.join('x'), entry.parameters]);
}

/** Returns the error of an inference that must fail. */
function failure(layers: LayerSpec[], inputShape: number[], outputLayer?: string): { specIndex?: number; message: string } {
  const inference = infer(layers, inputShape, outputLayer);
  assert.ok(inference.error, `expected an error, got shapes ${inference.layers.map((entry) => entry.outputShape.join('x')).join(', ')}`);
  return inference.error;
}

describe('layer shapes', () => {
  describe('convolutional', () => {
    it('matches the Keras MNIST convnet summary', () => {
      // keras.io "Simple MNIST convnet": 34,826 parameters in total.
      const layers = [
        layer('Conv2D', 'conv2d', { filters: 32, kernel_size: [3, 3], activation: 'relu' }),
        layer('MaxPooling2D', 'max_pooling2d', { pool_size: [2, 2] }),
        layer('Conv2D', 'conv2d_1', { filters: 64, kernel_size: [3, 3], activation: 'relu' }),
        layer('MaxPooling2D', 'max_pooling2d_1', { pool_size: [2, 2] }),
        layer('Flatten', 'flatten'),
        layer('Dropout', 'dropout', { rate: 0.5 }),
        dense(0, 10, 'softmax'),
      ];

      assert.deepEqual(summary(layers, [28, 28, 1]), [
        ['26x26x32', 320],
        ['13x13x32', 0],
        ['11x11x64', 18_496],
        ['5x5x64', 0],
        ['1600', 0],
        ['1600', 0],
        ['10', 16_010],
      ]);
      assert.equal(totalParameters(infer(layers, [28, 28, 1])), 34_826);
    });

    it('shrinks by the stride with padding="same"', () => {
      assert.deepEqual(summary([layer('Conv2D', 'conv2d', { filters: 4, kernel_size: 3, strides: 2, padding: 'same' })], [28, 28, 1]), [
        ['14x14x4', 40],
      ]);
    });

    it('floors the strided valid output', () => {
      assert.deepEqual(summary([layer('Conv2D', 'conv2d', { filters: 4, kernel_size: [3, 3], strides: [2, 2] })], [28, 28, 1]), [
        ['13x13x4', 40],
      ]);
    });

    it('widens the window by the dilation rate', () => {
      assert.deepEqual(summary([layer('Conv2D', 'conv2d', { filters: 2, kernel_size: [3, 3], dilation_rate: [2, 2] })], [28, 28, 1]), [
        ['24x24x2', 20],
      ]);
    });

    it('puts channels first with data_format="channels_first"', () => {
      const layers = [
        layer('Conv2D', 'conv2d', { filters: 8, kernel_size: [3, 3], data_format: 'channels_first' }),
        layer('MaxPooling2D', 'max_pooling2d', { pool_size: [2, 2], data_format: 'channels_first' }),
        layer('GlobalAveragePooling2D', 'global_average_pooling2d', { data_format: 'channels_first' }),
      ];

      assert.deepEqual(summary(layers, [1, 28, 28]), [
        ['8x26x26', 80],
        ['8x13x13', 0],
        ['8', 0],
      ]);
    });

    it('keeps the pooled axes with keepdims=True', () => {
      assert.deepEqual(summary([layer('GlobalMaxPooling2D', 'global_max_pooling2d', { keepdims: true })], [26, 26, 32]), [['1x1x32', 0]]);
    });

    it('counts no bias with use_bias=False', () => {
      assert.deepEqual(summary([layer('Conv2D', 'conv2d', { filters: 32, kernel_size: [3, 3], use_bias: false })], [28, 28, 1]), [
        ['26x26x32', 288],
      ]);
    });

    it('counts BatchNormalization moving statistics as parameters', () => {
      const inference = infer([layer('BatchNormalization', 'batch_normalization', {})], [26, 26, 32]);

      assert.equal(inference.layers[0].parameters, 128);
      assert.equal(inference.layers[0].trainableParameters, 64);
    });

    it('shares PReLU alpha along shared_axes', () => {
      assert.deepEqual(summary([layer('PReLU', 'p_re_lu', { shared_axes: [1, 2] })], [26, 26, 32]), [['26x26x32', 32]]);
    });
  });

  describe('recurrent', () => {
    it('counts LSTM(64) on (28, 28) as 23,808', () => {
      assert.deepEqual(summary([layer('LSTM', 'lstm', { units: 64 })], [28, 28]), [['64', 23_808]]);
    });

    it('counts GRU(64, reset_after=True) as 18,048', () => {
      assert.deepEqual(summary([layer('GRU', 'gru', { units: 64, reset_after: true })], [28, 28]), [['64', 18_048]]);
    });

    it('counts GRU with reset_after=False as 17,856', () => {
      assert.deepEqual(summary([layer('GRU', 'gru', { units: 64, reset_after: false })], [28, 28]), [['64', 17_856]]);
    });

    it('counts SimpleRNN(32) as 1,952', () => {
      assert.deepEqual(summary([layer('SimpleRNN', 'simple_rnn', { units: 32 })], [28, 28]), [['32', 1_952]]);
    });

    it('keeps the time axis with return_sequences=True', () => {
      const layers = [layer('LSTM', 'lstm', { units: 16, return_sequences: true }), layer('LSTM', 'lstm_1', { units: 8 })];

      assert.deepEqual(summary(layers, [28, 28]), [
        ['28x16', 2_880],
        ['8', 800],
      ]);
    });

    it('counts Embedding(1000, 16) as 16,000', () => {
      const layers = [layer('Embedding', 'embedding', { input_dim: 1000, output_dim: 16 }), layer('GRU', 'gru', { units: 8 })];

      assert.deepEqual(summary(layers, [20]), [
        ['20x16', 16_000],
        ['8', 624],
      ]);
    });
  });

  describe('dense and reshaping', () => {
    it('applies Dense to the last axis of a 3-D input', () => {
      assert.deepEqual(summary([dense(0, 64, 'relu')], [28, 28]), [['28x64', 1_856]]);
    });

    it('resolves -1 in Reshape', () => {
      const layers = [layer('Reshape', 'reshape', { target_shape: [-1, 7] }), layer('Reshape', 'reshape_1', { target_shape: [28, 28, 1] })];

      assert.deepEqual(summary(layers, [28, 28]), [
        ['112x7', 0],
        ['28x28x1', 0],
      ]);
    });

    it('flattens to one axis', () => {
      assert.deepEqual(summary([layer('Flatten', 'flatten')], [28, 28]), [['784', 0]]);
    });
  });

  describe('functional models', () => {
    const branches = [
      layer('InputLayer', 'input_layer', { shape: [28, 28] }),
      graphLayer('Flatten', 'flatten', {}, ['input_layer']),
      graphLayer('Dense', 'left', { units: 64 }, ['flatten']),
      graphLayer('Dense', 'right', { units: 32 }, ['flatten']),
    ];

    it('concatenates branches along the last axis', () => {
      const layers = [...branches, graphLayer('Concatenate', 'concatenate', {}, ['left', 'right']), graphLayer('Dense', 'output', { units: 10 }, ['concatenate'])];

      assert.deepEqual(summary(layers, [28, 28]), [
        ['28x28', 0],
        ['784', 0],
        ['64', 50_240],
        ['32', 25_120],
        ['96', 0],
        ['10', 970],
      ]);
    });

    it('adds branches of the same shape', () => {
      const layers = [
        ...branches.slice(0, 3),
        graphLayer('Dense', 'right', { units: 64 }, ['flatten']),
        graphLayer('Add', 'add', {}, ['left', 'right']),
      ];

      assert.deepEqual(summary(layers, [28, 28]).slice(-1), [['64', 0]]);
    });

    it('ends at outputLayer', () => {
      const inference = infer([...branches], [28, 28], 'left');

      assert.equal(inference.outputIndex, 2);
      assert.deepEqual(inference.outputShape, [64]);
    });
  });

  describe('errors', () => {
    it('rejects Conv2D on a 2-D image and suggests a channel axis', () => {
      const error = failure([layer('Conv2D', 'conv2d', { filters: 32, kernel_size: [3, 3] }, 4)], [28, 28]);

      assert.equal(error.specIndex, 0);
      assert.match(error.message, /Conv2D conv2d on line 5/);
      assert.match(error.message, /\(None, 28, 28\)/);
      assert.match(error.message, /Reshape\(\(28, 28, 1\)\)/);
    });

    it('rejects mismatched Concatenate shapes', () => {
      const layers = [
        layer('InputLayer', 'input_layer', {}),
        graphLayer('Dense', 'left', { units: 64 }, ['input_layer']),
        graphLayer('Reshape', 'right', { target_shape: [28, 28] }, ['input_layer']),
        graphLayer('Concatenate', 'concatenate', {}, ['left', 'right'], 7),
      ];

      const error = failure(layers, [784]);

      assert.equal(error.specIndex, 3);
      assert.match(error.message, /Concatenate concatenate on line 8/);
      assert.match(error.message, /\(None, 64\), \(None, 28, 28\)/);
    });

    it('rejects Add of different widths', () => {
      const layers = [
        layer('InputLayer', 'input_layer', {}),
        graphLayer('Dense', 'left', { units: 64 }, ['input_layer']),
        graphLayer('Dense', 'right', { units: 32 }, ['input_layer']),
        graphLayer('Add', 'add', {}, ['left', 'right']),
      ];

      assert.match(failure(layers, [784]).message, /Add add on line 1 needs inputs of the same shape/);
    });

    it('rejects a Reshape that changes the value count', () => {
      const error = failure([layer('Reshape', 'reshape', { target_shape: [5, 5] })], [28, 28]);

      assert.match(error.message, /784 values/);
    });

    it('rejects a pooling window larger than the input', () => {
      const error = failure([layer('MaxPooling2D', 'max_pooling2d', { pool_size: [4, 4] })], [3, 3, 8]);

      assert.match(error.message, /too small for its window of 4/);
    });

    it('rejects strides and dilation above 1 together', () => {
      const error = failure([layer('Conv2D', 'conv2d', { filters: 2, kernel_size: 3, strides: 2, dilation_rate: 2 })], [28, 28, 1]);

      assert.match(error.message, /both strides \(2, 2\) and dilation_rate \(2, 2\) above 1/);
    });

    it('rejects an LSTM after Flatten', () => {
      const error = failure([layer('Flatten', 'flatten'), layer('LSTM', 'lstm', { units: 8 }, 3)], [28, 28]);

      assert.equal(error.specIndex, 1);
      assert.match(error.message, /LSTM lstm on line 4 needs an input with 2 axes besides the batch axis, but gets shape \(None, 784\)/);
    });

    it('rejects an inbound name defined later', () => {
      const error = failure([graphLayer('Dense', 'first', { units: 4 }, ['second']), graphLayer('Dense', 'second', { units: 4 }, ['first'])], [3]);

      assert.equal(error.specIndex, 0);
      assert.match(error.message, /takes the output of second/);
    });

    it('rejects an unknown output layer', () => {
      assert.match(failure([dense(0, 4, 'relu')], [3], 'missing').message, /model output missing/);
    });

    it('rejects units that are not a positive whole number', () => {
      for (const units of [0, -3, 2.5, 'many', undefined]) {
        const error = failure([dense(0, units as number, 'relu')], [3]);
        assert.match(error.message, /Dense dense on line 5 needs a positive whole number of units/);
      }
    });

    it('keeps the layers inferred before the error', () => {
      const inference = infer([layer('Flatten', 'flatten'), layer('Conv2D', 'conv2d', { filters: 1, kernel_size: 3 })], [28, 28]);

      assert.deepEqual(
        inference.layers.map((entry) => entry.outputShape),
        [[784]],
      );
    });
  });

  describe('size estimate', () => {
    function spec(layers: LayerSpec[], inputShape: number[]): ModelSpec {
      return modelSpec(layers, { inputShape });
    }

    it('counts convolution parameters', () => {
      const layers = [layer('Conv2D', 'conv2d', { filters: 32, kernel_size: [3, 3] }), layer('Flatten', 'flatten'), dense(0, 10, 'softmax')];

      assert.equal(estimateModelSize(spec(layers, [28, 28, 1])).parameters, 320 + 21_632 * 10 + 10);
    });

    it('counts the timesteps of a recurrent layer in activation memory', () => {
      const lstm = estimateModelSize(spec([layer('LSTM', 'lstm', { units: 64 }), dense(0, 10, 'softmax')], [28, 28]));
      const dense64 = estimateModelSize(spec([layer('Flatten', 'flatten'), dense(0, 64, 'relu'), dense(1, 10, 'softmax')], [28, 28]));

      assert.ok(lstm.activationBytes > 5 * dense64.activationBytes, `${lstm.activationBytes} vs ${dense64.activationBytes}`);
    });
  });
});
