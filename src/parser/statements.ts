/**
 * The statement walker: reads the file's statements in execution order and keeps the
 * values of names as they change. `for` loops over a static list or `range(...)` are
 * unrolled, `if` with a static condition takes its branch, and a function body is read
 * when the function is called, with the call's arguments bound. Bodies that may or may
 * not run (an `if` on a value only known at run time, `while`, `except`) are read once,
 * and the names they assign become uncertain afterwards.
 */
import * as l10n from '@vscode/l10n';
import { readAssignment, readTarget, type TargetPattern } from './assignments';
import type { ParseContext } from './context';
import type { DatasetTracker } from './dataset';
import { applyArithmetic } from './evaluator';
import { truthOf } from './builtins';
import { derivedItem, dottedPath, ExpressionReader } from './expressions';
import { LayerGraph } from './functional';
import { FunctionCaller, type BodyRunner } from './functions';
import type { LayerNamer } from './layers';
import {
  ClassObject,
  elementsOfItem,
  sequenceItem,
  staticValueOf,
  UNKNOWN,
  valueItem,
  withSource,
  type FunctionObject,
  type Item,
} from './objects';
import { Frame } from './scope';
import type { ModelRecord, ModelTracker } from './sequential';
import { childrenOf, elementsOf, isErrorNode, splitAtCommas, unparenthesize, type Span, type SyntaxNode } from './syntax';

/** Loops longer than this are not unrolled; the body is read once instead. */
const MAX_UNROLLED_ITERATIONS = 1000;
/** Iterations unrolled in the whole file, nested loops included, to bound the parse time. */
const MAX_TOTAL_UNROLLED_ITERATIONS = 10_000;
/** Expression nodes whose names do not end in `Expression`. */
const SIMPLE_EXPRESSIONS = new Set(['VariableName', 'Number', 'Boolean', 'None']);
/** Statements read in the whole file, counting each loop iteration and function call again. */
const MAX_STATEMENTS = 50_000;

/** The end of a block: normal, or a `return`, `break` or `continue` that certainly runs. */
type Flow = 'normal' | 'return' | 'break' | 'continue';

/** The function call being read and what it returns. */
interface CallFrame {
  /** The value of a `return` that certainly runs. */
  result?: Item;
  /** The first `return` inside a body that may not run. */
  uncertainReturn?: SyntaxNode;
  /** `uncertainDepth` when the call started, to tell which returns are certain. */
  readonly depth: number;
}

export class StatementReader implements BodyRunner {
  readonly graph: LayerGraph;
  private readonly expressions: ExpressionReader;
  private readonly functions: FunctionCaller;
  private readonly calls: CallFrame[] = [];
  /** Functions defined at module level, in order, for files whose model is built only in an uncalled function. */
  private readonly moduleFunctions: FunctionObject[] = [];
  private unrolledIterations = 0;
  private statementCount = 0;
  private stopped = false;
  /** How many bodies that may not run enclose the statement being read. */
  private uncertainDepth = 0;

  constructor(
    private readonly context: ParseContext,
    private readonly models: ModelTracker,
    private readonly dataset: DatasetTracker,
    namer: LayerNamer,
  ) {
    const read = (node: SyntaxNode): Item => this.expressions.read(node);
    this.graph = new LayerGraph(context, models, namer, read);
    this.expressions = new ExpressionReader(context, models, this.graph);
    this.functions = new FunctionCaller(context, this, read);
    this.expressions.functions = this.functions;
    this.expressions.inUncertainBody = () => this.uncertainDepth > (this.calls[this.calls.length - 1]?.depth ?? 0);
    models.read = read;
    models.graph = this.graph;
    context.evaluator.callHandler = (call, scope) => {
      const item = context.withScope(this.expressions.itemScopeOf(scope), () => this.expressions.readCall(call));
      return this.expressions.evaluationOf(item, call);
    };
  }

  /** Reads the whole file, then a model-building function it never calls if it builds no model otherwise. */
  readModule(root: SyntaxNode): void {
    this.readBlock(root);
    if (this.models.models.length === 0 && !this.stopped) {
      this.readUncalledFunctions();
    }
  }

