/**
 * How a statistic maps to a heatmap colour: which value a cell shows, whether it applies to
 * the layer, and the colour ramp. Pure functions; the heatmap and its legend share them.
 */
import { extent, interpolateCividis, interpolateViridis, scaleSequential, scaleSequentialLog, ticks } from 'd3';
import type { LayerStatistics, StatisticKey, TrackedLayer } from '../src/common/statistics';

export type ScaleKind = 'log' | 'linear';

/**
 * Colour ramps the user can choose. Both rise evenly in lightness, so they also read in
 * greyscale; cividis is designed to look the same with red-green colour vision deficiency.
 */
export type ColorScheme = 'viridis' | 'cividis';
export const COLOR_SCHEMES: readonly ColorScheme[] = ['viridis', 'cividis'];
const INTERPOLATORS: Readonly<Record<ColorScheme, (t: number) => string>> = {
  viridis: interpolateViridis,
  cividis: interpolateCividis,
};

/**
 * What a cell shows: a value on the colour ramp, an exact 0 (which a log scale cannot place),
 * NaN or ±Inf, or nothing because the statistic does not apply to the layer.
 */
export type CellKind = 'value' | 'zero' | 'nonFinite' | 'notApplicable';

/** Colours outside the viridis and cividis ramps, so they cannot be read as a value. */
export const SPECIAL_COLORS = {
  /** Hot pink: neither ramp has a red or pink hue, also under the common colour-vision deficiencies. */
  nonFinite: '#ff3d8b',
  /** Light neutral grey: viridis has no unsaturated light colour, and the nearest cividis colour (about #b9ae72) is a distinct khaki. */
  zero: '#c8c8c8',
} as const;

/** Norms and ratios span decades, so they get a log scale; means, deviations and shares a linear one. */
export function scaleKindOf(key: StatisticKey): ScaleKind {
  return key === 'weightGradNorm' || key === 'outputGradNorm' || key === 'updateRatio' ? 'log' : 'linear';
}

export function isFraction(key: StatisticKey): boolean {
  return key === 'saturatedFraction' || key === 'deadFraction';
}

/** Whether the statistic exists for the layer at all, before looking at any sample. */
export function statisticApplies(layer: TrackedLayer, key: StatisticKey): boolean {
  switch (key) {
    case 'weightGradNorm':
    case 'updateRatio':
      return layer.hasWeights;
    case 'saturatedFraction':
      return layer.activation === 'sigmoid' || layer.activation === 'tanh';
    case 'deadFraction':
      return layer.activation === 'relu';
    default:
      return true;
  }
}

export function classifyCell(layer: TrackedLayer, key: StatisticKey, value: number | null): CellKind {
  if (value === null || !statisticApplies(layer, key)) {
    return 'notApplicable';
  }
  if (!Number.isFinite(value)) {
    return 'nonFinite';
  }
  if (value <= 0 && scaleKindOf(key) === 'log') {
    return 'zero';
  }
  return 'value';
}

/** The domain of the colour ramp over every placeable value; fractions always span 0–100 %. */
export function colorDomain(key: StatisticKey, values: Iterable<number>): [number, number] {
  if (isFraction(key)) {
    return [0, 1];
  }
  const [low, high] = extent(values);
  if (low === undefined || high === undefined) {
    return scaleKindOf(key) === 'log' ? [1e-3, 1] : [0, 1];
  }
  if (low < high) {
    return [low, high];
  }

  // A single value still needs a ramp: widen by half a decade, or by 1 on a linear scale.
  return scaleKindOf(key) === 'log' ? [low / Math.sqrt(10), low * Math.sqrt(10)] : [low - 1, low + 1];
}

/** Maps a placeable value to a colour of `scheme`; values outside the domain take the end colours. */
export function colorScale(
  key: StatisticKey,
  domain: readonly [number, number],
  scheme: ColorScheme = 'viridis',
): (value: number) => string {
  const interpolator = INTERPOLATORS[scheme];
  const scale =
    scaleKindOf(key) === 'log'
      ? scaleSequentialLog(interpolator).domain(domain).clamp(true)
      : scaleSequential(interpolator).domain(domain).clamp(true);
  return (value) => scale(value);
}

/** Tick values for the legend: whole powers of ten on a log scale when the range spans one. */
export function legendTicks(key: StatisticKey, domain: readonly [number, number], count: number): number[] {
  const [low, high] = domain;
  if (scaleKindOf(key) === 'linear') {
    return ticks(low, high, count);
  }

  const first = Math.ceil(Math.log10(low));
  const last = Math.floor(Math.log10(high));
  if (last < first) {
    return [low, high];
  }
  const step = Math.max(1, Math.ceil((last - first + 1) / count));
  const values: number[] = [];
  for (let exponent = first; exponent <= last; exponent += step) {
    // Parsed from text so the value is exactly the double nearest 10^exponent.
    values.push(Number(`1e${exponent}`));
  }
  return values;
}

/** The field of `LayerStatistics` a heatmap statistic reads. */
export function statisticValue(statistics: LayerStatistics, key: StatisticKey): number | null {
  return statistics[key];
}
