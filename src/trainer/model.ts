/**
 * Builds the Keras `Sequential` model a ModelSpec describes as tfjs layers, with Keras's
 * initial weights, and runs its forward pass one layer at a time so the training step can
 * watch and probe every tracked layer's output.
 */
import * as l10n from '@vscode/l10n';
import type * as tfCore from '@tensorflow/tfjs-core';
import type * as tfLayers from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { LayerSpec, ModelSpec } from '../common/modelSpec';
import type { TrackedLayer } from '../common/statistics';
import { resolveActivation, type Activation } from './activations';
import {
  batchNormalizationForward,
  batchNormalizationOptions,
  batchNormalizationParts,
  layerVariable,
  type BatchNormalizationOptions,
  type BatchNormalizationParts,
} from './batchNormalization';
import { TrainerError, errorMessage } from './errors';
import { resolveInitializer } from './initializers';
import { createRandom, type Random } from './random';
import type { Tf } from './tensorflow';

/** One entry of `ModelSpec.layers`, built. */
export interface ModelLayer {
  readonly specIndex: number;
  readonly spec: LayerSpec;
  /** Undefined for InputLayer, which only sets the input shape. */
  readonly layer?: Layer;
  /** Dropout rate; 0 for other layers. */
  readonly dropoutRate: number;
  /** Index into `BuiltModel.tracked`, or -1 for layers without a heatmap row. */
  readonly trackedIndex: number;
  /** Set for Dense layers, which `forward` computes itself (see `denseForward`). */
  readonly dense?: DenseParts;
  /** Set for BatchNormalization layers, which `forward` also computes itself. */
  readonly batchNormalization?: BatchNormalizationParts;
}

interface DenseParts {
  readonly kernel: tfCore.Variable;
  readonly bias?: tfCore.Variable;
  /** A weightless Activation layer applying the Dense layer's activation. */
  readonly activation: Layer;
}

/** A tracked layer with what the statistics need from it. */
export interface TrackedLayerState {
  readonly info: TrackedLayer;
  /** Output shape without the batch axis. */
  readonly outputShape: readonly number[];
  /**
   * Dense kernel and bias, or BatchNormalization γ and β, whose gradients the statistics
   * report as the weight and bias gradients. Undefined for Activation layers,
   * `use_bias=False`, and `scale=False` or `center=False`.
   */
  readonly kernel?: tfCore.Variable;
  readonly bias?: tfCore.Variable;
  /** False when the file sets `trainable=False`: the weights exist but are not updated. */
  readonly trainable: boolean;
}

export interface BuiltModel {
  readonly model: tfLayers.LayersModel;
  readonly layers: readonly ModelLayer[];
  readonly tracked: readonly TrackedLayerState[];
  /** Variables the optimizer updates, in a fixed order. */
  readonly trainableVariables: readonly tfCore.Variable[];
  /** Output shape without the batch axis. */
  readonly outputShape: readonly number[];
}

/** Config keys every layer may carry that do not change training. */
const COMMON_KEYS = ['name', 'trainable', 'dtype', 'input_shape', 'input_dim', 'batch_input_shape', 'batch_size'];

