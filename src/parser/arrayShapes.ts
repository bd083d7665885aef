/**
 * Shapes and indexing of data arrays, read statically: the subscripts `x[..., None]`,
 * `df.iloc[:, :-1]` and `data[:, -1]`, and the new shapes of `reshape` and `expand_dims`.
 * Shapes here are those of one example, without the batch axis.
 */
import type { ParseContext } from './context';
import { calleeOf, readCallArguments } from './callArguments';
import { childrenOf, elementsOf, splitAtCommas, unparenthesize, type SyntaxNode } from './syntax';

export type SubscriptItem =
  | { readonly kind: 'full' }
  | { readonly kind: 'slice'; readonly start?: number; readonly stop?: number }
  | { readonly kind: 'index'; readonly value: number | string }
  | { readonly kind: 'list'; readonly values: readonly (number | string)[] }
  | { readonly kind: 'ellipsis' }
  | { readonly kind: 'newaxis' }
  | { readonly kind: 'other' };

/** Splits `object[items]` into the object and its index items; undefined for anything else. */
export function readSubscript(context: ParseContext, node: SyntaxNode): { object: SyntaxNode; items: SubscriptItem[] } | undefined {
  if (node.name !== 'MemberExpression') {
    return undefined;
  }
  const children = childrenOf(node);
  if (children[1]?.name !== '[' || children[children.length - 1]?.name !== ']') {
    return undefined;
  }
  const inner = children.slice(2, -1);
  return { object: children[0], items: splitAtCommas(inner).map((group) => readItem(context, group)) };
}

function readItem(context: ParseContext, group: readonly SyntaxNode[]): SubscriptItem {
  const colons = group.filter((node) => node.name === ':').length;
  if (colons === 1) {
    const colon = group.findIndex((node) => node.name === ':');
    const start = group.slice(0, colon);
    const stop = group.slice(colon + 1);
    if (start.length === 0 && stop.length === 0) {
      return { kind: 'full' };
    }
    const startValue = start.length === 1 ? integerOf(context, start[0]) : undefined;
    const stopValue = stop.length === 1 ? integerOf(context, stop[0]) : undefined;
    if ((start.length > 0 && startValue === undefined) || (stop.length > 0 && stopValue === undefined) || start.length > 1 || stop.length > 1) {
      return { kind: 'other' };
    }
    return { kind: 'slice', start: startValue, stop: stopValue };
  }
  if (colons > 0 || group.length !== 1) {
    return { kind: 'other' };
  }

  const node = unparenthesize(group[0]);
  if (node.name === 'Ellipsis') {
    return { kind: 'ellipsis' };
  }
  if (node.name === 'None' || context.names.qualifiedName(node) === 'numpy.newaxis') {
    return { kind: 'newaxis' };
  }
  const evaluated = context.evaluator.evaluate(node, context.scope);
  if (!evaluated.ok) {
    return { kind: 'other' };
  }
  const value = evaluated.value;
  if ((value.kind === 'number' && value.isInteger) || value.kind === 'string') {
    return { kind: 'index', value: value.value };
  }
  if (value.kind === 'list' && value.items.length > 0 && value.items.every((item) => (item.kind === 'number' && item.isInteger) || item.kind === 'string')) {
    return { kind: 'list', values: value.items.map((item) => (item as { value: number | string }).value) };
  }
  return { kind: 'other' };
}

function integerOf(context: ParseContext, node: SyntaxNode): number | undefined {
  const evaluated = context.evaluator.evaluate(node, context.scope);
  return evaluated.ok && evaluated.value.kind === 'number' && evaluated.value.isInteger ? evaluated.value.value : undefined;
}

/** One dimension of a `reshape` target: a size, -1, or the batch size written as `x.shape[0]` or `len(x)`. */
export type ReshapeDimension = number | 'batch';

/**
 * Reads the new shape of `x.reshape(...)` or `np.reshape(x, ...)` from `nodes`: either one
 * tuple or list, or the sizes one by one. Undefined when a size cannot be read statically.
 */
export function readReshapeDimensions(context: ParseContext, nodes: readonly SyntaxNode[]): ReshapeDimension[] | undefined {
  let items = nodes;
  if (nodes.length === 1) {
    const inner = unparenthesize(context.resolveExpression(nodes[0]));
    if (inner.name === 'TupleExpression' || inner.name === 'ArrayExpression') {
      items = elementsOf(inner);
    }
  }
  const dimensions: ReshapeDimension[] = [];
  for (const item of items) {
    if (isBatchSize(context, item)) {
      dimensions.push('batch');
      continue;
    }
    const size = integerOf(context, item);
    if (size === undefined || (size < 1 && size !== -1)) {
      return undefined;
    }
    dimensions.push(size);
  }
  return dimensions.length > 0 ? dimensions : undefined;
}

