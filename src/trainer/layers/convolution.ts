/**
 * Keras 3 Conv2D and the 2-D pooling layers. Convolutions run on channels-last tensors,
 * with channels_first inputs transposed there and back, and 'same' padding applied
 * explicitly as TensorFlow places it (the extra row or column at the bottom or right).
 */
import type * as tfCore from '@tensorflow/tfjs-core';
import {
  readConv2DConfig,
  readGlobalPooling2DConfig,
  readPooling2DConfig,
  type DataFormat,
  type Pair,
  type Padding,
} from '../../common/layerConfig';
import { applyActivation, resolveActivation } from '../activations';
import type { Tf } from '../tensorflow';
import type { LayerBuildContext, LayerImplementation } from './types';
import { createWeight, isTrainable } from './weights';

/** Builds Conv2D with Keras 3 defaults: glorot_uniform kernel `[kh, kw, input channels, filters]`, zero bias. */
export function buildConv2D(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex, shape } = context;
  const config = readConv2DConfig(spec, specIndex);
  const activation = resolveActivation(spec.config.activation);
  const input = shape.inputShapes[0];
  const channels = config.dataFormat === 'channels_last' ? input[2] : input[0];

  const kernelShape = [config.kernelSize[0], config.kernelSize[1], channels, config.filters];
  const kernel = createWeight(context, 'kernel', kernelShape, 'kernel_initializer', 'glorot_uniform');
  const bias = config.useBias ? createWeight(context, 'bias', [config.filters], 'bias_initializer', 'zeros') : undefined;
  const variables = bias ? [kernel, bias] : [kernel];

  return {
    call: ([x]) => {
      let y = toChannelsLast(tf, x, config.dataFormat);
      const effectiveKernel = dilateKernel(tf, kernel, config.dilationRate);
      const window: Pair = [effectiveKernel.shape[0], effectiveKernel.shape[1]];
      y = padSame(tf, y as tfCore.Tensor4D, window, config.strides, config.padding);
      y = convolveValid(tf, config.strides)(y as tfCore.Tensor4D, effectiveKernel);
      if (bias) {
        y = tf.add(y, bias);
      }
      return applyActivation(tf, activation, fromChannelsLast(tf, y, config.dataFormat));
    },
    variables,
    trainableVariables: isTrainable(context) ? variables : [],
    kernel,
    bias,
    activation: activation.keras,
    units: config.filters,
  };
}

/** Builds MaxPooling2D or AveragePooling2D. tfjs's 'same' average excludes the padding, as TensorFlow's does. */
export function buildPooling2D(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex } = context;
  const config = readPooling2DConfig(spec, specIndex);
  const pool = spec.className === 'MaxPooling2D' ? tf.maxPool : tf.avgPool;
  return {
    call: ([x]) => {
      const channelsLast = toChannelsLast(tf, x, config.dataFormat) as tfCore.Tensor4D;
      const pooled = pool(channelsLast, [...config.poolSize], [...config.strides], config.padding);
      return fromChannelsLast(tf, pooled, config.dataFormat);
    },
    variables: [],
    trainableVariables: [],
  };
}

/** Builds GlobalAveragePooling2D or GlobalMaxPooling2D: the mean or maximum over height and width. */
export function buildGlobalPooling2D(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex } = context;
  const config = readGlobalPooling2DConfig(spec, specIndex);
  const axes = config.dataFormat === 'channels_last' ? [1, 2] : [2, 3];
  const reduce = spec.className === 'GlobalMaxPooling2D' ? tf.max : tf.mean;
  return {
    call: ([x]) => reduce(x, axes, config.keepdims),
    variables: [],
    trainableVariables: [],
  };
}

export function toChannelsLast(tf: Tf, x: tfCore.Tensor, dataFormat: DataFormat): tfCore.Tensor {
  return dataFormat === 'channels_first' ? tf.transpose(x, [0, 2, 3, 1]) : x;
}

export function fromChannelsLast(tf: Tf, x: tfCore.Tensor, dataFormat: DataFormat): tfCore.Tensor {
  return dataFormat === 'channels_first' ? tf.transpose(x, [0, 3, 1, 2]) : x;
}

/**
 * Pads height and width for 'same' as TensorFlow does: the output has ceil(size / stride)
 * positions, and of the padding needed, floor(total / 2) goes before and the rest after.
 */
function padSame(tf: Tf, x: tfCore.Tensor4D, window: Pair, strides: Pair, padding: Padding): tfCore.Tensor4D {
  if (padding === 'valid') {
    return x;
  }
  const amounts = [1, 2].map((axis, i) => {
    const size = x.shape[axis];
    const output = Math.ceil(size / strides[i]);
    const total = Math.max((output - 1) * strides[i] + window[i] - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)] as [number, number];
  });
  if (amounts.every(([before, after]) => before === 0 && after === 0)) {
    return x;
  }
  return tf.pad(x, [[0, 0], amounts[0], amounts[1], [0, 0]]);
}

/**
 * Returns the kernel with dilation − 1 zeros between its taps, so that a plain convolution
 * with it equals the dilated convolution. tfjs's conv2d gradient rejects dilation rates
 * above 1, and the zero taps cost extra multiplications but keep every gradient available.
 */
function dilateKernel(tf: Tf, kernel: tfCore.Tensor, dilation: Pair): tfCore.Tensor4D {
  if (dilation[0] === 1 && dilation[1] === 1) {
    return kernel as tfCore.Tensor4D;
  }
  const [height, width, inputs, outputs] = kernel.shape;
  const spaced = tf.pad(tf.reshape(kernel, [height, 1, width, 1, inputs, outputs]), [
    [0, 0],
    [0, dilation[0] - 1],
    [0, 0],
    [0, dilation[1] - 1],
    [0, 0],
    [0, 0],
  ]);
  const flat = tf.reshape(spaced, [height * dilation[0], width * dilation[1], inputs, outputs]) as tfCore.Tensor4D;
  return tf.slice(flat, [0, 0, 0, 0], [(height - 1) * dilation[0] + 1, (width - 1) * dilation[1] + 1, inputs, outputs]);
}

