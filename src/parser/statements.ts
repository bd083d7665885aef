/**
 * The statement walker: visits the file's statements in source order, including the bodies
 * of `if`, `with`, `try` and function definitions, and hands each model, layer, training and
 * dataset construct to its reader. `for` loops over a literal list or `range(...)` are
 * unrolled so that `for units in [64, 128]: model.add(Dense(units))` adds both layers.
 */
import * as l10n from '@vscode/l10n';
import { bindNames, readAssignment, readTarget, type TargetPattern } from './assignments';
import { calleeOf, readCallArguments } from './callArguments';
import type { ParseContext } from './context';
import { isTruthy } from './evaluator';
import type { DatasetTracker } from './dataset';
import { LoopScope } from './scope';
import type { ModelRecord, ModelTracker } from './sequential';
import { childrenOf, isErrorNode, sameNode, splitAtCommas, unparenthesize, type Span, type SyntaxNode } from './syntax';
import type { StaticValue } from './values';

/** Loops longer than this are not unrolled; the body is read once instead. */
const MAX_UNROLLED_ITERATIONS = 1000;
/** Iterations unrolled in the whole file, nested loops included, to bound the parse time. */
const MAX_TOTAL_UNROLLED_ITERATIONS = 10_000;

const BLOCK_STATEMENTS = new Set(['WhileStatement', 'WithStatement', 'MatchStatement']);
/** Nodes whose contents run later or elsewhere, so a scan for calls does not enter them. */
const DEFERRED_NODES = new Set(['Body', 'LambdaExpression', 'FunctionDefinition', 'ClassDefinition']);

export class StatementReader {
  private readonly functionNames: string[] = [];
  private unrolledIterations = 0;

  constructor(
    private readonly context: ParseContext,
    private readonly models: ModelTracker,
    private readonly dataset: DatasetTracker,
  ) {}

  /** Reads the statements of a `Script` or `Body` node. */
  readBlock(block: SyntaxNode): void {
    for (const statement of childrenOf(block)) {
      this.readStatement(statement);
    }
  }

  private readStatement(statement: SyntaxNode): void {
    if (isErrorNode(statement)) {
      return;
    }
    switch (statement.name) {
      case 'AssignStatement':
        this.readAssignmentStatement(statement);
        return;
      case 'UpdateStatement':
        this.scanCalls(statement);
        this.dataset.readUpdate(statement);
        return;
      case 'StatementGroup':
        this.readBlock(statement);
        return;
      case 'ForStatement':
        this.readFor(statement);
        return;
      case 'FunctionDefinition':
        this.readFunction(statement);
        return;
      case 'DecoratedStatement':
        this.readBlock(statement);
        return;
      case 'ClassDefinition':
        this.readClass(statement);
        return;
      case 'IfStatement':
        this.readIf(statement);
        return;
      case 'TryStatement':
        this.readTry(statement);
        return;
      case 'ReturnStatement':
        this.scanCalls(statement);
        this.readReturn(statement);
        return;
      default:
        if (BLOCK_STATEMENTS.has(statement.name)) {
          this.readCompound(statement);
        } else {
          this.scanCalls(statement);
        }
    }
  }

  /**
   * Reads `while`, `with` and `match`: headers are scanned and bodies read in order. The
   * body of a `while` and the cases of a `match` may run any number of times.
   */
  private readCompound(statement: SyntaxNode): void {
    let header: SyntaxNode[] = [];
    let bodyIndex = 0;
    for (const child of childrenOf(statement)) {
      if (child.name !== 'Body') {
        this.scanCalls(child);
        header.push(child);
        continue;
      }
      const isLoopBody = statement.name === 'WhileStatement' && bodyIndex === 0;
      if (isLoopBody || statement.name === 'MatchStatement') {
        this.readUncertainBody(child, spanOf(header, child), isLoopBody ? 'loop' : 'branch');
      } else {
        this.readBlock(child);
      }
      header = [];
      bodyIndex++;
    }
  }

