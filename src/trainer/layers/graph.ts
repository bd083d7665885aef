/**
 * Facts about a model's layer graph that the trainer derives before building it: the layers
 * that lead to the output, the paths of Embedding padding masks, and the axis of each layer's
 * units or channels.
 */
import * as l10n from '@vscode/l10n';
import { MODEL_INPUT, type LayerShape } from '../../common/layerShapes';
import type { LayerClassName, LayerSpec, ModelSpec } from '../../common/modelSpec';

/** Classes that pass a padding mask on unchanged (Keras 3 `supports_masking` without using it). */
const MASK_PASSING: ReadonlySet<LayerClassName> = new Set(['Dense', 'Activation', 'LeakyReLU', 'ELU', 'PReLU', 'ReLU', 'Dropout']);
const RECURRENT: ReadonlySet<LayerClassName> = new Set(['SimpleRNN', 'LSTM', 'GRU']);

/** Marks the layers the model output depends on, the only ones Keras builds into a functional model. */
export function connectedLayers(shapes: readonly LayerShape[], outputIndex: number): boolean[] {
  const connected = shapes.map(() => false);
  const pending = outputIndex === MODEL_INPUT ? [] : [outputIndex];
  while (pending.length > 0) {
    const index = pending.pop() as number;
    if (!connected[index]) {
      connected[index] = true;
      pending.push(...shapes[index].inputs.filter((input) => input !== MODEL_INPUT));
    }
  }
  return connected;
}

/**
 * Follows Embedding(mask_zero=True) padding masks through the graph: layers that support
 * masking pass the mask on, recurrent layers apply it (and pass it on with
 * return_sequences=True), and other layers drop it. Warns where Keras would use a mask that
 * the trainer drops.
 */
export function padMaskSources(
  spec: ModelSpec,
  shapes: readonly LayerShape[],
  connected: readonly boolean[],
  outputIndex: number,
  warn: (message: string) => void,
): number[] {
  const produced: number[] = [];
  const received: number[] = [];
  spec.layers.forEach((layer, specIndex) => {
    const first = shapes[specIndex].inputs[0];
    const incoming = first === undefined || first === MODEL_INPUT ? -1 : produced[first];
    received.push(incoming);

    if (layer.className === 'Embedding') {
      produced.push(layer.config.mask_zero === true ? specIndex : -1);
    } else if (MASK_PASSING.has(layer.className)) {
      produced.push(incoming);
    } else if (RECURRENT.has(layer.className)) {
      produced.push(layer.config.return_sequences === true ? incoming : -1);
    } else {
      const usesMask = ['BatchNormalization', 'Softmax', 'Concatenate', 'Add'].includes(layer.className);
      if (incoming >= 0 && usesMask && connected[specIndex]) {
        warnMaskDropped(spec.layers[incoming], layer, warn);
      }
      produced.push(-1);
    }
  });

  // Keras also weights the loss by a mask that reaches the model output.
  const outputMask = outputIndex === MODEL_INPUT ? -1 : produced[outputIndex];
  if (outputMask >= 0) {
    warnMaskDropped(spec.layers[outputMask], spec.layers[outputIndex], warn);
  }
  return received;
}

function warnMaskDropped(embedding: LayerSpec, layer: LayerSpec, warn: (message: string) => void): void {
  warn(
    l10n.t(
      'The padding mask of {0} (mask_zero=True) reaches {1} on line {2}, but the trainer applies it only in SimpleRNN, LSTM and GRU layers, so results may differ from Keras.',
      embedding.name,
      layer.name,
      layer.range.startLine + 1,
    ),
  );
}

/**
 * Returns, per layer, the output axis along which its units or channels lie, counting the
 * batch axis as 0. That is axis 1 after a channels_first convolution or pooling and the
 * normalized axis of BatchNormalization. Elementwise layers keep their input's axis, and
 * all other layers use the last axis.
 */
export function outputChannelAxes(spec: ModelSpec, shapes: readonly LayerShape[]): number[] {
  const axes: number[] = [];
  spec.layers.forEach((layer, specIndex) => {
    const rank = shapes[specIndex].outputShape.length + 1;
    const first = shapes[specIndex].inputs[0];
    const inputAxis = first === undefined || first === MODEL_INPUT ? spec.inputShape.length : axes[first];
    const channelsFirst = String(layer.config.data_format).toLowerCase() === 'channels_first' && rank === 4;

    switch (layer.className) {
      case 'Conv2D':
      case 'MaxPooling2D':
      case 'AveragePooling2D':
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        axes.push(channelsFirst ? 1 : rank - 1);
        break;
      case 'BatchNormalization': {
        const axis = typeof layer.config.axis === 'number' ? layer.config.axis : -1;
        axes.push(axis < 0 ? axis + rank : axis);
        break;
      }
      case 'InputLayer':
      case 'Activation':
      case 'Dropout':
      case 'LeakyReLU':
      case 'ELU':
      case 'PReLU':
      case 'ReLU':
      case 'Softmax':
      case 'Add':
        axes.push(Math.min(inputAxis, rank - 1));
        break;
      default:
        axes.push(rank - 1);
    }
  });
  return axes;
}