  /** Reads the statements of a `Script` or `Body` node and returns how the block ended. */
  readBlock(block: SyntaxNode): Flow {
    for (const statement of childrenOf(block)) {
      const flow = this.readStatement(statement);
      if (flow !== 'normal') {
        return flow;
      }
    }
    return 'normal';
  }

  runBody(fn: FunctionObject, frame: Frame): Item {
    const body = fn.definition.getChild('Body');
    const call: CallFrame = { depth: this.uncertainDepth };
    const saved = { frame: this.context.frame, scope: this.context.scope };
    this.context.frame = frame;
    this.context.scope = frame;
    this.calls.push(call);
    try {
      if (body) {
        this.readBlock(body);
      }
    } finally {
      this.calls.pop();
      this.context.frame = saved.frame;
      this.context.scope = saved.scope;
    }
    if (call.uncertainReturn) {
      return { kind: 'uncertain', at: call.uncertainReturn };
    }
    return call.result ?? valueItem({ kind: 'none' });
  }

  private readStatement(statement: SyntaxNode): Flow {
    if (this.stopped || isErrorNode(statement)) {
      return 'normal';
    }
    if (++this.statementCount > MAX_STATEMENTS) {
      this.stopped = true;
      this.context.sink.error(
        'too-complex',
        statement,
        l10n.t('Reading this file means going through more than {0} statements, counting every loop iteration and function call, which is more than Gradient Flow reads. Use shorter loops or fewer nested calls.', MAX_STATEMENTS),
      );
      return 'normal';
    }
    switch (statement.name) {
      case 'AssignStatement':
        this.readAssignmentStatement(statement);
        return 'normal';
      case 'UpdateStatement':
        this.readUpdate(statement);
        return 'normal';
      case 'StatementGroup':
        return this.readBlock(statement);
      case 'ForStatement':
        return this.readFor(statement);
      case 'WhileStatement':
        return this.readWhile(statement);
      case 'FunctionDefinition':
        this.defineFunction(statement, 'plain');
        return 'normal';
      case 'DecoratedStatement':
        this.readDecorated(statement);
        return 'normal';
      case 'ClassDefinition':
        this.defineClass(statement);
        return 'normal';
      case 'IfStatement':
        return this.readIf(statement);
      case 'TryStatement':
        return this.readTry(statement);
      case 'WithStatement':
        return this.readWith(statement);
      case 'MatchStatement':
        this.readMatch(statement);
        return 'normal';
      case 'ReturnStatement':
        return this.readReturn(statement);
      case 'BreakStatement':
        return 'break';
      case 'ContinueStatement':
        return 'continue';
      case 'ScopeStatement':
        this.readScopeStatement(statement);
        return 'normal';
      case 'DeleteStatement':
        this.readDelete(statement);
        return 'normal';
      case 'ImportStatement':
      case 'PassStatement':
        return 'normal';
      default:
        this.readExpressions(statement);
        return 'normal';
    }
  }

  /** Reads the expressions of a simple statement such as `model.fit(...)` or `assert ...`. */
  private readExpressions(statement: SyntaxNode): void {
    for (const child of childrenOf(statement)) {
      if (isExpression(child)) {
        this.expressions.read(child);
      }
    }
  }

  private readAssignmentStatement(statement: SyntaxNode): void {
    const parts = readAssignment(statement, (span) => this.context.text(span));
    if (!parts) {
      return;
    }
    // Python evaluates the right-hand side first, then binds the targets from left to right.
    const value = parts.value.node
      ? this.expressions.read(parts.value.node)
      : this.readUnbracketedTuple(parts.value.elements ?? []);
    const sources = parts.value.node ? parts.value.node : parts.value.elements;
    for (const target of parts.targets) {
      this.assignTarget(target, value, sources);
    }
    this.dataset.readAssignment(parts);
  }

  private readUnbracketedTuple(elements: readonly SyntaxNode[]): Item {
    return sequenceItem('tuple', elements.map((element) => this.expressions.read(element)), elements);
  }