/** Config keys each layer class uses; other non-null keys get a warning that they are ignored. */
const USED_KEYS: Readonly<Record<LayerSpec['className'], readonly string[]>> = {
  InputLayer: ['shape', 'sparse', 'ragged'],
  Flatten: ['data_format'],
  Dense: ['units', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer'],
  Activation: ['activation'],
  // Keras's own dropout seed is replaced by the run seed.
  Dropout: ['rate', 'seed'],
  BatchNormalization: ['axis', 'momentum', 'epsilon', 'center', 'scale'],
};

/**
 * Builds the model for inputs of `spec.inputShape`, drawing initial weights from `random`.
 * @param warn Receives localized warnings about config options the trainer ignores.
 * @throws TrainerError with the index of the layer that cannot be built.
 */
export function buildModel(tf: Tf, spec: ModelSpec, random: Random, warn: (message: string) => void): BuiltModel {
  checkUniqueNames(spec.layers);

  const built: ModelLayer[] = [];
  const created: Layer[] = [];
  const tracked: TrackedLayerState[] = [];
  const input = tf.input({ shape: [...spec.inputShape] });
  let output: tfLayers.SymbolicTensor = input;

  try {
    spec.layers.forEach((layerSpec, specIndex) => {
      warnAboutIgnoredKeys(layerSpec, warn);
      try {
        const entry = buildLayer(tf, layerSpec, specIndex, output);
        if (entry.layer) {
          created.push(entry.layer);
          output = entry.layer.apply(output) as tfLayers.SymbolicTensor;
        }
        let trackedIndex = -1;
        let dense: DenseParts | undefined;
        let batchNormalization: BatchNormalizationParts | undefined;
        if (entry.activation) {
          trackedIndex = tracked.length;
          const state = trackLayer(tf, layerSpec, specIndex, entry.layer as Layer, entry.activation, output, random);
          tracked.push(state);
          if (state.kernel && entry.denseActivation) {
            dense = { kernel: state.kernel, bias: state.bias, activation: entry.denseActivation };
          }
          if (entry.batchNormalization) {
            batchNormalization = batchNormalizationParts(entry.layer as Layer, entry.batchNormalization);
          }
        }
        built.push({ specIndex, spec: layerSpec, layer: entry.layer, dropoutRate: entry.dropoutRate, trackedIndex, dense, batchNormalization });
      } catch (error) {
        throw error instanceof TrainerError ? error : layerError(layerSpec, specIndex, error);
      }
    });
  } catch (error) {
    disposeLayers(created);
    throw error;
  }

  const model = tf.model({ inputs: input, outputs: output });
  const trainableVariables = tracked
    .filter((state) => state.trainable)
    .flatMap((state) => [state.kernel, state.bias])
    .filter((variable): variable is tfCore.Variable => variable !== undefined);

  return { model, layers: built, tracked, trainableVariables, outputShape: output.shape.slice(1) as number[] };
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
  /** Receives the input of the final softmax (the logits) when `endsWithSoftmax(model)`. */
  readonly onLogits?: (logits: tfCore.Tensor) => void;
}

/**
 * Runs `x` through the model layer by layer.
 * @throws TrainerError with the index of the layer whose computation failed.
 */
export function forward(tf: Tf, model: BuiltModel, x: tfCore.Tensor, options: ForwardOptions): tfCore.Tensor {
  let activation = x;
  const softmaxEntry = options.onLogits && endsWithSoftmax(model) ? model.layers[model.layers.length - 1] : undefined;

  for (const entry of model.layers) {
    if (!entry.layer) {
      continue;
    }
    const onLogits = entry === softmaxEntry ? options.onLogits : undefined;
    try {
      if (entry.dense) {
        activation = denseForward(tf, activation, entry.dense, onLogits);
      } else if (entry.batchNormalization) {
        activation = batchNormalizationForward(tf, activation, entry.batchNormalization, options.training);
      } else if (entry.dropoutRate > 0) {
        activation = dropout(tf, activation, entry.dropoutRate, options);
      } else {
        // Here `onLogits` is set only for a final Activation('softmax'), whose input is the logits.
        onLogits?.(activation);
        activation = entry.layer.apply(activation) as tfCore.Tensor;
      }
    } catch (error) {
      throw layerError(entry.spec, entry.specIndex, error);
    }

    if (entry.trackedIndex >= 0) {
      if (options.probes) {
        activation = tf.add(activation, options.probes[entry.trackedIndex]);
      }
      options.onTrackedOutput?.(entry.trackedIndex, activation);
    }
  }
  return activation;
}

/**
 * True when the model's last layer applies softmax (Dense with activation='softmax' or
 * Activation('softmax')), so the loss is computed from that layer's input, as Keras does.
 */
export function endsWithSoftmax(model: BuiltModel): boolean {
  const last = model.layers[model.layers.length - 1];
  return last !== undefined && last.trackedIndex >= 0 && model.tracked[last.trackedIndex]?.info.activation === 'softmax';
}

/** Disposes the model's weights. */
export function disposeModel(model: BuiltModel): void {
  model.model.dispose();
}

/**
 * Computes Keras Dense, activation(x·kernel + bias), on the last axis of `x`.
 *
 * NOTE: this replaces tfjs's Dense layer for speed. tfjs's matMul gradient multiplies
 * transposed operands, and tfjs-backend-wasm 4.22 does that about 6× slower than an explicit
 * transpose followed by a plain matMul. For 784×32 by 32×64 it took 1.5 ms against 0.26 ms
 * (Node 20, 2-core x86 machine), and a training step of a six-hidden-layer MNIST model
 * fell from about 15 ms to 6 ms.
 */
function denseForward(
  tf: Tf,
  x: tfCore.Tensor,
  dense: DenseParts,
  onPreActivation?: (z: tfCore.Tensor) => void,
): tfCore.Tensor {
  const shape = x.shape as number[];
  const units = (dense.kernel.shape as number[])[1];
  const inputs = x.rank > 2 ? tf.reshape(x, [-1, shape[shape.length - 1]]) : x;

  let z: tfCore.Tensor = matMulWithTransposedGradients(tf)(inputs as tfCore.Tensor2D, dense.kernel as tfCore.Tensor2D);
  if (dense.bias) {
    z = tf.add(z, dense.bias);
  }
  if (x.rank > 2) {
    z = tf.reshape(z, [...shape.slice(0, -1), units]);
  }
  onPreActivation?.(z);
  return dense.activation.apply(z) as tfCore.Tensor;
}

const matMulCache = new WeakMap<Tf, (a: tfCore.Tensor2D, b: tfCore.Tensor2D) => tfCore.Tensor2D>();

/** `tf.matMul(a, b)` whose gradients transpose explicitly: ∂a = dy·transpose(b), ∂b = transpose(a)·dy. */
function matMulWithTransposedGradients(tf: Tf): (a: tfCore.Tensor2D, b: tfCore.Tensor2D) => tfCore.Tensor2D {
  let matMul = matMulCache.get(tf);
  if (!matMul) {
    matMul = tf.customGrad((...inputs: (tfCore.Tensor | tfCore.GradSaveFunc)[]) => {
      const [a, b, save] = inputs as [tfCore.Tensor2D, tfCore.Tensor2D, tfCore.GradSaveFunc];
      save([a, b]);
      return {
        value: tf.matMul(a, b),
        gradFunc: (dy: tfCore.Tensor2D, saved: tfCore.Tensor[]) => [
          tf.matMul(dy, tf.transpose(saved[1]) as tfCore.Tensor2D),
          tf.matMul(tf.transpose(saved[0]) as tfCore.Tensor2D, dy),
        ],
      };
    }) as (a: tfCore.Tensor2D, b: tfCore.Tensor2D) => tfCore.Tensor2D;
    matMulCache.set(tf, matMul);
  }
  return matMul;
}

/**
 * Keras inverted dropout: keeps each value with probability 1 − rate and scales the kept
 * ones by 1 / (1 − rate). The masks come from the run's dropout stream, because tfjs's
 * seeded `tf.dropout` draws the same mask on every call.
 */
function dropout(tf: Tf, x: tfCore.Tensor, rate: number, options: ForwardOptions): tfCore.Tensor {
  if (!options.training) {
    return x;
  }
  if (!options.dropoutRandom) {
    throw new Error('Training with Dropout needs options.dropoutRandom.');
  }
  const seed = options.dropoutRandom.nextUint32();
  return tf.tidy(() => {
    const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), rate), 'float32');
    return tf.div(tf.mul(x, keep), 1 - rate);
  });
}

