/**
 * Keras `evaluate`: loss and accuracy over a whole example set, in inference mode. As in
 * Keras, `class_weight` applies to training only, so these losses are unweighted.
 */
import type * as tfCore from '@tensorflow/tfjs-core';
import type { DatasetSpec } from '../common/modelSpec';
import { makeBatch, type ExampleSet } from './dataset';
import { accuracyPerExample, logitsActivationOf, lossPerExample } from './losses';
import { forward, type BuiltModel } from './model';
import { DEFAULT_OBJECTIVE, type Objective } from './targets';
import type { Tf } from './tensorflow';

/**
 * Examples per forward pass. Keras evaluates in batches of 32, but the result is a mean over
 * examples either way, so larger chunks only change float rounding and run faster.
 */
const EVALUATION_CHUNK = 1000;

export interface EvaluationResult {
  readonly loss: number;
  /** NaN when the objective has no accuracy metric. */
  readonly accuracy: number;
  readonly examples: number;
}

/**
 * Returns the mean loss and accuracy over `examples`, or undefined when `isStopRequested`
 * turns true between chunks.
 */
export async function evaluateExamples(
  tf: Tf,
  model: BuiltModel,
  examples: ExampleSet,
  inputShape: readonly number[],
  dataset: DatasetSpec,
  isStopRequested: () => boolean,
  objective: Objective = DEFAULT_OBJECTIVE,
): Promise<EvaluationResult | undefined> {
  const logitsActivation = logitsActivationOf(model);
  const count = examples.indices.length;
  let lossSum = 0;
  let correctSum = 0;

  for (let start = 0; start < count; start += EVALUATION_CHUNK) {
    if (isStopRequested()) {
      return undefined;
    }
    const end = Math.min(start + EVALUATION_CHUNK, count);
    const batch = makeBatch(tf, examples, start, end, inputShape, dataset);
    let sums;
    try {
      sums = tf.tidy(() => {
        let logits: tfCore.Tensor | undefined;
        const prediction = forward(tf, model, batch.x, {
          training: false,
          onLogits: (z) => {
            logits = z;
          },
        });
        const inputs = { targets: batch.y, prediction, logits, logitsActivation: logits ? logitsActivation : undefined };
        const correct = objective.accuracy ? tf.sum(accuracyPerExample(tf, objective.accuracy, batch.y, prediction)) : tf.scalar(NaN);
        return tf.stack([tf.sum(lossPerExample(tf, objective, inputs)), correct]);
      });
    } finally {
      tf.dispose([batch.x, batch.y]);
    }

    const [chunkLoss, chunkCorrect] = await sums.data();
    sums.dispose();
    lossSum += chunkLoss;
    correctSum += chunkCorrect;
    await yieldToEventLoop();
  }

  return { loss: lossSum / count, accuracy: correctSum / count, examples: count };
}

/** Lets queued messages, such as a stop request, run between chunks of synchronous tensor work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
