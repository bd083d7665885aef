/**
 * Per-layer training statistics, shared by the trainer that computes them, the host that
 * forwards them and the panel that draws them.
 */

/** A layer that gets a heatmap row: it has weights or an activation. */
export interface TrackedLayer {
  /** Index into `ModelSpec.layers`. */
  readonly specIndex: number;
  readonly name: string;
  readonly className: string;
  /** Activation name such as `sigmoid`, or `linear`. */
  readonly activation: string;
  /**
   * Output width: Dense and recurrent units, Conv2D filters, Embedding output_dim, or the
   * features BatchNormalization normalizes; undefined for layers without one.
   */
  readonly units?: number;
  readonly hasWeights: boolean;
  /** 0-based line of the layer in the file, for jumping to it. */
  readonly line: number;
}

/** Number of equal-width bins of an activation histogram. */
export const HISTOGRAM_BINS = 20;

export interface LayerStatistics {
  /** L2 norm of ∂L/∂kernel; NaN for layers without weights. */
  readonly weightGradNorm: number;
  /** Mean |∂L/∂kernel|; NaN for layers without weights. */
  readonly weightGradMeanAbs: number;
  /** L2 norm of ∂L/∂bias; NaN without a bias. */
  readonly biasGradNorm: number;
  /** Count of NaN or ±Inf entries in the kernel and bias gradients. */
  readonly gradNonFinite: number;
  /** L2 norm of ∂L/∂(layer output): the backpropagated signal that fades. */
  readonly outputGradNorm: number;
  readonly activationMean: number;
  readonly activationStd: number;
  /** Activation histogram over [histogramMin, histogramMax] in HISTOGRAM_BINS bins. */
  readonly histogram: readonly number[];
  readonly histogramMin: number;
  readonly histogramMax: number;
  /** Fraction of sigmoid/tanh outputs within 0.01 of an asymptote; null for other activations. */
  readonly saturatedFraction: number | null;
  /**
   * Fraction of ReLU units (Conv2D channels, recurrent units) that output 0 at every position
   * of every example of the batch; null otherwise.
   */
  readonly deadFraction: number | null;
  /** ‖learning rate × ∂L/∂kernel‖ / ‖kernel‖; NaN for layers without weights. */
  readonly updateRatio: number;
}

/** Statistics of one sampled training step, layers in the order of `TrackedLayer`s. */
export interface StatisticsSample {
  /** 0-based global step (batch) index since the start of training. */
  readonly step: number;
  /** 0-based epoch. */
  readonly epoch: number;
  /** 0-based batch index within the epoch. */
  readonly batch: number;
  readonly loss: number;
  /** Batch accuracy; NaN when the model has no accuracy metric. */
  readonly accuracy: number;
  readonly layers: readonly LayerStatistics[];
}

/** Keras-style epoch logs: batch means for training, full-set values for validation. */
export interface EpochLogs {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
  /** Wall-clock seconds the epoch took, validation included. */
  readonly seconds: number;
}

export interface Evaluation {
  readonly loss: number;
  readonly accuracy: number;
  readonly examples: number;
}

/** The statistic a heatmap shows; each maps to a field of LayerStatistics. */
export type StatisticKey =
  | 'weightGradNorm'
  | 'outputGradNorm'
  | 'activationMean'
  | 'activationStd'
  | 'saturatedFraction'
  | 'deadFraction'
  | 'updateRatio';

export const STATISTIC_KEYS: readonly StatisticKey[] = [
  'weightGradNorm',
  'outputGradNorm',
  'activationMean',
  'activationStd',
  'saturatedFraction',
  'deadFraction',
  'updateRatio',
];
