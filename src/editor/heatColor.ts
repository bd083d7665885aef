/**
 * The colour of a layer's latest weight-gradient norm for the editor, on the ramp the panel's
 * heatmap uses for that statistic: viridis on a log scale over every positive, finite value
 * the run has sampled so far.
 */
import { extent, interpolateViridis, scaleSequentialLog } from 'd3';
import type { RunSnapshot } from '../common/runState';

/** One heat square per layer with weights: its latest value and colour. */
export interface LayerHeat {
  /** Index into `ModelSpec.layers`. */
  readonly specIndex: number;
  /** ‖∂L/∂W‖ of the run's latest sample. */
  readonly value: number;
  /** CSS colour, `rgb(…)`; undefined when the value is 0, NaN or infinite and has no place on the ramp. */
  readonly color: string | undefined;
}

/**
 * Returns the colour domain the panel uses for weight-gradient norms: the extent of the
 * placeable values, widened by half a decade each way when there is only one.
 */
export function weightGradientDomain(run: RunSnapshot): [number, number] {
  const values: number[] = [];
  run.layers.forEach((layer, row) => {
    if (!layer.hasWeights) {
      return;
    }
    for (const sample of run.samples) {
      const value = sample.layers[row]?.weightGradNorm;
      if (value !== undefined && Number.isFinite(value) && value > 0) {
        values.push(value);
      }
    }
  });

  const [low, high] = extent(values);
  if (low === undefined || high === undefined) {
    return [1e-3, 1];
  }
  return low < high ? [low, high] : [low / Math.sqrt(10), low * Math.sqrt(10)];
}

/** Returns the latest weight-gradient norm of every layer with weights, coloured on the run's domain. */
export function latestLayerHeat(run: RunSnapshot): LayerHeat[] {
  const latest = run.samples[run.samples.length - 1];
  if (!latest) {
    return [];
  }
  const scale = scaleSequentialLog(interpolateViridis).domain(weightGradientDomain(run)).clamp(true);
  return run.layers.flatMap((layer, row) => {
    const value = latest.layers[row]?.weightGradNorm;
    if (!layer.hasWeights || value === undefined) {
      return [];
    }
    const placeable = Number.isFinite(value) && value > 0;
    return [{ specIndex: layer.specIndex, value, color: placeable ? scale(value) : undefined }];
  });
}

/** Formats a gradient norm compactly: `0.0123`, `3.2e-5`; NaN and ±∞ as words JavaScript uses. */
export function formatNorm(value: number): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) {
    return value.toExponential(1).replace('e+', 'e');
  }
  return String(Number(value.toPrecision(3)));
}