  /**
   * Reads `if`/`elif`/`else`. A condition with a static value selects its branch, as
   * Python would; once a condition is not static, every later branch is uncertain.
   */
  private readIf(statement: SyntaxNode): void {
    let header: SyntaxNode[] = [];
    let uncertain = false;
    for (const child of childrenOf(statement)) {
      if (child.name !== 'Body') {
        this.scanCalls(child);
        header.push(child);
        continue;
      }
      const condition = header.find((node) => node.name !== 'if' && node.name !== 'elif' && node.name !== 'else' && !isErrorNode(node));
      const truth = condition && !uncertain ? this.staticTruth(condition) : undefined;
      if (uncertain || (condition && truth === undefined)) {
        uncertain = true;
        this.readUncertainBody(child, spanOf(header, child), 'branch');
      } else if (!condition || truth) {
        this.readBlock(child);
        return;
      }
      header = [];
    }
  }

  /** Reads `try`: the `try`, `else` and `finally` bodies run, an `except` body only maybe. */
  private readTry(statement: SyntaxNode): void {
    let header: SyntaxNode[] = [];
    for (const child of childrenOf(statement)) {
      if (child.name !== 'Body') {
        this.scanCalls(child);
        header.push(child);
        continue;
      }
      if (header[0]?.name === 'except') {
        this.readUncertainBody(child, spanOf(header, child), 'branch');
      } else {
        this.readBlock(child);
      }
      header = [];
    }
  }

  private staticTruth(condition: SyntaxNode): boolean | undefined {
    const evaluated = this.context.evaluator.evaluate(condition, this.context.scope);
    return evaluated.ok ? isTruthy(evaluated.value) : undefined;
  }

  /**
   * Reads a body that may run any number of times, or not at all. A model changed inside
   * it would be read wrongly, so that is an error at the loop or branch header.
   */
  private readUncertainBody(body: SyntaxNode, header: Span, kind: 'loop' | 'branch'): void {
    const activity = this.models.activity;
    this.readBlock(body);
    if (this.models.activity === activity) {
      return;
    }
    const message =
      kind === 'loop'
        ? l10n.t('Gradient Flow cannot tell how many times this loop runs without running the file, so it cannot know what the loop does to the model. Loop over a list or range() of at most {0} items, or write the layers out.', MAX_UNROLLED_ITERATIONS)
        : l10n.t('Gradient Flow cannot tell whether this branch runs without running the file, so it cannot know what it does to the model. Use a condition with a fixed value, such as USE_RELU = True, or keep one version of the model.');
    this.context.sink.error('not-static', header, message);
  }

  private readAssignmentStatement(statement: SyntaxNode): void {
    const parts = readAssignment(statement, (span) => this.context.text(span));
    if (!parts) {
      this.scanCalls(statement);
      return;
    }

    // Python evaluates the right-hand side first: a new model, calls, then the binding.
    const valueNode = parts.value.node ? unparenthesize(parts.value.node) : undefined;
    const created = valueNode ? this.createdModel(valueNode) : undefined;
    this.scanCalls(statement);

    for (const target of parts.targets) {
      for (const binding of bindNames(target, parts.value)) {
        const value = binding.value && unparenthesize(binding.value);
        let record: ModelRecord | undefined;
        if (created && value && valueNode && sameNode(value, valueNode)) {
          record = created;
        } else if (value) {
          record = this.modelHeldBy(value);
        }
        this.models.bind(binding.name, record);
      }
      this.reportModelAttributeChange(target);
    }
    this.dataset.readAssignment(parts);
  }

  /** Returns the model a value creates: `Sequential(...)`, or a call to a function that returns one. */
  private createdModel(value: SyntaxNode): ModelRecord | undefined {
    if (value.name !== 'CallExpression') {
      return undefined;
    }
    const callee = calleeOf(value);
    if (!callee) {
      return undefined;
    }
    const symbol = this.context.names.symbolOf(callee);
    if (symbol?.kind === 'sequential') {
      return this.models.create(value, this.context.snippet(callee));
    }
    return callee.name === 'VariableName' ? this.models.functionResult(this.context.text(callee)) : undefined;
  }

  /** Returns the model an existing name refers to, for `other = model`. */
  private modelHeldBy(value: SyntaxNode): ModelRecord | undefined {
    return value.name === 'VariableName' ? this.models.modelOf(this.context.text(value)) : undefined;
  }