  /**
   * Binds the names of a target to an item, unpacking sequences as Python does. `source` is
   * the assigned expression, or the elements of an unbracketed tuple, when the file shows it.
   */
  private assignTarget(target: TargetPattern, item: Item, source?: SyntaxNode | readonly SyntaxNode[]): void {
    switch (target.kind) {
      case 'name':
        this.context.frame.assign(target.name, withSource(item, isNode(source) ? source : undefined), target.node);
        return;
      case 'sequence': {
        const elements = elementsOfItem(item);
        const matches = elements !== undefined && elements.length === target.elements.length;
        const sourceElements = isNode(source) ? literalElements(source) : source;
        const sourcesMatch = sourceElements !== undefined && sourceElements.length === target.elements.length;
        target.elements.forEach((element, index) =>
          this.assignTarget(element, matches ? elements[index] : derivedItem(item), sourcesMatch ? sourceElements[index] : undefined),
        );
        return;
      }
      case 'other':
        this.assignAttribute(target.node, item);
    }
  }

  /** `self.model = ...` sets an attribute of an instance; `model.trainable = ...` is reported. */
  private assignAttribute(node: SyntaxNode, item: Item): void {
    const [objectNode, separator] = childrenOf(node);
    if (node.name !== 'MemberExpression' || !objectNode) {
      return;
    }
    const owner = this.modelAlong(node);
    if (owner) {
      this.models.reportIgnoredAttributeChange(owner, node);
      return;
    }
    if (separator?.name === '.') {
      this.expressions.rebind(node, item);
    }
  }

  /** Returns the model that an attribute or subscript chain such as `model.layers[0].trainable` starts from. */
  private modelAlong(node: SyntaxNode): ModelRecord | undefined {
    let current: SyntaxNode | null = node;
    while (current?.name === 'MemberExpression') {
      current = current.firstChild;
      const path = current ? dottedPath(current, (span) => this.context.text(span)) : undefined;
      const item = path === undefined ? undefined : this.context.scope.lookupItem(path);
      if (item?.kind === 'model') {
        return item.model;
      }
    }
    return undefined;
  }

  /** Reads `x += 1` and the like: arithmetic on the current value, or list extension. */
  private readUpdate(statement: SyntaxNode): void {
    const [target, operator, valueNode] = childrenOf(statement);
    if (!target || !operator || !valueNode) {
      return;
    }
    const current = this.expressions.read(target);
    const value = this.expressions.read(valueNode);
    const symbol = this.context.text(operator).replace(/=$/, '');
    const currentValue = staticValueOf(current);
    const addedValue = staticValueOf(value);
    let result: Item = derivedItem(current.kind === 'value' ? value : current);
    if (currentValue && addedValue) {
      const computed = applyArithmetic(symbol, currentValue, addedValue);
      result = computed ? valueItem(computed) : UNKNOWN;
    } else if (symbol === '+') {
      const elements = elementsOfItem(current);
      const added = elementsOfItem(value);
      if (elements && added) {
        result = sequenceItem('list', [...elements, ...added]);
      }
    }
    this.expressions.rebind(unparenthesize(target), result);
    if (target.name === 'MemberExpression') {
      const owner = this.modelAlong(target);
      if (owner) {
        this.models.reportIgnoredAttributeChange(owner, target);
      }
    }
    this.dataset.readUpdate(statement);
  }

  /**
   * Reads `if`/`elif`/`else`. A condition with a static value selects its branch, as
   * Python would; once a condition is not static, every later branch is uncertain.
   */
  private readIf(statement: SyntaxNode): Flow {
    let header: SyntaxNode[] = [];
    let uncertain = false;
    for (const child of childrenOf(statement)) {
      if (child.name !== 'Body') {
        header.push(child);
        continue;
      }
      const condition = header.find((node) => node.name !== 'if' && node.name !== 'elif' && node.name !== 'else' && !isErrorNode(node));
      const truth = condition && !uncertain ? this.staticTruth(condition) : undefined;
      if (uncertain || (condition && truth === undefined)) {
        uncertain = true;
        this.readUncertainBody(child, spanOf(header, child), 'branch');
      } else if (!condition || truth) {
        return this.readBlock(child);
      }
      header = [];
    }
    return 'normal';
  }

  private staticTruth(condition: SyntaxNode): boolean | undefined {
    const value = staticValueOf(this.expressions.read(condition));
    return value ? truthOf(value) : undefined;
  }

