/**
 * What the diagnosis concludes from a run's statistics: a kind, the layers involved, the
 * numbers behind it, and the fixes to offer. Computed in the host (and the CLI) from the
 * same streamed samples the panel draws, so it updates live.
 */

import type { SourceRange } from './modelSpec';

export type FindingKind =
  | 'vanishingGradients'
  | 'explodingGradients'
  | 'nonFinite'
  | 'saturatedActivations'
  | 'deadRelu'
  | 'learningRateTooHigh'
  | 'learningRateTooLow'
  | 'stalledNearChance';

/** Code edits the quick fixes can make. */
export type FixKind =
  | 'reluHiddenActivations'
  | 'insertBatchNormalization'
  | 'lowerLearningRate'
  | 'raiseLearningRate'
  | 'addGradientClipping'
  /** Divide the images by 255 where the file loads them. */
  | 'scaleInputs';

/** One number that triggered a finding, for the evidence list. */
export interface Evidence {
  /** Localized description such as "weight-gradient norm of dense / dense_6". */
  readonly label: string;
  readonly value: number;
  /** 0-based global step the value was read at, when it comes from one sample. */
  readonly step?: number;
  /** Index into `ModelSpec.layers` of the layer the value belongs to, when it has one. */
  readonly specIndex?: number;
}

export interface Finding {
  readonly kind: FindingKind;
  readonly severity: 'warning' | 'error';
  /** Indexes into `ModelSpec.layers`, in source order; the first is where the editor points. */
  readonly specIndexes: readonly number[];
  /**
   * Where the editor points when the finding concerns no layer, such as the `compile(...)`
   * call for learning-rate findings; undefined when `specIndexes` give the place.
   */
  readonly range?: SourceRange;
  /** Localized one-line summary, for the Problems panel and the findings list. */
  readonly title: string;
  /** Localized plain explanation of why this happens and what it does to training. */
  readonly explanation: string;
  readonly evidence: readonly Evidence[];
  readonly fixes: readonly FixKind[];
  /** 0-based global step at which the finding was first made. */
  readonly firstStep: number;
}
