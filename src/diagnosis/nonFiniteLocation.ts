/**
 * The location of the first NaN or infinity in one training step. The trainer uses it for
 * its stop message and the diagnosis for its finding, so both name the same layer.
 */
import type { LayerStatistics, StatisticsSample } from '../common/statistics';

export interface NonFiniteLocation {
  /** Index into the tracked layers. */
  readonly trackedIndex: number;
  /**
   * `activations`: the forward pass overflowed in this layer. `gradients`: backpropagation
   * produced NaN or infinity here first. `loss`: the loss itself is not finite.
   */
  readonly cause: 'activations' | 'gradients' | 'loss';
}

/**
 * True when the sample's loss or a weight-gradient entry is NaN or infinite: the condition
 * on which the trainer stops. Huge but finite values can still overflow a norm or a
 * standard deviation in the statistics; those alone do not count.
 */
export function hasNonFinite(sample: StatisticsSample): boolean {
  return !Number.isFinite(sample.loss) || sample.layers.some((layer) => layer.gradNonFinite > 0);
}

/**
 * Returns the layer where the step first went bad; undefined when everything is finite.
 *
 * The forward pass runs from the input, so the first layer with non-finite activations is
 * where it overflowed. Backpropagation runs from the output. So when the activations are
 * finite, the gradients broke in the layer nearest the output with non-finite gradients,
 * and the layers before it only inherited the NaN.
 */
export function locateNonFinite(sample: StatisticsSample): NonFiniteLocation | undefined {
  const forward = sample.layers.findIndex(hasBadActivations);
  if (forward >= 0) {
    return { trackedIndex: forward, cause: 'activations' };
  }

  const last = sample.layers.length - 1;
  for (let index = last; index >= 0; index--) {
    if (hasBadGradients(sample.layers[index], index === last)) {
      return { trackedIndex: index, cause: 'gradients' };
    }
  }

  if (!Number.isFinite(sample.loss) && sample.layers.length > 0) {
    return { trackedIndex: sample.layers.length - 1, cause: 'loss' };
  }
  return undefined;
}

function hasBadActivations(layer: LayerStatistics): boolean {
  return !Number.isFinite(layer.activationMean);
}

/**
 * NaN norms are normal for layers without weights, so only counted entries and the output
 * gradient count. The last layer's output gradient is left out. For a final softmax the
 * trainer computes that ∂L/∂p from the logits, and it is +∞ on finite steps once a label's
 * probability falls below about e^−88. The gradient the loss sends on stays finite.
 */
function hasBadGradients(layer: LayerStatistics, isLast: boolean): boolean {
  return layer.gradNonFinite > 0 || (!isLast && !Number.isFinite(layer.outputGradNorm));
}
