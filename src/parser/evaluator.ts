/**
 * Static evaluation of Python expressions: literals, names bound once to such expressions,
 * and arithmetic on them. Nothing is executed. Anything else fails with the node that could
 * not be read.
 */
import { childrenOf, elementsOf, isErrorNode, type PythonSource, type SyntaxNode } from './syntax';
import { floatValue, formatPython, integerValue, type StaticValue } from './values';

/** Meaning of a name, as far as the file shows it without running. */
export type Binding =
  /** Assigned exactly once in the file, outside any loop, to this expression. */
  | { readonly kind: 'expression'; readonly node: SyntaxNode }
  /** The value of a loop variable while the parser unrolls the loop. */
  | { readonly kind: 'value'; readonly value: StaticValue }
  /** Assigned more than once, so its value depends on the order of execution. */
  | { readonly kind: 'reassigned' }
  /** Bound in a way that has no static value: parameter, import, loop variable, `with ... as`. */
  | { readonly kind: 'variable' };

export interface Scope {
  lookup(name: string): Binding | undefined;
}

export type EvaluationFailureReason =
  | 'unknown-name'
  | 'reassigned-name'
  | 'variable-name'
  | 'unsupported-expression'
  | 'invalid-operation';

export interface EvaluationFailure {
  /** The innermost node that could not be evaluated. */
  readonly node: SyntaxNode;
  readonly reason: EvaluationFailureReason;
}

export type Evaluation =
  | { readonly ok: true; readonly value: StaticValue }
  | { readonly ok: false; readonly failure: EvaluationFailure };

export class StaticEvaluator {
  /** Expressions being evaluated through a name, to stop on `a = b` / `b = a` cycles. */
  private readonly inProgress = new Set<number>();

  constructor(private readonly source: PythonSource) {}

  evaluate(node: SyntaxNode, scope: Scope): Evaluation {
    switch (node.name) {
      case 'Number':
        return this.evaluateNumber(node);
      case 'String':
        return this.evaluateString(node);
      case 'ContinuedString':
        return this.evaluateContinuedString(node, scope);
      case 'FormatString':
        return childrenOf(node).length === 0 ? this.evaluateString(node) : unsupported(node);
      case 'Boolean':
        return success({ kind: 'boolean', value: this.source.textOf(node) === 'True' });
      case 'None':
        return success({ kind: 'none' });
      case 'ParenthesizedExpression':
        return this.evaluateParenthesized(node, scope);
      case 'TupleExpression':
        return this.evaluateSequence(node, 'tuple', scope);
      case 'ArrayExpression':
        return this.evaluateSequence(node, 'list', scope);
      case 'UnaryExpression':
        return this.evaluateUnary(node, scope);
      case 'BinaryExpression':
        return this.evaluateBinary(node, scope);
      case 'VariableName':
        return this.evaluateName(node, scope);
      default:
        return unsupported(node);
    }
  }

  private evaluateNumber(node: SyntaxNode): Evaluation {
    const text = this.source.textOf(node).replace(/_/g, '');
    if (/[jJ]$/.test(text)) {
      return unsupported(node);
    }
    const radix = /^0[xX]/.test(text) ? 16 : /^0[oO]/.test(text) ? 8 : /^0[bB]/.test(text) ? 2 : 10;
    if (radix !== 10) {
      const parsed = Number.parseInt(text.slice(2), radix);
      return Number.isNaN(parsed) ? unsupported(node) : success(integerValue(parsed));
    }
    const parsed = Number(text);
    if (Number.isNaN(parsed)) {
      return unsupported(node);
    }
    return success(/[.eE]/.test(text) ? floatValue(parsed) : integerValue(parsed));
  }

  private evaluateString(node: SyntaxNode): Evaluation {
    const literal = parseStringLiteral(this.source.textOf(node));
    return literal === undefined ? unsupported(node) : success({ kind: 'string', value: literal });
  }

  private evaluateContinuedString(node: SyntaxNode, scope: Scope): Evaluation {
    let text = '';
    for (const part of childrenOf(node)) {
      const evaluated = this.evaluate(part, scope);
      if (!evaluated.ok) {
        return evaluated;
      }
      if (evaluated.value.kind !== 'string') {
        return unsupported(part);
      }
      text += evaluated.value.value;
    }
    return success({ kind: 'string', value: text });
  }

  private evaluateParenthesized(node: SyntaxNode, scope: Scope): Evaluation {
    const inner = childrenOf(node).filter((child) => child.name !== '(' && child.name !== ')');
    if (inner.length !== 1 || isErrorNode(inner[0])) {
      return unsupported(node);
    }
    return this.evaluate(inner[0], scope);
  }

