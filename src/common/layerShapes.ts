/**
 * Infers each layer's output shape and parameter count from a ModelSpec as Keras 3 builds
 * the model (the numbers `model.summary()` prints), and reports the first layer whose input
 * does not fit as an error value instead of throwing. Pure, so the parser can turn the error
 * into a diagnostic, the size estimate can read the shapes, and the trainer builds from them.
 */
import * as l10n from '@vscode/l10n';
import {
  formatBatchShape,
  formatValue,
  layerLabel,
  LayerConfigError,
  readAxis,
  readConv2DConfig,
  readEmbeddingConfig,
  readGlobalPooling2DConfig,
  readPooling2DConfig,
  readPositiveInteger,
  readRecurrentConfig,
  readBoolean,
  type DataFormat,
  type Padding,
} from './layerConfig';
import type { LayerSpec, ModelSpec } from './modelSpec';

/** Index standing for the model input in `LayerShape.inputs`. */
export const MODEL_INPUT = -1;

export interface LayerShape {
  /** Index into `ModelSpec.layers`. */
  readonly specIndex: number;
  /** Indices into `ModelSpec.layers` of the layers this one reads, or MODEL_INPUT for the model input. */
  readonly inputs: readonly number[];
  /** Input shapes without the batch axis, one per entry of `inputs`. */
  readonly inputShapes: readonly (readonly number[])[];
  /** Output shape without the batch axis. */
  readonly outputShape: readonly number[];
  /** Keras `count_params()`: every weight, including BatchNormalization's moving statistics. */
  readonly parameters: number;
  /** Weights the optimizer updates, 0 for a layer with `trainable=False`. */
  readonly trainableParameters: number;
}

export interface ShapeInference {
  /** One entry per layer before the first error, or per layer when `error` is undefined. */
  readonly layers: readonly LayerShape[];
  /** Index into `ModelSpec.layers` of the layer whose output is the model output, or MODEL_INPUT without layers. */
  readonly outputIndex: number;
  /** The model output shape without the batch axis, undefined after an error. */
  readonly outputShape?: readonly number[];
  readonly error?: LayerConfigError;
}

type ModelLayers = Pick<ModelSpec, 'inputShape' | 'layers' | 'outputLayer'>;

/** Infers the shapes of `spec`'s layers in source order, stopping at the first layer that does not fit. */
export function inferLayerShapes(spec: ModelLayers): ShapeInference {
  const layers: LayerShape[] = [];
  let outputIndex = spec.layers.length - 1;
  try {
    outputIndex = findOutputIndex(spec);
    const names = new Map<string, number>();
    spec.layers.forEach((layer, specIndex) => {
      const inputs = resolveInputs(layer, specIndex, names);
      const inputShapes = inputs.map((index) => (index === MODEL_INPUT ? spec.inputShape : layers[index].outputShape));
      const { outputShape, parameters, nonTrainable } = inferLayer(layer, specIndex, inputShapes);
      const trainableParameters = layer.config.trainable === false ? 0 : parameters - nonTrainable;
      layers.push({ specIndex, inputs, inputShapes, outputShape, parameters, trainableParameters });
      if (!names.has(layer.name)) {
        names.set(layer.name, specIndex);
      }
    });
  } catch (error) {
    if (error instanceof LayerConfigError) {
      return { layers, outputIndex, error };
    }
    throw error;
  }
  const outputShape = outputIndex === MODEL_INPUT ? spec.inputShape : layers[outputIndex].outputShape;
  return { layers, outputIndex, outputShape };
}

/** Returns the sum of Keras `count_params()` over the layers inferred. */
export function totalParameters(inference: ShapeInference): number {
  return inference.layers.reduce((sum, layer) => sum + layer.parameters, 0);
}