  private reportModelAttributeChange(target: TargetPattern): void {
    if (target.kind === 'sequence') {
      target.elements.forEach((element) => this.reportModelAttributeChange(element));
      return;
    }
    if (target.kind !== 'other') {
      return;
    }
    let root = target.node;
    while (root.name === 'MemberExpression' && root.firstChild) {
      root = root.firstChild;
    }
    const record = root.name === 'VariableName' ? this.models.modelOf(this.context.text(root)) : undefined;
    if (record) {
      this.models.reportIgnoredAttributeChange(record, target.node);
    }
  }

  private readFunction(definition: SyntaxNode): void {
    const name = definition.getChild('VariableName');
    const body = definition.getChild('Body');
    if (!body) {
      return;
    }
    this.functionNames.push(name ? this.context.text(name) : '');
    try {
      this.readBlock(body);
    } finally {
      this.functionNames.pop();
    }
  }

  /** `return model` inside `def build_model():` makes `model = build_model()` refer to that model. */
  private readReturn(statement: SyntaxNode): void {
    const functionName = this.functionNames[this.functionNames.length - 1];
    const value = childrenOf(statement).find((child) => child.name !== 'return');
    if (!functionName || !value) {
      return;
    }
    const record = this.modelHeldBy(unparenthesize(value));
    if (record) {
      this.models.recordFunctionResult(functionName, record);
    }
  }

  /** Subclasses of `keras.Model` are reported; their bodies are not read. */
  private readClass(definition: SyntaxNode): void {
    for (const base of readCallArguments(definition, (node) => this.context.text(node))) {
      if (this.context.names.symbolOf(base.value)?.kind === 'functional-model') {
        this.reportUnsupportedModel(base.value);
      }
    }
  }

  private readFor(statement: SyntaxNode): void {
    const children = childrenOf(statement);
    const inIndex = children.findIndex((child) => child.name === 'in');
    const bodies = children.filter((child) => child.name === 'Body');
    const iterable = inIndex >= 0 ? children.slice(inIndex + 1).find((child) => child.name !== 'Body' && !isErrorNode(child)) : undefined;
    if (iterable) {
      this.scanCalls(iterable);
    }
    const body = bodies[0];
    if (!body) {
      return;
    }

    const target = this.loopTarget(children.slice(1, Math.max(inIndex, 1)));
    const items = iterable ? this.iterationValues(iterable) : undefined;
    const iterations = target && items ? items.map((item) => matchTarget(target, item)) : [undefined];
    const withinBudget = this.unrolledIterations + iterations.length <= MAX_TOTAL_UNROLLED_ITERATIONS;
    if (withinBudget && iterations.every((values) => values !== undefined)) {
      this.unrolledIterations += iterations.length;
      this.unroll(body, iterations as Map<string, StaticValue>[]);
    } else {
      this.readUncertainBody(body, spanOf(children.slice(0, children.indexOf(body)), body), 'loop');
    }

    if (bodies[1]) {
      this.readBlock(bodies[1]);
    }
  }

  /** Reads the target of `for target in ...`, which may be an unbracketed tuple `i, units`. */
  private loopTarget(nodes: readonly SyntaxNode[]): TargetPattern | undefined {
    const groups = splitAtCommas(nodes);
    const textOf = (span: Span): string => this.context.text(span);
    if (groups.length === 1) {
      return readTarget(groups[0][0], textOf);
    }
    if (groups.length === 0) {
      return undefined;
    }
    const span = { from: groups[0][0].from, to: groups[groups.length - 1][0].to };
    return { kind: 'sequence', span, elements: groups.map((group) => readTarget(group[0], textOf)) };
  }

  private unroll(body: SyntaxNode, iterations: readonly Map<string, StaticValue>[]): void {
    const outer = this.context.scope;
    try {
      for (const values of iterations) {
        this.context.scope = new LoopScope(outer, values);
        this.readBlock(body);
      }
    } finally {
      this.context.scope = outer;
    }
  }

