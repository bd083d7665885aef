/** Keras losses and metrics on softmax probabilities, or on the logits before the softmax. */
import type * as tfCore from '@tensorflow/tfjs-core';
import type { Tf } from './tensorflow';

/** Keras `backend.epsilon()`: probabilities are clipped to [EPSILON, 1 − EPSILON] before the logarithm. */
export const EPSILON = 1e-7;

/**
 * Crossentropy of each example. `sparse_categorical_crossentropy` and
 * `categorical_crossentropy` both come here, because the trainer one-hot encodes sparse labels.
 *
 * With `logits`, the input of the model's final softmax, it computes −Σ y·logSoftmax(z),
 * whose gradient with respect to z is softmax(z) − y at any magnitude of z. Without `logits` it
 * computes Keras's probability form: scale each row to sum 1, clip to [1e-7, 1 − 1e-7],
 * then −Σ y·log p.
 *
 * NOTE: Keras makes the same choice. With `from_logits=False` and an output that comes from
 * a softmax, tf.keras 2 (`backend.categorical_crossentropy`,
 * `backend.sparse_categorical_crossentropy`) and Keras 3's TensorFlow backend (`_get_logits`
 * in `backend/tensorflow/nn.py`) take the logits cached on the output as `_keras_logits`, or
 * the input of its Softmax op, and compute the loss from them. Both use the clipped form only
 * for outputs without a softmax, where an example's gradient is 0 once its label's
 * probability falls below 1e-7.
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
 * Returns ∂L/∂p for the batch-mean crossentropy L computed from `logits`, where p = softmax(z)
 * is the model output: (Σy − y/p) / batch size. This is the gradient of Keras's probability
 * form without the clipping, so the chain rule through the softmax gives (softmax(z) − y) / batch
 * size, the gradient the loss sends to z.
 *
 * y/p is computed as exp(log y − logSoftmax(z)), which is 0 where y is 0 and becomes +∞ only
 * once the label's probability falls below about e^−88 (the float32 limit).
 */
export function crossentropyProbabilityGradient(tf: Tf, oneHotLabels: tfCore.Tensor, logits: tfCore.Tensor): tfCore.Tensor {
  return tf.tidy(() => {
    const labelOverProbability = tf.exp(tf.sub(tf.log(oneHotLabels), tf.logSoftmax(logits)));
    const gradient = tf.sub(tf.sum(oneHotLabels, -1, true), labelOverProbability);
    return tf.div(gradient, logits.shape[0]);
  });
}

/** 1 where the highest-scoring class is the label, else 0: Keras `sparse_categorical_accuracy` and `categorical_accuracy`. */
export function correctPerExample(tf: Tf, oneHotLabels: tfCore.Tensor, probabilities: tfCore.Tensor): tfCore.Tensor1D {
  return tf.tidy(
    () => tf.cast(tf.equal(tf.argMax(probabilities, -1), tf.argMax(oneHotLabels, -1)), 'float32') as tfCore.Tensor1D,
  );
}
