/**
 * Keras 3 SimpleRNN, LSTM and GRU (keras/src/layers/rnn in Keras 3.8), computed step by step
 * with tfjs ops.
 *
 * NOTE: tfjs-layers 4.22 has these layers, but not as Keras 3 defines them. Its GRU rejects
 * `reset_after=True`, the Keras 3 default. Its cells draw a separate dropout mask per gate,
 * where Keras 3 draws one (or one per gate only with `recurrent_dropout`), and from an
 * unseeded generator. Its LSTM and GRU default to a hard sigmoid that differs from Keras
 * 3's. So the cells are written out here, following Keras's `call` methods.
 */
import type * as tfCore from '@tensorflow/tfjs-core';
import { readRecurrentConfig, type RecurrentConfig } from '../../common/layerConfig';
import { applyActivation, resolveActivation, type Activation } from '../activations';
import { resolveInitializer } from '../initializers';
import type { Tf } from '../tensorflow';
import { matMulWithTransposedGradients } from './dense';
import { dropoutMask, requireDropoutRandom } from './dropout';
import type { LayerBuildContext, LayerCallContext, LayerImplementation } from './types';
import { createWeight, isTrainable, randomFor, variableFrom } from './weights';

/** Gate blocks in the kernels: SimpleRNN one, LSTM i, f, c, o, GRU z, r, h (Keras's order). */
const GATES = { SimpleRNN: 1, LSTM: 4, GRU: 3 } as const;

interface RecurrentWeights {
  /** `[features, gates · units]`. */
  readonly kernel: tfCore.Variable;
  /** `[units, gates · units]`. */
  readonly recurrentKernel: tfCore.Variable;
  /** `[gates · units]`, or `[2, 3 · units]` for GRU with reset_after (input row, recurrent row). */
  readonly bias?: tfCore.Variable;
}

/**
 * Builds the layer with Keras 3's initial weights: glorot_uniform kernel, orthogonal
 * recurrent kernel and zero bias, drawn in that order. LSTM's `unit_forget_bias=True` sets
 * the forget-gate block of the bias to ones.
 */
export function buildRecurrent(context: LayerBuildContext): LayerImplementation {
  const { tf, spec, specIndex, shape } = context;
  const config = readRecurrentConfig(spec, specIndex);
  // Keras 3 defaults. None in the file (null here) means linear.
  const activation = resolveActivation(spec.config.activation === undefined ? 'tanh' : spec.config.activation);
  const recurrentActivation = resolveActivation(spec.config.recurrent_activation === undefined ? 'sigmoid' : spec.config.recurrent_activation);
  const features = shape.inputShapes[0][1];
  const units = config.units;
  const gates = GATES[config.className];

  const kernel = createWeight(context, 'kernel', [features, gates * units], 'kernel_initializer', 'glorot_uniform');
  const recurrentKernel = createWeight(context, 'recurrent_kernel', [units, gates * units], 'recurrent_initializer', 'orthogonal');
  const bias = config.useBias ? createBias(context, config) : undefined;
  const weights: RecurrentWeights = { kernel, recurrentKernel, bias };
  const variables = bias ? [kernel, recurrentKernel, bias] : [kernel, recurrentKernel];

  const cell: Cell = { tf, config, weights, activation, recurrentActivation, gates };
  return {
    call: ([x], callContext) => runRecurrent(cell, x, callContext),
    variables,
    trainableVariables: isTrainable(context) ? variables : [],
    kernel,
    bias,
    activation: activation.keras,
    units,
  };
}

function createBias(context: LayerBuildContext, config: RecurrentConfig): tfCore.Variable {
  const units = config.units;
  if (config.className === 'GRU' && config.resetAfter) {
    return createWeight(context, 'bias', [2, 3 * units], 'bias_initializer', 'zeros');
  }
  if (config.className !== 'LSTM' || !config.unitForgetBias) {
    return createWeight(context, 'bias', [GATES[config.className] * units], 'bias_initializer', 'zeros');
  }
  // Keras 3 LSTMCell.build: bias_initializer for the input gate, ones for the forget gate,
  // bias_initializer for the cell and output gates.
  const initializer = resolveInitializer(context.spec.config.bias_initializer, 'zeros');
  const values = new Float32Array(4 * units);
  values.set(initializer.generate([units], randomFor(context, initializer)), 0);
  values.fill(1, units, 2 * units);
  values.set(initializer.generate([2 * units], randomFor(context, initializer)), 2 * units);
  return variableFrom(context, 'bias', [4 * units], values);
}

interface Cell {
  readonly tf: Tf;
  readonly config: RecurrentConfig;
  readonly weights: RecurrentWeights;
  readonly activation: Activation;
  readonly recurrentActivation: Activation;
  readonly gates: number;
}

