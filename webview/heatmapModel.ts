/**
 * The heatmap as data: one row per tracked layer, one cell per sample, each classified and
 * with the colour domain over every placeable value. Pure, so it is tested in Node.
 */
import type { RunSnapshot } from '../src/common/runState';
import type { StatisticKey, StatisticsSample, TrackedLayer } from '../src/common/statistics';
import { classifyCell, colorDomain, statisticValue, type CellKind, type ColorScheme } from './colorScale';
import { buildTimeline, type Timeline } from './timeline';

export interface HeatmapCell {
  /** Index of the row, which is the index into `RunSnapshot.layers`. */
  readonly row: number;
  readonly sample: StatisticsSample;
  readonly value: number | null;
  readonly kind: CellKind;
}

export interface HeatmapModel {
  readonly layers: readonly TrackedLayer[];
  /** `rows[i]` holds the cells of `layers[i]` in sample order. */
  readonly rows: readonly (readonly HeatmapCell[])[];
  readonly statistic: StatisticKey;
  readonly domain: [number, number];
  readonly colorScheme: ColorScheme;
  /** Kinds that occur at least once, so the legend explains only what is drawn. */
  readonly kinds: ReadonlySet<CellKind>;
  readonly timeline: Timeline;
}

export function buildHeatmapModel(run: RunSnapshot, statistic: StatisticKey, colorScheme: ColorScheme = 'viridis'): HeatmapModel {
  const kinds = new Set<CellKind>();
  const placeable: number[] = [];

  const rows = run.layers.map((layer, row) =>
    run.samples.map((sample): HeatmapCell => {
      const statistics = sample.layers[row];
      const value = statistics ? statisticValue(statistics, statistic) : null;
      const kind = classifyCell(layer, statistic, value);
      kinds.add(kind);
      if (kind === 'value') {
        placeable.push(value as number);
      }
      return { row, sample, value, kind };
    }),
  );

  return {
    layers: run.layers,
    rows,
    statistic,
    domain: colorDomain(statistic, placeable),
    colorScheme,
    kinds,
    timeline: buildTimeline(run),
  };
}
