/**
 * Static evaluation of the function a `LearningRateScheduler` calls at the start of every
 * epoch: a `lambda epoch: ...` or a `def schedule(epoch, lr):` built from `if`/`elif`/`else`,
 * assignments, `return`, arithmetic, comparisons and math functions such as `math.exp`. The
 * function is interpreted for each epoch number, never run.
 */
import * as l10n from '@vscode/l10n';
import type { ParseContext } from './context';
import { isTruthy } from './evaluator';
import { childrenOf, isErrorNode, unparenthesize, type SyntaxNode } from './syntax';
import { formatPython, type StaticValue } from './values';

export interface ScheduleFunction {
  /** The lambda or `def`, for messages. */
  readonly node: SyntaxNode;
  /** `lambda` or the function's name. */
  readonly name: string;
  /** Parameter names in order. */
  readonly parameters: readonly string[];
  /** Default values of the parameters that have one. */
  readonly defaults: ReadonlyMap<string, SyntaxNode>;
  /** The lambda's expression, or the `def`'s Body. */
  readonly body: SyntaxNode;
  readonly isLambda: boolean;
}

/** One epoch's learning rate, and whether the function read the `lr` it was given. */
export interface ScheduleResult {
  readonly value: number;
  readonly readLearningRate: boolean;
}

/** Modules whose math functions the schedule may call, as canonical paths. */
const MATH_MODULES = new Set(['math', 'numpy', 'tensorflow', 'tensorflow.math', 'keras.ops', 'keras.backend']);

/** Math functions by name: the result and whether Python gives an `int` (math.floor does, numpy's floor does not). */
const MATH_FUNCTIONS: Readonly<Record<string, (args: readonly number[], module: string) => StaticValue | undefined>> = {
  exp: ([x]) => float(Math.exp(x)),
  log: ([x]) => (x > 0 ? float(Math.log(x)) : undefined),
  log10: ([x]) => (x > 0 ? float(Math.log10(x)) : undefined),
  sqrt: ([x]) => (x >= 0 ? float(Math.sqrt(x)) : undefined),
  cos: ([x]) => float(Math.cos(x)),
  sin: ([x]) => float(Math.sin(x)),
  pow: ([x, y]) => float(x ** y),
  power: ([x, y]) => float(x ** y),
  floor: ([x], module) => number(Math.floor(x), module === 'math'),
  ceil: ([x], module) => number(Math.ceil(x), module === 'math'),
  abs: ([x]) => float(Math.abs(x)),
  fabs: ([x]) => float(Math.abs(x)),
};

/** Module constants a schedule may read. */
const MATH_CONSTANTS: Readonly<Record<string, number>> = {
  'math.pi': Math.PI,
  'math.e': Math.E,
  'numpy.pi': Math.PI,
  'numpy.e': Math.E,
};

/** Finds the function passed to `LearningRateScheduler`; reports and returns undefined when it is not one the parser reads. */
export function findScheduleFunction(context: ParseContext, argument: SyntaxNode): ScheduleFunction | undefined {
  const expression = context.resolveExpression(argument);
  let definition: SyntaxNode | undefined;
  if (expression.name === 'LambdaExpression') {
    definition = expression;
  } else if (expression.name === 'VariableName') {
    definition = findDefinition(context, context.text(expression));
  }
  if (!definition) {
    context.sink.error(
      'not-static',
      argument,
      l10n.t('Gradient Flow cannot find the schedule function `{0}` in this file. Pass a lambda such as lambda epoch: 0.01 * 0.9 ** epoch, or the name of a function defined with def in this file.', context.snippet(argument)),
    );
    return undefined;
  }

  const parameterList = definition.getChild('ParamList');
  const parameters: string[] = [];
  const defaults = new Map<string, SyntaxNode>();
  const children = parameterList ? childrenOf(parameterList) : [];
  children.forEach((child, index) => {
    if (child.name === 'VariableName' && children[index - 1]?.name !== 'AssignOp') {
      parameters.push(context.text(child));
      if (children[index + 1]?.name === 'AssignOp' && children[index + 2]) {
        defaults.set(context.text(child), children[index + 2]);
      }
    }
  });
  const isLambda = definition.name === 'LambdaExpression';
  const body = isLambda ? childrenOf(definition).at(-1) : definition.getChild('Body');
  const required = parameters.filter((name) => !defaults.has(name)).length;
  const hasStarred = children.some((child) => child.name === '*' || child.name === '**');
  if (!body || parameters.length === 0 || required > 2 || hasStarred) {
    context.sink.error(
      'not-static',
      definition,
      l10n.t('Keras calls the schedule function with the epoch number, or with the epoch and the current learning rate, so it needs one or two parameters, such as def schedule(epoch, lr):. Gradient Flow cannot call `{0}` that way.', context.snippet(definition)),
    );
    return undefined;
  }
  const nameNode = definition.getChild('VariableName');
  return {
    node: definition,
    name: isLambda || !nameNode ? 'lambda' : context.text(nameNode),
    parameters,
    defaults,
    body,
    isLambda,
  };
}

