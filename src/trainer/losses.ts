/**
 * Keras 3 losses and accuracy metrics, per example, as the TensorFlow backend computes them
 * (`keras/src/backend/tensorflow/nn.py` and `keras/src/losses/losses.py`, Keras 3.8).
 * Probabilities are clipped to [1e-7, 1 − 1e-7] before a logarithm; with `from_logits=True`
 * the loss is computed from the logits.
 *
 * NOTE: with an output that ends in softmax, the TensorFlow backend computes a crossentropy
 * from the softmax's input even without `from_logits` (`_get_logits` reads it from the
 * graph), and so does this module when the forward pass reports those logits. Keras does the
 * same for a sigmoid output and binary crossentropy, and the forward pass reports the
 * sigmoid's input too. Keras's JAX and PyTorch backends clip the probabilities instead.
 */
import type * as tfCore from '@tensorflow/tfjs-core';
import { endsWithSoftmax, outputTrackedIndex, type BuiltModel } from './model';
import type { AccuracyKind, Objective } from './targets';
import { classIndices } from './targets';
import type { Tf } from './tensorflow';

/** Keras `backend.epsilon()`: probabilities are clipped to [EPSILON, 1 − EPSILON] before the logarithm. */
export const EPSILON = 1e-7;

/** The model's output for one batch and what the loss compares it with. */
export interface LossInputs {
  /** The batch's `y`: one-hot `[batch, depth]` or label values `[batch, 1]`. */
  readonly targets: tfCore.Tensor;
  /** The model output. */
  readonly prediction: tfCore.Tensor;
  /** The input of the output layer's final activation, when the forward pass reports it. */
  readonly logits?: tfCore.Tensor;
  /** The activation `logits` go through to give `prediction`. */
  readonly logitsActivation?: 'softmax' | 'sigmoid';
}

/**
 * Returns the activation between the logits that `forward` reports through `onLogits` and
 * the model output: softmax, sigmoid, or undefined when the output applies neither.
 */
export function logitsActivationOf(model: BuiltModel): LossInputs['logitsActivation'] {
  if (endsWithSoftmax(model)) {
    return 'softmax';
  }
  const output = model.tracked[outputTrackedIndex(model)];
  return output?.info.activation === 'sigmoid' ? 'sigmoid' : undefined;
}

/** Returns the loss of each example, unweighted, `[batch]`. */
export function lossPerExample(tf: Tf, objective: Objective, inputs: LossInputs): tfCore.Tensor1D {
  const { targets, prediction } = inputs;
  const logits = logitsFor(objective, inputs);
  switch (objective.loss) {
    case 'sparse_categorical_crossentropy':
      return logits ? crossentropyPerExample(tf, targets, prediction, logits) : sparseCrossentropyFromProbabilities(tf, targets, prediction);
    case 'categorical_crossentropy':
      return crossentropyPerExample(tf, targets, prediction, logits);
    case 'binary_crossentropy':
      return binaryCrossentropyPerExample(tf, targets, prediction, logits);
    case 'mean_squared_error':
      return tf.tidy(() => tf.mean(tf.square(tf.sub(targets, prediction)), -1) as tfCore.Tensor1D);
    case 'mean_absolute_error':
      return tf.tidy(() => tf.mean(tf.abs(tf.sub(targets, prediction)), -1) as tfCore.Tensor1D);
  }
}

/**
 * Returns the tensor the loss reads as logits, or undefined when it reads probabilities. A
 * categorical crossentropy reads the input of a final softmax and a binary crossentropy that
 * of a final sigmoid, with or without `from_logits`. Otherwise `from_logits=True` makes the
 * output itself the logits.
 */