/** Per-call values every step uses. */
interface StepInputs {
  /** Input projections x·kernel (+ input bias) of every timestep, `[batch, gates · units]` each. */
  readonly projected: readonly tfCore.Tensor[];
  /** Recurrent dropout masks `[batch, units]`: none, one for all gates, or one per gate. */
  readonly recurrentMasks: readonly tfCore.Tensor[];
  /** Recurrent kernel split per gate when there is one recurrent mask per gate. */
  readonly recurrentBlocks: readonly tfCore.Tensor[];
  /** GRU reset_after: the recurrent bias row `[3 · units]`. */
  readonly recurrentBias?: tfCore.Tensor;
  /** Padding mask per timestep, `[batch, 1]`, or undefined. */
  readonly stepMasks?: readonly tfCore.Tensor[];
}

/**
 * Runs the cell over the timesteps, as Keras 3's `RNN.call` and the TensorFlow backend's
 * `rnn` do. The state starts at zeros, and one dropout mask per batch serves every timestep.
 * A masked timestep keeps the previous state and output (`zero_output_for_mask=False`).
 * `go_backwards` reads the sequence from its end and returns the outputs in that order.
 */
function runRecurrent(cell: Cell, x: tfCore.Tensor, context: LayerCallContext): tfCore.Tensor {
  const { tf, config } = cell;
  const [batch, timesteps, features] = x.shape;
  const units = config.units;

  let sequence = x;
  let mask = context.mask?.rank === 2 ? context.mask : undefined;
  if (config.goBackwards) {
    sequence = tf.reverse(sequence, 1);
    mask = mask ? tf.reverse(mask, 1) : undefined;
  }

  // Keras 3 uses one mask for all gates unless recurrent_dropout switches the cell to
  // implementation 1, which draws one per gate. SimpleRNN always draws one.
  const perGate = config.recurrentDropout > 0 && config.className !== 'SimpleRNN';
  const maskCount = perGate ? cell.gates : 1;
  const drawMasks = (rate: number, shape: number[]): tfCore.Tensor[] =>
    context.training && rate > 0
      ? Array.from({ length: maskCount }, () => dropoutMask(tf, shape, rate, requireDropoutRandom(context)))
      : [];
  const inputMasks = drawMasks(config.dropout, [batch, features]);
  const recurrentMasks = drawMasks(config.recurrentDropout, [batch, units]);

  const { inputBias, recurrentBias } = splitBias(cell);
  const projected = projectInputs(cell, sequence, inputMasks, inputBias);
  const recurrentBlocks = recurrentMasks.length > 1 ? tf.split(cell.weights.recurrentKernel, cell.gates, 1) : [];
  const stepMasks = mask ? tf.unstack(tf.expandDims(mask, 2), 1) : undefined;
  const inputs: StepInputs = { projected, recurrentMasks, recurrentBlocks, recurrentBias, stepMasks };

  let h: tfCore.Tensor = tf.zeros([batch, units]);
  let c: tfCore.Tensor = tf.zeros([batch, units]);
  const outputs: tfCore.Tensor[] = [];
  for (let t = 0; t < timesteps; t++) {
    const next = step(cell, inputs, t, h, c);
    const stepMask = stepMasks?.[t];
    // Where the mask is 0, keep the previous state: previous + mask·(new − previous).
    h = stepMask ? tf.add(h, tf.mul(stepMask, tf.sub(next.h, h))) : next.h;
    c = stepMask && config.className === 'LSTM' ? tf.add(c, tf.mul(stepMask, tf.sub(next.c, c))) : next.c;
    if (config.returnSequences) {
      outputs.push(h);
    }
  }
  return config.returnSequences ? tf.stack(outputs, 1) : h;
}

function splitBias(cell: Cell): { inputBias?: tfCore.Tensor; recurrentBias?: tfCore.Tensor } {
  const { tf, config, weights } = cell;
  if (!weights.bias) {
    return {};
  }
  if (config.className === 'GRU' && config.resetAfter) {
    const [inputRow, recurrentRow] = tf.unstack(weights.bias, 0);
    return { inputBias: inputRow, recurrentBias: recurrentRow };
  }
  return { inputBias: weights.bias };
}

/**
 * Returns x_t·kernel + input bias for every timestep t at once. With one input mask per gate,
 * each gate's block of the kernel multiplies its own masked input, as in Keras's implementation 1.
 */
