/**
 * Typed readers for the Keras 3 layer configs of a ModelSpec, with Keras defaults filled in
 * and a localized error naming the layer and its line for values Keras would reject. Pure:
 * shared by the shape inference (which the parser and the size estimate use) and the trainer.
 */
import * as l10n from '@vscode/l10n';
import type { LayerSpec } from './modelSpec';

/** A layer config value that Keras would reject, or a model the trainer cannot build. */
export class LayerConfigError extends Error {
  /**
   * @param message Localized text naming the layer, its line and what to change.
   * @param specIndex Index into `ModelSpec.layers` of the layer at fault, or undefined for a model-level problem.
   */
  constructor(
    message: string,
    readonly specIndex?: number,
  ) {
    super(message);
    this.name = 'LayerConfigError';
  }
}

export type Padding = 'valid' | 'same';
export type DataFormat = 'channels_last' | 'channels_first';
export type Pair = readonly [number, number];

export interface Conv2DConfig {
  readonly filters: number;
  readonly kernelSize: Pair;
  readonly strides: Pair;
  readonly padding: Padding;
  readonly dataFormat: DataFormat;
  readonly dilationRate: Pair;
  readonly useBias: boolean;
}

export interface Pooling2DConfig {
  readonly poolSize: Pair;
  readonly strides: Pair;
  readonly padding: Padding;
  readonly dataFormat: DataFormat;
}

export interface GlobalPooling2DConfig {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;
}

export type RecurrentClassName = 'SimpleRNN' | 'LSTM' | 'GRU';

export interface RecurrentConfig {
  readonly className: RecurrentClassName;
  readonly units: number;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  /** LSTM only, Keras 3 default true. */
  readonly unitForgetBias: boolean;
  /** GRU only, Keras 3 default true (separate input and recurrent biases). */
  readonly resetAfter: boolean;
}

export interface EmbeddingConfig {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
}

export interface ReluConfig {
  /** Upper clip, or null for none. */
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
}

/** Returns `Dense dense_1 on line 5`-style parts for messages: class, name and 1-based line. */
export function layerLabel(spec: LayerSpec): [string, string, number] {
  return [spec.className, spec.name, spec.range.startLine + 1];
}

/** Formats a config value as the file would show it. */
export function formatValue(value: unknown): string {
  if (value === undefined) {
    return 'None';
  }
  if (Array.isArray(value)) {
    return `(${value.map(formatValue).join(', ')}${value.length === 1 ? ',' : ''})`;
  }
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

/** Formats a shape without the batch axis as Keras prints it with the batch axis: `(None, 28, 28)`. */
export function formatBatchShape(shape: readonly number[]): string {
  return `(${['None', ...shape].join(', ')})`;
}

/** Reads a positive whole number, such as `units` or `filters`, which is required when `fallback` is undefined. */
export function readPositiveInteger(spec: LayerSpec, specIndex: number, key: string, fallback?: number): number {
  const value = spec.config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new LayerConfigError(
      l10n.t('{0} {1} on line {2} needs a positive whole number of {3}, got {4}.', ...layerLabel(spec), key, formatValue(value)),
      specIndex,
    );
  }
  return value;
}

/** Reads `kernel_size`, `strides` and the like: one positive whole number or a pair of them. */
export function readPair(spec: LayerSpec, specIndex: number, key: string, fallback: Pair | undefined): Pair {
  const value = spec.config[key] ?? fallback;
  const isPositiveInteger = (item: unknown): item is number => typeof item === 'number' && Number.isInteger(item) && item > 0;
  if (isPositiveInteger(value)) {
    return [value, value];
  }
  if (Array.isArray(value) && value.every(isPositiveInteger)) {
    if (value.length === 2) {
      return [value[0], value[1]];
    }
    if (value.length === 1) {
      return [value[0], value[0]];
    }
  }
  throw new LayerConfigError(
    l10n.t(
      '{0} {1} on line {2} needs {3} as a positive whole number or a pair of them, such as (3, 3), got {4}.',
      ...layerLabel(spec),
      key,
      formatValue(value),
    ),
    specIndex,
  );
}

