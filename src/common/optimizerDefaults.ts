import type { OptimizerName } from './modelSpec';

/**
 * Keras 3 default learning rates: 0.01 for SGD and 0.001 for the others (Adadelta too,
 * unlike Keras 2's 1.0). The parser fills them in, and the diagnosis compares against them.
 */
export const KERAS_DEFAULT_LEARNING_RATE: Readonly<Record<OptimizerName, number>> = {
  SGD: 0.01,
  Adam: 0.001,
  RMSprop: 0.001,
  Adagrad: 0.001,
  Adadelta: 0.001,
  Nadam: 0.001,
};