  private evaluateSequence(node: SyntaxNode, kind: 'tuple' | 'list', scope: Scope): Evaluation {
    const items: StaticValue[] = [];
    for (const element of elementsOf(node)) {
      const evaluated = this.evaluate(element, scope);
      if (!evaluated.ok) {
        return evaluated;
      }
      items.push(evaluated.value);
    }
    return success({ kind, items });
  }

  private evaluateUnary(node: SyntaxNode, scope: Scope): Evaluation {
    const [operator, operand] = childrenOf(node);
    if (!operator || !operand) {
      return unsupported(node);
    }
    const evaluated = this.evaluate(operand, scope);
    if (!evaluated.ok) {
      return evaluated;
    }
    const value = evaluated.value;
    const symbol = this.source.textOf(operator);
    if (symbol === 'not') {
      return success({ kind: 'boolean', value: !isTruthy(value) });
    }
    if (value.kind !== 'number') {
      return invalid(node);
    }
    switch (symbol) {
      case '-':
        return success({ ...value, value: -value.value });
      case '+':
        return success(value);
      default:
        return unsupported(node);
    }
  }

  private evaluateBinary(node: SyntaxNode, scope: Scope): Evaluation {
    const children = childrenOf(node);
    const [leftNode, operator, rightNode] = children;
    if (children.length !== 3 || !leftNode || !operator || !rightNode) {
      return unsupported(node);
    }
    if (operator.name === 'and' || operator.name === 'or') {
      return this.evaluateBoolean(operator.name, leftNode, rightNode, scope);
    }
    if (operator.name === 'CompareOp') {
      return this.evaluateComparison(node, leftNode, this.source.textOf(operator), rightNode, scope);
    }
    if (operator.name !== 'ArithOp') {
      return unsupported(node);
    }
    const left = this.evaluate(leftNode, scope);
    if (!left.ok) {
      return left;
    }
    const right = this.evaluate(rightNode, scope);
    if (!right.ok) {
      return right;
    }
    const result = applyArithmetic(this.source.textOf(operator), left.value, right.value);
    return result ? success(result) : invalid(node);
  }

  /** `a and b`, `a or b`: like Python, the result is one of the operands, and `b` is read only when needed. */
  private evaluateBoolean(operator: 'and' | 'or', leftNode: SyntaxNode, rightNode: SyntaxNode, scope: Scope): Evaluation {
    const left = this.evaluate(leftNode, scope);
    if (!left.ok) {
      return left;
    }
    const decided = operator === 'and' ? !isTruthy(left.value) : isTruthy(left.value);
    return decided ? left : this.evaluate(rightNode, scope);
  }

  /** Evaluates one comparison such as `a == b`. Chained comparisons like `a < b < c` are not read. */
  private evaluateComparison(node: SyntaxNode, leftNode: SyntaxNode, operator: string, rightNode: SyntaxNode, scope: Scope): Evaluation {
    if (leftNode.name === 'BinaryExpression' && leftNode.getChild('CompareOp')) {
      return unsupported(node);
    }
    const left = this.evaluate(leftNode, scope);
    if (!left.ok) {
      return left;
    }
    const right = this.evaluate(rightNode, scope);
    if (!right.ok) {
      return right;
    }
    const result = compare(operator, left.value, right.value);
    return result === undefined ? invalid(node) : success({ kind: 'boolean', value: result });
  }

  private evaluateName(node: SyntaxNode, scope: Scope): Evaluation {
    const binding = scope.lookup(this.source.textOf(node));
    if (!binding) {
      return failure(node, 'unknown-name');
    }
    switch (binding.kind) {
      case 'value':
        return success(binding.value);
      case 'reassigned':
        return failure(node, 'reassigned-name');
      case 'variable':
        return failure(node, 'variable-name');
      case 'expression':
        return this.evaluateThroughName(node, binding.node, scope);
    }
  }

  private evaluateThroughName(nameNode: SyntaxNode, expression: SyntaxNode, scope: Scope): Evaluation {
    if (this.inProgress.has(expression.from)) {
      return unsupported(nameNode);
    }
    this.inProgress.add(expression.from);
    try {
      return this.evaluate(expression, scope);
    } finally {
      this.inProgress.delete(expression.from);
    }
  }
}

/** Python truth: zero, empty strings and sequences, `None` and `False` are false. */
export function isTruthy(value: StaticValue): boolean {
  switch (value.kind) {
    case 'number':
      return value.value !== 0;
    case 'string':
      return value.value.length > 0;
    case 'boolean':
      return value.value;
    case 'none':
      return false;
    case 'tuple':
    case 'list':
      return value.items.length > 0;
  }
}