type ValidConvolution = (x: tfCore.Tensor4D, kernel: tfCore.Tensor4D) => tfCore.Tensor4D;

/** One custom-gradient function per backend namespace and strides, because customGrad fixes the strides it closes over. */
const convolutionCache = new WeakMap<Tf, Map<string, ValidConvolution>>();

/**
 * Returns a 'valid' NHWC convolution at `strides` whose kernel gradient is itself a forward
 * convolution.
 *
 * NOTE: tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter kernel, so tfjs's own
 * conv2d gradient fails there. ∂L/∂kernel[p, q, c, o] = Σ x[b, p + i·sh, q + j·sw, c] · dy[b, i, j, o]
 * is a convolution of x, transposed to [c, H, W, b], with dy, transposed to [i, j, b, o] as
 * the filter, at dilation (sh, sw), and its first kh × kw outputs are the gradient. The input
 * gradient is a forward convolution too (see `inputGradient`).
 */
function convolveValid(tf: Tf, strides: Pair): ValidConvolution {
  let byStrides = convolutionCache.get(tf);
  if (!byStrides) {
    byStrides = new Map();
    convolutionCache.set(tf, byStrides);
  }
  const key = strides.join(',');
  let convolve = byStrides.get(key);
  if (!convolve) {
    convolve = tf.customGrad((...inputs: (tfCore.Tensor | tfCore.GradSaveFunc)[]) => {
      const [x, kernel, save] = inputs as [tfCore.Tensor4D, tfCore.Tensor4D, tfCore.GradSaveFunc];
      save([x, kernel]);
      return {
        value: tf.conv2d(x, kernel, [...strides], 'valid'),
        gradFunc: (dy: tfCore.Tensor4D, saved: tfCore.Tensor[]) => {
          const [savedX, savedKernel] = saved as [tfCore.Tensor4D, tfCore.Tensor4D];
          return [inputGradient(tf, dy, savedKernel, savedX.shape, strides), kernelGradient(tf, savedX, dy, savedKernel.shape, strides)];
        },
      };
    }) as ValidConvolution;
    byStrides.set(key, convolve);
  }
  return convolve;
}

/** Returns ∂L/∂kernel of a 'valid' convolution, as `convolveValid` describes. */
function kernelGradient(
  tf: Tf,
  x: tfCore.Tensor4D,
  dy: tfCore.Tensor4D,
  kernelShape: readonly number[],
  strides: Pair,
): tfCore.Tensor4D {
  const [kernelHeight, kernelWidth, inputs, outputs] = kernelShape;
  const images = tf.transpose(x, [3, 1, 2, 0]) as tfCore.Tensor4D;
  const filter = tf.transpose(dy, [1, 2, 0, 3]) as tfCore.Tensor4D;
  const full = tf.conv2d(images, filter, 1, 'valid', 'NHWC', [...strides]);
  const cropped = tf.slice(full, [0, 0, 0, 0], [inputs, kernelHeight, kernelWidth, outputs]);
  return tf.transpose(cropped, [1, 2, 0, 3]) as tfCore.Tensor4D;
}

/**
 * ∂L/∂x of a 'valid' convolution: dy with stride − 1 zeros between its entries, padded by
 * kh − 1 and kw − 1 (plus the rows and columns the strides skipped at the end), correlated
 * with the kernel rotated by 180° and with input and output channels swapped.
 *
 * NOTE: tfjs's conv2dTranspose computes the same, but tfjs-backend-wasm 4.22 runs it about 6×
 * slower: 51 ms against 8 ms for a batch of 32 at 13 × 13 × 32 → 64 channels, 3 × 3 (Node 20,
 * 2-core x86 machine).
 */
function inputGradient(tf: Tf, dy: tfCore.Tensor4D, kernel: tfCore.Tensor4D, xShape: readonly number[], strides: Pair): tfCore.Tensor4D {
  const [batch, outHeight, outWidth, outputs] = dy.shape;
  const [kernelHeight, kernelWidth] = kernel.shape;
  let spread: tfCore.Tensor4D = dy;
  if (strides[0] > 1 || strides[1] > 1) {
    const padded = tf.pad(tf.reshape(dy, [batch, outHeight, 1, outWidth, 1, outputs]), [
      [0, 0],
      [0, 0],
      [0, strides[0] - 1],
      [0, 0],
      [0, strides[1] - 1],
      [0, 0],
    ]);
    const flat = tf.reshape(padded, [batch, outHeight * strides[0], outWidth * strides[1], outputs]) as tfCore.Tensor4D;
    spread = tf.slice(flat, [0, 0, 0, 0], [batch, (outHeight - 1) * strides[0] + 1, (outWidth - 1) * strides[1] + 1, outputs]);
  }
  const skippedRows = xShape[1] - ((outHeight - 1) * strides[0] + kernelHeight);
  const skippedColumns = xShape[2] - ((outWidth - 1) * strides[1] + kernelWidth);
  const framed = tf.pad(spread, [
    [0, 0],
    [kernelHeight - 1, kernelHeight - 1 + skippedRows],
    [kernelWidth - 1, kernelWidth - 1 + skippedColumns],
    [0, 0],
  ]);
  const rotated = tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]) as tfCore.Tensor4D;
  return tf.conv2d(framed, rotated, 1, 'valid');
}