/** Returns the only `def` of this name in the file; a name defined twice depends on which runs last. */
function findDefinition(context: ParseContext, name: string): SyntaxNode | undefined {
  const found: SyntaxNode[] = [];
  context.source.tree.iterate({
    enter(reference) {
      if (reference.name === 'FunctionDefinition') {
        const nameNode = reference.node.getChild('VariableName');
        if (nameNode && context.text(nameNode) === name) {
          found.push(reference.node);
        }
      }
    },
  });
  return found.length === 1 ? found[0] : undefined;
}

/**
 * Computes the rate the function returns for `epoch`, calling it as Keras 3.8's
 * LearningRateScheduler does: with `(epoch, lr)` when it takes two arguments, else with
 * `(epoch)`. Reports the first part it cannot evaluate and returns undefined.
 */
export function evaluateScheduleFunction(context: ParseContext, schedule: ScheduleFunction, epoch: number, learningRate: number): ScheduleResult | undefined {
  const interpreter = new ScheduleInterpreter(context, schedule);
  const values: StaticValue[] = [{ kind: 'number', value: epoch, isInteger: true }];
  if (schedule.parameters.length >= 2) {
    values.push({ kind: 'number', value: learningRate, isInteger: false });
  }
  const outcome = interpreter.call(values);
  if ('failure' in outcome) {
    reportFailure(context, schedule, epoch, outcome.failure);
    return undefined;
  }
  const result = outcome.value;
  if (result.kind !== 'number' || result.isInteger || !Number.isFinite(result.value)) {
    // Keras raises ValueError unless the function returns a float.
    context.sink.error(
      'invalid-value',
      schedule.node,
      l10n.t('For epoch {0} the schedule returns {1}, and Keras raises "The output of the `schedule` function should be a float". Return a float such as 0.01.', epoch, formatPython(result)),
    );
    return undefined;
  }
  return { value: result.value, readLearningRate: interpreter.readLearningRate };
}

function reportFailure(context: ParseContext, schedule: ScheduleFunction, epoch: number, failure: SyntaxNode): void {
  context.sink.error(
    'not-static',
    failure,
    l10n.t({
      message: 'Gradient Flow cannot compute the learning rate that `{0}` gives for epoch {1} without running the file. It reads schedule functions made of if/elif/else, assignments, return, arithmetic on numbers and functions such as math.exp, and `{2}` is none of these. Rewrite that part with them.',
      args: [schedule.name, epoch, context.snippet(failure)],
      comment: ['{0} is a function name, {1} an epoch number, {2} Python code from the file.'],
    }),
  );
}

type Outcome = { readonly value: StaticValue } | { readonly failure: SyntaxNode };

/** Signal that a `return` ran, carrying its value out of nested blocks. */
interface Returned {
  readonly returned: StaticValue;
}

class ScheduleInterpreter {
  private readonly locals = new Map<string, StaticValue>();
  readLearningRate = false;

  constructor(
    private readonly context: ParseContext,
    private readonly schedule: ScheduleFunction,
  ) {}

