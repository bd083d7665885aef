/**
 * Estimates how much memory training a ModelSpec takes, before any process starts, so a
 * model that would exhaust the machine is caught with a question instead of a crash. Pure:
 * shared by the extension host and the CLI.
 */
import * as l10n from '@vscode/l10n';
import type { LayerSpec, ModelSpec, OptimizerSpec } from '../common/modelSpec';

/** Default of the `gradientFlow.maxModelMemoryMB` setting and of the CLI's limit. */
export const DEFAULT_MAX_MODEL_MEMORY_MB = 2048;

const BYTES_PER_FLOAT = 4;
const BYTES_PER_MB = 1024 * 1024;

/** MNIST training examples, the most a batch can hold. */
const MNIST_TRAIN_EXAMPLES = 60_000;

/**
 * MNIST as the trainer keeps it: 70,000 images of 784 one-byte pixels and their labels,
 * plus the gzip-compressed files while they are read.
 */
const MNIST_BYTES = 70_000 * 785 + 11_600_000;

/**
 * Copies of each layer output one training step keeps at its peak: the output, the
 * pre-activation and the probed output of the forward pass, and their gradients. The
 * factor is an estimate, rounded up from tf.profile of one statistics step of the
 * six-layer sigmoid MNIST model (wasm backend, Node 20): 5.5 copies at batch size 256,
 * 4.8 at 4,096. At 32 the weight gradients, counted in `weightBytes`, dominate the peak.
 */
const TRAINING_COPIES_PER_OUTPUT = 6;

/** Examples per evaluation chunk (see src/trainer/evaluation.ts) and the outputs it keeps per layer. */
const EVALUATION_CHUNK = 1000;
const EVALUATION_COPIES_PER_OUTPUT = 3;

export interface LayerSize {
  /** Index into `ModelSpec.layers`. */
  readonly specIndex: number;
  readonly name: string;
  /** Output shape without the batch axis. */
  readonly outputShape: readonly number[];
  /** Weights of the layer: kernel and bias for Dense, 0 for the others. */
  readonly parameters: number;
}

export interface ModelSizeEstimate {
  readonly layers: readonly LayerSize[];
  readonly parameters: number;
  /** Examples per training batch: `batch_size`, at most the training set. */
  readonly batchSize: number;
  /** Weights, their gradients and the optimizer's slot variables. */
  readonly weightBytes: number;
  /** Layer outputs and their gradients at the peak of one training step or evaluation chunk. */
  readonly activationBytes: number;
  readonly datasetBytes: number;
  readonly totalBytes: number;
}

/**
 * Estimates the memory that training `spec` needs, in bytes. Sizes that do not fit a
 * double come out as Infinity, so they compare as too large.
 */
export function estimateModelSize(spec: ModelSpec): ModelSizeEstimate {
  const layers = layerSizes(spec);
  const parameters = layers.reduce((sum, layer) => sum + layer.parameters, 0);
  const outputValues = layers.reduce((sum, layer) => sum + product(layer.outputShape), product(spec.inputShape));
  const batchSize = Math.min(spec.fit.batchSize, MNIST_TRAIN_EXAMPLES);

  const weightCopies = 2 + optimizerSlots(spec.compile.optimizer);
  const weightBytes = parameters * weightCopies * BYTES_PER_FLOAT;
  const activationBytes =
    outputValues * BYTES_PER_FLOAT * Math.max(batchSize * TRAINING_COPIES_PER_OUTPUT, EVALUATION_CHUNK * EVALUATION_COPIES_PER_OUTPUT);

  return {
    layers,
    parameters,
    batchSize,
    weightBytes,
    activationBytes,
    datasetBytes: MNIST_BYTES,
    totalBytes: weightBytes + activationBytes + MNIST_BYTES,
  };
}

/** Returns the estimate in whole megabytes (MiB), rounded up. */
export function megabytes(bytes: number): number {
  return Math.ceil(bytes / BYTES_PER_MB);
}

/** True when the estimate exceeds `limitMB` megabytes. */
export function exceedsMemoryLimit(estimate: ModelSizeEstimate, limitMB: number): boolean {
  return estimate.totalBytes > limitMB * BYTES_PER_MB;
}

/** Returns the layer with the most parameters, for naming it in messages. */
export function largestLayer(estimate: ModelSizeEstimate): LayerSize | undefined {
  let largest: LayerSize | undefined;
  for (const layer of estimate.layers) {
    if (!largest || layer.parameters > largest.parameters) {
      largest = layer;
    }
  }
  return largest;
}

/**
 * Returns a localized sentence saying that training `spec` needs more memory than
 * `limitMB`, naming the largest layer and its line. Callers add how to go ahead anyway.
 */
export function describeMemoryProblem(spec: ModelSpec, estimate: ModelSizeEstimate, limitMB: number): string {
  const needed = formatMegabytes(estimate.totalBytes);
  const largest = largestLayer(estimate);
  const layer = largest ? spec.layers[largest.specIndex] : undefined;
  if (!largest || !layer || largest.parameters === 0) {
    return l10n.t(
      'Training {0} needs about {1} MB of memory for batches of {2} examples, more than the limit of {3} MB. Use a smaller batch_size.',
      spec.fileName,
      needed,
      estimate.batchSize,
      limitMB,
    );
  }
  return l10n.t({
    message:
      'Training {0} needs about {1} MB of memory, more than the limit of {2} MB. Its largest layer, {3} on line {4}, has {5} weights; give it or the layer before it fewer units, or use a smaller batch_size.',
    args: [spec.fileName, needed, limitMB, largest.name, layer.range.startLine + 1, formatCount(largest.parameters)],
    comment: ['{3} is a layer name such as dense_2. batch_size is the Keras argument name: keep it untranslated.'],
  });
}

function formatMegabytes(bytes: number): string {
  return Number.isFinite(bytes) ? formatCount(megabytes(bytes)) : '∞';
}

function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '∞';
}

/** Follows the shape through the layers the way Keras builds a Sequential model. */
function layerSizes(spec: ModelSpec): LayerSize[] {
  let shape: readonly number[] = spec.inputShape;
  return spec.layers.map((layer, specIndex) => {
    let parameters = 0;
    if (layer.className === 'Flatten') {
      shape = [product(shape)];
    } else if (layer.className === 'Dense') {
      const units = positiveNumber(layer.config.units);
      const inputs = shape.length > 0 ? shape[shape.length - 1] : 1;
      parameters = inputs * units + (usesBias(layer) ? units : 0);
      shape = [...shape.slice(0, -1), units];
    }
    return { specIndex, name: layer.name, outputShape: shape, parameters };
  });
}

/** Slot variables per weight: Adam keeps two moments, RMSprop a mean square, momentum a velocity. */
function optimizerSlots(optimizer: OptimizerSpec): number {
  switch (optimizer.className) {
    case 'Adam':
      return 2;
    case 'RMSprop':
      return optimizer.momentum > 0 ? 2 : 1;
    case 'SGD':
      return optimizer.momentum > 0 ? 1 : 0;
  }
}

function usesBias(layer: LayerSpec): boolean {
  return layer.config.use_bias !== false;
}

function positiveNumber(value: unknown): number {
  return typeof value === 'number' && value > 0 ? value : 0;
}

function product(shape: readonly number[]): number {
  return shape.reduce((result, size) => result * size, 1);
}
