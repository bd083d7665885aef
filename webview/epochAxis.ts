/**
 * The epoch axis under the heatmap and the curves: a tick at every epoch boundary and the
 * 1-based epoch number centred in its span, as Keras counts epochs.
 */
import { range, type BaseType, type ScaleLinear, type Selection } from 'd3';
import { epochLabelStride, labelledEpochs } from './timeline';

/** Labels closer than this many pixels would run into each other. */
const MIN_LABEL_SPACING = 32;
/** Below this many pixels per epoch only labelled boundaries get a tick. */
const MIN_TICK_SPACING = 4;
const TICK_LENGTH = 5;

/** Draws the axis into `axis`, whose origin is the left end of the axis line. */
export function renderEpochAxis<Datum, Parent extends BaseType, ParentDatum>(
  axis: Selection<SVGGElement, Datum, Parent, ParentDatum>,
  x: ScaleLinear<number, number>,
  epochs: number,
  title: string,
): void {
  const [left, right] = x.range();
  const pixelsPerEpoch = (right - left) / Math.max(1, epochs);
  const stride = epochLabelStride(pixelsPerEpoch, MIN_LABEL_SPACING);
  const labels = labelledEpochs(epochs, stride);
  const boundaries = pixelsPerEpoch >= MIN_TICK_SPACING ? range(0, epochs + 1) : [0, ...labels.map((e) => e - 1), epochs];

  axis.attr('class', 'epoch-axis');

  axis
    .selectAll('line.axis-line')
    .data([null])
    .join('line')
    .attr('class', 'axis-line')
    .attr('x1', left)
    .attr('x2', right);

  axis
    .selectAll('line.axis-tick')
    .data(boundaries)
    .join('line')
    .attr('class', 'axis-tick')
    .attr('x1', (epoch) => x(epoch))
    .attr('x2', (epoch) => x(epoch))
    .attr('y2', TICK_LENGTH);

  axis
    .selectAll('text.axis-label')
    .data(labels)
    .join('text')
    .attr('class', 'axis-label')
    .attr('x', (epoch) => x(epoch - 0.5))
    .attr('y', TICK_LENGTH + 3)
    .attr('dy', '0.71em')
    .attr('text-anchor', 'middle')
    .text((epoch) => String(epoch));

  axis
    .selectAll('text.axis-title')
    .data([title])
    .join('text')
    .attr('class', 'axis-title')
    .attr('x', (left + right) / 2)
    .attr('y', TICK_LENGTH + 3)
    .attr('dy', '2.1em')
    .attr('text-anchor', 'middle')
    .text((text) => text);
}