  call(values: readonly StaticValue[]): Outcome {
    const { parameters, defaults } = this.schedule;
    for (const [index, name] of parameters.entries()) {
      if (index < values.length) {
        this.locals.set(name, values[index]);
        continue;
      }
      const defaultNode = defaults.get(name);
      if (!defaultNode) {
        return { failure: this.schedule.node };
      }
      const evaluated = this.context.evaluator.evaluate(defaultNode, this.context.scope);
      if (!evaluated.ok) {
        return { failure: defaultNode };
      }
      this.locals.set(name, evaluated.value);
    }

    if (this.schedule.isLambda) {
      return this.expression(this.schedule.body);
    }
    const outcome = this.block(this.schedule.body);
    if (outcome && 'failure' in outcome) {
      return outcome;
    }
    return { value: outcome ? outcome.returned : { kind: 'none' } };
  }

  /** Runs a Body; returns a `return` value, a failure, or undefined when the block ends without `return`. */
  private block(body: SyntaxNode): Returned | { failure: SyntaxNode } | undefined {
    for (const statement of childrenOf(body)) {
      if (statement.name === ':' || isErrorNode(statement)) {
        continue;
      }
      const outcome = this.statement(statement);
      if (outcome) {
        return outcome;
      }
    }
    return undefined;
  }

  private statement(statement: SyntaxNode): Returned | { failure: SyntaxNode } | undefined {
    const children = childrenOf(statement);
    switch (statement.name) {
      case 'PassStatement':
        return undefined;
      case 'ExpressionStatement': {
        // A docstring or a print() call has no effect on the rate.
        const inner = children[0];
        const isPrint = inner?.name === 'CallExpression' && inner.firstChild?.name === 'VariableName' && this.context.text(inner.firstChild) === 'print';
        return inner?.name === 'String' || isPrint ? undefined : { failure: statement };
      }
      case 'AssignStatement':
        return this.assign(statement, children);
      case 'UpdateStatement':
        return this.update(statement, children);
      case 'IfStatement':
        return this.conditional(children);
      case 'ReturnStatement': {
        const valueNode = children.find((child) => child.name !== 'return');
        if (!valueNode) {
          return { returned: { kind: 'none' } };
        }
        const outcome = this.expression(valueNode);
        return 'failure' in outcome ? outcome : { returned: outcome.value };
      }
      default:
        return { failure: statement };
    }
  }

  private assign(statement: SyntaxNode, children: readonly SyntaxNode[]): { failure: SyntaxNode } | undefined {
    const [target, operator, valueNode] = children;
    if (children.length !== 3 || target.name !== 'VariableName' || operator.name !== 'AssignOp') {
      return { failure: statement };
    }
    const outcome = this.expression(valueNode);
    if ('failure' in outcome) {
      return outcome;
    }
    this.locals.set(this.context.text(target), outcome.value);
    return undefined;
  }

  private update(statement: SyntaxNode, children: readonly SyntaxNode[]): { failure: SyntaxNode } | undefined {
    const [target, operator, valueNode] = children;
    const current = target?.name === 'VariableName' ? this.locals.get(this.context.text(target)) : undefined;
    if (children.length !== 3 || !current || current.kind !== 'number') {
      return { failure: statement };
    }
    const outcome = this.expression(valueNode);
    if ('failure' in outcome) {
      return outcome;
    }
    const result = arithmetic(this.context.text(operator).slice(0, -1), current, outcome.value);
    if (!result) {
      return { failure: statement };
    }
    this.locals.set(this.context.text(target), result);
    return undefined;
  }

  /** Runs `if`/`elif`/`else`: the first branch whose condition holds. */
  private conditional(children: readonly SyntaxNode[]): Returned | { failure: SyntaxNode } | undefined {
    let condition: SyntaxNode | undefined;
    for (const child of children) {
      if (child.name === 'if' || child.name === 'elif' || child.name === 'else' || isErrorNode(child)) {
        condition = undefined;
        continue;
      }
      if (child.name !== 'Body') {
        condition = child;
        continue;
      }
      if (condition) {
        const outcome = this.expression(condition);
        if ('failure' in outcome) {
          return outcome;
        }
        if (!isTruthy(outcome.value)) {
          continue;
        }
      }
      return this.block(child);
    }
    return undefined;
  }

