/**
 * One optimisation step: forward pass, one gradient computation, optimizer update, and on
 * sampled steps the per-layer statistics from that same gradient computation.
 */
import type * as tfCore from '@tensorflow/tfjs-core';
import type { LayerStatistics } from '../common/statistics';
import { decodeLayerStatistics, layerStatisticsTensor, VALUES_PER_LAYER } from './layerStatistics';
import {
  accuracyPerExample,
  binaryCrossentropyProbabilityGradient,
  crossentropyProbabilityGradient,
  logitsActivationOf,
  lossPerExample,
  readsActivationInput,
  type LossInputs,
} from './losses';
import { forward, outputTrackedIndex, type BuiltModel } from './model';
import type { Optimizer } from './optimizers';
import type { Random } from './random';
import { DEFAULT_OBJECTIVE, exampleWeights, type Objective } from './targets';
import type { Tf } from './tensorflow';

export interface StepOutcome {
  /** Loss over the batch, before the update: the mean of the examples' losses, weighted by `class_weight`. */
  readonly loss: number;
  /** Batch accuracy before the update; NaN when the objective has no accuracy metric. */
  readonly accuracy: number;
  /** Per tracked layer, on steps run with statistics and on a non-finite step. */
  readonly layers?: readonly LayerStatistics[];
  /**
   * True when the loss or a weight gradient was NaN or ±Infinity. The update is then not
   * applied, and `layers` contains the statistics of this step even when it was not sampled.
   */
  readonly nonFinite: boolean;
}

/** Loss, accuracy and the gradient check come first in the read-back vector. */
const HEAD_VALUES = 3;

export class TrainingStep {
  /** Frozen (`trainable=False`) weights: no update, but statistics still report their gradients. */
  private readonly frozenVariables: readonly tfCore.Variable[];
  /** Position of each weight in the gradient list of a statistics step. */
  private readonly gradientIndex: ReadonlyMap<tfCore.Variable, number>;

  /**
   * @param learningRate The rate the update-ratio statistic uses when the optimizer reports
   * none that is finite. Otherwise the statistic uses the optimizer's current rate, which
   * schedules and callbacks change.
   * @param objective The loss, accuracy and class weights; sparse crossentropy with argmax
   * accuracy when left out.
   */
  constructor(
    private readonly tf: Tf,
    private readonly model: BuiltModel,
    private readonly optimizer: Optimizer,
    private readonly learningRate: number,
    private readonly dropoutRandom: Random,
    private readonly objective: Objective = DEFAULT_OBJECTIVE,
  ) {
    const trainable = new Set(model.trainableVariables);
    this.frozenVariables = model.tracked
      .flatMap((state) => [state.kernel, state.bias])
      .filter((variable): variable is tfCore.Variable => variable !== undefined && !trainable.has(variable));
    this.gradientIndex = new Map(
      [...model.trainableVariables, ...this.frozenVariables].map((variable, index) => [variable, index]),
    );
  }

  /**
   * Trains on one batch. With `withStatistics`, the same gradient computation also yields
   * ∂L/∂(output) of every tracked layer, and all numbers come back in one read. A step
   * whose loss or gradients are not finite is not applied and always returns statistics.
   * @param targets The batch's `y`: one-hot `[batch, depth]` or label values `[batch, 1]`.
   */
  async run(x: tfCore.Tensor, targets: tfCore.Tensor, withStatistics: boolean): Promise<StepOutcome> {
    const outcome = await this.compute(x, targets, withStatistics, true);
    if (!outcome.nonFinite || outcome.layers) {
      return outcome;
    }
    // The weights are unchanged, so a second pass over the same batch gives the statistics
    // of the step that went bad. Only dropout masks differ between the two passes.
    const statistics = await this.compute(x, targets, true, false);
    return { ...outcome, layers: statistics.layers };
  }

