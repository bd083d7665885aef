/**
 * Builds the Keras model a ModelSpec describes, Sequential or functional, with Keras 3's
 * initial weights, and runs its forward pass one layer at a time in source order so the
 * training step can watch and probe every tracked layer's output.
 */
import * as l10n from '@vscode/l10n';
import type * as tfCore from '@tensorflow/tfjs-core';
import { LayerConfigError } from '../common/layerConfig';
import { inferLayerShapes, MODEL_INPUT, type LayerShape } from '../common/layerShapes';
import type { LayerSpec, ModelSpec } from '../common/modelSpec';
import type { TrackedLayer } from '../common/statistics';
import { buildBatchNormalization, type BatchNormalizationParts } from './batchNormalization';
import { TrainerError, errorMessage } from './errors';
import {
  buildActivation,
  buildElu,
  buildLeakyRelu,
  buildPrelu,
  buildRelu,
  buildSoftmax,
} from './layers/activationLayers';
import { buildConv2D, buildGlobalPooling2D, buildPooling2D } from './layers/convolution';
import { buildDense } from './layers/dense';
import { buildDropout } from './layers/dropout';
import { buildEmbedding, embeddingMask } from './layers/embedding';
import { buildRecurrent } from './layers/recurrent';
import { buildAdd, buildConcatenate, buildFlatten, buildInputLayer, buildReshape } from './layers/structural';
import { warnAboutIgnoredKeys } from './layers/configKeys';
import { connectedLayers, outputChannelAxes, padMaskSources } from './layers/graph';
import type { DenseParts, LayerBuildContext, LayerImplementation, LogitsActivation } from './layers/types';
import type { Random } from './random';
import type { Tf } from './tensorflow';

export type { DenseParts } from './layers/types';

/** One entry of `ModelSpec.layers`, built. `BuiltModel.layers[i]` is `ModelSpec.layers[i]`. */
export interface ModelLayer {
  readonly specIndex: number;
  readonly spec: LayerSpec;
  /** Indices into `BuiltModel.layers` of the layers whose outputs this one takes, or MODEL_INPUT. */
  readonly inputs: readonly number[];
  /** Undefined for a layer that does not lead to the model output, which Keras leaves out of the model. */
  readonly implementation?: LayerImplementation;
  /** Dropout rate; 0 for other layers. */
  readonly dropoutRate: number;
  /** Index into `BuiltModel.tracked`, or -1 for layers without a heatmap row. */
  readonly trackedIndex: number;
  /** Set for Dense layers. */
  readonly dense?: DenseParts;
  /** Set for BatchNormalization layers. */
  readonly batchNormalization?: BatchNormalizationParts;
  /** Index of the Embedding whose `mask_zero` padding mask reaches this layer's first input, or -1. */
  readonly maskSource: number;
}

/** A tracked layer with what the statistics need from it. */
export interface TrackedLayerState {
  readonly info: TrackedLayer;
  /** Output shape without the batch axis. */
  readonly outputShape: readonly number[];
  /**
   * The weights whose gradients the statistics report as the weight and bias gradients: a
   * Dense or Conv2D kernel and bias, a recurrent layer's input kernel and bias, Embedding's
   * embeddings, PReLU's alpha, or BatchNormalization's γ and β. Undefined for layers without
   * them, `use_bias=False`, and `scale=False` or `center=False`.
   */
  readonly kernel?: tfCore.Variable;
  readonly bias?: tfCore.Variable;
  /** False when the file sets `trainable=False`: the weights exist but are not updated. */
  readonly trainable: boolean;
  /** Axis of the output, counting the batch axis as 0, along which the units or channels lie that dead % counts. */
  readonly channelAxis: number;
}

export interface BuiltModel {
  readonly layers: readonly ModelLayer[];
  readonly tracked: readonly TrackedLayerState[];
  /** Variables the optimizer updates, in layer order and Keras's weight order within a layer. */
  readonly trainableVariables: readonly tfCore.Variable[];
  /** Every variable of the model, for disposal. */
  readonly variables: readonly tfCore.Variable[];
  /** Output shape without the batch axis. */
  readonly outputShape: readonly number[];
  /** Name of the layer whose output is the model output, or undefined for the last of `layers`. */
  readonly outputName?: string;
}

/**
 * Builds the model for inputs of `spec.inputShape`, drawing initial weights from `random`.
 * @param warn Receives localized warnings about config options the trainer ignores.
 * @throws TrainerError with the index of the layer that cannot be built.
 */
