/**
 * Estimates how much memory training a ModelSpec takes, before any process starts, so a
 * model that would exhaust the machine is caught with a question instead of a crash. Pure:
 * shared by the extension host and the CLI.
 */
import * as l10n from '@vscode/l10n';
import { IMAGE_DATASETS, isImageDataset } from '../common/datasets';
import { inferLayerShapes, product, type LayerShape } from '../common/layerShapes';
import type { LayerSpec, ModelSpec, OptimizerSpec } from '../common/modelSpec';

/** Default of the `gradientFlow.maxModelMemoryMB` setting and of the CLI's limit. */
export const DEFAULT_MAX_MODEL_MEMORY_MB = 2048;

const BYTES_PER_FLOAT = 4;
const BYTES_PER_MB = 1024 * 1024;

/** Size of MNIST's four gzip-compressed files, which the trainer keeps in memory while it reads them. */
const MNIST_COMPRESSED_BYTES = 11_600_000;

/** Gate blocks of the recurrent layers, whose per-timestep values the gradient tape keeps. */
const RECURRENT_GATES: Readonly<Record<string, number>> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

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
  /** Keras `count_params()` of the layer, as `model.summary()` shows it. */
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
  // A model whose shapes do not fit (which the parser reports) is estimated from the layers before the first misfit.
  const shapes = inferLayerShapes(spec).layers;
  const layers: LayerSize[] = shapes.map((shape) => ({
    specIndex: shape.specIndex,
    name: spec.layers[shape.specIndex].name,
    outputShape: shape.outputShape,
    parameters: shape.parameters,
  }));
  const parameters = layers.reduce((sum, layer) => sum + layer.parameters, 0);
  const outputValues = shapes.reduce((sum, shape) => sum + valuesPerExample(spec.layers[shape.specIndex], shape), product(spec.inputShape));
  const trainExamples = isImageDataset(spec.dataset.name) ? IMAGE_DATASETS[spec.dataset.name].trainExamples : Infinity;
  const batchSize = Math.min(spec.fit.batchSize, trainExamples);
  const datasetBytes = estimateDatasetBytes(spec);

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
    datasetBytes,
    totalBytes: weightBytes + activationBytes + datasetBytes,
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

/**
 * Returns the values one example keeps for a layer during a training step: its output and,
 * for a recurrent layer, the gate values and states of every timestep, which the gradient tape
 * keeps until backpropagation. An estimate: other layers' internal values are not counted.
 */
function valuesPerExample(layer: LayerSpec, shape: LayerShape): number {
  const output = product(shape.outputShape);
  const gates = RECURRENT_GATES[layer.className];
  const units = layer.config.units;
  if (gates === undefined || typeof units !== 'number') {
    return output;
  }
  const timesteps = shape.inputShapes[0][0];
  // Per timestep: the gate pre-activations and activations, the state and the output.
  return output + timesteps * units * (2 * gates + 2);
}

/**
 * Returns the bytes the dataset takes in the trainer: one byte per pixel and label of every
 * image example, plus MNIST's compressed files while they are read.
 * NOTE: the generated and CSV datasets are counted as 0, because they hold thousands of rows at most.
 */
function estimateDatasetBytes(spec: ModelSpec): number {
  const name = spec.dataset.name;
  if (!isImageDataset(name)) {
    return 0;
  }
  const facts = IMAGE_DATASETS[name];
  const examples = facts.trainExamples + facts.testExamples;
  const raw = examples * (product(facts.exampleShape) + 1);
  return name === 'mnist' ? raw + MNIST_COMPRESSED_BYTES : raw;
}

/**
 * Slot variables per weight in Keras 3: Adam and Nadam keep two moments (Adam a third with
 * amsgrad), RMSprop a mean square plus a velocity with momentum and a mean gradient when
 * centered, Adagrad an accumulator, Adadelta two accumulators, SGD a velocity with momentum.
 */
function optimizerSlots(optimizer: OptimizerSpec): number {
  const option = (key: string): boolean => optimizer.options?.[key] === true;
  switch (optimizer.className) {
    case 'Adam':
      return option('amsgrad') ? 3 : 2;
    case 'Nadam':
      return 2;
    case 'RMSprop':
      return 1 + (optimizer.momentum > 0 ? 1 : 0) + (option('centered') ? 1 : 0);
    case 'Adagrad':
      return 1;
    case 'Adadelta':
      return 2;
    case 'SGD':
      return optimizer.momentum > 0 ? 1 : 0;
  }
}
