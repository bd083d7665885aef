/** Keras losses and metrics on softmax probabilities. */
import type * as tfCore from '@tensorflow/tfjs-core';
import type { Tf } from './tensorflow';

/** Keras `backend.epsilon()`: probabilities are clipped to [EPSILON, 1 − EPSILON] before the logarithm. */
export const EPSILON = 1e-7;

/**
 * Crossentropy of each example, as Keras computes it from probabilities: scale each row to
 * sum 1, clip to [1e-7, 1 − 1e-7], then −Σ y·log p. `sparse_categorical_crossentropy` and
 * `categorical_crossentropy` both come here, because the trainer one-hot encodes sparse labels.
 *
 * NOTE: Keras's TensorFlow backend, when it can see the softmax op in the graph, computes
 * the loss from the logits instead. The two agree unless a probability falls below 1e-7,
 * where the clipped form here stops the gradient of that example.
 */
export function crossentropyPerExample(tf: Tf, oneHotLabels: tfCore.Tensor, probabilities: tfCore.Tensor): tfCore.Tensor1D {
  return tf.tidy(() => {
    const normalized = tf.div(probabilities, tf.sum(probabilities, -1, true));
    const clipped = tf.clipByValue(normalized, EPSILON, 1 - EPSILON);
    return tf.neg(tf.sum(tf.mul(oneHotLabels, tf.log(clipped)), -1)) as tfCore.Tensor1D;
  });
}

/** 1 where the highest-scoring class is the label, else 0: Keras `sparse_categorical_accuracy` and `categorical_accuracy`. */
export function correctPerExample(tf: Tf, oneHotLabels: tfCore.Tensor, probabilities: tfCore.Tensor): tfCore.Tensor1D {
  return tf.tidy(
    () => tf.cast(tf.equal(tf.argMax(probabilities, -1), tf.argMax(oneHotLabels, -1)), 'float32') as tfCore.Tensor1D,
  );
}