  private expression(node: SyntaxNode): Outcome {
    switch (node.name) {
      case 'ParenthesizedExpression': {
        const inner = unparenthesize(node);
        return inner === node ? { failure: node } : this.expression(inner);
      }
      case 'VariableName':
        return this.name(node);
      case 'MemberExpression': {
        const path = this.context.names.qualifiedName(node);
        const constant = path === undefined ? undefined : MATH_CONSTANTS[path];
        return constant === undefined ? { failure: node } : { value: float(constant) };
      }
      case 'UnaryExpression':
        return this.unary(node);
      case 'BinaryExpression':
        return this.binary(node);
      case 'ConditionalExpression':
        return this.ternary(node);
      case 'CallExpression':
        return this.callExpression(node);
      default: {
        const evaluated = this.context.evaluator.evaluate(node, this.context.scope);
        return evaluated.ok ? { value: evaluated.value } : { failure: evaluated.failure.node };
      }
    }
  }

  private name(node: SyntaxNode): Outcome {
    const name = this.context.text(node);
    const local = this.locals.get(name);
    if (local) {
      if (this.schedule.parameters[1] === name) {
        this.readLearningRate = true;
      }
      return { value: local };
    }
    const evaluated = this.context.evaluator.evaluate(node, this.context.scope);
    return evaluated.ok ? { value: evaluated.value } : { failure: evaluated.failure.node };
  }

  private unary(node: SyntaxNode): Outcome {
    const [operator, operand] = childrenOf(node);
    if (!operator || !operand) {
      return { failure: node };
    }
    const outcome = this.expression(operand);
    if ('failure' in outcome) {
      return outcome;
    }
    const value = outcome.value;
    const symbol = this.context.text(operator);
    if (symbol === 'not') {
      return { value: { kind: 'boolean', value: !isTruthy(value) } };
    }
    if (value.kind !== 'number' || (symbol !== '-' && symbol !== '+')) {
      return { failure: node };
    }
    return { value: symbol === '-' ? { ...value, value: -value.value } : value };
  }

  private binary(node: SyntaxNode): Outcome {
    const children = childrenOf(node);
    const [leftNode, operator, rightNode] = children;
    if (children.length !== 3) {
      return { failure: node };
    }
    const left = this.expression(leftNode);
    if ('failure' in left) {
      return left;
    }
    if (operator.name === 'and' || operator.name === 'or') {
      const decided = operator.name === 'and' ? !isTruthy(left.value) : isTruthy(left.value);
      return decided ? left : this.expression(rightNode);
    }
    if (operator.name === 'CompareOp' && leftNode.name === 'BinaryExpression' && leftNode.getChild('CompareOp')) {
      // A chained comparison such as 1 < x < 3 is not read.
      return { failure: node };
    }
    const right = this.expression(rightNode);
    if ('failure' in right) {
      return right;
    }
    const symbol = this.context.text(operator);
    const result = operator.name === 'CompareOp' ? compare(symbol, left.value, right.value) : arithmetic(symbol, left.value, right.value);
    return result ? { value: result } : { failure: node };
  }

  private ternary(node: SyntaxNode): Outcome {
    const parts = childrenOf(node).filter((child) => child.name !== 'if' && child.name !== 'else');
    if (parts.length !== 3) {
      return { failure: node };
    }
    const [whenTrue, condition, whenFalse] = parts;
    const tested = this.expression(condition);
    if ('failure' in tested) {
      return tested;
    }
    return this.expression(isTruthy(tested.value) ? whenTrue : whenFalse);
  }

  private callExpression(node: SyntaxNode): Outcome {
    const callee = node.firstChild;
    const argumentList = node.getChild('ArgList');
    if (!callee || !argumentList) {
      return { failure: node };
    }
    const argumentNodes = childrenOf(argumentList).filter((child) => child.name !== '(' && child.name !== ')' && child.name !== ',');
    if (argumentNodes.some((child) => child.name === 'AssignOp' || child.name === '*' || child.name === '**')) {
      return { failure: node };
    }
    const values: number[] = [];
    const kinds: StaticValue[] = [];
    for (const argument of argumentNodes) {
      const outcome = this.expression(argument);
      if ('failure' in outcome) {
        return outcome;
      }
      const value = numeric(outcome.value);
      if (!value) {
        return { failure: argument };
      }
      values.push(value.value);
      kinds.push(outcome.value);
    }

    const result = this.applyFunction(callee, values, kinds);
    return result ? { value: result } : { failure: node };
  }

