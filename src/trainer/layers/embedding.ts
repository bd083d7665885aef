/** Keras 3 Embedding: integer indices look up rows of a learned `[input_dim, output_dim]` table. */
import * as l10n from '@vscode/l10n';
import type * as tfCore from '@tensorflow/tfjs-core';
import { readEmbeddingConfig } from '../../common/layerConfig';
import { TrainerError } from '../errors';
import type { Tf } from '../tensorflow';
import type { LayerBuildContext, LayerImplementation } from './types';
import { createWeight, isTrainable } from './weights';

/**
 * Builds Embedding with Keras 3's default `embeddings_initializer='uniform'`, RandomUniform(−0.05, 0.05).
 * Inputs are cast to int32 as Keras 3 does, which truncates floats toward zero.
 */
export function buildEmbedding(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex } = context;
  const config = readEmbeddingConfig(spec, specIndex);
  const embeddings = createWeight(context, 'embeddings', [config.inputDim, config.outputDim], 'embeddings_initializer', 'uniform');

  return {
    call: ([x]) => {
      const indices = tf.cast(x, 'int32');
      checkIndices(tf, indices, config.inputDim, context);
      const rows = gatherRows(tf)(embeddings, tf.reshape(indices, [-1]));
      return tf.reshape(rows, [...x.shape, config.outputDim]);
    },
    variables: [embeddings],
    trainableVariables: isTrainable(context) ? [embeddings] : [],
    kernel: embeddings,
    activation: 'linear',
    units: config.outputDim,
  };
}

/** Returns 1 where an index is not 0, as Keras 3 `mask_zero=True` marks the timesteps that count. */
export function embeddingMask(tf: Tf, x: tfCore.Tensor): tfCore.Tensor {
  return tf.cast(tf.notEqual(tf.cast(x, 'int32'), 0), 'float32');
}

/**
 * Rejects indices outside [0, input_dim), as Keras does on the CPU, where tfjs would silently
 * return arbitrary rows. Reads two numbers back per batch.
 */
function checkIndices(tf: Tf, indices: tfCore.Tensor, inputDim: number, context: LayerBuildContext): void {
  const [lowest, highest] = tf.tidy(() => tf.stack([tf.min(indices), tf.max(indices)]).dataSync());
  let outside: number | undefined;
  if (lowest < 0) {
    outside = lowest;
  } else if (highest >= inputDim) {
    outside = highest;
  }
  if (outside !== undefined) {
    throw new TrainerError(
      l10n.t(
        'Embedding {0} on line {1} got the index {2}, outside 0 to {3} (input_dim − 1). Raise input_dim or check the input values.',
        context.spec.name,
        context.spec.range.startLine + 1,
        outside,
        inputDim - 1,
      ),
      context.specIndex,
    );
  }
}

type GatherRows = (table: tfCore.Tensor, indices: tfCore.Tensor) => tfCore.Tensor;
const gatherCache = new WeakMap<Tf, GatherRows>();

/**
 * `tf.gather(table, indices)` whose gradient adds the incoming rows back into a zero table.
 *
 * NOTE: tfjs's gather gradient needs an UnsortedSegmentSum kernel, which tfjs-backend-wasm
 * 4.22 does not register. scatterND sums the updates of repeated indices, which is the same
 * gradient.
 */
function gatherRows(tf: Tf): GatherRows {
  let gather = gatherCache.get(tf);
  if (!gather) {
    gather = tf.customGrad((...inputs: (tfCore.Tensor | tfCore.GradSaveFunc)[]) => {
      const [table, indices, save] = inputs as [tfCore.Tensor2D, tfCore.Tensor1D, tfCore.GradSaveFunc];
      save([indices]);
      return {
        value: tf.gather(table, indices),
        gradFunc: (dy: tfCore.Tensor, saved: tfCore.Tensor[]) => {
          const [savedIndices] = saved;
          return [tf.scatterND(tf.reshape(savedIndices, [-1, 1]), dy, table.shape), tf.zerosLike(savedIndices)];
        },
      };
    }) as GatherRows;
    gatherCache.set(tf, gather);
  }
  return gather;
}