function findOutputIndex(spec: ModelLayers): number {
  if (spec.outputLayer === undefined) {
    return spec.layers.length - 1;
  }
  const index = spec.layers.findIndex((layer) => layer.name === spec.outputLayer);
  if (index < 0) {
    throw new LayerConfigError(l10n.t('The model output {0} is not one of its layers.', spec.outputLayer));
  }
  return index;
}

/**
 * Returns the indices of the layers `layer` reads: its `inbound` names, or else the previous
 * layer (the model input for the first), as in a Sequential model.
 */
function resolveInputs(layer: LayerSpec, specIndex: number, names: ReadonlyMap<string, number>): number[] {
  if (layer.className === 'InputLayer') {
    if (specIndex !== 0) {
      throw new LayerConfigError(l10n.t('InputLayer {0} must be the first layer of the model.', layer.name), specIndex);
    }
    return [MODEL_INPUT];
  }
  if (layer.inbound === undefined) {
    return [specIndex === 0 ? MODEL_INPUT : specIndex - 1];
  }
  return layer.inbound.map((name) => {
    const index = names.get(name);
    if (index === undefined) {
      throw new LayerConfigError(
        l10n.t('{0} {1} on line {2} takes the output of {3}, which is not a layer defined before it.', ...layerLabel(layer), name),
        specIndex,
      );
    }
    return index;
  });
}

interface LayerInference {
  readonly outputShape: readonly number[];
  readonly parameters: number;
  /** Parameters the optimizer never updates, such as moving statistics. */
  readonly nonTrainable: number;
}

