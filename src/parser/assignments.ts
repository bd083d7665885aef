/**
 * The shape of Python assignments: which names a statement binds, and to which expression
 * when the two sides line up (`a, b = 1, 2` binds `a` to `1` and `b` to `2`).
 */
import { childrenOf, elementsOf, splitAtCommas, unparenthesize, type Span, type SyntaxNode } from './syntax';

/** The left-hand side of an assignment or the target of a `for` loop. */
export type TargetPattern =
  | { readonly kind: 'name'; readonly node: SyntaxNode; readonly name: string }
  | { readonly kind: 'sequence'; readonly span: Span; readonly elements: readonly TargetPattern[] }
  /** An attribute or subscript target such as `self.x` or `a[0]`: it binds no name. */
  | { readonly kind: 'other'; readonly node: SyntaxNode };

/** The right-hand side: one expression, or the elements of an unbracketed tuple `1, 2`. */
export interface AssignedValue {
  readonly span: Span;
  readonly node?: SyntaxNode;
  readonly elements?: readonly SyntaxNode[];
}

export interface AssignmentParts {
  readonly targets: readonly TargetPattern[];
  readonly value: AssignedValue;
}

/** A name and the expression it receives, when the assignment pairs them one to one. */
export interface NameBinding {
  readonly name: string;
  readonly nameNode: SyntaxNode;
  readonly value?: SyntaxNode;
}

/** Splits `a = b = value` into its targets and value; undefined for a bare annotation `x: int`. */
export function readAssignment(statement: SyntaxNode, textOf: (span: Span) => string): AssignmentParts | undefined {
  const segments: SyntaxNode[][] = [[]];
  for (const child of childrenOf(statement)) {
    if (child.name === 'AssignOp') {
      segments.push([]);
    } else if (child.name !== 'TypeDef') {
      segments[segments.length - 1].push(child);
    }
  }
  if (segments.length < 2) {
    return undefined;
  }
  const valueSegment = segments[segments.length - 1];
  const targets = segments.slice(0, -1).map((segment) => readTargetSegment(segment, textOf));
  return { targets, value: readValueSegment(valueSegment) };
}

function readValueSegment(nodes: readonly SyntaxNode[]): AssignedValue {
  const first = nodes[0];
  const last = nodes[nodes.length - 1];
  const span = { from: first?.from ?? 0, to: last?.to ?? 0 };
  const groups = splitAtCommas(nodes);
  const hasComma = nodes.some((node) => node.name === ',');
  if (hasComma) {
    return { span, elements: groups.map((group) => group[0]) };
  }
  return { span, node: groups[0]?.[0] };
}

function readTargetSegment(nodes: readonly SyntaxNode[], textOf: (span: Span) => string): TargetPattern {
  const hasComma = nodes.some((node) => node.name === ',');
  const groups = splitAtCommas(nodes);
  if (hasComma) {
    const span = { from: nodes[0].from, to: nodes[nodes.length - 1].to };
    return { kind: 'sequence', span, elements: groups.map((group) => readTarget(group[0], textOf)) };
  }
  const single = groups[0]?.[0];
  return single ? readTarget(single, textOf) : { kind: 'other', node: nodes[0] };
}

export function readTarget(node: SyntaxNode, textOf: (span: Span) => string): TargetPattern {
  const inner = unparenthesize(node);
  if (inner.name === 'VariableName') {
    return { kind: 'name', node: inner, name: textOf(inner) };
  }
  if (inner.name === 'TupleExpression' || inner.name === 'ArrayExpression') {
    return { kind: 'sequence', span: inner, elements: elementsOf(inner).map((element) => readTarget(element, textOf)) };
  }
  return { kind: 'other', node: inner };
}

/** Pairs each name in `target` with its part of `value` where both sides have the same shape. */
export function bindNames(target: TargetPattern, value: AssignedValue | SyntaxNode | undefined): NameBinding[] {
  if (target.kind === 'other') {
    return [];
  }
  const valueNode = value && 'type' in value ? value : value?.node;
  if (target.kind === 'name') {
    return [{ name: target.name, nameNode: target.node, value: valueNode }];
  }

  const valueElements = sequenceElements(value);
  const bindings: NameBinding[] = [];
  target.elements.forEach((element, index) => {
    const elementValue = valueElements && valueElements.length === target.elements.length ? valueElements[index] : undefined;
    bindings.push(...bindNames(element, elementValue));
  });
  return bindings;
}

function sequenceElements(value: AssignedValue | SyntaxNode | undefined): readonly SyntaxNode[] | undefined {
  if (!value) {
    return undefined;
  }
  if (!('type' in value)) {
    return value.elements ?? (value.node ? sequenceElements(value.node) : undefined);
  }
  const inner = unparenthesize(value);
  return inner.name === 'TupleExpression' || inner.name === 'ArrayExpression' ? elementsOf(inner) : undefined;
}

/** Lists every name a target binds, whatever the value. */
export function namesOf(target: TargetPattern): Array<{ name: string; node: SyntaxNode }> {
  switch (target.kind) {
    case 'name':
      return [{ name: target.name, node: target.node }];
    case 'sequence':
      return target.elements.flatMap(namesOf);
    case 'other':
      return [];
  }
}
