/** Keras inverted dropout, with masks drawn from the run's seeded dropout stream. */
import type * as tfCore from '@tensorflow/tfjs-core';
import { readRate } from '../../common/layerConfig';
import type { Random } from '../random';
import type { Tf } from '../tensorflow';
import type { LayerBuildContext, LayerCallContext, LayerImplementation } from './types';

/** Builds Dropout. The run seed replaces Keras's own `seed` option. */
export function buildDropout(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex } = context;
  const rate = readRate(spec, specIndex, 'rate');
  return {
    call: ([x], callContext) => dropout(tf, x, rate, callContext),
    variables: [],
    trainableVariables: [],
    dropoutRate: rate,
  };
}

/**
 * Keras inverted dropout: keeps each value with probability 1 − rate and scales the kept
 * ones by 1 / (1 − rate). The masks come from the run's dropout stream, because tfjs's
 * seeded `tf.dropout` draws the same mask on every call.
 */
export function dropout(tf: Tf, x: tfCore.Tensor, rate: number, context: LayerCallContext): tfCore.Tensor {
  if (!context.training || rate === 0) {
    return x;
  }
  const keep = keepMask(tf, x.shape, rate, requireDropoutRandom(context));
  return tf.div(tf.mul(x, keep), 1 - rate);
}

/** Returns a mask of `shape` holding 0 with probability `rate` and 1 / (1 − rate) otherwise. */
export function dropoutMask(tf: Tf, shape: readonly number[], rate: number, random: Random): tfCore.Tensor {
  return tf.div(keepMask(tf, shape, rate, random), 1 - rate);
}

/** Returns a mask of `shape` holding 0 with probability `rate` and 1 otherwise. */
function keepMask(tf: Tf, shape: readonly number[], rate: number, random: Random): tfCore.Tensor {
  const seed = random.nextUint32();
  return tf.cast(tf.greaterEqual(tf.randomUniform([...shape], 0, 1, 'float32', seed), rate), 'float32');
}

export function requireDropoutRandom(context: LayerCallContext): Random {
  if (!context.dropoutRandom) {
    throw new Error('Training with dropout needs options.dropoutRandom.');
  }
  return context.dropoutRandom;
}