  private applyFunction(callee: SyntaxNode, values: readonly number[], kinds: readonly StaticValue[]): StaticValue | undefined {
    const allIntegers = kinds.every((kind) => kind.kind === 'boolean' || (kind.kind === 'number' && kind.isInteger));
    if (callee.name === 'VariableName' && !this.context.scope.lookup(this.context.text(callee))) {
      const builtin = this.context.text(callee);
      switch (builtin) {
        case 'float':
          return values.length === 1 ? float(values[0]) : undefined;
        case 'int':
          return values.length === 1 ? number(Math.trunc(values[0]), true) : undefined;
        case 'abs':
          return values.length === 1 ? number(Math.abs(values[0]), allIntegers) : undefined;
        case 'min':
        case 'max': {
          if (values.length < 2) {
            return undefined;
          }
          const index = values.indexOf(builtin === 'min' ? Math.min(...values) : Math.max(...values));
          return kinds[index];
        }
        case 'pow':
          return values.length === 2 ? number(values[0] ** values[1], allIntegers && values[1] >= 0) : undefined;
        default:
          break;
      }
    }
    const path = this.context.names.qualifiedName(callee);
    const separator = path?.lastIndexOf('.') ?? -1;
    if (!path || separator < 0) {
      return undefined;
    }
    const module = path.slice(0, separator);
    const apply = MATH_FUNCTIONS[path.slice(separator + 1)];
    if (!MATH_MODULES.has(module) || !apply) {
      return undefined;
    }
    const expectedArguments = path.endsWith('pow') || path.endsWith('power') ? 2 : 1;
    return values.length === expectedArguments ? apply(values, module) : undefined;
  }
}

function float(value: number): StaticValue {
  return { kind: 'number', value, isInteger: false };
}

function number(value: number, isInteger: boolean): StaticValue {
  return { kind: 'number', value, isInteger };
}

function numeric(value: StaticValue): { value: number; isInteger: boolean } | undefined {
  if (value.kind === 'boolean') {
    return { value: Number(value.value), isInteger: true };
  }
  return value.kind === 'number' ? value : undefined;
}

/** Python arithmetic on numbers; undefined where Python raises, such as division by zero. */
function arithmetic(operator: string, leftValue: StaticValue, rightValue: StaticValue): StaticValue | undefined {
  const left = numeric(leftValue);
  const right = numeric(rightValue);
  if (!left || !right) {
    return undefined;
  }
  const a = left.value;
  const b = right.value;
  const integers = left.isInteger && right.isInteger;
  switch (operator) {
    case '+':
      return number(a + b, integers);
    case '-':
      return number(a - b, integers);
    case '*':
      return number(a * b, integers);
    case '/':
      return b === 0 ? undefined : float(a / b);
    case '//':
      return b === 0 ? undefined : number(Math.floor(a / b), integers);
    case '%':
      return b === 0 ? undefined : number(a - b * Math.floor(a / b), integers);
    case '**':
      return a === 0 && b < 0 ? undefined : number(a ** b, integers && b >= 0);
    default:
      return undefined;
  }
}

function compare(operator: string, leftValue: StaticValue, rightValue: StaticValue): StaticValue | undefined {
  const left = numeric(leftValue);
  const right = numeric(rightValue);
  if (!left || !right) {
    return undefined;
  }
  const results: Readonly<Record<string, boolean>> = {
    '<': left.value < right.value,
    '<=': left.value <= right.value,
    '>': left.value > right.value,
    '>=': left.value >= right.value,
    '==': left.value === right.value,
    '!=': left.value !== right.value,
  };
  const result = results[operator];
  return result === undefined ? undefined : { kind: 'boolean', value: result };
}
