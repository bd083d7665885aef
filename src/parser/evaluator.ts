/**
 * Static evaluation of Python expressions: literals, names with a known value, arithmetic,
 * comparisons, subscripts, f-strings, comprehensions and the common built-in functions.
 * Nothing is executed. Calls to the file's own functions go to a handler that reads the
 * function body. Anything else fails with the node that could not be read.
 */
import { callBuiltin, isBuiltinName, itemsOf, MAX_SEQUENCE_LENGTH, pythonStr, truthOf } from './builtins';
import { calleeOf, readCallArguments } from './callArguments';
import { childrenOf, elementsOf, isErrorNode, splitAtCommas, unparenthesize, type PythonSource, type SyntaxNode } from './syntax';
import { floatValue, formatPython, integerValue, type StaticValue } from './values';

/** Meaning of a name, as far as the file shows it without running. */
export type Binding =
  /**
   * Bound to this expression, to be evaluated in `scope` (the scope of the assignment) or in the
   * scope of the use when that is missing. `failure` is set when the expression is already known
   * to have no static value.
   */
  | { readonly kind: 'expression'; readonly node: SyntaxNode; readonly scope?: Scope; readonly failure?: EvaluationFailure }
  /** A value known at this point of the file, such as a constant or a loop variable while a loop is unrolled. */
  | { readonly kind: 'value'; readonly value: StaticValue }
  /** Assigned more than once, so its value depends on the order of execution. */
  | { readonly kind: 'reassigned' }
  /** Assigned in a branch or loop that may or may not run; `at` is that assignment. */
  | { readonly kind: 'uncertain'; readonly at: SyntaxNode }
  /** Bound in a way that has no static value: parameter, import, loop variable, `with ... as`. */
  | { readonly kind: 'variable' }
  /** A model, layer, tensor, function or class: something other than a plain value. */
  | { readonly kind: 'object' };

export interface Scope {
  lookup(name: string): Binding | undefined;
}

export type EvaluationFailureReason =
  | 'unknown-name'
  | 'reassigned-name'
  /** A name assigned in a branch or loop that may not run; `EvaluationFailure.related` is that assignment. */
  | 'uncertain-name'
  | 'variable-name'
  | 'unsupported-expression'
  | 'invalid-operation';

export interface EvaluationFailure {
  /** The innermost node that could not be evaluated. */
  readonly node: SyntaxNode;
  readonly reason: EvaluationFailureReason;
  /** Another place the message refers to, such as the assignment of an uncertain name. */
  readonly related?: SyntaxNode;
}

/**
 * Evaluates a call that is neither a literal operation nor a built-in, such as a call to a
 * function the file defines. Returns undefined when the call has no static value to offer.
 */
export type CallHandler = (call: SyntaxNode, scope: Scope) => Evaluation | undefined;

export type Evaluation =
  | { readonly ok: true; readonly value: StaticValue }
  | { readonly ok: false; readonly failure: EvaluationFailure };

export class StaticEvaluator {
  /** Expressions being evaluated through a name, to stop on `a = b` / `b = a` cycles. */
  private readonly inProgress = new Set<number>();
  /** Reads calls to the file's own functions; set by the statement reader. */
  callHandler?: CallHandler;

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
        return this.evaluateFormatString(node, scope);
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
      case 'ArrayComprehensionExpression':
      case 'ComprehensionExpression':
        return this.evaluateComprehension(node, scope);
      case 'UnaryExpression':
        return this.evaluateUnary(node, scope);
      case 'BinaryExpression':
        return this.evaluateBinary(node, scope);
      case 'ConditionalExpression':
        return this.evaluateConditional(node, scope);
      case 'VariableName':
        return this.evaluateName(node, this.source.textOf(node), scope);
      case 'MemberExpression':
        return this.evaluateMember(node, scope);
      case 'CallExpression':
        return this.evaluateCall(node, scope);
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
    const isFloat = /[.eE]/.test(text) || this.source.endsWithTrailingDot(node);
    return success(isFloat ? floatValue(parsed) : integerValue(parsed));
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

  private evaluateName(node: SyntaxNode, name: string, scope: Scope): Evaluation {
    const binding = scope.lookup(name);
    if (!binding) {
      return failure(node, 'unknown-name');
    }
    return this.evaluateBinding(node, binding, scope);
  }