  /** Returns the values a loop iterates over when they are static: a literal sequence or `range(...)`. */
  private iterationValues(iterable: SyntaxNode): readonly StaticValue[] | undefined {
    const inner = unparenthesize(iterable);
    const callee = inner.name === 'CallExpression' ? calleeOf(inner) : undefined;
    if (callee?.name === 'VariableName' && this.context.text(callee) === 'range' && !this.context.scope.lookup('range')) {
      return this.rangeValues(inner);
    }
    const evaluated = this.context.evaluator.evaluate(inner, this.context.scope);
    if (!evaluated.ok) {
      return undefined;
    }
    const value = evaluated.value;
    if ((value.kind === 'list' || value.kind === 'tuple') && value.items.length <= MAX_UNROLLED_ITERATIONS) {
      return value.items;
    }
    return undefined;
  }

  private rangeValues(call: SyntaxNode): StaticValue[] | undefined {
    const bounds: number[] = [];
    for (const argument of readCallArguments(call, (node) => this.context.text(node))) {
      const evaluated = argument.keyword || argument.unpacking ? undefined : this.context.evaluator.evaluate(argument.value, this.context.scope);
      if (!evaluated?.ok || evaluated.value.kind !== 'number' || !evaluated.value.isInteger) {
        return undefined;
      }
      bounds.push(evaluated.value.value);
    }
    if (bounds.length < 1 || bounds.length > 3) {
      return undefined;
    }
    const [start, stop, step] = bounds.length === 1 ? [0, bounds[0], 1] : [bounds[0], bounds[1], bounds[2] ?? 1];
    if (step === 0 || Math.ceil((stop - start) / step) > MAX_UNROLLED_ITERATIONS) {
      return undefined;
    }
    const values: StaticValue[] = [];
    for (let value = start; step > 0 ? value < stop : value > stop; value += step) {
      values.push({ kind: 'number', value, isInteger: true });
    }
    return values;
  }

  /** Finds model method calls and functional models anywhere in an expression or simple statement. */
  private scanCalls(node: SyntaxNode): void {
    if (DEFERRED_NODES.has(node.name)) {
      return;
    }
    if (node.name === 'CallExpression') {
      this.readCall(node);
    }
    for (const child of childrenOf(node)) {
      this.scanCalls(child);
    }
  }

  private readCall(call: SyntaxNode): void {
    const callee = calleeOf(call);
    if (!callee) {
      return;
    }
    const [object, dot, property] = childrenOf(callee);
    if (callee.name === 'MemberExpression' && object?.name === 'VariableName' && dot?.name === '.' && property?.name === 'PropertyName') {
      const record = this.models.modelOf(this.context.text(object));
      if (record) {
        this.models.readMethodCall(record, this.context.text(property), call, this.context.text(callee));
        return;
      }
    }
    if (this.context.names.symbolOf(callee)?.kind === 'functional-model') {
      this.reportUnsupportedModel(call);
    }
    const path = this.context.names.qualifiedName(callee);
    if (path === 'keras.backend.clear_session' || path === 'keras.utils.clear_session') {
      this.models.clearSession();
    }
  }

  private reportUnsupportedModel(at: SyntaxNode): void {
    this.context.sink.error(
      'unsupported-model',
      at,
      l10n.t('Gradient Flow reads only Sequential models, and `{0}` builds a functional or subclassed keras.Model. Rewrite the model as Sequential([...]).', this.context.snippet(at)),
    );
  }
}

/** Binds a loop target to one item, as Python unpacking would; undefined when the shapes differ. */
function matchTarget(target: TargetPattern, item: StaticValue): Map<string, StaticValue> | undefined {
  const values = new Map<string, StaticValue>();
  const match = (pattern: TargetPattern, value: StaticValue): boolean => {
    if (pattern.kind === 'name') {
      values.set(pattern.name, value);
      return true;
    }
    if (pattern.kind === 'other' || (value.kind !== 'tuple' && value.kind !== 'list') || value.items.length !== pattern.elements.length) {
      return false;
    }
    return pattern.elements.every((element, index) => match(element, value.items[index]));
  };
  return match(target, item) ? values : undefined;
}

/** Returns the span of a statement header such as `elif x > 0`, or of the body when there is none. */
function spanOf(header: readonly SyntaxNode[], body: SyntaxNode): Span {
  const nodes = header.filter((node) => !isErrorNode(node));
  return nodes.length > 0 ? { from: nodes[0].from, to: nodes[nodes.length - 1].to } : body;
}
