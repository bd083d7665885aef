/** Creates layer weights as tfjs variables with Keras initial values from the run's random stream. */
import type * as tfCore from '@tensorflow/tfjs-core';
import { resolveInitializer, type Initializer } from '../initializers';
import { createRandom, type Random } from '../random';
import type { LayerBuildContext } from './types';

/** Makes variable names unique, because tfjs rejects a second variable of the same name. */
let variableCount = 0;

/**
 * Returns a variable of `shape` named after the layer and `role` (`kernel`, `bias`, ...),
 * filled by the initializer the layer config sets under `configKey`, else by `defaultName`.
 * An initializer with its own `seed` draws from that seed, as Keras does, instead of the run's stream.
 * @param trainable False for statistics such as moving averages, which no gradient updates.
 */
export function createWeight(
  context: LayerBuildContext,
  role: string,
  shape: readonly number[],
  configKey: string | undefined,
  defaultName: string,
  trainable = isTrainable(context),
): tfCore.Variable {
  const initializer = resolveInitializer(configKey === undefined ? undefined : context.spec.config[configKey], defaultName);
  return variableFrom(context, role, shape, initializer.generate(shape, randomFor(context, initializer)), trainable);
}

/** Returns a variable holding `values`, named after the layer and `role`. */
export function variableFrom(
  context: LayerBuildContext,
  role: string,
  shape: readonly number[],
  values: Float32Array,
  trainable = isTrainable(context),
): tfCore.Variable {
  const { tf, spec } = context;
  const initial = tf.tensor(values, [...shape]);
  try {
    variableCount += 1;
    return tf.variable(initial, trainable, `${spec.name}/${role}_${variableCount}`);
  } finally {
    initial.dispose();
  }
}

/** Returns the random source for `initializer`: its own seed when it has one, else the run's stream. */
export function randomFor(context: LayerBuildContext, initializer: Initializer): Random {
  return initializer.seed === undefined ? context.random : createRandom(initializer.seed);
}

export function isTrainable(context: LayerBuildContext): boolean {
  return context.spec.config.trainable !== false;
}