interface LayerEntry {
  readonly layer?: Layer;
  readonly dropoutRate: number;
  /** Set for layers that get a heatmap row. */
  readonly activation?: Activation;
  /** For Dense layers, the activation as a layer of its own, for `denseForward`. */
  readonly denseActivation?: Layer;
  /** For BatchNormalization layers, the options `batchNormalizationForward` needs. */
  readonly batchNormalization?: BatchNormalizationOptions;
}

function buildLayer(tf: Tf, spec: LayerSpec, specIndex: number, input: tfLayers.SymbolicTensor): LayerEntry {
  const config = spec.config;
  const common = { name: spec.name, trainable: config.trainable !== false };

  switch (spec.className) {
    case 'InputLayer':
      if (specIndex !== 0) {
        throw new TrainerError(l10n.t('InputLayer {0} must be the first layer of the model.', spec.name), specIndex);
      }
      return { dropoutRate: 0 };

    case 'Flatten':
      // Keras passes a (batch, features) input through unchanged; tfjs's Flatten rejects it.
      if (input.shape.length <= 2) {
        return { dropoutRate: 0 };
      }
      return { layer: tf.layers.flatten(common), dropoutRate: 0 };

    case 'Activation': {
      const activation = resolveActivation(config.activation);
      return { layer: tf.layers.activation({ ...common, activation: activation.tfjs }), dropoutRate: 0, activation };
    }

    case 'Dropout': {
      const rate = config.rate;
      if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
        throw new TrainerError(
          l10n.t('Dropout {0} needs a rate between 0 (inclusive) and 1 (exclusive), got {1}.', spec.name, String(rate)),
          specIndex,
        );
      }
      return { layer: tf.layers.dropout({ ...common, rate }), dropoutRate: rate };
    }

    case 'Dense': {
      const units = config.units;
      if (typeof units !== 'number' || !Number.isInteger(units) || units <= 0) {
        throw new TrainerError(l10n.t('Dense {0} needs a positive whole number of units, got {1}.', spec.name, String(units)), specIndex);
      }
      if (input.shape[input.shape.length - 1] === null) {
        throw new TrainerError(l10n.t('Dense {0} needs an input whose last dimension is known.', spec.name), specIndex);
      }
      const activation = resolveActivation(config.activation);
      const layer = tf.layers.dense({
        ...common,
        units,
        activation: activation.tfjs,
        useBias: config.use_bias !== false,
        // Placeholders: trackLayer replaces both with Keras's initial values once the input size is known.
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
      });
      const denseActivation = tf.layers.activation({ activation: activation.tfjs });
      return { layer, dropoutRate: 0, activation, denseActivation };
    }

    case 'BatchNormalization': {
      if (input.shape[input.shape.length - 1] === null) {
        throw new TrainerError(l10n.t('BatchNormalization {0} needs an input whose last dimension is known.', spec.name), specIndex);
      }
      const options = batchNormalizationOptions(spec, specIndex);
      const layer = tf.layers.batchNormalization({ ...common, axis: -1, ...options });
      return { layer, dropoutRate: 0, activation: resolveActivation('linear'), batchNormalization: options };
    }
  }
}