function projectInputs(cell: Cell, sequence: tfCore.Tensor, inputMasks: readonly tfCore.Tensor[], inputBias?: tfCore.Tensor): tfCore.Tensor[] {
  const { tf, weights } = cell;
  const [batch, timesteps, features] = sequence.shape;
  const matMul = matMulWithTransposedGradients(tf);
  const flatten = (values: tfCore.Tensor): tfCore.Tensor2D => tf.reshape(values, [batch * timesteps, features]) as tfCore.Tensor2D;
  const masked = (mask: tfCore.Tensor): tfCore.Tensor => tf.mul(sequence, tf.expandDims(mask, 1));

  let projection: tfCore.Tensor;
  if (inputMasks.length > 1) {
    const blocks = tf.split(weights.kernel, cell.gates, 1);
    projection = tf.concat(blocks.map((block, gate) => matMul(flatten(masked(inputMasks[gate])), block as tfCore.Tensor2D)), 1);
  } else {
    const inputs = inputMasks.length === 1 ? masked(inputMasks[0]) : sequence;
    projection = matMul(flatten(inputs), weights.kernel as tfCore.Tensor2D);
  }
  if (inputBias) {
    projection = tf.add(projection, inputBias);
  }
  return tf.unstack(tf.reshape(projection, [batch, timesteps, -1]), 1);
}

/**
 * Returns h·recurrent_kernel for every gate, `[batch, gates · units]`. With one recurrent mask
 * per gate, each gate's block multiplies its own masked h.
 */
function projectState(cell: Cell, inputs: StepInputs, h: tfCore.Tensor, blocks?: readonly number[]): tfCore.Tensor {
  const { tf, weights } = cell;
  const matMul = matMulWithTransposedGradients(tf);
  const { recurrentMasks, recurrentBlocks } = inputs;
  const gates = blocks ?? Array.from({ length: cell.gates }, (_, gate) => gate);

  if (recurrentMasks.length > 1) {
    return tf.concat(gates.map((gate) => matMul(tf.mul(h, recurrentMasks[gate]) as tfCore.Tensor2D, recurrentBlocks[gate] as tfCore.Tensor2D)), 1);
  }
  const state = (recurrentMasks.length === 1 ? tf.mul(h, recurrentMasks[0]) : h) as tfCore.Tensor2D;
  const units = cell.config.units;
  const kernel =
    gates.length === cell.gates ? weights.recurrentKernel : tf.slice(weights.recurrentKernel, [0, gates[0] * units], [units, gates.length * units]);
  return matMul(state, kernel as tfCore.Tensor2D);
}

/** Computes one timestep of the cell. `c` is LSTM's carry, which the other cells pass through unchanged. */
function step(cell: Cell, inputs: StepInputs, t: number, h: tfCore.Tensor, c: tfCore.Tensor): { h: tfCore.Tensor; c: tfCore.Tensor } {
  const { tf, config, activation, recurrentActivation } = cell;
  const act = (x: tfCore.Tensor): tfCore.Tensor => applyActivation(tf, activation, x);
  const gate = (x: tfCore.Tensor): tfCore.Tensor => applyActivation(tf, recurrentActivation, x);
  const x = inputs.projected[t];

  switch (config.className) {
    case 'SimpleRNN':
      return { h: act(tf.add(x, projectState(cell, inputs, h))), c };

    case 'LSTM': {
      const [zi, zf, zc, zo] = tf.split(tf.add(x, projectState(cell, inputs, h)), 4, 1);
      const nextC = tf.add(tf.mul(gate(zf), c), tf.mul(gate(zi), act(zc)));
      return { h: tf.mul(gate(zo), act(nextC)), c: nextC };
    }

    case 'GRU': {
      const [xz, xr, xh] = tf.split(x, 3, 1);
      let recurrentH: tfCore.Tensor;
      let z: tfCore.Tensor;
      if (config.resetAfter) {
        let inner = projectState(cell, inputs, h);
        if (inputs.recurrentBias) {
          inner = tf.add(inner, inputs.recurrentBias);
        }
        const [rz, rr, rh] = tf.split(inner, 3, 1);
        z = gate(tf.add(xz, rz));
        const r = gate(tf.add(xr, rr));
        recurrentH = tf.mul(r, rh);
      } else {
        const [rz, rr] = tf.split(projectState(cell, inputs, h, [0, 1]), 2, 1);
        z = gate(tf.add(xz, rz));
        const r = gate(tf.add(xr, rr));
        // Keras multiplies the reset gate into the (dropped-out) state before the matMul.
        const masks = inputs.recurrentMasks;
        const stateH = masks.length > 0 ? tf.mul(h, masks[masks.length - 1]) : h;
        const units = config.units;
        const kernelH = tf.slice(cell.weights.recurrentKernel, [0, 2 * units], [units, units]);
        recurrentH = matMulWithTransposedGradients(tf)(tf.mul(r, stateH) as tfCore.Tensor2D, kernelH as tfCore.Tensor2D);
      }
      const candidate = act(tf.add(xh, recurrentH));
      // h = z·h_prev + (1 − z)·candidate, with the unmasked previous state.
      return { h: tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), candidate)), c };
    }
  }
}
