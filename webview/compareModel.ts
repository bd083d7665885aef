/**
 * Two heatmaps on one colour scale: a run and the previous run it is compared with. Pure,
 * so it is tested in Node.
 */
import type { RunSnapshot } from '../src/common/runState';
import type { StatisticKey } from '../src/common/statistics';
import { isFraction, type ColorScheme } from './colorScale';
import { buildHeatmapModel, type HeatmapModel } from './heatmapModel';

/**
 * Returns both models with one colour domain spanning the values of both, and the cell kinds
 * of both, so the one legend explains both heatmaps. A model without any value on the ramp
 * takes the other's domain instead of widening it with its placeholder range.
 */
export function sharedScaleModels(current: HeatmapModel, baseline: HeatmapModel): [HeatmapModel, HeatmapModel] {
  const domains = [current, baseline].filter((model) => model.kinds.has('value')).map((model) => model.domain);
  let domain: [number, number] = current.domain;
  if (isFraction(current.statistic)) {
    domain = [0, 1];
  } else if (domains.length > 0) {
    domain = [Math.min(...domains.map(([low]) => low)), Math.max(...domains.map(([, high]) => high))];
  }
  const kinds = new Set([...current.kinds, ...baseline.kinds]);
  return [
    { ...current, domain, kinds },
    { ...baseline, domain, kinds },
  ];
}

/** Builds this run's heatmap model and, when there is a previous run, both on the shared scale. */
export function comparedModels(
  run: RunSnapshot,
  baseline: RunSnapshot | undefined,
  statistic: StatisticKey,
  colorScheme: ColorScheme,
): { model: HeatmapModel; baselineModel?: HeatmapModel } {
  const model = buildHeatmapModel(run, statistic, colorScheme);
  if (!baseline) {
    return { model };
  }
  const [shared, sharedBaseline] = sharedScaleModels(model, buildHeatmapModel(baseline, statistic, colorScheme));
  return { model: shared, baselineModel: sharedBaseline };
}
