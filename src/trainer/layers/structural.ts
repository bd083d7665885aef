/** Layers without weights that only move values around: InputLayer, Flatten, Reshape, Concatenate and Add. */
import { readAxis, readDataFormat } from '../../common/layerConfig';
import { normalizeAxis } from '../../common/layerShapes';
import type { LayerBuildContext, LayerImplementation } from './types';

/** Builds InputLayer, which passes the model input on. */
export function buildInputLayer(): LayerImplementation {
  return { call: ([x]) => x, variables: [], trainableVariables: [] };
}

/**
 * Keras 3 Flatten: a channels_first input of two or more axes besides the batch axis is first
 * transposed to channels-last, so the flattened order matches Keras.
 */
export function buildFlatten(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex, shape } = context;
  const channelsFirst = readDataFormat(spec, specIndex) === 'channels_first';
  const size = shape.outputShape[0];
  return {
    call: ([x]) => {
      let values = x;
      if (channelsFirst && x.rank > 2) {
        values = tf.transpose(x, [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2), 1]);
      }
      return x.rank === 2 ? values : tf.reshape(values, [x.shape[0], size]);
    },
    variables: [],
    trainableVariables: [],
  };
}

/** Keras 3 Reshape to `target_shape`, whose -1 the shape inference has resolved. */
export function buildReshape(context: LayerBuildContext): LayerImplementation {
  const { tf, shape } = context;
  return {
    call: ([x]) => tf.reshape(x, [x.shape[0], ...shape.outputShape]),
    variables: [],
    trainableVariables: [],
  };
}

/** Keras 3 Concatenate along `axis` (default -1, counting the batch axis as 0). */
export function buildConcatenate(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex, shape } = context;
  const axis = normalizeAxis(spec, specIndex, shape.inputShapes[0], readAxis(spec, specIndex, 'axis', -1)) + 1;
  return {
    call: (inputs) => tf.concat([...inputs], axis),
    variables: [],
    trainableVariables: [],
  };
}

/** Keras 3 Add: the elementwise sum, broadcasting axes of size 1 as the shape inference allows. */
export function buildAdd(context: LayerBuildContext): LayerImplementation {
  const { tf } = context;
  return {
    call: (inputs) => inputs.slice(1).reduce((sum, input) => tf.add(sum, input), inputs[0]),
    variables: [],
    trainableVariables: [],
  };
}
