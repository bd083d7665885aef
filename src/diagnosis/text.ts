/** Number and layer formatting shared by the findings' titles, explanations and evidence. */
import type { DiagnosisContext } from './context';

/** Layer names joined for a sentence, such as "dense, dense_1, dense_2". */
export function layerNames(context: DiagnosisContext, trackedIndexes: readonly number[]): string {
  const names = trackedIndexes.map((index) => context.layers[index].name);
  return names.join(', ');
}

/** Indexes into `ModelSpec.layers` of tracked layers, in source order. */
export function specIndexes(context: DiagnosisContext, trackedIndexes: readonly number[]): number[] {
  return trackedIndexes.map((index) => context.layers[index].specIndex).sort((a, b) => a - b);
}

/**
 * Formats a positive factor with two significant digits and no digit grouping, since the
 * diagnosis does not know the reader's locale: 2237 → "2200", 0.5 → "0.5".
 */
export function formatFactor(value: number): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  return String(Number(value.toPrecision(2)));
}

/** Formats a fraction as a whole percentage: 0.734 → "73". */
export function formatPercent(fraction: number): string {
  return String(Math.round(fraction * 100));
}
