/**
 * The loss and accuracy of a run, resolved as Keras 3 resolves them. Each batch's target
 * tensor `y` is one-hot `[batch, depth]` or label values `[batch, 1]` (see `targetEncoding` in
 * `dataset.ts`). This module picks the accuracy metric that `'accuracy'` means and computes
 * the per-example weights of `class_weight`.
 */
import * as l10n from '@vscode/l10n';
import type * as tfCore from '@tensorflow/tfjs-core';
import type { LossName, ModelSpec } from '../common/modelSpec';
import type { TargetEncoding } from './dataset';
import { TrainerError } from './errors';
import type { Tf } from './tensorflow';

/**
 * `binary`: (output > 0.5) equals the target, averaged over the outputs of an example.
 * `argmax`: the highest output is the labelled class (sparse and categorical accuracy).
 */
export type AccuracyKind = 'binary' | 'argmax';

/** The loss and metric of a run, resolved against the model's output. */
export interface Objective {
  readonly loss: LossName;
  /** True when the loss reads the model output as logits (`from_logits=True`). */
  readonly fromLogits: boolean;
  /** Undefined when the model compiles no accuracy metric; Keras then logs none. */
  readonly accuracy?: AccuracyKind;
  /** Weight per class index from `class_weight`; classes it leaves out weigh 1, as in Keras. */
  readonly classWeights?: ReadonlyMap<number, number>;
}

/** The objective of models built without a spec's compile settings: sparse crossentropy and argmax accuracy. */
export const DEFAULT_OBJECTIVE: Objective = { loss: 'sparse_categorical_crossentropy', fromLogits: false, accuracy: 'argmax' };

/**
 * Resolves the objective of `spec` for a model whose output has `outputShape` (without the
 * batch axis). `'accuracy'` and `'acc'` follow Keras 3's `compile_utils.get_metric`, which
 * picks binary accuracy for an output of one unit. Otherwise it picks sparse categorical
 * accuracy for class-number labels and categorical accuracy for one-hot labels, and both
 * compare the highest output with the labelled class. Named accuracies keep their kind.
 */
export function resolveObjective(spec: ModelSpec, outputShape: readonly number[]): Objective {
  const compile = spec.compile;
  const metric = compile.metrics.find((name) => name === 'accuracy' || name.endsWith('_accuracy'));
  const outputUnits = outputShape[outputShape.length - 1];
  let accuracy: AccuracyKind | undefined;
  if (metric === 'accuracy') {
    accuracy = outputUnits === 1 ? 'binary' : 'argmax';
  } else if (metric !== undefined) {
    accuracy = metric === 'binary_accuracy' ? 'binary' : 'argmax';
  }

  const weights = spec.fit.classWeight;
  const classWeights = weights ? new Map(Object.entries(weights).map(([key, value]) => [Number(key), value])) : undefined;
  return { loss: compile.loss, fromLogits: compile.fromLogits === true, accuracy, classWeights };
}

/**
 * Checks that the batches' targets fit the output the way the loss compares them, as Keras 3
 * checks the shapes when training starts.
 * @param warn Receives a localized warning for class numbers that `mse` or `mae` broadcasts
 * against several outputs.
 * @throws TrainerError for shapes that Keras rejects.
 */
export function checkTargetsFitOutput(
  spec: ModelSpec,
  encoding: TargetEncoding,
  outputShape: readonly number[],
  warn: (message: string) => void,
): void {
  const loss = spec.compile.loss;
  const units = outputShape[outputShape.length - 1];
  const lastIndex = spec.layers.length - 1;
  if (outputShape.length !== 1) {
    throw new TrainerError(
      l10n.t({
        message: 'The model outputs shape (None, {0}), but {1} needs one value per output unit: (None, units). Add Flatten() or a pooling layer before the last Dense layer.',
        args: [outputShape.join(', '), loss],
        comment: ['{0} is the rest of a shape such as "28, 10", {1} a loss name. Calls such as Flatten() are Keras code: keep them untranslated.'],
      }),
      lastIndex >= 0 ? lastIndex : undefined,
    );
  }
  if (encoding.kind === 'one-hot' && encoding.depth !== units) {
    throw new TrainerError(
      l10n.t('The labels are one-hot vectors of {0} classes, but the last layer has {1} units, and Keras raises "Arguments `target` and `output` must have the same shape". Set units={0} on the last layer.', encoding.depth, units),
      lastIndex >= 0 ? lastIndex : undefined,
    );
  }
  if (encoding.kind === 'value' && units !== 1 && loss === 'binary_crossentropy') {
    throw new TrainerError(
      l10n.t('binary_crossentropy on labels that are single values needs one output unit, but the last layer has {0}, and Keras raises "Arguments `target` and `output` must have the same shape". Use Dense(1, activation="sigmoid") as the last layer, or one-hot labels from to_categorical.', units),
      lastIndex >= 0 ? lastIndex : undefined,
    );
  }
  if (encoding.kind === 'value' && units !== 1 && (loss === 'mean_squared_error' || loss === 'mean_absolute_error')) {
    warn(
      l10n.t('{0} compares each label, a single number, with all {1} outputs, as tf.keras 2 does; Keras 3 raises "Incompatible shapes" instead. Convert the labels with to_categorical to compare one-hot vectors.', loss, units),
    );
  }
}

/**
 * Returns the class index of each example: the position of the 1 in a one-hot row, or the
 * label value rounded to a whole number, as Keras 3's `class_weight_to_sample_weights` reads it.
 */
export function classIndices(tf: Tf, targets: tfCore.Tensor): tfCore.Tensor1D {
  return tf.tidy(() => {
    const last = targets.shape[targets.shape.length - 1];
    if (targets.rank > 1 && last !== 1) {
      return tf.argMax(targets, -1) as tfCore.Tensor1D;
    }
    return tf.cast(tf.round(tf.reshape(targets, [-1])), 'int32') as tfCore.Tensor1D;
  });
}

/** Returns each example's loss weight from `class_weight`, or undefined when the objective has none. */
export function exampleWeights(tf: Tf, objective: Objective, targets: tfCore.Tensor): tfCore.Tensor1D | undefined {
  const classWeights = objective.classWeights;
  if (!classWeights || classWeights.size === 0) {
    return undefined;
  }
  return tf.tidy(() => {
    const indices = classIndices(tf, targets);
    const largest = Math.max(...classWeights.keys());
    const table = new Float32Array(largest + 2).fill(1);
    for (const [index, weight] of classWeights) {
      table[index] = weight;
    }
    // Classes the dict leaves out, above its largest key or below 0, read the last entry, which stays 1.
    const outside = tf.logicalOr(tf.less(indices, 0), tf.greater(indices, largest));
    const positions = tf.where(outside, tf.fill(indices.shape, largest + 1, 'int32'), indices);
    return tf.gather(tf.tensor1d(table), positions) as tfCore.Tensor1D;
  });
}