  /** Reads `try`: the `try`, `else` and `finally` bodies run, an `except` body only maybe. */
  private readTry(statement: SyntaxNode): Flow {
    let header: SyntaxNode[] = [];
    for (const child of childrenOf(statement)) {
      if (child.name !== 'Body') {
        header.push(child);
        continue;
      }
      if (header[0]?.name === 'except') {
        this.readUncertainBody(child, spanOf(header, child), 'branch');
      } else {
        const flow = this.readBlock(child);
        if (flow !== 'normal') {
          return flow;
        }
      }
      header = [];
    }
    return 'normal';
  }

  /** Reads `with a as b:`: the context expressions, then the body, which always runs. */
  private readWith(statement: SyntaxNode): Flow {
    let afterAs = false;
    for (const child of childrenOf(statement)) {
      if (child.name === 'Body') {
        return this.readBlock(child);
      }
      if (child.name === 'as') {
        afterAs = true;
      } else if (child.name === ',') {
        afterAs = false;
      } else if (afterAs && child.name === 'VariableName') {
        this.context.frame.assign(this.context.text(child), UNKNOWN, child);
      } else if (isExpression(child)) {
        this.expressions.read(child);
      }
    }
    return 'normal';
  }

  /** Reads `while`: a static false condition skips the body; otherwise the body may run any number of times. */
  private readWhile(statement: SyntaxNode): Flow {
    const children = childrenOf(statement);
    const bodies = children.filter((child) => child.name === 'Body');
    const condition = children.find((child) => child.name !== 'while' && child.name !== 'Body' && !isErrorNode(child));
    const truth = condition ? this.staticTruth(condition) : undefined;
    if (bodies[0] && truth !== false) {
      this.readUncertainBody(bodies[0], spanOf(children.slice(0, children.indexOf(bodies[0])), bodies[0]), 'loop');
    }
    return bodies[1] ? this.readBlock(bodies[1]) : 'normal';
  }

  /** Reads `match`: the subject, then each case as a branch that may or may not run. */
  private readMatch(statement: SyntaxNode): void {
    let header: SyntaxNode[] = [];
    const visit = (node: SyntaxNode): void => {
      for (const child of childrenOf(node)) {
        if (child.name === 'Body') {
          this.readUncertainBody(child, spanOf(header, child), 'branch');
          header = [];
        } else if (child.name === 'MatchBody' || child.name === 'MatchClause') {
          visit(child);
        } else {
          header.push(child);
        }
      }
    };
    visit(statement);
  }

  /**
   * Reads a body that may run any number of times, or not at all. A model changed inside
   * it would be read wrongly, so that is an error at the loop or branch header, and the
   * names it assigns have no certain value afterwards.
   */
  private readUncertainBody(body: SyntaxNode, header: Span, kind: 'loop' | 'branch'): void {
    const activity = this.models.activity;
    const frame = this.context.frame;
    const version = frame.version;
    this.uncertainDepth++;
    try {
      this.readBlock(body);
    } finally {
      this.uncertainDepth--;
    }
    for (const [name, at] of frame.assignedSince(version)) {
      frame.assign(name, { kind: 'uncertain', at: at ?? body }, at);
    }
    if (this.models.activity === activity) {
      return;
    }
    const message =
      kind === 'loop'
        ? l10n.t('Gradient Flow cannot tell how many times this loop runs without running the file, so it cannot know what the loop does to the model. Loop over a list or range() of at most {0} items, or write the layers out.', MAX_UNROLLED_ITERATIONS)
        : l10n.t('Gradient Flow cannot tell whether this branch runs without running the file, so it cannot know what it does to the model. Use a condition with a fixed value, such as USE_RELU = True, or keep one version of the model.');
    this.context.sink.error('not-static', header, message);
  }

