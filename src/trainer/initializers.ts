/**
 * Keras 3 weight initializers (as in Keras 3.8 `keras/src/initializers`), generated from the
 * run's seeded random stream so a seed repeats the same weights on every backend. tfjs has
 * its own initializers, but two differ from Keras: `tf.layers.dense` defaults to
 * glorot_normal where Keras uses glorot_uniform, and tfjs's normal variance scaling does not
 * correct the standard deviation for the truncation at two standard deviations as Keras does.
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
    case 'orthogonal':
    case 'orthogonalinitializer':
      return orthogonalInitializer(className, seed, number('gain', 1));
    case 'identity':
    case 'identityinitializer':
      return identityInitializer(className, number('gain', 1));
    default:
      throw new Error(
        l10n.t(
          'The initializer "{0}" is not supported. Use one of glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, orthogonal, identity, random_uniform, random_normal, truncated_normal, zeros, ones or constant.',
          className,
        ),
      );
  }
}

/** Keras `compute_fans`: kernels `[..., in, out]` (receptive field times in and out), bias vectors `[n]`. */
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

/**
 * Keras 3 `Orthogonal`: a normal matrix of shape (max(rows, cols), min(rows, cols)), where rows
 * is the product of all but the last axis, goes through QR. Q's columns are multiplied by the
 * signs of R's diagonal, transposed when rows < cols, reshaped to `shape` and scaled by `gain`.
 * The sign correction makes Q the unique factor whose R has a positive diagonal, so the result
 * depends only on the normal samples, not on how the QR is computed.
 *
 * NOTE: the Householder QR below runs in plain JavaScript in O(rows · cols²) time. Measured
 * on Node 20, 2-core x86: 0.3 s for LSTM(256)'s recurrent kernel (a 1024 × 256 QR), 3 s for
 * LSTM(512)'s, and about 8 times longer for each further doubling of the units.
 */
function orthogonalInitializer(name: string, seed: number | undefined, gain: number): Initializer {
  return {
    name,
    seed,
    generate(shape, random) {
      if (shape.length < 2) {
        throw new Error(l10n.t('The initializer {0} needs a weight of at least two axes, got shape ({1}).', name, shape.join(', ')));
      }
      const rows = shape.slice(0, -1).reduce((product, dimension) => product * dimension, 1);
      const columns = shape[shape.length - 1];
      const tall = Math.max(rows, columns);
      const narrow = Math.min(rows, columns);

      const matrix = new Float64Array(tall * narrow);
      for (let i = 0; i < matrix.length; i++) {
        matrix[i] = random.nextNormal();
      }
      const q = orthonormalColumns(matrix, tall, narrow);

      // q is tall × narrow. For rows ≥ columns it is the weight as is, otherwise its transpose.
      const values = new Float32Array(rows * columns);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < columns; c++) {
          values[r * columns + c] = gain * (rows >= columns ? q[r * narrow + c] : q[c * narrow + r]);
        }
      }
      return values;
    },
  };
}

/**
 * Returns Q of the QR decomposition of the row-major m × n matrix `a` (m ≥ n), row-major, with
 * each column multiplied by the sign of R's diagonal entry as Keras does (`q *= sign(diag(r))`).
 * Householder reflections keep Q orthogonal to float64 precision. The work runs on columns
 * stored one after another, so the inner loops read memory in order.
 */
export function orthonormalColumns(a: Float64Array, m: number, n: number): Float64Array {
  // r stores column j at [j·m, (j + 1)·m).
  const r = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      r[j * m + i] = a[i * n + j];
    }
  }

  const reflectors: (Float64Array | undefined)[] = [];
  for (let k = 0; k < n; k++) {
    // The reflector maps column k below the diagonal onto −sign(r_kk)·‖x‖·e_k.
    const v = r.slice(k * m + k, (k + 1) * m);
    const norm = Math.sqrt(dot(v, v));
    v[0] += v[0] >= 0 ? norm : -norm;
    const vNorm = dot(v, v);
    if (vNorm === 0) {
      reflectors.push(undefined);
      continue;
    }
    // Columns before k are already zero in rows k and below.
    for (let j = k; j < n; j++) {
      reflect(r, j * m + k, v, vNorm);
    }
    reflectors.push(v);
  }

  // Q = H_0 · H_1 ⋯ H_{n−1} applied to the first n columns of the identity. H_k changes rows
  // k and below only, where the columns before k are still zero.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    q[j * m + j] = 1;
  }
  for (let k = n - 1; k >= 0; k--) {
    const v = reflectors[k];
    if (v) {
      const vNorm = dot(v, v);
      for (let j = k; j < n; j++) {
        reflect(q, j * m + k, v, vNorm);
      }
    }
  }

  // numpy's sign(0) is 0, so Keras zeroes a column whose R diagonal entry is exactly 0.
  const result = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    const sign = Math.sign(r[j * m + j]);
    for (let i = 0; i < m; i++) {
      result[i * n + j] = sign * q[j * m + i];
    }
  }
  return result;
}

/** Replaces x[offset, offset + v.length) by (I − 2vvᵀ/‖v‖²) applied to it. */
function reflect(x: Float64Array, offset: number, v: Float64Array, vNorm: number): void {
  let product = 0;
  for (let i = 0; i < v.length; i++) {
    product += v[i] * x[offset + i];
  }
  const scale = (2 * product) / vNorm;
  if (scale !== 0) {
    for (let i = 0; i < v.length; i++) {
      x[offset + i] -= scale * v[i];
    }
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    sum += a[i] * b[i];
  }
  return sum;
}

/** Keras 3 `Identity`: `gain` times the identity matrix, for two-axis weights only. */
function identityInitializer(name: string, gain: number): Initializer {
  return {
    name,
    generate(shape) {
      if (shape.length !== 2) {
        throw new Error(l10n.t('The initializer {0} needs a weight of exactly two axes, got shape ({1}).', name, shape.join(', ')));
      }
      const [rows, columns] = shape;
      const values = new Float32Array(rows * columns);
      for (let i = 0; i < Math.min(rows, columns); i++) {
        values[i * columns + i] = gain;
      }
      return values;
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
