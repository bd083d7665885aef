/** Interfaces between the model graph and its layers: the inputs of a layer builder and the layer it returns. */
import type * as tfCore from '@tensorflow/tfjs-core';
import type { LayerShape } from '../../common/layerShapes';
import type { LayerSpec } from '../../common/modelSpec';
import type { Activation } from '../activations';
import type { BatchNormalizationParts } from '../batchNormalization';
import type { Random } from '../random';
import type { Tf } from '../tensorflow';

/** The output activations whose input Keras 3's TensorFlow backend reads back as logits for crossentropy. */
export type LogitsActivation = 'softmax' | 'sigmoid';

/** Returns the logits activation of a Keras activation name, or undefined for others. */
export function logitsActivationOf(keras: string): LogitsActivation | undefined {
  return keras === 'softmax' || keras === 'sigmoid' ? keras : undefined;
}

export interface LayerCallContext {
  /** Training mode turns dropout on and makes BatchNormalization use batch statistics. */
  readonly training: boolean;
  /** Seeds dropout masks, required in training mode when a layer drops out. */
  readonly dropoutRandom?: Random;
  /** Padding mask of the first input from Embedding(mask_zero=True), [batch, timesteps], 1 where a timestep counts. */
  readonly mask?: tfCore.Tensor;
  /** Receives the logits when this layer is the model output and ends in a last-axis softmax or a sigmoid. */
  readonly onLogits?: (logits: tfCore.Tensor) => void;
}

/** Dense kernel, bias and activation, which `denseForward` computes. */
export interface DenseParts {
  readonly kernel: tfCore.Variable;
  readonly bias?: tfCore.Variable;
  readonly activation: Activation;
}

export interface LayerImplementation {
  /** Computes the layer's output from the outputs of its inbound layers. */
  readonly call: (inputs: readonly tfCore.Tensor[], context: LayerCallContext) => tfCore.Tensor;
  /** Every variable the layer owns, in Keras's weight order, trainable or not. */
  readonly variables: readonly tfCore.Variable[];
  /** The variables the optimizer updates, none for `trainable=False`. */
  readonly trainableVariables: readonly tfCore.Variable[];
  /**
   * The weights whose gradients the statistics report as weight and bias gradients: the
   * kernel (Conv2D, Dense, the input kernel of a recurrent layer), the embeddings, PReLU's
   * alpha, or BatchNormalization's γ, and the bias or β.
   */
  readonly kernel?: tfCore.Variable;
  readonly bias?: tfCore.Variable;
  /** Keras activation name reported for the heatmap row, undefined for layers without a row. */
  readonly activation?: string;
  /** Output width a heatmap label shows: units, filters, output_dim or normalized features. */
  readonly units?: number;
  /**
   * Set when the layer ends in a last-axis softmax or a sigmoid and `call` hands that
   * activation's input, the logits, to `context.onLogits`.
   */
  readonly logitsActivation?: LogitsActivation;
  /** Set for Dense layers (tests and the fast path read them). */
  readonly dense?: DenseParts;
  /** Set for BatchNormalization layers. */
  readonly batchNormalization?: BatchNormalizationParts;
  /** Dropout rate, 0 for other layers. */
  readonly dropoutRate?: number;
}

export interface LayerBuildContext {
  readonly tf: Tf;
  readonly spec: LayerSpec;
  readonly specIndex: number;
  /** Input and output shapes as Keras infers them. */
  readonly shape: LayerShape;
  /** The run's initializer stream. */
  readonly random: Random;
}