export function logitsFor(objective: Objective, inputs: LossInputs): tfCore.Tensor | undefined {
  const categorical = objective.loss === 'sparse_categorical_crossentropy' || objective.loss === 'categorical_crossentropy';
  const binary = objective.loss === 'binary_crossentropy';
  if (!categorical && !binary) {
    return undefined;
  }
  const recovered = (categorical && inputs.logitsActivation === 'softmax') || (binary && inputs.logitsActivation === 'sigmoid');
  if (recovered && inputs.logits) {
    return inputs.logits;
  }
  return objective.fromLogits ? inputs.prediction : undefined;
}

/** True when the loss reads the input of the output's activation, so the output itself is off the loss path. */
export function readsActivationInput(objective: Objective, inputs: LossInputs): boolean {
  const logits = logitsFor(objective, inputs);
  return logits !== undefined && logits === inputs.logits;
}

/**
 * Crossentropy of each example against one-hot `oneHotLabels`: Keras's
 * `categorical_crossentropy`, and `sparse_categorical_crossentropy` from logits.
 *
 * With `logits` it computes −Σ y·logSoftmax(z), whose gradient with respect to z is
 * softmax(z) − y at any magnitude of z. Without `logits` it computes Keras's probability
 * form: scale each row to sum 1, clip to [1e-7, 1 − 1e-7], then −Σ y·log p. An example's
 * gradient is then 0 once its label's probability falls below 1e-7.
 */
export function crossentropyPerExample(
  tf: Tf,
  oneHotLabels: tfCore.Tensor,
  probabilities: tfCore.Tensor,
  logits?: tfCore.Tensor,
): tfCore.Tensor1D {
  return tf.tidy(() => {
    if (logits) {
      return tf.neg(tf.sum(tf.mul(oneHotLabels, tf.logSoftmax(logits)), -1)) as tfCore.Tensor1D;
    }
    const normalized = tf.div(probabilities, tf.sum(probabilities, -1, true));
    const clipped = tf.clipByValue(normalized, EPSILON, 1 - EPSILON);
    return tf.neg(tf.sum(tf.mul(oneHotLabels, tf.log(clipped)), -1)) as tfCore.Tensor1D;
  });
}

/**
 * Keras's `sparse_categorical_crossentropy` from probabilities: clip to [1e-7, 1 − 1e-7],
 * take the logarithm and apply the softmax crossentropy to it, which divides each clipped
 * probability by the row's sum. It differs from `crossentropyPerExample` only for outputs
 * that do not sum to 1, because the clipping comes first.
 */
export function sparseCrossentropyFromProbabilities(tf: Tf, oneHotLabels: tfCore.Tensor, probabilities: tfCore.Tensor): tfCore.Tensor1D {
  return tf.tidy(() => {
    const logProbabilities = tf.log(tf.clipByValue(probabilities, EPSILON, 1 - EPSILON));
    return tf.neg(tf.sum(tf.mul(oneHotLabels, tf.logSoftmax(logProbabilities)), -1)) as tfCore.Tensor1D;
  });
}

/**
 * Keras's `binary_crossentropy`, the mean over an example's outputs of −(y·log p + (1 − y)·log(1 − p)).
 * From logits z it is max(z, 0) − z·y + log(1 + e^−|z|), exact at any magnitude of z;
 * from probabilities p is clipped to [1e-7, 1 − 1e-7] first.
 */
export function binaryCrossentropyPerExample(tf: Tf, targets: tfCore.Tensor, probabilities: tfCore.Tensor, logits?: tfCore.Tensor): tfCore.Tensor1D {
  return tf.tidy(() => {
    let elementwise: tfCore.Tensor;
    if (logits) {
      elementwise = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    } else {
      const clipped = tf.clipByValue(probabilities, EPSILON, 1 - EPSILON);
      const positive = tf.mul(targets, tf.log(clipped));
      const negative = tf.mul(tf.sub(1, targets), tf.log(tf.sub(1, clipped)));
      elementwise = tf.neg(tf.add(positive, negative));
    }
    return tf.mean(elementwise, -1) as tfCore.Tensor1D;
  });
}