export function buildModel(tf: Tf, spec: ModelSpec, random: Random, warn: (message: string) => void): BuiltModel {
  checkUniqueNames(spec.layers);
  const inference = inferLayerShapes(spec);
  if (inference.error) {
    throw new TrainerError(inference.error.message, inference.error.specIndex);
  }
  const shapes = inference.layers;
  const connected = connectedLayers(shapes, inference.outputIndex);
  const maskSources = padMaskSources(spec, shapes, connected, inference.outputIndex, warn);
  const channelAxes = outputChannelAxes(spec, shapes);

  const built: ModelLayer[] = [];
  const tracked: TrackedLayerState[] = [];
  const variables: tfCore.Variable[] = [];
  try {
    spec.layers.forEach((layerSpec, specIndex) => {
      const shape = shapes[specIndex];
      const entry = { specIndex, spec: layerSpec, inputs: shape.inputs, maskSource: maskSources[specIndex] };
      warnAboutIgnoredKeys(layerSpec, warn);
      if (!connected[specIndex]) {
        warn(
          l10n.t(
            'Layer {0} on line {1} does not lead to the model output, so the trainer leaves it out as Keras does.',
            layerSpec.name,
            layerSpec.range.startLine + 1,
          ),
        );
        built.push({ ...entry, dropoutRate: 0, trackedIndex: -1 });
        return;
      }

      let implementation: LayerImplementation;
      try {
        implementation = buildLayer({ tf, spec: layerSpec, specIndex, shape, random });
      } catch (error) {
        throw layerError(layerSpec, specIndex, error);
      }
      variables.push(...implementation.variables);

      let trackedIndex = -1;
      if (implementation.activation !== undefined) {
        trackedIndex = tracked.length;
        tracked.push(trackLayer(layerSpec, specIndex, shape, implementation, channelAxes[specIndex]));
      }
      built.push({
        ...entry,
        implementation,
        dropoutRate: implementation.dropoutRate ?? 0,
        trackedIndex,
        dense: implementation.dense,
        batchNormalization: implementation.batchNormalization,
      });
    });
  } catch (error) {
    tf.dispose(variables);
    throw error;
  }

  const trainableVariables = built.flatMap((entry) => entry.implementation?.trainableVariables ?? []);
  return {
    layers: built,
    tracked,
    trainableVariables,
    variables,
    outputShape: inference.outputShape ?? spec.inputShape,
    outputName: spec.outputLayer,
  };
}

export interface ForwardOptions {
  /** Training mode turns dropout on. */
  readonly training: boolean;
  /** Seeds the dropout masks; required in training mode when the model has Dropout. */
  readonly dropoutRandom?: Random;
  /** Zero tensors added to the tracked layers' outputs, so gradients with respect to them are ∂L/∂(output). */
  readonly probes?: readonly tfCore.Tensor[];
  /** Receives each tracked layer's output (after its probe). */
  readonly onTrackedOutput?: (trackedIndex: number, output: tfCore.Tensor) => void;
  /**
   * Receives the input of the output layer's final softmax or sigmoid (the logits) when
   * `outputLogitsActivation(model)` names one.
   */
  readonly onLogits?: (logits: tfCore.Tensor) => void;
}

/**
 * Runs `x` through the model's layers in source order, each on the outputs of its inbound
 * layers, and returns the output layer's output.
 * @throws TrainerError with the index of the layer whose computation failed.
 */
export function forward(tf: Tf, model: BuiltModel, x: tfCore.Tensor, options: ForwardOptions): tfCore.Tensor {
  const outputIndex = outputLayerIndex(model);
  const onLogits = options.onLogits && outputLogitsActivation(model) ? options.onLogits : undefined;
  const outputs: tfCore.Tensor[] = [];
  const masks: tfCore.Tensor[] = [];

  for (const entry of model.layers) {
    const implementation = entry.implementation;
    if (!implementation) {
      continue;
    }
    const inputs = entry.inputs.map((index) => (index === MODEL_INPUT ? x : outputs[index]));
    let output: tfCore.Tensor;
    try {
      output = implementation.call(inputs, {
        training: options.training,
        dropoutRandom: options.dropoutRandom,
        mask: entry.maskSource >= 0 ? masks[entry.maskSource] : undefined,
        onLogits: entry.specIndex === outputIndex ? onLogits : undefined,
      });
      if (entry.spec.className === 'Embedding' && entry.spec.config.mask_zero === true) {
        masks[entry.specIndex] = embeddingMask(tf, inputs[0]);
      }
    } catch (error) {
      throw layerError(entry.spec, entry.specIndex, error);
    }

    if (entry.trackedIndex >= 0) {
      if (options.probes) {
        output = tf.add(output, options.probes[entry.trackedIndex]);
      }
      options.onTrackedOutput?.(entry.trackedIndex, output);
    }
    outputs[entry.specIndex] = output;
  }
  return outputIndex === MODEL_INPUT ? x : outputs[outputIndex];
}