  private evaluateBinding(node: SyntaxNode, binding: Binding, scope: Scope): Evaluation {
    switch (binding.kind) {
      case 'value':
        return success(binding.value);
      case 'reassigned':
        return failure(node, 'reassigned-name');
      case 'uncertain':
        return { ok: false, failure: { node, reason: 'uncertain-name', related: binding.at } };
      case 'variable':
        return failure(node, 'variable-name');
      case 'object':
        return unsupported(node);
      case 'expression':
        if (binding.failure) {
          return { ok: false, failure: binding.failure };
        }
        return this.evaluateThroughName(node, binding.node, binding.scope ?? scope);
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

  /** `a if condition else b`: only the chosen side is evaluated, as in Python. */
  private evaluateConditional(node: SyntaxNode, scope: Scope): Evaluation {
    const [whenTrue, ifKeyword, condition, elseKeyword, whenFalse] = childrenOf(node);
    if (ifKeyword?.name !== 'if' || elseKeyword?.name !== 'else' || !whenTrue || !condition || !whenFalse) {
      return unsupported(node);
    }
    const decided = this.evaluate(condition, scope);
    if (!decided.ok) {
      return decided;
    }
    return this.evaluate(truthOf(decided.value) ? whenTrue : whenFalse, scope);
  }

  /** Reads `a.b.c` through the scope, and `items[i]`, `items[a:b]` on static sequences and strings. */
  private evaluateMember(node: SyntaxNode, scope: Scope): Evaluation {
    const children = childrenOf(node);
    if (children[1]?.name === '[') {
      return this.evaluateSubscript(node, children, scope);
    }
    const path = this.dottedPath(node);
    if (path === undefined) {
      return unsupported(node);
    }
    const binding = scope.lookup(path);
    return binding ? this.evaluateBinding(node, binding, scope) : unsupported(node);
  }

  private dottedPath(node: SyntaxNode): string | undefined {
    if (node.name === 'VariableName') {
      return this.source.textOf(node);
    }
    const [object, dot, property, ...rest] = childrenOf(node);
    if (node.name !== 'MemberExpression' || dot?.name !== '.' || property?.name !== 'PropertyName' || rest.length > 0 || !object) {
      return undefined;
    }
    const head = this.dottedPath(object);
    return head === undefined ? undefined : `${head}.${this.source.textOf(property)}`;
  }

  private evaluateSubscript(node: SyntaxNode, children: readonly SyntaxNode[], scope: Scope): Evaluation {
    const object = this.evaluate(children[0], scope);
    return object.ok ? this.subscript(node, object.value, scope) : object;
  }

  /** Applies the index or slice of the subscript `node` to `object`, a static list, tuple or string. */
  subscript(node: SyntaxNode, object: StaticValue, scope: Scope): Evaluation {
    const children = childrenOf(node);
    const inner = children.slice(2, children[children.length - 1]?.name === ']' ? -1 : undefined);
    const items = itemsOf(object);
    if (!items) {
      return invalid(node);
    }
    if (!inner.some((child) => child.name === ':')) {
      if (inner.length !== 1) {
        return unsupported(node);
      }
      const index = this.evaluate(inner[0], scope);
      if (!index.ok) {
        return index;
      }
      if (index.value.kind !== 'number' || !index.value.isInteger) {
        return invalid(node);
      }
      const position = index.value.value < 0 ? items.length + index.value.value : index.value.value;
      const item = items[position];
      return item ? success(item) : invalid(node);
    }
    return this.evaluateSlice(node, object, items, inner, scope);
  }

  /** `items[start:stop:step]` with Python's clamping of out-of-range bounds. */
  private evaluateSlice(node: SyntaxNode, object: StaticValue, items: readonly StaticValue[], inner: readonly SyntaxNode[], scope: Scope): Evaluation {
    const parts: (SyntaxNode | undefined)[] = [undefined];
    for (const child of inner) {
      if (child.name === ':') {
        parts.push(undefined);
      } else if (parts[parts.length - 1] === undefined) {
        parts[parts.length - 1] = child;
      } else {
        return unsupported(node);
      }
    }
    const bounds: (number | undefined)[] = [];
    for (const part of parts) {
      const evaluated = part ? this.evaluate(part, scope) : undefined;
      if (evaluated && !evaluated.ok) {
        return evaluated;
      }
      const value = evaluated?.value;
      if (value && value.kind !== 'none' && !(value.kind === 'number' && value.isInteger)) {
        return invalid(node);
      }
      bounds.push(value?.kind === 'number' ? value.value : undefined);
    }
    const [startBound, stopBound, stepBound] = bounds;
    const step = stepBound ?? 1;
    if (step === 0 || parts.length > 3) {
      return invalid(node);
    }
    const length = items.length;
    const clamp = (bound: number | undefined, fallback: number): number => {
      if (bound === undefined) {
        return fallback;
      }
      const absolute = bound < 0 ? bound + length : bound;
      return step > 0 ? Math.min(Math.max(absolute, 0), length) : Math.min(Math.max(absolute, -1), length - 1);
    };
    const start = clamp(startBound, step > 0 ? 0 : length - 1);
    const stop = clamp(stopBound, step > 0 ? length : -1);
    const selected: StaticValue[] = [];
    for (let index = start; step > 0 ? index < stop : index > stop; index += step) {
      selected.push(items[index]);
    }
    if (object.kind === 'string') {
      return success({ kind: 'string', value: selected.map((item) => (item.kind === 'string' ? item.value : '')).join('') });
    }
    return success({ kind: object.kind === 'tuple' ? 'tuple' : 'list', items: selected });
  }

  /** Applies a built-in such as `len` or `range`, or hands the call to `callHandler`. */
  private evaluateCall(node: SyntaxNode, scope: Scope): Evaluation {
    const callee = calleeOf(node);
    const name = callee?.name === 'VariableName' ? this.source.textOf(callee) : undefined;
    if (name !== undefined && isBuiltinName(name) && !scope.lookup(name)) {
      return this.evaluateBuiltin(node, name, scope);
    }
    return this.callHandler?.(node, scope) ?? unsupported(node);
  }

  private evaluateBuiltin(node: SyntaxNode, name: string, scope: Scope): Evaluation {
    const positional: StaticValue[] = [];
    const keywords = new Map<string, StaticValue>();
    for (const argument of readCallArguments(node, (keyword) => this.source.textOf(keyword))) {
      if (argument.unpacking) {
        return unsupported(argument.value);
      }
      const evaluated = this.evaluate(argument.value, scope);
      if (!evaluated.ok) {
        return evaluated;
      }
      if (argument.keyword === undefined) {
        positional.push(evaluated.value);
      } else {
        keywords.set(argument.keyword, evaluated.value);
      }
    }
    const result = callBuiltin(name, positional, keywords);
    return result.ok ? success(result.value) : invalid(node);
  }

  /** `[expression for target in iterable if condition ...]`, with at most `MAX_SEQUENCE_LENGTH` items. */
  private evaluateComprehension(node: SyntaxNode, scope: Scope): Evaluation {
    const parsed = parseComprehension(node);
    if (!parsed) {
      return unsupported(node);
    }
    const results: StaticValue[] = [];
    const run = (clauseIndex: number, current: Scope): EvaluationFailure | undefined => {
      if (results.length > MAX_SEQUENCE_LENGTH) {
        return { node, reason: 'unsupported-expression' };
      }
      const clause = parsed.clauses[clauseIndex];
      if (!clause) {
        const element = this.evaluate(parsed.element, current);
        if (!element.ok) {
          return element.failure;
        }
        results.push(element.value);
        return undefined;
      }
      if (clause.kind === 'if') {
        const condition = this.evaluate(clause.condition, current);
        if (!condition.ok) {
          return condition.failure;
        }
        return truthOf(condition.value) ? run(clauseIndex + 1, current) : undefined;
      }
      const iterable = this.evaluate(clause.iterable, current);
      if (!iterable.ok) {
        return iterable.failure;
      }
      const items = itemsOf(iterable.value);
      if (!items) {
        return { node: clause.iterable, reason: 'invalid-operation' };
      }
      for (const item of items) {
        const values = new Map<string, StaticValue>();
        if (!matchTargetNames(clause.targets, item, values, this.source)) {
          return { node: clause.iterable, reason: 'invalid-operation' };
        }
        const problem = run(clauseIndex + 1, new ComprehensionScope(current, values));
        if (problem) {
          return problem;
        }
      }
      return undefined;
    };
    const problem = run(0, scope);
    return problem ? { ok: false, failure: problem } : success({ kind: 'list', items: results });
  }

  /** f-strings whose fields are static: `f'dense_{i}'`, `{units!r}`, `{i:03d}`, `{rate:.2f}`. */
  private evaluateFormatString(node: SyntaxNode, scope: Scope): Evaluation {
    const text = this.source.textOf(node);
    const prefix = (/^[rRbBuUfF]*/.exec(text)?.[0] ?? '').toLowerCase();
    const quote = text.slice(prefix.length).startsWith('"""') || text.slice(prefix.length).startsWith("'''") ? 3 : 1;
    const contentEnd = Math.max(node.from + prefix.length + quote, node.to - quote);
    const literal = (from: number, to: number): string => {
      const raw = this.source.text.slice(from, to);
      return (prefix.includes('r') ? raw : decodeEscapes(raw)).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
    };
    let result = '';
    let cursor = node.from + prefix.length + quote;
    for (const replacement of childrenOf(node)) {
      if (replacement.name !== 'FormatReplacement') {
        continue;
      }
      result += literal(cursor, replacement.from);
      const formatted = this.formatReplacement(replacement, scope);
      if (!formatted.ok) {
        return formatted;
      }
      result += formatted.value.kind === 'string' ? formatted.value.value : '';
      cursor = replacement.to;
    }
    result += literal(cursor, contentEnd);
    return success({ kind: 'string', value: result });
  }

  private formatReplacement(replacement: SyntaxNode, scope: Scope): Evaluation {
    const parts = childrenOf(replacement).filter((child) => child.name !== '{' && child.name !== '}');
    const [expression, ...modifiers] = parts;
    if (!expression) {
      return unsupported(replacement);
    }
    const evaluated = this.evaluate(expression, scope);
    if (!evaluated.ok) {
      return evaluated;
    }
    let value = evaluated.value;
    let text: string | undefined = pythonStr(value);
    for (const modifier of modifiers) {
      const modifierText = this.source.textOf(modifier);
      if (modifier.name === 'FormatConversion' && (modifierText === '!r' || modifierText === '!s')) {
        text = modifierText === '!r' ? formatPython(value) : pythonStr(value);
        value = { kind: 'string', value: text };
      } else if (modifier.name === 'FormatSpec') {
        text = applyFormatSpec(value, modifierText.replace(/^:/, ''));
      } else {
        text = undefined;
      }
      if (text === undefined) {
        return unsupported(modifier);
      }
    }
    return success({ kind: 'string', value: text ?? '' });
  }
}

/** Python truth: zero, empty strings and sequences, `None` and `False` are false. */
export const isTruthy = truthOf;

/** Names bound by one `for` clause of a comprehension, while its items are evaluated. */
class ComprehensionScope implements Scope {
  constructor(
    private readonly parent: Scope,
    private readonly values: ReadonlyMap<string, StaticValue>,
  ) {}

  lookup(name: string): Binding | undefined {
    const value = this.values.get(name);
    return value ? { kind: 'value', value } : this.parent.lookup(name);
  }
}

type ComprehensionClause =
  | { readonly kind: 'for'; readonly targets: readonly SyntaxNode[]; readonly iterable: SyntaxNode }
  | { readonly kind: 'if'; readonly condition: SyntaxNode };

/** The parts of a comprehension: the element expression, then its `for` and `if` clauses in order. */
export interface Comprehension {
  readonly element: SyntaxNode;
  readonly clauses: readonly ComprehensionClause[];
}

/** Splits `[element for a, b in items if condition]`; undefined for a malformed comprehension. */
export function parseComprehension(node: SyntaxNode): Comprehension | undefined {
  const children = childrenOf(node).filter((child) => !['[', ']', '(', ')'].includes(child.name));
  const [element, ...rest] = children;
  if (!element || rest[0]?.name !== 'for') {
    return undefined;
  }
  const clauses: ComprehensionClause[] = [];
  let index = 0;
  while (index < rest.length) {
    const keyword = rest[index].name;
    if (keyword === 'if') {
      const condition = rest[index + 1];
      if (!condition) {
        return undefined;
      }
      clauses.push({ kind: 'if', condition });
      index += 2;
      continue;
    }
    if (keyword !== 'for') {
      return undefined;
    }
    const inIndex = rest.findIndex((child, position) => position > index && child.name === 'in');
    const iterable = inIndex >= 0 ? rest[inIndex + 1] : undefined;
    if (!iterable) {
      return undefined;
    }
    clauses.push({ kind: 'for', targets: rest.slice(index + 1, inIndex), iterable });
    index = inIndex + 2;
  }
  return { element, clauses };
}

/**
 * Binds the target of a `for` clause (`x`, `i, x` or `(i, x)`) to one item, as Python
 * unpacks it. Returns false when the item does not have the target's shape.
 */
export function matchTargetNames(
  targets: readonly SyntaxNode[],
  item: StaticValue,
  values: Map<string, StaticValue>,
  source: PythonSource,
): boolean {
  const groups = splitAtCommas(targets);
  if (groups.length === 1 && targets.every((target) => target.name !== ',')) {
    return matchTarget(groups[0][0], item, values, source);
  }
  return matchElements(groups.map((group) => group[0]), item, values, source);
}

function matchElements(elements: readonly SyntaxNode[], item: StaticValue, values: Map<string, StaticValue>, source: PythonSource): boolean {
  const items = item.kind === 'tuple' || item.kind === 'list' ? item.items : undefined;
  if (!items || items.length !== elements.length) {
    return false;
  }
  return elements.every((element, index) => matchTarget(element, items[index], values, source));
}

function matchTarget(target: SyntaxNode, item: StaticValue, values: Map<string, StaticValue>, source: PythonSource): boolean {
  const inner = unparenthesize(target);
  if (inner.name === 'VariableName') {
    values.set(source.textOf(inner), item);
    return true;
  }
  if (inner.name === 'TupleExpression' || inner.name === 'ArrayExpression') {
    return matchElements(elementsOf(inner), item, values, source);
  }
  return false;
}

/**
 * Formats a number with a simple format spec: width with zero or space padding, and the
 * `d`, `f`, `e`, `g` and `%` types. Returns undefined for anything else.
 */
function applyFormatSpec(value: StaticValue, spec: string): string | undefined {
  if (spec === '') {
    return pythonStr(value);
  }
  const match = /^(0)?(\d+)?(?:\.(\d+))?([dfeg%s])?$/.exec(spec);
  if (!match) {
    return undefined;
  }
  const [, zero, widthText, precisionText, type] = match;
  const precision = precisionText === undefined ? undefined : Number(precisionText);
  let text: string | undefined;
  if (value.kind === 'string') {
    text = type === undefined || type === 's' ? value.value : undefined;
  } else if (value.kind === 'number') {
    text = formatNumberSpec(value, type, precision);
  }
  if (text === undefined) {
    return undefined;
  }
  const width = widthText === undefined ? 0 : Number(widthText);
  if (value.kind === 'string') {
    return text.padEnd(width, ' ');
  }
  if (zero && text.startsWith('-')) {
    return `-${text.slice(1).padStart(width - 1, '0')}`;
  }
  return text.padStart(width, zero ? '0' : ' ');
}

function formatNumberSpec(value: Extract<StaticValue, { kind: 'number' }>, type: string | undefined, precision: number | undefined): string | undefined {
  switch (type) {
    case 'd':
      return value.isInteger ? String(value.value) : undefined;
    case 'f':
      return value.value.toFixed(precision ?? 6);
    case '%':
      return `${(value.value * 100).toFixed(precision ?? 6)}%`;
    case 'e': {
      const [mantissa, exponent] = value.value.toExponential(precision ?? 6).split('e');
      const sign = exponent.startsWith('-') ? '-' : '+';
      return `${mantissa}e${sign}${exponent.replace(/^[-+]/, '').padStart(2, '0')}`;
    }
    case 'g':
    case undefined:
      return precision === undefined ? pythonStr(value) : String(Number(value.value.toPrecision(Math.max(precision, 1))));
    default:
      return undefined;
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
export function applyArithmetic(operator: string, left: StaticValue, right: StaticValue): StaticValue | undefined {
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
    if (left.items.length * right.value > MAX_SEQUENCE_LENGTH) {
      return undefined;
    }
    const items: StaticValue[] = [];
    for (let count = 0; count < right.value; count++) {
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
