/**
 * ModelSpec builders for trainer tests: what the parser would produce for small Keras
 * `Sequential` scripts, without going through the parser.
 */
import * as path from 'node:path';
import type {
  CompileSpec,
  DatasetSpec,
  FitSpec,
  LayerClassName,
  LayerSpec,
  ModelSpec,
  OptimizerSpec,
} from '../../src/common/modelSpec';
import type { TrainerToHost, TrainOptions } from '../../src/common/trainerProtocol';

export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');
export const DATA_DIR = path.join(REPOSITORY_ROOT, 'data');
/** The wasm binaries as installed; the bundle copies them to dist/wasm. */
export const WASM_DIR = path.join(REPOSITORY_ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');

/** Returns a layer spec at 0-based `line` of a pretend model file. */
export function layer(
  className: LayerClassName,
  name: string,
  config: Record<string, unknown> = {},
  line = 0,
): LayerSpec {
  return {
    className,
    name,
    config,
    range: { startLine: line, startCharacter: 0, endLine: line, endCharacter: 40 },
  };
}

/** Returns a functional-API layer that takes the outputs of the `inbound` layers. */
export function graphLayer(
  className: LayerClassName,
  name: string,
  config: Record<string, unknown>,
  inbound: string[],
  line = 0,
): LayerSpec {
  return { ...layer(className, name, config, line), inbound };
}

/** Returns `Dense(units, activation=...)` with Keras's auto-name `dense` or `dense_<n>`, on line `index + 4`. */
export function dense(index: number, units: number, activation: string, config: Record<string, unknown> = {}): LayerSpec {
  return layer('Dense', index === 0 ? 'dense' : `dense_${index}`, { units, activation, ...config }, index + 4);
}

export interface SpecOptions {
  readonly inputShape?: readonly number[];
  readonly optimizer?: Partial<OptimizerSpec>;
  readonly compile?: Partial<Omit<CompileSpec, 'optimizer'>>;
  readonly fit?: Partial<FitSpec>;
  readonly dataset?: Partial<DatasetSpec>;
}

/** Returns a model of `layers`, compiled and fitted with Keras's defaults unless `options` sets them. */
export function modelSpec(layers: readonly LayerSpec[], options: SpecOptions = {}): ModelSpec {
  return {
    fileName: 'model.py',
    inputShape: options.inputShape ?? [28, 28],
    layers,
    compile: {
      optimizer: { className: 'SGD', learningRate: 0.01, momentum: 0, nesterov: false, ...options.optimizer },
      loss: 'sparse_categorical_crossentropy',
      metrics: ['accuracy'],
      ...options.compile,
    },
    fit: { epochs: 1, batchSize: 32, validationSplit: 0, validationOnTest: false, shuffle: true, ...options.fit },
    dataset: { name: 'mnist', origin: 'inferred', pixelDivisor: 255, oneHotLabels: false, ...options.dataset },
  };
}

/**
 * Returns the classroom model: InputLayer (28, 28) → Flatten → Dense 64, 128, 256, 256, 168,
 * 64 with `hiddenActivation` → Dense 10 softmax, SGD, batch 32, validation_split 0.2.
 */
export function deepMnistSpec(hiddenActivation: string, options: SpecOptions = {}): ModelSpec {
  const hidden = [64, 128, 256, 256, 168, 64].map((units, i) => dense(i, units, hiddenActivation));
  return modelSpec(
    [
      layer('InputLayer', 'input_layer', { input_shape: [28, 28] }, 2),
      layer('Flatten', 'flatten', {}, 3),
      ...hidden,
      dense(hidden.length, 10, 'softmax'),
    ],
    { ...options, fit: { validationSplit: 0.2, ...options.fit } },
  );
}

/** Options for in-process runs on the wasm backend with a fixed seed. */
export function trainOptions(overrides: Partial<TrainOptions> = {}): TrainOptions {
  return {
    backend: 'wasm',
    seed: 1234,
    samplesPerEpoch: 25,
    maxEpochs: 100,
    dataDir: DATA_DIR,
    wasmDir: WASM_DIR,
    ...overrides,
  };
}

/** Returns the messages of one type from a run's message list. */
export function messagesOfType<T extends TrainerToHost['type']>(
  messages: readonly TrainerToHost[],
  type: T,
): Extract<TrainerToHost, { type: T }>[] {
  return messages.filter((message): message is Extract<TrainerToHost, { type: T }> => message.type === type);
}