/**
 * True when the model's output layer applies softmax on the last axis (Dense with
 * activation='softmax', Activation('softmax') or Softmax()), so the loss is computed from
 * that layer's input, as Keras does.
 */
export function endsWithSoftmax(model: BuiltModel): boolean {
  return outputLogitsActivation(model) === 'softmax';
}

/**
 * Returns the activation whose input `forward` reports through `onLogits`: a last-axis softmax
 * or a sigmoid that ends the output layer, or undefined for other outputs.
 */
export function outputLogitsActivation(model: BuiltModel): LogitsActivation | undefined {
  const index = outputLayerIndex(model);
  return index === MODEL_INPUT ? undefined : model.layers[index]?.implementation?.logitsActivation;
}

/** Returns the tracked index of the output layer, or -1 when it has no heatmap row. */
export function outputTrackedIndex(model: BuiltModel): number {
  const index = outputLayerIndex(model);
  return index === MODEL_INPUT ? -1 : (model.layers[index]?.trackedIndex ?? -1);
}

/** Disposes the model's weights. */
export function disposeModel(model: BuiltModel): void {
  model.variables.forEach((variable) => variable.dispose());
}

function outputLayerIndex(model: BuiltModel): number {
  if (model.outputName !== undefined) {
    const index = model.layers.findIndex((entry) => entry.spec.name === model.outputName);
    if (index >= 0) {
      return index;
    }
  }
  return model.layers.length - 1;
}

function buildLayer(context: LayerBuildContext): LayerImplementation {
  switch (context.spec.className) {
    case 'InputLayer':
      return buildInputLayer();
    case 'Flatten':
      return buildFlatten(context);
    case 'Reshape':
      return buildReshape(context);
    case 'Dense':
      return buildDense(context);
    case 'Activation':
      return buildActivation(context);
    case 'Dropout':
      return buildDropout(context);
    case 'BatchNormalization':
      return buildBatchNormalization(context);
    case 'Conv2D':
      return buildConv2D(context);
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return buildPooling2D(context);
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return buildGlobalPooling2D(context);
    case 'LeakyReLU':
      return buildLeakyRelu(context);
    case 'ELU':
      return buildElu(context);
    case 'PReLU':
      return buildPrelu(context);
    case 'ReLU':
      return buildRelu(context);
    case 'Softmax':
      return buildSoftmax(context);
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return buildRecurrent(context);
    case 'Embedding':
      return buildEmbedding(context);
    case 'Concatenate':
      return buildConcatenate(context);
    case 'Add':
      return buildAdd(context);
  }
}

/** Describes a layer with a heatmap row: one with weights or an activation. */
function trackLayer(
  spec: LayerSpec,
  specIndex: number,
  shape: LayerShape,
  implementation: LayerImplementation,
  channelAxis: number,
): TrackedLayerState {
  const info: TrackedLayer = {
    specIndex,
    name: spec.name,
    className: spec.className,
    activation: implementation.activation ?? 'linear',
    units: implementation.units,
    hasWeights: implementation.kernel !== undefined,
    line: spec.range.startLine,
  };
  return {
    info,
    outputShape: shape.outputShape,
    kernel: implementation.kernel,
    bias: implementation.bias,
    trainable: spec.config.trainable !== false,
    channelAxis,
  };
}

function checkUniqueNames(layers: readonly LayerSpec[]): void {
  const seen = new Set<string>();
  layers.forEach((layer, index) => {
    if (seen.has(layer.name)) {
      throw new TrainerError(
        l10n.t('The layer name {0} is used twice. Give every layer a unique name.', layer.name),
        index,
      );
    }
    seen.add(layer.name);
  });
}

function layerError(spec: LayerSpec, specIndex: number, error: unknown): TrainerError {
  if (error instanceof TrainerError) {
    return error;
  }
  if (error instanceof LayerConfigError) {
    return new TrainerError(error.message, error.specIndex ?? specIndex);
  }
  return new TrainerError(
    l10n.t('Layer {0} ({1}, line {2}) failed: {3}', spec.name, spec.className, spec.range.startLine + 1, errorMessage(error)),
    specIndex,
    { cause: error },
  );
}
