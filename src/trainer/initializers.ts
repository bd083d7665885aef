/**
 * Keras weight initializers, generated from the run's seeded random stream. tfjs has its own
 * initializers, but two differ from Keras: `tf.layers.dense` defaults to glorot_normal where
 * Keras uses glorot_uniform, and tfjs's normal variance scaling does not correct the standard
 * deviation for the truncation at two standard deviations as Keras does.
 */
import * as l10n from '@vscode/l10n';
import type { Random } from './random';

/** Keras divides the standard deviation by this so that the truncated normal keeps the requested variance. */
const TRUNCATED_NORMAL_STDDEV_CORRECTION = 0.87962566103423978;

export interface Initializer {
  /** Keras name in snake_case, for messages. */
  readonly name: string;
  /** Seed from the initializer's own config; undefined uses the run's stream. */
  readonly seed?: number;
  /** Returns the initial values, row-major, for a weight of `shape`. */
  generate(shape: readonly number[], random: Random): Float32Array;
}

type VarianceMode = 'fan_in' | 'fan_out' | 'fan_avg';
/** `normal` is the legacy Keras name of `truncated_normal`. */
type VarianceDistribution = 'uniform' | 'truncated_normal' | 'untruncated_normal' | 'normal';

/**
 * Resolves a Keras `kernel_initializer` or `bias_initializer` value: a name such as
 * `'he_uniform'` or `'HeUniform'`, or a serialized `{class_name, config}` object.
 * @throws Error with a localized message when the initializer is unknown or malformed.
 */
export function resolveInitializer(value: unknown, defaultName: string): Initializer {
  if (value === undefined || value === null) {
    return resolveInitializer(defaultName, defaultName);
  }

  let className: string;
  let config: Record<string, unknown> = {};
  if (typeof value === 'string') {
    className = value;
  } else if (typeof value === 'object') {
    const serialized = value as { class_name?: unknown; className?: unknown; config?: unknown };
    className = String(serialized.class_name ?? serialized.className ?? '');
    if (typeof serialized.config === 'object' && serialized.config !== null) {
      config = serialized.config as Record<string, unknown>;
    }
  } else {
    throw new Error(l10n.t('The initializer {0} is not a name or a Keras initializer config.', JSON.stringify(value)));
  }

  const seed = optionalNumber(config, 'seed');
  const number = (key: string, fallback: number): number => optionalNumber(config, key) ?? fallback;
  const varianceScaling = (scale: number, mode: VarianceMode, distribution: VarianceDistribution): Initializer =>
    varianceScalingInitializer(className, seed, scale, mode, distribution);

  switch (className.toLowerCase().replace(/_/g, '')) {
    case 'glorotuniform':
      return varianceScaling(1, 'fan_avg', 'uniform');
    case 'glorotnormal':
      return varianceScaling(1, 'fan_avg', 'truncated_normal');
    case 'heuniform':
      return varianceScaling(2, 'fan_in', 'uniform');
    case 'henormal':
      return varianceScaling(2, 'fan_in', 'truncated_normal');
    case 'lecununiform':
      return varianceScaling(1, 'fan_in', 'uniform');
    case 'lecunnormal':
      return varianceScaling(1, 'fan_in', 'truncated_normal');
    case 'variancescaling':
      return varianceScaling(
        number('scale', 1),
        parseEnum(config.mode, ['fan_in', 'fan_out', 'fan_avg'], 'fan_in', 'mode'),
        parseEnum<VarianceDistribution>(
          config.distribution,
          ['uniform', 'truncated_normal', 'untruncated_normal', 'normal'],
          'truncated_normal',
          'distribution',
        ),
      );
    case 'zeros':
    case 'zero':
      return constantInitializer(className, 0);
    case 'ones':
    case 'one':
      return constantInitializer(className, 1);
    case 'constant':
      return constantInitializer(className, number('value', 0));
    case 'randomuniform':
    case 'uniform':
      return uniformInitializer(className, seed, number('minval', -0.05), number('maxval', 0.05));
    case 'randomnormal':
    case 'normal':
      return normalInitializer(className, seed, number('mean', 0), number('stddev', 0.05), false);
    case 'truncatednormal':
      return normalInitializer(className, seed, number('mean', 0), number('stddev', 0.05), true);
    default:
      throw new Error(
        l10n.t(
          'The initializer "{0}" is not supported. Use one of glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, random_uniform, random_normal, truncated_normal, zeros, ones or constant.',
          className,
        ),
      );
  }
}