/**
 * Describes a layer for the heatmap; for a Dense layer also sets its Keras initial weights.
 * A BatchNormalization layer reports γ and β as its weights and its feature count as units.
 */
function trackLayer(
  tf: Tf,
  spec: LayerSpec,
  specIndex: number,
  layer: Layer,
  activation: Activation,
  output: tfLayers.SymbolicTensor,
  random: Random,
): TrackedLayerState {
  const outputShape = output.shape.slice(1) as number[];
  const batchNormalization = spec.className === 'BatchNormalization';
  const info: TrackedLayer = {
    specIndex,
    name: spec.name,
    className: spec.className,
    activation: activation.keras,
    units: trackedUnits(spec, batchNormalization, outputShape),
    hasWeights: spec.className === 'Dense' || (batchNormalization && spec.config.scale !== false),
    line: spec.range.startLine,
  };
  const trainable = spec.config.trainable !== false;
  if (batchNormalization) {
    return { info, outputShape, trainable, kernel: layerVariable(layer, 'gamma'), bias: layerVariable(layer, 'beta') };
  }
  if (spec.className !== 'Dense') {
    return { info, outputShape, trainable };
  }

  const [kernelWeight, biasWeight] = layer.weights;
  const kernelInitializer = resolveInitializer(spec.config.kernel_initializer, 'glorot_uniform');
  const biasInitializer = resolveInitializer(spec.config.bias_initializer, 'zeros');
  const initialValues = [kernelWeight, biasWeight]
    .filter((weight) => weight !== undefined)
    .map((weight, i) => {
      const initializer = i === 0 ? kernelInitializer : biasInitializer;
      const source = initializer.seed === undefined ? random : createRandom(initializer.seed);
      return tf.tensor(initializer.generate(weight.shape as number[], source), weight.shape as number[]);
    });
  layer.setWeights(initialValues);
  tf.dispose(initialValues);

  return {
    info,
    outputShape,
    kernel: kernelWeight.read() as tfCore.Variable,
    bias: biasWeight?.read() as tfCore.Variable | undefined,
    trainable,
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

function warnAboutIgnoredKeys(spec: LayerSpec, warn: (message: string) => void): void {
  const used = USED_KEYS[spec.className];
  for (const [key, value] of Object.entries(spec.config)) {
    if (value !== null && value !== undefined && !used.includes(key) && !COMMON_KEYS.includes(key)) {
      warn(
        l10n.t(
          'Layer {0}: the option {1} is ignored by the trainer, so results may differ from Keras.',
          spec.name,
          key,
        ),
      );
    }
  }
}

function layerError(spec: LayerSpec, specIndex: number, error: unknown): TrainerError {
  if (error instanceof TrainerError) {
    return error;
  }
  return new TrainerError(
    l10n.t('Layer {0} ({1}, line {2}) failed: {3}', spec.name, spec.className, spec.range.startLine + 1, errorMessage(error)),
    specIndex,
    { cause: error },
  );
}

function disposeLayers(layers: readonly Layer[]): void {
  for (const layer of layers) {
    try {
      layer.dispose();
    } catch {
      // A layer that never got built has no weights to free.
    }
  }
}

/** Returns the output width a heatmap label shows: Dense units, or the features a BatchNormalization layer normalizes. */
function trackedUnits(spec: LayerSpec, batchNormalization: boolean, outputShape: readonly number[]): number | undefined {
  if (spec.className === 'Dense') {
    return spec.config.units as number;
  }
  return batchNormalization ? outputShape[outputShape.length - 1] : undefined;
}