/** Python comparison of two values, or undefined where Python would raise. */
function compare(operator: string, left: StaticValue, right: StaticValue): boolean | undefined {
  const number = (value: StaticValue): number | undefined => {
    if (value.kind === 'boolean') {
      return Number(value.value);
    }
    return value.kind === 'number' ? value.value : undefined;
  };
  const leftNumber = number(left);
  const rightNumber = number(right);

  if (operator === '==' || operator === '!=') {
    const equal =
      leftNumber !== undefined && rightNumber !== undefined ? leftNumber === rightNumber : formatPython(left) === formatPython(right);
    return operator === '==' ? equal : !equal;
  }
  let order: number | undefined;
  if (leftNumber !== undefined && rightNumber !== undefined) {
    order = leftNumber - rightNumber;
  } else if (left.kind === 'string' && right.kind === 'string') {
    // Python orders strings by code point, which is also how JavaScript's `<` orders them
    // for text without surrogate pairs.
    order = 0;
    if (left.value < right.value) {
      order = -1;
    } else if (left.value > right.value) {
      order = 1;
    }
  }
  if (order === undefined) {
    return undefined;
  }
  switch (operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    default:
      return undefined;
  }
}

/** Applies Python arithmetic to two values, or returns undefined where Python would raise or the parser cannot follow. */
function applyArithmetic(operator: string, left: StaticValue, right: StaticValue): StaticValue | undefined {
  if (left.kind === 'number' && right.kind === 'number') {
    return applyNumberArithmetic(operator, left, right);
  }
  const isSequence = (value: StaticValue): value is Extract<StaticValue, { items: unknown }> =>
    value.kind === 'tuple' || value.kind === 'list';

  if (operator === '+' && left.kind === 'string' && right.kind === 'string') {
    return { kind: 'string', value: left.value + right.value };
  }
  if (operator === '+' && isSequence(left) && isSequence(right) && left.kind === right.kind) {
    return { kind: left.kind, items: [...left.items, ...right.items] };
  }
  if (operator === '*' && isSequence(left) && right.kind === 'number' && right.isInteger) {
    const items: StaticValue[] = [];
    for (let count = 0; count < Math.min(right.value, 10_000); count++) {
      items.push(...left.items);
    }
    return { kind: left.kind, items };
  }
  return undefined;
}

function applyNumberArithmetic(
  operator: string,
  left: Extract<StaticValue, { kind: 'number' }>,
  right: Extract<StaticValue, { kind: 'number' }>,
): StaticValue | undefined {
  const bothIntegers = left.isInteger && right.isInteger;
  const a = left.value;
  const b = right.value;
  const number = (value: number, isInteger: boolean): StaticValue => ({ kind: 'number', value, isInteger });

  switch (operator) {
    case '+':
      return number(a + b, bothIntegers);
    case '-':
      return number(a - b, bothIntegers);
    case '*':
      return number(a * b, bothIntegers);
    case '/':
      return b === 0 ? undefined : number(a / b, false);
    case '//':
      return b === 0 ? undefined : number(Math.floor(a / b), bothIntegers);
    case '%':
      // Python's remainder takes the sign of the divisor.
      return b === 0 ? undefined : number(a - b * Math.floor(a / b), bothIntegers);
    case '**':
      if (a === 0 && b < 0) {
        return undefined;
      }
      return number(a ** b, bothIntegers && b >= 0);
    default:
      return undefined;
  }
}

/**
 * Decodes a Python string literal with its prefix and quotes. Returns undefined for bytes
 * literals, which are not `str`.
 */
export function parseStringLiteral(literal: string): string | undefined {
  const prefixMatch = /^[rRbBuUfF]*/.exec(literal);
  const prefix = (prefixMatch?.[0] ?? '').toLowerCase();
  if (prefix.includes('b')) {
    return undefined;
  }
  let body = literal.slice(prefix.length);
  const quote = body.startsWith('"""') || body.startsWith("'''") ? body.slice(0, 3) : body.slice(0, 1);
  if (quote !== '"' && quote !== "'" && quote !== '"""' && quote !== "'''") {
    return undefined;
  }
  body = body.slice(quote.length, body.endsWith(quote) && body.length >= 2 * quote.length ? body.length - quote.length : body.length);
  return prefix.includes('r') ? body : decodeEscapes(body);
}

function decodeEscapes(body: string): string {
  const simple: Record<string, string> = {
    n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '',
  };
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\s\S])/g, (match, escape: string) => {
    if (escape.length > 1) {
      const codePoint = Number.parseInt(escape.slice(1), 16);
      return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : match;
    }
    return simple[escape] ?? match;
  });
}

function success(value: StaticValue): Evaluation {
  return { ok: true, value };
}

function failure(node: SyntaxNode, reason: EvaluationFailureReason): Evaluation {
  return { ok: false, failure: { node, reason } };
}

function unsupported(node: SyntaxNode): Evaluation {
  return failure(node, 'unsupported-expression');
}

function invalid(node: SyntaxNode): Evaluation {
  return failure(node, 'invalid-operation');
}
