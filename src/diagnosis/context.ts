/** The diagnosis context: the run's samples, the roles of its tracked layers, and window series the rules share. */
import type { ModelSpec } from '../common/modelSpec';
import type { RunSnapshot } from '../common/runState';
import type { LayerStatistics, StatisticsSample, TrackedLayer } from '../common/statistics';
import { mean, median, windowMeanSeries, windowMedianSeries } from './windows';

/** Samples that form the progress baseline. The first one is taken before any weight update. */
export const BASELINE_SAMPLES = 3;

export interface DiagnosisContext {
  readonly spec: ModelSpec;
  readonly run: RunSnapshot;
  readonly samples: readonly StatisticsSample[];
  readonly layers: readonly TrackedLayer[];
  /** Tracked index of the output layer: the last Dense layer. */
  readonly output: number | undefined;
  /**
   * Tracked indexes of the Dense layers before the output layer, input side first. Other
   * layers with weights (BatchNormalization's γ and β) have gradients of another scale,
   * so the rules that compare gradient norms between layers leave them out.
   */
  readonly hiddenWeighted: readonly number[];
  /** Tracked indexes of every tracked layer before the output layer, input side first. */
  readonly hidden: readonly number[];
  /** Accuracy of guessing, for the accuracy metric the loss and output resolve to; see `chanceLevels`. */
  readonly chanceAccuracy: number;
  /** Loss of guessing every output's prior; undefined for mse and mae, which have no such level. */
  readonly chanceLoss?: number;
  /** Median loss and mean accuracy of the first BASELINE_SAMPLES samples: the untrained model. */
  readonly baseline: { readonly loss: number; readonly accuracy: number };
  /**
   * Returns the window medians (see `windowMedianSeries`) of `read`, computed once per
   * `diagnose` call and shared by the rules under `key`.
   */
  medians(key: string, read: (sample: StatisticsSample) => number): Float64Array;
  /** Returns the window medians of one layer statistic of tracked layer `layer`; null reads as NaN. */
  layerMedians(statistic: LayerStatisticKey, layer: number): Float64Array;
  /** Returns the window means of `read`, shared like `medians`. */
  means(key: string, read: (sample: StatisticsSample) => number): Float64Array;
}

/** Numeric per-layer statistics a rule can take window medians of. */
export type LayerStatisticKey = Exclude<keyof LayerStatistics, 'histogram'>;

export function createContext(spec: ModelSpec, run: RunSnapshot): DiagnosisContext {
  const layers = run.layers;
  let output: number | undefined;
  layers.forEach((layer, index) => {
    if (isDense(layer)) {
      output = index;
    }
  });
  const beforeOutput = layers.map((_, index) => index).filter((index) => output === undefined || index < output);
  const chance = chanceLevels(spec, output === undefined ? undefined : layers[output].units);
  // A sample whose layer list does not match the tracked layers cannot be read by index.
  const samples = run.samples.filter((sample) => sample.layers.length === layers.length);

  const medianCache = new Map<string, Float64Array>();
  const medians = (key: string, read: (sample: StatisticsSample) => number): Float64Array => {
    let series = medianCache.get(key);
    if (!series) {
      series = windowMedianSeries(samples, read);
      medianCache.set(key, series);
    }
    return series;
  };
  const meanCache = new Map<string, Float64Array>();

  return {
    spec,
    run,
    samples,
    layers,
    output,
    hiddenWeighted: beforeOutput.filter((index) => isDense(layers[index])),
    hidden: beforeOutput,
    chanceAccuracy: chance.accuracy,
    chanceLoss: chance.loss,
    baseline: {
      loss: median(samples.slice(0, BASELINE_SAMPLES).map((sample) => sample.loss)),
      accuracy: mean(samples.slice(0, BASELINE_SAMPLES).map((sample) => sample.accuracy)),
    },
    medians,
    layerMedians: (statistic, layer) => medians(`${statistic}:${layer}`, (sample) => sample.layers[layer][statistic] ?? NaN),
    means(key, read) {
      let series = meanCache.get(key);
      if (!series) {
        series = windowMeanSeries(samples, read);
        meanCache.set(key, series);
      }
      return series;
    },
  };
}

/**
 * Returns the accuracy and loss of a model that guesses, for the spec's loss and an output
 * of `units` units. With k classes: accuracy 1/k (binary accuracy 0.5 for one unit) and
 * crossentropy ln k, or ln 2 for binary crossentropy on one unit. Binary crossentropy on k
 * one-hot outputs guesses 1/k per output, which gives the entropy of 1/k. Without a known
 * output, MNIST's 10 classes are assumed.
 */
export function chanceLevels(spec: ModelSpec, units: number | undefined): { accuracy: number; loss?: number } {
  let classes = 10;
  if (units === 1) {
    classes = 2;
  } else if (units !== undefined && units > 1) {
    classes = units;
  }
  const accuracy = 1 / classes;
  switch (spec.compile.loss) {
    case 'sparse_categorical_crossentropy':
    case 'categorical_crossentropy':
      return { accuracy, loss: Math.log(classes) };
    case 'binary_crossentropy': {
      const prior = 1 / classes;
      const entropy = -(prior * Math.log(prior) + (1 - prior) * Math.log(1 - prior));
      return { accuracy, loss: units === 1 ? Math.log(2) : entropy };
    }
    default:
      return { accuracy };
  }
}

/** Training examples seen up to and including the sample's step. */
export function examplesSeen(context: DiagnosisContext, sample: StatisticsSample): number {
  return (sample.step + 1) * context.spec.fit.batchSize;
}

function isDense(layer: TrackedLayer): boolean {
  return layer.className === 'Dense' && layer.hasWeights;
}