function inferLayer(layer: LayerSpec, specIndex: number, inputShapes: readonly (readonly number[])[]): LayerInference {
  const merge = layer.className === 'Concatenate' || layer.className === 'Add';
  if (!merge && inputShapes.length !== 1) {
    throw new LayerConfigError(
      l10n.t('{0} {1} on line {2} takes exactly one input, got {3}.', ...layerLabel(layer), inputShapes.length),
      specIndex,
    );
  }
  const input = inputShapes[0];
  const same = (parameters = 0, nonTrainable = 0): LayerInference => ({ outputShape: input, parameters, nonTrainable });

  switch (layer.className) {
    case 'InputLayer':
    case 'Activation':
    case 'Dropout':
    case 'LeakyReLU':
    case 'ELU':
    case 'ReLU':
      return same();

    case 'Softmax':
      normalizeAxis(layer, specIndex, input, readAxis(layer, specIndex, 'axis', -1));
      return same();

    case 'Flatten':
      return { outputShape: flattenShape(input), parameters: 0, nonTrainable: 0 };

    case 'Dense': {
      const units = readPositiveInteger(layer, specIndex, 'units');
      requireRank(layer, specIndex, input, 1, 'at least');
      const inputs = input[input.length - 1];
      return {
        outputShape: [...input.slice(0, -1), units],
        parameters: inputs * units + (readBoolean(layer, 'use_bias', true) ? units : 0),
        nonTrainable: 0,
      };
    }

    case 'BatchNormalization': {
      requireRank(layer, specIndex, input, 1, 'at least');
      const axis = normalizeAxis(layer, specIndex, input, readAxis(layer, specIndex, 'axis', -1));
      const features = input[axis];
      const affine = (readBoolean(layer, 'scale', true) ? 1 : 0) + (readBoolean(layer, 'center', true) ? 1 : 0);
      return same((affine + 2) * features, 2 * features);
    }

    case 'PReLU':
      return same(product(preluAlphaShape(layer, specIndex, input)));

    case 'Conv2D': {
      const config = readConv2DConfig(layer, specIndex);
      const { height, width, channels } = imageDimensions(layer, specIndex, input, config.dataFormat);
      const outHeight = windowOutput(layer, specIndex, input, height, config.kernelSize[0], config.strides[0], config.dilationRate[0], config.padding, 'kernel_size');
      const outWidth = windowOutput(layer, specIndex, input, width, config.kernelSize[1], config.strides[1], config.dilationRate[1], config.padding, 'kernel_size');
      const kernel = config.kernelSize[0] * config.kernelSize[1] * channels * config.filters;
      return {
        outputShape: imageShape(outHeight, outWidth, config.filters, config.dataFormat),
        parameters: kernel + (config.useBias ? config.filters : 0),
        nonTrainable: 0,
      };
    }

    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const config = readPooling2DConfig(layer, specIndex);
      const { height, width, channels } = imageDimensions(layer, specIndex, input, config.dataFormat);
      const outHeight = windowOutput(layer, specIndex, input, height, config.poolSize[0], config.strides[0], 1, config.padding, 'pool_size');
      const outWidth = windowOutput(layer, specIndex, input, width, config.poolSize[1], config.strides[1], 1, config.padding, 'pool_size');
      return { outputShape: imageShape(outHeight, outWidth, channels, config.dataFormat), parameters: 0, nonTrainable: 0 };
    }

    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      const config = readGlobalPooling2DConfig(layer, specIndex);
      const { channels } = imageDimensions(layer, specIndex, input, config.dataFormat);
      const outputShape = config.keepdims ? imageShape(1, 1, channels, config.dataFormat) : [channels];
      return { outputShape, parameters: 0, nonTrainable: 0 };
    }

    case 'Reshape':
      return { outputShape: reshapeTarget(layer, specIndex, input), parameters: 0, nonTrainable: 0 };

    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU': {
      const config = readRecurrentConfig(layer, specIndex);
      requireRank(layer, specIndex, input, 2, 'exactly');
      const [timesteps, features] = input;
      const units = config.units;
      const gates = { SimpleRNN: 1, LSTM: 4, GRU: 3 }[config.className];
      // Keras 3 GRU with reset_after=True keeps separate input and recurrent biases: shape (2, 3·units).
      const biasRows = config.className === 'GRU' && config.resetAfter ? 2 : 1;
      const parameters = gates * (features * units + units * units + (config.useBias ? biasRows * units : 0));
      return { outputShape: config.returnSequences ? [timesteps, units] : [units], parameters, nonTrainable: 0 };
    }

    case 'Embedding': {
      const config = readEmbeddingConfig(layer, specIndex);
      return { outputShape: [...input, config.outputDim], parameters: config.inputDim * config.outputDim, nonTrainable: 0 };
    }

    case 'Concatenate':
      return { outputShape: concatenateShape(layer, specIndex, inputShapes), parameters: 0, nonTrainable: 0 };

    case 'Add':
      return { outputShape: addShape(layer, specIndex, inputShapes), parameters: 0, nonTrainable: 0 };

    default:
      throw new LayerConfigError(
        l10n.t('{0} on line {1} is a {2} layer, which the trainer cannot build.', (layer as LayerSpec).name, (layer as LayerSpec).range.startLine + 1, (layer as LayerSpec).className),
        specIndex,
      );
  }
}

/** Keras 3 Flatten: a shape of no axes becomes (1,), any other the product of its axes. */
export function flattenShape(input: readonly number[]): number[] {
  return [product(input)];
}

/**
 * Returns the index into the shape without batch axis of a Keras `axis`, which counts the batch
 * axis as 0 and negative values from the end.
 */
export function normalizeAxis(layer: LayerSpec, specIndex: number, input: readonly number[], axis: number): number {
  const rank = input.length + 1;
  const normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 1 || normalized >= rank) {
    throw new LayerConfigError(
      l10n.t('{0} {1} on line {2} has {3}={4}, which is not an axis of its input shape {5}.', ...layerLabel(layer), 'axis', axis, formatBatchShape(input)),
      specIndex,
    );
  }
  return normalized - 1;
}

