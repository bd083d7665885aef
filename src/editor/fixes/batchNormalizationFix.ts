/**
 * Quick fix "insert BatchNormalization": a `BatchNormalization()` layer after every hidden
 * Dense layer that has none yet, written the way the file adds its layers. After
 * `model.add(Dense(...))` comes a `model.add(BatchNormalization())` line. In a layer list
 * the new layer becomes the next item, on its own line when the items are one per line.
 */
import { calleeOf } from '../../parser/callArguments';
import { childrenOf, type SyntaxNode } from '../../parser/syntax';
import { kerasClassReference } from './kerasReferences';
import { hiddenLayerIndexes } from './layerRoles';
import type { ModelSource } from './modelSource';
import { insertAt, type FixEdit, type SourceEdit } from './sourceEdit';

const CLASS_NAME = 'BatchNormalization';

export function insertBatchNormalizationFix(model: ModelSource): FixEdit | undefined {
  const layers = model.spec.layers;
  const targets = hiddenLayerIndexes(model.spec).filter(
    (index) => layers[index].className === 'Dense' && layers[index + 1]?.className !== CLASS_NAME,
  );
  if (targets.length === 0) {
    return undefined;
  }
  const reference = kerasClassReference(model, 'layers', CLASS_NAME);
  if (!reference) {
    return undefined;
  }

  // A call inside a loop stands for several layers but needs one insertion.
  const edits = new Map<number, SourceEdit>();
  for (const index of targets) {
    const call = model.layerCall(index);
    const edit = call ? insertionAfter(model, call, `${reference.text}()`) : undefined;
    if (!edit) {
      return undefined;
    }
    edits.set(edit.from, edit);
  }
  return { edits: [...reference.edits, ...edits.values()] };
}

/** Returns the insertion after the layer built by `call`, or undefined when the fix cannot tell how the file adds it. */
function insertionAfter(model: ModelSource, call: SyntaxNode, layer: string): SourceEdit | undefined {
  const parent = call.parent;
  if (parent?.name === 'ArgList') {
    return afterAddCall(model, parent.parent, layer);
  }
  if (parent?.name === 'ArrayExpression' || parent?.name === 'TupleExpression') {
    return afterListItem(model, call, layer);
  }
  return undefined;
}

/** `receiver.add(Dense(...))` as a statement of its own: a new `receiver.add(layer)` line after it. */
function afterAddCall(model: ModelSource, addCall: SyntaxNode | null, layer: string): SourceEdit | undefined {
  const callee = addCall?.name === 'CallExpression' ? calleeOf(addCall) : undefined;
  const parts = callee?.name === 'MemberExpression' ? childrenOf(callee) : [];
  const method = parts[parts.length - 1];
  if (!addCall || !callee || method?.name !== 'PropertyName' || model.textOf(method) !== 'add') {
    return undefined;
  }
  const statement = model.statementOf(addCall);
  if (statement?.name !== 'ExpressionStatement' || statement.from !== addCall.from) {
    return undefined;
  }
  return model.insertLinesAfter(statement, [`${model.textOf(callee)}(${layer})`]);
}

/**
 * Inserts the next item of a layer list. When the list has one item per line, the new item
 * gets its own line after the item's comma and any comment. Otherwise it follows on the same line.
 */
function afterListItem(model: ModelSource, item: SyntaxNode, layer: string): SourceEdit {
  const text = model.text;
  const ownLine = model.textOf({ from: model.lineStart(item.from), to: item.from }).trim() === '';

  let position = item.to;
  while (text[position] === ' ' || text[position] === '\t') {
    position++;
  }
  if (ownLine && text[position] === ',') {
    const rest = text.slice(position + 1, model.lineEnd(position));
    if (/^\s*(#.*)?$/.test(rest)) {
      return insertAt(model.lineEnd(position), `${model.eol}${model.indentationAt(item.from)}${layer},`);
    }
  }
  return ownLine
    ? insertAt(item.to, `,${model.eol}${model.indentationAt(item.from)}${layer}`)
    : insertAt(item.to, `, ${layer}`);
}
