/**
 * One optimisation step: forward pass, one gradient computation, optimizer update, and on
 * sampled steps the per-layer statistics from that same gradient computation.
 */
import type * as tfCore from '@tensorflow/tfjs-core';
import type { LayerStatistics } from '../common/statistics';
import { decodeLayerStatistics, layerStatisticsTensor, VALUES_PER_LAYER } from './layerStatistics';
import { correctPerExample, crossentropyPerExample } from './losses';
import { forward, type BuiltModel } from './model';
import type { Optimizer } from './optimizers';
import type { Random } from './random';
import type { Tf } from './tensorflow';

export interface StepOutcome {
  /** Mean loss over the batch, before the update. */
  readonly loss: number;
  /** Fraction of the batch classified correctly, before the update. */
  readonly accuracy: number;
  /** Per tracked layer, on steps run with statistics. */
  readonly layers?: readonly LayerStatistics[];
}

export class TrainingStep {
  /** Frozen (`trainable=False`) weights: no update, but statistics still report their gradients. */
  private readonly frozenVariables: readonly tfCore.Variable[];
  /** Position of each weight in the gradient list of a statistics step. */
  private readonly gradientIndex: ReadonlyMap<tfCore.Variable, number>;

  constructor(
    private readonly tf: Tf,
    private readonly model: BuiltModel,
    private readonly optimizer: Optimizer,
    private readonly learningRate: number,
    private readonly dropoutRandom: Random,
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
   * ∂L/∂(output) of every tracked layer, and all numbers come back in one read.
   */
  async run(x: tfCore.Tensor, oneHotLabels: tfCore.Tensor, withStatistics: boolean): Promise<StepOutcome> {
    const tf = this.tf;
    const model = this.model;
    const trainableCount = model.trainableVariables.length;
    const keptTensors: tfCore.Tensor[] = [];

    try {
      const packed = tf.tidy(() => {
        const batchSize = x.shape[0];
        const probes = withStatistics
          ? model.tracked.map((state) => tf.zeros([batchSize, ...state.outputShape]))
          : undefined;
        const outputs: tfCore.Tensor[] = [];
        let accuracy: tfCore.Tensor | undefined;

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
          });
          accuracy = tf.keep(tf.mean(correctPerExample(tf, oneHotLabels, prediction)));
          keptTensors.push(accuracy);
          return tf.mean(crossentropyPerExample(tf, oneHotLabels, prediction));
        }, targets);

        const head = tf.stack([loss, accuracy as tfCore.Tensor]);
        const packedValues = withStatistics
          ? tf.concat([head, ...this.statisticsTensors(outputs, grads, trainableCount + this.frozenVariables.length)])
          : head;

        // Statistics are computed above from the weights before this update.
        this.optimizer.applyGradients(model.trainableVariables, grads.slice(0, trainableCount));
        return packedValues;
      });

      const values = await packed.data();
      packed.dispose();
      return {
        loss: values[0],
        accuracy: values[1],
        layers: withStatistics
          ? model.tracked.map((state, i) => decodeLayerStatistics(values, 2 + i * VALUES_PER_LAYER, state))
          : undefined,
      };
    } finally {
      tf.dispose(keptTensors);
    }
  }

  private statisticsTensors(
    outputs: readonly tfCore.Tensor[],
    grads: readonly tfCore.Tensor[],
    firstProbeGradient: number,
  ): tfCore.Tensor1D[] {
    const gradientOf = (variable: tfCore.Variable | undefined): tfCore.Tensor | undefined =>
      variable === undefined ? undefined : grads[this.gradientIndex.get(variable) as number];

    return this.model.tracked.map((state, i) =>
      layerStatisticsTensor(
        this.tf,
        {
          state,
          output: outputs[i],
          outputGradient: grads[firstProbeGradient + i],
          kernelGradient: gradientOf(state.kernel),
          biasGradient: gradientOf(state.bias),
        },
        this.learningRate,
      ),
    );
  }
}