/**
 * Returns ∂L/∂p for the batch-mean crossentropy L computed from `logits`, where p = softmax(z)
 * is the model output: (Σy − y/p) / batch size. This is the gradient of Keras's probability
 * form without the clipping, so the chain rule through the softmax gives (softmax(z) − y) / batch
 * size, the gradient the loss sends to z. `weights` scales each example's row, as `class_weight` does.
 *
 * y/p is computed as exp(log y − logSoftmax(z)), which is 0 where y is 0 and becomes +∞ only
 * once the label's probability falls below about e^−88 (the float32 limit).
 */
export function crossentropyProbabilityGradient(
  tf: Tf,
  oneHotLabels: tfCore.Tensor,
  logits: tfCore.Tensor,
  weights?: tfCore.Tensor1D,
): tfCore.Tensor {
  return tf.tidy(() => {
    const labelOverProbability = tf.exp(tf.sub(tf.log(oneHotLabels), tf.logSoftmax(logits)));
    const gradient = tf.sub(tf.sum(oneHotLabels, -1, true), labelOverProbability);
    return weightRows(tf, tf.div(gradient, logits.shape[0]), weights);
  });
}

/**
 * Returns ∂L/∂p for the batch-mean binary crossentropy L computed from `logits`, where
 * p = sigmoid(z): (p − y) / (p(1 − p)) per output, divided by the number of outputs and the
 * batch size. 1 / (p(1 − p)) is computed as 2 + e^z + e^−z, which overflows to +∞ for
 * |z| above about 88.
 */
export function binaryCrossentropyProbabilityGradient(
  tf: Tf,
  targets: tfCore.Tensor,
  logits: tfCore.Tensor,
  weights?: tfCore.Tensor1D,
): tfCore.Tensor {
  return tf.tidy(() => {
    const inverseVariance = tf.add(tf.add(tf.exp(logits), tf.exp(tf.neg(logits))), 2);
    const gradient = tf.mul(tf.sub(tf.sigmoid(logits), targets), inverseVariance);
    const outputs = logits.shape[logits.shape.length - 1] ?? 1;
    return weightRows(tf, tf.div(gradient, logits.shape[0] * outputs), weights);
  });
}

function weightRows(tf: Tf, rows: tfCore.Tensor, weights: tfCore.Tensor1D | undefined): tfCore.Tensor {
  return weights ? tf.mul(rows, tf.reshape(weights, [-1, 1])) : rows;
}

/** 1 where the highest-scoring class is the label, else 0: Keras `sparse_categorical_accuracy` and `categorical_accuracy`. */
export function correctPerExample(tf: Tf, oneHotLabels: tfCore.Tensor, probabilities: tfCore.Tensor): tfCore.Tensor1D {
  return tf.tidy(
    () => tf.cast(tf.equal(tf.argMax(probabilities, -1), tf.argMax(oneHotLabels, -1)), 'float32') as tfCore.Tensor1D,
  );
}

/**
 * Returns each example's accuracy in [0, 1]. `argmax` compares the highest output with the
 * labelled class. `binary` is Keras's `binary_accuracy`, which counts an output as 1 when it
 * is above 0.5 (logits too) and scores the fraction of an example's outputs that equal their
 * targets.
 */
export function accuracyPerExample(tf: Tf, kind: AccuracyKind, targets: tfCore.Tensor, prediction: tfCore.Tensor): tfCore.Tensor1D {
  return tf.tidy(() => {
    if (kind === 'argmax') {
      return tf.cast(tf.equal(tf.argMax(prediction, -1), classIndices(tf, targets)), 'float32') as tfCore.Tensor1D;
    }
    const predicted = tf.cast(tf.greater(prediction, 0.5), 'float32');
    return tf.mean(tf.cast(tf.equal(targets, predicted), 'float32'), -1) as tfCore.Tensor1D;
  });
}
