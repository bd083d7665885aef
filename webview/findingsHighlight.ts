/** Marks the heatmap rows of the selected finding's layers. */
import { select } from 'd3';
import type { TrackedLayer } from '../src/common/statistics';

/** Highlights the rows of `specIndexes` (indexes into `ModelSpec.layers`) and clears the others. */
export function highlightLayers(heatmap: SVGSVGElement, specIndexes: readonly number[]): void {
  const selected = new Set(specIndexes);
  select(heatmap)
    .selectAll<SVGGElement, TrackedLayer>('g.heatmap-row')
    .classed('is-highlighted', (layer) => selected.has(layer.specIndex));
}
