import type { OptimizerName } from '../common/modelSpec';

/** Keras 3 default learning rates, the reference for "higher" and "lower" than usual. */
export const KERAS_DEFAULT_LEARNING_RATE: Readonly<Record<OptimizerName, number>> = {
  SGD: 0.01,
  Adam: 0.001,
  RMSprop: 0.001,
  Adagrad: 0.001,
  Adadelta: 0.001,
  Nadam: 0.001,
};
