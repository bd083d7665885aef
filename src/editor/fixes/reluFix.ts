/**
 * Quick fix "use ReLU in the hidden layers": every hidden Dense layer with sigmoid or tanh
 * gets `activation='relu'` and `kernel_initializer='he_uniform'`, the initializer scaled for
 * ReLU. Hidden `Activation('sigmoid')` layers become `Activation('relu')`, and the Dense
 * layer feeding one gets He initialization. The output layer stays as it is.
 */
import type { LayerSpec } from '../../common/modelSpec';
import type { SyntaxNode } from '../../parser/syntax';
import { hiddenLayerIndexes } from './layerRoles';
import type { ModelSource } from './modelSource';
import { replaceSpan, type FixEdit, type SourceEdit } from './sourceEdit';

/** Activations whose derivative is at most 0.25 (sigmoid) or 1 only at 0 (tanh): both saturate. */
const SATURATING = new Set(['sigmoid', 'tanh']);
const RELU = 'relu';
const HE_UNIFORM = 'he_uniform';

export function reluHiddenActivationsFix(model: ModelSource): FixEdit | undefined {
  const edits = new EditSet();
  const layers = model.spec.layers;

  for (const index of hiddenLayerIndexes(model.spec)) {
    const layer = layers[index];
    if (!SATURATING.has(String(layer.config.activation))) {
      continue;
    }
    const call = model.layerCall(index);
    if (!call) {
      return undefined;
    }
    if (layer.className === 'Dense') {
      const changed = setArgument(model, call, ['activation'], 1, model.stringLiteral(RELU, activationNode(model, call, 1)), edits);
      if (!changed || !setInitializer(model, call, layer, edits)) {
        return undefined;
      }
    } else if (layer.className === 'Activation') {
      if (!setArgument(model, call, ['activation'], 0, model.stringLiteral(RELU, activationNode(model, call, 0)), edits)) {
        return undefined;
      }
      const feeding = feedingDense(layers, index);
      const feedingCall = feeding === undefined ? undefined : model.layerCall(feeding);
      if (feeding !== undefined && (!feedingCall || !setInitializer(model, feedingCall, layers[feeding], edits))) {
        return undefined;
      }
    }
  }
  return edits.size > 0 ? { edits: edits.list() } : undefined;
}

/** Edits keyed by position, so a layer built in a loop (one call, several layers) is edited once. */
class EditSet {
  private readonly byPosition = new Map<string, SourceEdit>();

  add(edit: SourceEdit): void {
    this.byPosition.set(`${edit.from}:${edit.to}`, edit);
  }

  get size(): number {
    return this.byPosition.size;
  }

  list(): SourceEdit[] {
    return [...this.byPosition.values()];
  }
}

/** Returns the activation argument's value, whose quotes new strings copy; `position` is its positional index. */
function activationNode(model: ModelSource, call: SyntaxNode, position: number): SyntaxNode | undefined {
  return model.argument(call, ['activation'], position)?.value;
}

/** Replaces the value of a keyword or positional argument; false when the call has no such argument. */
function setArgument(
  model: ModelSource,
  call: SyntaxNode,
  keywords: readonly string[],
  position: number,
  value: string,
  edits: EditSet,
): boolean {
  const argument = model.argument(call, keywords, position);
  if (!argument) {
    return false;
  }
  edits.add(replaceSpan(argument.value, value));
  return true;
}

/** Sets `kernel_initializer='he_uniform'`, replacing the value or adding the argument after `activation`. */
function setInitializer(model: ModelSource, call: SyntaxNode, layer: LayerSpec, edits: EditSet): boolean {
  if (layer.config.kernel_initializer === HE_UNIFORM) {
    return true;
  }
  const initializer = model.argument(call, ['kernel_initializer'], 3);
  const literal = model.stringLiteral(HE_UNIFORM, activationNode(model, call, 1));
  if (initializer) {
    edits.add(replaceSpan(initializer.value, literal));
    return true;
  }

  // After the activation argument when there is one, else after the last argument.
  const anchor = model.argument(call, ['activation'], 1);
  const written = model.keywordArgument('kernel_initializer', literal, anchor?.keyword ? anchor : undefined);
  const edit = anchor ? model.insertArgumentAfter(call, anchor, written) : model.appendArgument(call, written);
  if (!edit) {
    return false;
  }
  edits.add(edit);
  return true;
}

/** Returns the index of the linear Dense layer that feeds an Activation layer, past Dropout and BatchNormalization. */
function feedingDense(layers: readonly LayerSpec[], activationIndex: number): number | undefined {
  for (let index = activationIndex - 1; index >= 0; index--) {
    const className = layers[index].className;
    if (className === 'Dense') {
      return layers[index].config.activation === 'linear' ? index : undefined;
    }
    if (className !== 'Dropout' && className !== 'BatchNormalization') {
      return undefined;
    }
  }
  return undefined;
}