/** Reads a string option such as `padding` in any letter case, as Keras 3 does. */
export function readChoice<T extends string>(spec: LayerSpec, specIndex: number, key: string, allowed: readonly T[], fallback: T): T {
  const value = spec.config[key] ?? fallback;
  const lower = typeof value === 'string' ? value.toLowerCase() : undefined;
  if (lower !== undefined && (allowed as readonly string[]).includes(lower)) {
    return lower as T;
  }
  throw new LayerConfigError(
    l10n.t('{0} {1} on line {2} needs {3} to be one of {4}, got {5}.', ...layerLabel(spec), key, allowed.map(formatValue).join(', '), formatValue(value)),
    specIndex,
  );
}

/** Reads a rate such as `dropout`: a number from 0 up to but not including 1. */
export function readRate(spec: LayerSpec, specIndex: number, key: string, fallback?: number): number {
  const value = spec.config[key] ?? fallback;
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new LayerConfigError(
      l10n.t('{0} {1} on line {2} needs {3} from 0 up to but not including 1, got {4}.', ...layerLabel(spec), key, formatValue(value)),
      specIndex,
    );
  }
  return value;
}

/** Reads a number of at least 0, such as `negative_slope`. */
export function readNonNegative(spec: LayerSpec, specIndex: number, key: string, fallback: number): number {
  const value = spec.config[key] ?? fallback;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new LayerConfigError(
      l10n.t('{0} {1} on line {2} needs {3} to be a number of at least 0, got {4}.', ...layerLabel(spec), key, formatValue(value)),
      specIndex,
    );
  }
  return value;
}

/** Reads a whole-number axis such as `axis=-1`. The shape inference checks its range. */
export function readAxis(spec: LayerSpec, specIndex: number, key: string, fallback: number): number {
  const value = spec.config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new LayerConfigError(
      l10n.t('{0} {1} on line {2} needs {3} to be a whole number, got {4}.', ...layerLabel(spec), key, formatValue(value)),
      specIndex,
    );
  }
  return value;
}

/** Returns the config's boolean, reading a non-boolean value by Python truthiness as Keras does. */
export function readBoolean(spec: LayerSpec, key: string, fallback: boolean): boolean {
  const value = spec.config[key];
  return value === undefined || value === null ? fallback : Boolean(value);
}

/** Rejects an option value the trainer cannot reproduce, such as `return_state=True`. */
export function rejectOption(spec: LayerSpec, specIndex: number, key: string): never {
  throw new LayerConfigError(
    l10n.t('{0} {1} on line {2} sets {3}={4}, which the trainer does not support.', ...layerLabel(spec), key, formatValue(spec.config[key])),
    specIndex,
  );
}

/** Keras 3 `image_data_format()` default. */
const DEFAULT_DATA_FORMAT: DataFormat = 'channels_last';
const DATA_FORMATS: readonly DataFormat[] = ['channels_last', 'channels_first'];
const PADDINGS: readonly Padding[] = ['valid', 'same'];

/** Reads `data_format`, whose Keras 3 default is `channels_last`. */
export function readDataFormat(spec: LayerSpec, specIndex: number): DataFormat {
  return readChoice(spec, specIndex, 'data_format', DATA_FORMATS, DEFAULT_DATA_FORMAT);
}

/** Keras 3 Conv2D: strides (1, 1), padding 'valid', dilation_rate (1, 1), use_bias True. */
export function readConv2DConfig(spec: LayerSpec, specIndex: number): Conv2DConfig {
  const config: Conv2DConfig = {
    filters: readPositiveInteger(spec, specIndex, 'filters'),
    kernelSize: readPair(spec, specIndex, 'kernel_size', undefined),
    strides: readPair(spec, specIndex, 'strides', [1, 1]),
    padding: readChoice(spec, specIndex, 'padding', PADDINGS, 'valid'),
    dataFormat: readDataFormat(spec, specIndex),
    dilationRate: readPair(spec, specIndex, 'dilation_rate', [1, 1]),
    useBias: readBoolean(spec, 'use_bias', true),
  };
  const groups = spec.config.groups;
  if (groups !== undefined && groups !== null && groups !== 1) {
    rejectOption(spec, specIndex, 'groups');
  }
  // Keras 3 BaseConv raises the same error: TensorFlow's convolution cannot do both at once.
  if (Math.max(...config.strides) > 1 && Math.max(...config.dilationRate) > 1) {
    throw new LayerConfigError(
      l10n.t(
        '{0} {1} on line {2} sets both strides {3} and dilation_rate {4} above 1, which Keras rejects. Set one of them to 1.',
        ...layerLabel(spec),
        formatValue(config.strides),
        formatValue(config.dilationRate),
      ),
      specIndex,
    );
  }
  return config;
}