/** Returns the shape of PReLU's `alpha`: the input shape with each axis of `shared_axes` set to 1. */
export function preluAlphaShape(layer: LayerSpec, specIndex: number, input: readonly number[]): number[] {
  const shared = layer.config.shared_axes;
  const axes = shared === undefined || shared === null ? [] : Array.isArray(shared) ? shared : [shared];
  const shape = [...input];
  for (const axis of axes) {
    if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < 1 || axis > input.length) {
      throw new LayerConfigError(
        l10n.t('{0} {1} on line {2} has shared_axes {3}, but its input has axes 1 to {4}.', ...layerLabel(layer), formatValue(shared), input.length),
        specIndex,
      );
    }
    shape[axis - 1] = 1;
  }
  return shape;
}

function requireRank(layer: LayerSpec, specIndex: number, input: readonly number[], rank: number, mode: 'exactly' | 'at least'): void {
  if (mode === 'exactly' ? input.length === rank : input.length >= rank) {
    return;
  }
  const message =
    mode === 'exactly'
      ? l10n.t('{0} {1} on line {2} needs an input with {3} axes besides the batch axis, but gets shape {4}.', ...layerLabel(layer), rank, formatBatchShape(input))
      : l10n.t('{0} {1} on line {2} needs an input with at least {3} axes besides the batch axis, but gets shape {4}.', ...layerLabel(layer), rank, formatBatchShape(input));
  throw new LayerConfigError(message, specIndex);
}

/** Returns height, width and channels of an image input, and rejects inputs of another rank. */
function imageDimensions(
  layer: LayerSpec,
  specIndex: number,
  input: readonly number[],
  dataFormat: DataFormat,
): { height: number; width: number; channels: number } {
  if (input.length !== 3) {
    const base = l10n.t(
      '{0} {1} on line {2} needs an input with {3} axes besides the batch axis, but gets shape {4}.',
      ...layerLabel(layer),
      3,
      formatBatchShape(input),
    );
    // A grayscale image without its channel axis is the usual cause.
    const hint =
      input.length === 2 && dataFormat === 'channels_last'
        ? ` ${l10n.t('Add Reshape({0}) before it, or reshape the images, to give them a channel axis.', formatValue([...input, 1]))}`
        : '';
    throw new LayerConfigError(base + hint, specIndex);
  }
  return dataFormat === 'channels_last'
    ? { height: input[0], width: input[1], channels: input[2] }
    : { channels: input[0], height: input[1], width: input[2] };
}

function imageShape(height: number, width: number, channels: number, dataFormat: DataFormat): number[] {
  return dataFormat === 'channels_last' ? [height, width, channels] : [channels, height, width];
}

/**
 * Keras 3 `compute_conv_output_shape` and `compute_pooling_output_shape` along one axis:
 * 'valid' gives floor((size − dilation·(window − 1) − 1) / stride) + 1, 'same' gives
 * ceil(size / stride). An output of size 0 or less is rejected, as Keras rejects it.
 */
function windowOutput(
  layer: LayerSpec,
  specIndex: number,
  input: readonly number[],
  size: number,
  window: number,
  stride: number,
  dilation: number,
  padding: Padding,
  windowKey: string,
): number {
  if (padding === 'same') {
    return Math.ceil(size / stride);
  }
  const output = Math.floor((size - dilation * (window - 1) - 1) / stride) + 1;
  if (output <= 0) {
    throw new LayerConfigError(
      l10n.t(
        '{0} {1} on line {2} gets the input shape {3}, which is too small for its window of {4}, so the output would be empty. Use padding="same" or a smaller {5}.',
        ...layerLabel(layer),
        formatBatchShape(input),
        dilation * (window - 1) + 1,
        windowKey,
      ),
      specIndex,
    );
  }
  return output;
}