/** `x.shape[0]` or `len(x)`: the number of examples, whatever it is. */
function isBatchSize(context: ParseContext, node: SyntaxNode): boolean {
  const inner = unparenthesize(node);
  const subscript = readSubscript(context, inner);
  if (subscript) {
    const [object, dot, property] = childrenOf(subscript.object);
    const first = subscript.items[0];
    return subscript.items.length === 1 && first.kind === 'index' && first.value === 0 &&
      subscript.object.name === 'MemberExpression' && dot?.name === '.' && object !== undefined && context.text(property ?? object) === 'shape';
  }
  if (inner.name === 'CallExpression') {
    const callee = calleeOf(inner);
    const args = readCallArguments(inner, (keyword) => context.text(keyword));
    return callee?.name === 'VariableName' && context.text(callee) === 'len' && args.length === 1;
  }
  return false;
}

export type ShapeChange =
  | { readonly ok: true; readonly exampleShape?: readonly number[] }
  | { readonly ok: false; readonly problem: 'batch-axis' | 'size' | 'several-unknown'; readonly values?: number; readonly requested?: number };

/**
 * Returns the example shape after a reshape to `dimensions`, whose first entry is the batch
 * axis. `current` is the example shape before, when known. A -1 among the example sizes is
 * worked out from it, and the new shape must have as many values.
 */
export function reshapeExample(current: readonly number[] | undefined, dimensions: readonly ReshapeDimension[]): ShapeChange {
  const [, ...example] = dimensions;
  if (example.some((size) => size === 'batch')) {
    return { ok: false, problem: 'batch-axis' };
  }
  const sizes = example as number[];
  const unknown = sizes.filter((size) => size === -1).length;
  if (unknown > 1 || (unknown === 1 && dimensions[0] === -1)) {
    return { ok: false, problem: 'several-unknown' };
  }
  const known = sizes.filter((size) => size !== -1).reduce((product, size) => product * size, 1);
  const values = current ? current.reduce((product, size) => product * size, 1) : undefined;
  if (unknown === 1) {
    if (values === undefined || values % known !== 0) {
      return values === undefined ? { ok: true } : { ok: false, problem: 'size', values, requested: known };
    }
    return { ok: true, exampleShape: sizes.map((size) => (size === -1 ? values / known : size)) };
  }
  if (values !== undefined && values !== known) {
    return { ok: false, problem: 'size', values, requested: known };
  }
  return { ok: true, exampleShape: sizes };
}

/** `np.expand_dims(x, axis)`: inserts an axis of size 1 at `axis` of the batched array. */
export function expandExample(current: readonly number[], axis: number): ShapeChange {
  const rank = current.length + 1;
  const position = axis < 0 ? axis + rank + 1 : axis;
  if (position < 1 || position > rank) {
    return { ok: false, problem: 'batch-axis' };
  }
  const shape = [...current];
  shape.splice(position - 1, 0, 1);
  return { ok: true, exampleShape: shape };
}

/**
 * `x[..., None]`, `x[:, :, :, np.newaxis]` and the like: full slices, one ellipsis and new
 * axes. Undefined when the subscript selects or reorders anything.
 */
export function indexExample(current: readonly number[], items: readonly SubscriptItem[]): ShapeChange | undefined {
  if (!items.some((item) => item.kind === 'newaxis') || !items.every((item) => item.kind === 'full' || item.kind === 'ellipsis' || item.kind === 'newaxis')) {
    return undefined;
  }
  const dimensions = ['batch' as const, ...current];
  const consumed = items.filter((item) => item.kind === 'full').length;
  const ellipses = items.filter((item) => item.kind === 'ellipsis').length;
  if (ellipses > 1 || consumed > dimensions.length || (ellipses === 0 && consumed !== dimensions.length)) {
    return { ok: false, problem: 'size' };
  }
  const result: (number | 'batch')[] = [];
  let next = 0;
  for (const item of items) {
    if (item.kind === 'newaxis') {
      result.push(1);
    } else if (item.kind === 'full') {
      result.push(dimensions[next++]);
    } else {
      const covered = dimensions.length - consumed;
      result.push(...dimensions.slice(next, next + covered));
      next += covered;
    }
  }
  if (result[0] !== 'batch') {
    return { ok: false, problem: 'batch-axis' };
  }
  return { ok: true, exampleShape: result.slice(1) as number[] };
}