  /** Computes one step and applies it when `apply` is set and every gradient is finite. */
  private async compute(
    x: tfCore.Tensor,
    labels: tfCore.Tensor,
    withStatistics: boolean,
    apply: boolean,
  ): Promise<StepOutcome> {
    const tf = this.tf;
    const model = this.model;
    const trainableCount = model.trainableVariables.length;
    const keptTensors: tfCore.Tensor[] = [];
    let updates: tfCore.Tensor[] = [];

    try {
      const packed = tf.tidy(() => {
        const batchSize = x.shape[0];
        const probes = withStatistics
          ? model.tracked.map((state) => tf.zeros([batchSize, ...state.outputShape]))
          : undefined;
        const outputs: tfCore.Tensor[] = [];
        let accuracy: tfCore.Tensor | undefined;
        let logits: tfCore.Tensor | undefined;
        let lossInputs: LossInputs | undefined;
        const weights = exampleWeights(tf, this.objective, labels);

        // The forward pass runs inside the gradient tape's own scope, so the tensors the
        // statistics need afterwards are kept explicitly and disposed in `finally`.
        const targets = withStatistics
          ? [...model.trainableVariables, ...this.frozenVariables, ...(probes ?? [])]
          : [...model.trainableVariables];
        const { value: loss, grads } = tf.engine().gradients(() => {
          const prediction = forward(tf, model, x, {
            training: true,
            dropoutRandom: this.dropoutRandom,
            probes,
            onTrackedOutput: withStatistics
              ? (trackedIndex, output) => {
                  outputs[trackedIndex] = tf.keep(output);
                  keptTensors.push(output);
                }
              : undefined,
            onLogits: (z) => {
              logits = z;
            },
          });
          const objective = this.objective;
          accuracy = tf.keep(objective.accuracy ? tf.mean(accuracyPerExample(tf, objective.accuracy, labels, prediction)) : tf.scalar(NaN));
          keptTensors.push(accuracy);
          if (withStatistics && logits) {
            keptTensors.push(tf.keep(logits));
          }
          lossInputs = { targets: labels, prediction, logits, logitsActivation: logits ? logitsActivationOf(model) : undefined };
          // Keras reduces with `sum_over_batch_size`: the weighted losses are summed and divided by the batch size.
          const perExample = lossPerExample(tf, objective, lossInputs);
          return weights ? tf.div(tf.sum(tf.mul(perExample, weights)), batchSize) : tf.mean(perExample);
        }, targets);

        // g·0 is 0 for finite entries and NaN for NaN or ±Infinity, so the sum flags any bad entry.
        updates = grads.slice(0, trainableCount).map((gradient) => tf.keep(gradient));
        const gradientCheck = updates.length > 0 ? tf.addN(updates.map((gradient) => tf.sum(tf.mul(gradient, 0)))) : tf.scalar(0);
        const head = tf.stack([loss, accuracy as tfCore.Tensor, gradientCheck]);
        if (!withStatistics) {
          return head;
        }

        const outputGradients: (tfCore.Tensor | undefined)[] = grads.slice(trainableCount + this.frozenVariables.length);
        const outputIndex = outputTrackedIndex(model);
        if (logits && lossInputs && outputIndex >= 0 && readsActivationInput(this.objective, lossInputs)) {
          // NOTE: when the loss reads the logits, the probe on the softmax or sigmoid output is
          // off the loss path and gets no gradient. Its ∂L/∂p comes from the formula instead: the
          // gradient of the unclipped probability form, which the chain rule through the
          // activation turns into the gradient the loss sends to the logits. It is +∞ once a
          // label's probability is below about e^−88, where the true value exceeds the float32 range.
          outputGradients[outputIndex] =
            this.objective.loss === 'binary_crossentropy'
              ? binaryCrossentropyProbabilityGradient(tf, labels, logits, weights)
              : crossentropyProbabilityGradient(tf, labels, logits, weights);
        }
        return tf.concat([head, ...this.statisticsTensors(outputs, grads, outputGradients)]);
      });

      const values = await packed.data();
      packed.dispose();
      const nonFinite = !Number.isFinite(values[0]) || !Number.isFinite(values[2]);

      // Statistics are computed above from the weights before this update.
      if (apply && !nonFinite) {
        tf.tidy(() => this.optimizer.applyGradients(model.trainableVariables, updates));
      }
      return {
        loss: values[0],
        accuracy: values[1],
        layers: withStatistics
          ? model.tracked.map((state, i) => decodeLayerStatistics(values, HEAD_VALUES + i * VALUES_PER_LAYER, state))
          : undefined,
        nonFinite,
      };
    } finally {
      tf.dispose(updates);
      tf.dispose(keptTensors);
    }
  }

  private statisticsTensors(
    outputs: readonly tfCore.Tensor[],
    grads: readonly tfCore.Tensor[],
    outputGradients: readonly (tfCore.Tensor | undefined)[],
  ): tfCore.Tensor1D[] {
    const gradientOf = (variable: tfCore.Variable | undefined): tfCore.Tensor | undefined =>
      variable === undefined ? undefined : grads[this.gradientIndex.get(variable) as number];

    return this.model.tracked.map((state, i) =>
      layerStatisticsTensor(
        this.tf,
        {
          state,
          output: outputs[i],
          outputGradient: outputGradients[i] as tfCore.Tensor,
          kernelGradient: gradientOf(state.kernel),
          biasGradient: gradientOf(state.bias),
        },
        this.optimizer.learningRate !== undefined && Number.isFinite(this.optimizer.learningRate) ? this.optimizer.learningRate : this.learningRate,
      ),
    );
  }
}
