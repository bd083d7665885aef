/** The hidden layers of a model as the fixes see them: every layer before the output layer. */
import type { ModelSpec } from '../../common/modelSpec';

/** Index into `spec.layers` of the output layer: the last Dense layer. */
export function outputLayerIndex(spec: ModelSpec): number {
  return spec.layers.map((layer) => layer.className).lastIndexOf('Dense');
}

/** Indexes into `spec.layers` of the layers before the output layer, in source order. */
export function hiddenLayerIndexes(spec: ModelSpec): number[] {
  const output = outputLayerIndex(spec);
  return spec.layers.map((_, index) => index).filter((index) => index < output);
}