/** Keras `compute_fans` for Dense kernels `[in, out]` and bias vectors `[n]`. */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) {
    return { fanIn: 1, fanOut: 1 };
  }
  if (shape.length === 1) {
    return { fanIn: shape[0], fanOut: shape[0] };
  }
  const receptiveField = shape.slice(0, -2).reduce((product, size) => product * size, 1);
  return { fanIn: shape[shape.length - 2] * receptiveField, fanOut: shape[shape.length - 1] * receptiveField };
}

function varianceScalingInitializer(
  name: string,
  seed: number | undefined,
  scale: number,
  mode: VarianceMode,
  distribution: VarianceDistribution,
): Initializer {
  return {
    name,
    seed,
    generate(shape, random) {
      const { fanIn, fanOut } = computeFans(shape);
      const fans: Record<VarianceMode, number> = { fan_in: fanIn, fan_out: fanOut, fan_avg: (fanIn + fanOut) / 2 };
      const variance = scale / Math.max(1, fans[mode]);

      if (distribution === 'uniform') {
        const limit = Math.sqrt(3 * variance);
        return fillUniform(shape, random, -limit, limit);
      }
      if (distribution === 'untruncated_normal') {
        return fillNormal(shape, random, 0, Math.sqrt(variance), false);
      }
      return fillNormal(shape, random, 0, Math.sqrt(variance) / TRUNCATED_NORMAL_STDDEV_CORRECTION, true);
    },
  };
}

function constantInitializer(name: string, value: number): Initializer {
  return { name, generate: (shape) => new Float32Array(size(shape)).fill(value) };
}

function uniformInitializer(name: string, seed: number | undefined, min: number, max: number): Initializer {
  return { name, seed, generate: (shape, random) => fillUniform(shape, random, min, max) };
}

function normalInitializer(
  name: string,
  seed: number | undefined,
  mean: number,
  stddev: number,
  truncated: boolean,
): Initializer {
  return { name, seed, generate: (shape, random) => fillNormal(shape, random, mean, stddev, truncated) };
}

function fillUniform(shape: readonly number[], random: Random, min: number, max: number): Float32Array {
  const values = new Float32Array(size(shape));
  for (let i = 0; i < values.length; i++) {
    values[i] = min + (max - min) * random.nextFloat();
  }
  return values;
}

/** Normal samples; when `truncated`, samples beyond two standard deviations are drawn again, as TensorFlow does. */
function fillNormal(shape: readonly number[], random: Random, mean: number, stddev: number, truncated: boolean): Float32Array {
  const values = new Float32Array(size(shape));
  for (let i = 0; i < values.length; i++) {
    let z = random.nextNormal();
    while (truncated && Math.abs(z) > 2) {
      z = random.nextNormal();
    }
    values[i] = mean + stddev * z;
  }
  return values;
}

function size(shape: readonly number[]): number {
  return shape.reduce((product, dimension) => product * dimension, 1);
}

function optionalNumber(config: Record<string, unknown>, key: string): number | undefined {
  const value = config[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function parseEnum<T extends string>(value: unknown, allowed: readonly T[], fallback: T, key: string): T {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) {
    return value as T;
  }
  throw new Error(l10n.t('The initializer option {0}={1} is invalid. Use one of: {2}.', key, JSON.stringify(value), allowed.join(', ')));
}