  private readFor(statement: SyntaxNode): Flow {
    const children = childrenOf(statement);
    const inIndex = children.findIndex((child) => child.name === 'in');
    const bodies = children.filter((child) => child.name === 'Body');
    const iterable = inIndex >= 0 ? children.slice(inIndex + 1).find((child) => child.name !== 'Body' && !isErrorNode(child)) : undefined;
    const items = iterable ? elementsOfItem(this.expressions.read(iterable)) : undefined;
    const body = bodies[0];
    if (!body) {
      return 'normal';
    }

    const target = this.loopTarget(children.slice(1, Math.max(inIndex, 1)));
    const unrollable =
      target !== undefined &&
      items !== undefined &&
      items.length <= MAX_UNROLLED_ITERATIONS &&
      this.unrolledIterations + items.length <= MAX_TOTAL_UNROLLED_ITERATIONS;
    if (!unrollable) {
      if (target) {
        this.assignTarget(target, UNKNOWN);
      }
      this.readUncertainBody(body, spanOf(children.slice(0, children.indexOf(body)), body), 'loop');
      return bodies[1] ? this.readBlock(bodies[1]) : 'normal';
    }

    this.unrolledIterations += items.length;
    for (const item of items) {
      this.assignTarget(target, item);
      const flow = this.readBlock(body);
      if (flow === 'break') {
        return 'normal';
      }
      if (flow === 'return') {
        return flow;
      }
    }
    // The `else` body runs when the loop ends without `break`.
    return bodies[1] ? this.readBlock(bodies[1]) : 'normal';
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

  private readReturn(statement: SyntaxNode): Flow {
    const values = childrenOf(statement).filter((child) => child.name !== 'return');
    let item: Item = valueItem({ kind: 'none' });
    if (values.some((child) => child.name === ',')) {
      item = this.readUnbracketedTuple(splitAtCommas(values).map((group) => group[0]));
    } else if (values[0]) {
      item = this.expressions.read(values[0]);
    }
    const call = this.calls[this.calls.length - 1];
    if (!call) {
      return 'return';
    }
    if (this.uncertainDepth > call.depth) {
      call.uncertainReturn ??= statement;
      return 'normal';
    }
    call.result = item;
    return 'return';
  }

  private readScopeStatement(statement: SyntaxNode): void {
    const [keyword, ...names] = childrenOf(statement);
    if (keyword?.name !== 'global') {
      return;
    }
    for (const name of names) {
      if (name.name === 'VariableName') {
        this.context.frame.globalNames.add(this.context.text(name));
      }
    }
  }

  private readDelete(statement: SyntaxNode): void {
    for (const child of childrenOf(statement)) {
      if (child.name === 'VariableName') {
        this.context.frame.assign(this.context.text(child), UNKNOWN, child);
      }
    }
  }

  /** Reads a decorated `def` or `class`; `@staticmethod` and `@classmethod` change how a method binds. */
  private readDecorated(statement: SyntaxNode): void {
    let binding: FunctionObject['binding'] = 'plain';
    for (const child of childrenOf(statement)) {
      if (child.name === 'Decorator') {
        const name = childrenOf(child).find((node) => node.name === 'VariableName');
        const text = name ? this.context.text(name) : '';
        if (text === 'staticmethod') {
          binding = 'static';
        } else if (text === 'classmethod') {
          binding = 'class';
        }
      } else if (child.name === 'FunctionDefinition') {
        this.defineFunction(child, binding);
      } else if (child.name === 'ClassDefinition') {
        this.defineClass(child);
      }
    }
  }

  private defineFunction(definition: SyntaxNode, binding: FunctionObject['binding']): void {
    const frame = this.context.frame;
    // Methods see the names around the class, not the class body's own names.
    const closure = frame.isClassBody && frame.parent ? frame.parent : frame;
    const fn = this.functions.define(definition, closure, binding);
    const nameNode = definition.getChild('VariableName');
    frame.assign(fn.name, { kind: 'function', function: fn }, nameNode ?? definition);
    if (!frame.parent) {
      this.moduleFunctions.push(fn);
    }
  }

  /**
   * Reads a class: its body runs now, in a namespace of its own that becomes the class
   * attributes. Subclasses of `keras.Model` are reported, since their `call()` only runs in Keras.
   */
  private defineClass(definition: SyntaxNode): void {
    const nameNode = definition.getChild('VariableName');
    const cls = new ClassObject(nameNode ? this.context.text(nameNode) : '<class>', definition);
    const argumentList = definition.getChild('ArgList');
    for (const base of argumentList ? childrenOf(argumentList) : []) {
      if (this.context.names.symbolOf(base)?.kind === 'functional-model') {
        cls.kerasModel = true;
        this.context.sink.error(
          'unsupported-model',
          base,
          l10n.t('Gradient Flow cannot read subclassed models such as `{0}`, because their call() method only runs in Keras. Build the model with Sequential([...]) or with keras.Input and Model(inputs, outputs) instead.', cls.name),
        );
      }
      const inherited = base.name === 'VariableName' ? this.context.scope.lookupItem(this.context.text(base)) : undefined;
      if (inherited?.kind === 'class') {
        inherited.class.attributes.forEach((item, name) => cls.attributes.set(name, item));
        cls.kerasModel ||= inherited.class.kerasModel;
      }
    }

    const outer = { frame: this.context.frame, scope: this.context.scope };
    const namespace = new Frame(outer.frame, this.context.moduleScope, true);
    const version = namespace.version;
    const body = definition.getChild('Body');
    this.context.frame = namespace;
    this.context.scope = namespace;
    try {
      if (body) {
        this.readBlock(body);
      }
    } finally {
      this.context.frame = outer.frame;
      this.context.scope = outer.scope;
    }
    for (const name of namespace.assignedSince(version).keys()) {
      cls.attributes.set(name, namespace.lookupItem(name) ?? UNKNOWN);
    }
    outer.frame.assign(cls.name, { kind: 'class', class: cls }, nameNode ?? definition);
  }

  /**
   * Python never runs a function that is not called, but a file whose only model is built
   * in such a function most likely means that model. Reads the last uncalled function that
   * builds a model, directly or through another function of the file, so an uncalled
   * `main()` that calls `build_model()` and `fit` is read whole. Parameters take their
   * default values, and a diagnostic notes this.
   */
  private readUncalledFunctions(): void {
    const builders = this.modelBuilders();
    const entry = [...this.moduleFunctions].reverse().find((fn) => !fn.called && builders.has(fn));
    if (!entry) {
      return;
    }
    this.functions.callWithDefaults(entry);
    const nameNode = entry.definition.getChild('VariableName') ?? entry.definition;
    this.context.sink.information(
      'uncalled-function',
      nameNode,
      l10n.t('The file never calls `{0}()`, so Python would not build this model. Gradient Flow trains it with the default value of each parameter. Call it, as in model = {0}(), to say so in the file.', entry.name),
    );
  }

  /** Returns the module functions whose body creates a model or calls another such function by name. */
  private modelBuilders(): Set<FunctionObject> {
    const calls = new Map<FunctionObject, { creates: boolean; callees: Set<string> }>();
    for (const fn of this.moduleFunctions) {
      const found = { creates: false, callees: new Set<string>() };
      fn.definition.getChild('Body')?.cursor().iterate((ref) => {
        if (ref.name !== 'CallExpression') {
          return;
        }
        const callee = ref.node.firstChild;
        const kind = callee ? this.context.names.symbolOf(callee)?.kind : undefined;
        found.creates ||= kind === 'sequential' || kind === 'functional-model';
        if (callee?.name === 'VariableName') {
          found.callees.add(this.context.text(callee));
        }
      });
      calls.set(fn, found);
    }
    const builders = new Set([...calls].filter(([, found]) => found.creates).map(([fn]) => fn));
    let grown = true;
    while (grown) {
      grown = false;
      for (const [fn, found] of calls) {
        if (!builders.has(fn) && [...builders].some((builder) => found.callees.has(builder.name))) {
          builders.add(fn);
          grown = true;
        }
      }
    }
    return builders;
  }
}

function isNode(source: SyntaxNode | readonly SyntaxNode[] | undefined): source is SyntaxNode {
  return source !== undefined && !Array.isArray(source);
}

/** Returns the elements of a literal tuple or list, which unpack one to one. */
function literalElements(node: SyntaxNode): readonly SyntaxNode[] | undefined {
  const inner = unparenthesize(node);
  return inner.name === 'TupleExpression' || inner.name === 'ArrayExpression' ? elementsOf(inner) : undefined;
}

/** True for nodes that are expressions, as opposed to keywords and punctuation of a statement. */
function isExpression(node: SyntaxNode): boolean {
  if (isErrorNode(node)) {
    return false;
  }
  return /Expression$|String$/.test(node.name) || SIMPLE_EXPRESSIONS.has(node.name);
}

/** Returns the span of a statement header such as `elif x > 0`, or of the body when there is none. */
function spanOf(header: readonly SyntaxNode[], body: SyntaxNode): Span {
  const nodes = header.filter((node) => !isErrorNode(node));
  return nodes.length > 0 ? { from: nodes[0].from, to: nodes[nodes.length - 1].to } : body;
}