/** Keras 3 MaxPooling2D and AveragePooling2D: pool_size (2, 2), strides defaulting to pool_size, padding 'valid'. */
export function readPooling2DConfig(spec: LayerSpec, specIndex: number): Pooling2DConfig {
  const poolSize = readPair(spec, specIndex, 'pool_size', [2, 2]);
  return {
    poolSize,
    strides: readPair(spec, specIndex, 'strides', poolSize),
    padding: readChoice(spec, specIndex, 'padding', PADDINGS, 'valid'),
    dataFormat: readDataFormat(spec, specIndex),
  };
}

export function readGlobalPooling2DConfig(spec: LayerSpec, specIndex: number): GlobalPooling2DConfig {
  return { dataFormat: readDataFormat(spec, specIndex), keepdims: readBoolean(spec, 'keepdims', false) };
}

/**
 * Keras 3 SimpleRNN, LSTM and GRU: return_sequences False, dropout 0, unit_forget_bias True,
 * reset_after True. `return_state` and `stateful` change what the layer returns or keeps
 * between batches, which the trainer does not model, so they are rejected.
 */
export function readRecurrentConfig(spec: LayerSpec, specIndex: number): RecurrentConfig {
  if (readBoolean(spec, 'return_state', false)) {
    rejectOption(spec, specIndex, 'return_state');
  }
  if (readBoolean(spec, 'stateful', false)) {
    rejectOption(spec, specIndex, 'stateful');
  }
  return {
    className: spec.className as RecurrentClassName,
    units: readPositiveInteger(spec, specIndex, 'units'),
    useBias: readBoolean(spec, 'use_bias', true),
    returnSequences: readBoolean(spec, 'return_sequences', false),
    goBackwards: readBoolean(spec, 'go_backwards', false),
    dropout: readRate(spec, specIndex, 'dropout', 0),
    recurrentDropout: readRate(spec, specIndex, 'recurrent_dropout', 0),
    unitForgetBias: readBoolean(spec, 'unit_forget_bias', true),
    resetAfter: readBoolean(spec, 'reset_after', true),
  };
}

/** Keras 3 Embedding: mask_zero False. */
export function readEmbeddingConfig(spec: LayerSpec, specIndex: number): EmbeddingConfig {
  return {
    inputDim: readPositiveInteger(spec, specIndex, 'input_dim'),
    outputDim: readPositiveInteger(spec, specIndex, 'output_dim'),
    maskZero: readBoolean(spec, 'mask_zero', false),
  };
}

/** Keras 3 ReLU layer: max_value None, negative_slope 0, threshold 0, none of them negative. */
export function readReluConfig(spec: LayerSpec, specIndex: number): ReluConfig {
  const maxValue = spec.config.max_value;
  return {
    maxValue: maxValue === undefined || maxValue === null ? null : readNonNegative(spec, specIndex, 'max_value', 0),
    negativeSlope: readNonNegative(spec, specIndex, 'negative_slope', 0),
    threshold: readNonNegative(spec, specIndex, 'threshold', 0),
  };
}

/** Keras 3 LeakyReLU: negative_slope 0.3 (Keras 2's `alpha` is the same option under its old name). */
export function readLeakyReluSlope(spec: LayerSpec, specIndex: number): number {
  const key = spec.config.negative_slope === undefined && spec.config.alpha !== undefined ? 'alpha' : 'negative_slope';
  return readNonNegative(spec, specIndex, key, 0.3);
}

/** Keras 3 ELU: alpha 1.0. */
export function readEluAlpha(spec: LayerSpec, specIndex: number): number {
  const value = spec.config.alpha ?? 1;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new LayerConfigError(
      l10n.t('{0} {1} on line {2} needs {3} to be a number, got {4}.', ...layerLabel(spec), 'alpha', formatValue(value)),
      specIndex,
    );
  }
  return value;
}