/** Keras 3 Reshape: `target_shape` of positive sizes with at most one -1, which takes what is left. */
export function reshapeTarget(layer: LayerSpec, specIndex: number, input: readonly number[]): number[] {
  const target = layer.config.target_shape;
  const valid =
    Array.isArray(target) &&
    target.every((size) => typeof size === 'number' && Number.isInteger(size) && (size > 0 || size === -1)) &&
    target.filter((size) => size === -1).length <= 1;
  if (!valid) {
    throw new LayerConfigError(
      l10n.t('Reshape {0} on line {1} needs a target_shape of positive whole numbers with at most one -1, got {2}.', layer.name, layer.range.startLine + 1, formatValue(target)),
      specIndex,
    );
  }
  const sizes = target as number[];
  const total = product(input);
  const known = product(sizes.filter((size) => size !== -1));
  const unknown = sizes.indexOf(-1);
  const fits = unknown >= 0 ? known > 0 && total % known === 0 : known === total;
  if (!fits) {
    throw new LayerConfigError(
      l10n.t(
        'Reshape {0} on line {1} cannot arrange the {2} values of shape {3} as target_shape {4}.',
        layer.name,
        layer.range.startLine + 1,
        total,
        formatBatchShape(input),
        formatValue(sizes),
      ),
      specIndex,
    );
  }
  if (unknown < 0) {
    return [...sizes];
  }
  // The one -1 takes the size that makes the element counts match.
  return sizes.map((size) => (size === -1 ? total / known : size));
}

function requireMergeInputs(layer: LayerSpec, specIndex: number, inputShapes: readonly (readonly number[])[]): void {
  if (inputShapes.length < 2) {
    throw new LayerConfigError(
      l10n.t('{0} {1} on line {2} needs at least two inputs, got {3}.', ...layerLabel(layer), inputShapes.length),
      specIndex,
    );
  }
}

/** Keras 3 Concatenate: shapes equal except along `axis` (default -1), whose sizes add up. */
export function concatenateShape(layer: LayerSpec, specIndex: number, inputShapes: readonly (readonly number[])[]): number[] {
  requireMergeInputs(layer, specIndex, inputShapes);
  const first = inputShapes[0];
  const axis = normalizeAxis(layer, specIndex, first, readAxis(layer, specIndex, 'axis', -1));
  const fits = inputShapes.every(
    (shape) => shape.length === first.length && shape.every((size, i) => i === axis || size === first[i]),
  );
  if (!fits) {
    throw new LayerConfigError(
      l10n.t(
        'Concatenate {0} on line {1} needs inputs whose shapes match except along axis {2}, got {3}.',
        layer.name,
        layer.range.startLine + 1,
        formatValue(layer.config.axis ?? -1),
        inputShapes.map(formatBatchShape).join(', '),
      ),
      specIndex,
    );
  }
  const output = [...first];
  output[axis] = inputShapes.reduce((sum, shape) => sum + shape[axis], 0);
  return output;
}

/**
 * Keras 3 Add (`Merge._compute_elemwise_op_output_shape`): the shapes without the batch axis
 * align from the end, and along each axis the sizes must be equal or one of them 1.
 */
export function addShape(layer: LayerSpec, specIndex: number, inputShapes: readonly (readonly number[])[]): number[] {
  requireMergeInputs(layer, specIndex, inputShapes);
  let output = [...inputShapes[0]];
  for (const shape of inputShapes.slice(1)) {
    const [longer, shorter] = output.length >= shape.length ? [output, [...shape]] : [[...shape], output];
    const offset = longer.length - shorter.length;
    const merged = longer.slice(0, offset);
    for (let i = 0; i < shorter.length; i++) {
      const a = longer[offset + i];
      const b = shorter[i];
      if (a !== b && a !== 1 && b !== 1) {
        throw new LayerConfigError(
          l10n.t('{0} {1} on line {2} needs inputs of the same shape, got {3}.', ...layerLabel(layer), inputShapes.map(formatBatchShape).join(', ')),
          specIndex,
        );
      }
      merged.push(a === 1 ? b : a);
    }
    output = merged;
  }
  return output;
}

export function product(shape: readonly number[]): number {
  return shape.reduce((result, size) => result * size, 1);
}
