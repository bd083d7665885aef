/**
 * Reads an expression for what it does and what it yields, in Python's evaluation order:
 * model and layer constructors, layer calls on tensors, model methods, calls to the
 * file's own functions and classes, lists of layers. Plain values go to the static
 * evaluator. Nothing is executed.
 */
import { applyArithmetic, parseComprehension, type Evaluation, type EvaluationFailure, type Scope } from './evaluator';
import { callBuiltin, isBuiltinName, MAX_SEQUENCE_LENGTH, truthOf } from './builtins';
import { calleeOf, readCallArguments } from './callArguments';
import type { ParseContext } from './context';
import { MERGE_FUNCTIONS, UNSUPPORTED_MERGE_FUNCTIONS, type LayerGraph } from './functional';
import type { FunctionCaller } from './functions';
import {
  attributeOf,
  elementsOfItem,
  isObjectItem,
  sequenceItem,
  staticValueOf,
  UNKNOWN,
  valueItem,
  type Item,
  type ItemScope,
} from './objects';
import { Frame, LocalScope } from './scope';
import type { ModelTracker } from './sequential';
import { childrenOf, splitAtCommas, unparenthesize, type SyntaxNode } from './syntax';
import type { StaticValue } from './values';

/** List methods that change the list; the parser rebinds the name to the new list. */
const LIST_METHODS = new Set(['append', 'extend', 'insert']);

export class ExpressionReader {
  /** Set by the statement reader, which owns both. */
  functions!: FunctionCaller;
  /** True while the statement reader is inside a body that may not run; set by the statement reader. */
  inUncertainBody: () => boolean = () => false;

  constructor(
    private readonly context: ParseContext,
    private readonly models: ModelTracker,
    private readonly graph: LayerGraph,
  ) {}

  /** Reads `node` for its effects and returns what it yields. */
  read(node: SyntaxNode): Item {
    const inner = unparenthesize(node);
    switch (inner.name) {
      case 'VariableName':
        return this.context.scope.lookupItem(this.context.text(inner)) ?? this.evaluate(inner);
      case 'MemberExpression':
        return this.readMember(inner);
      case 'CallExpression':
        return this.readCall(inner);
      case 'ArrayExpression':
        return this.readSequence(inner, 'list');
      case 'TupleExpression':
        return this.readSequence(inner, 'tuple');
      case 'ArrayComprehensionExpression':
        return this.readComprehension(inner);
      case 'BinaryExpression':
        return this.readBinary(inner);
      case 'ConditionalExpression':
        return this.readConditional(inner);
      default:
        return this.evaluate(inner);
    }
  }

  /** Evaluates a node that yields no object, keeping the expression when it has no static value. */
  evaluate(node: SyntaxNode): Item {
    const evaluated = this.context.evaluator.evaluate(node, this.context.scope);
    return evaluated.ok ? valueItem(evaluated.value) : this.failed(node, evaluated.failure);
  }

  /** Converts what a call yields into what the static evaluator expects. */
  evaluationOf(item: Item, node: SyntaxNode): Evaluation {
    const value = staticValueOf(item);
    return value ? { ok: true, value } : { ok: false, failure: failureOf(item, node) };
  }

  /** Returns a scope with objects for `scope`, which the static evaluator may have made. */
  itemScopeOf(scope: Scope): ItemScope {
    if ('lookupItem' in scope) {
      return scope as ItemScope;
    }
    const outer = this.context.scope;
    return {
      lookup: (name) => scope.lookup(name),
      lookupItem: (name) => {
        const binding = scope.lookup(name);
        return binding?.kind === 'value' ? valueItem(binding.value) : outer.lookupItem(name);
      },
    };
  }

  private failed(node: SyntaxNode, failure: EvaluationFailure): Item {
    const scope = this.context.scope instanceof Frame ? this.context.scope.snapshot() : this.context.scope;
    return { kind: 'expression', node, scope, failure };
  }

  private failedItem(item: Item, node: SyntaxNode): Item {
    return item.kind === 'expression' ? item : this.failed(node, failureOf(item, node));
  }

  private readMember(node: SyntaxNode): Item {
    const children = childrenOf(node);
    const [objectNode, separator, property] = children;
    if (separator?.name === '[') {
      return this.readSubscript(node, children);
    }
    const path = dottedPath(node, (span) => this.context.text(span));
    if (path !== undefined) {
      return this.context.scope.lookupItem(path) ?? this.evaluate(node);
    }
    if (!objectNode || property?.name !== 'PropertyName') {
      return this.evaluate(node);
    }
    const object = this.read(objectNode);
    return attributeOf(object, this.context.text(property)) ?? this.failedItem(object, node);
  }

  private readSubscript(node: SyntaxNode, children: readonly SyntaxNode[]): Item {
    const object = this.read(children[0]);
    const value = staticValueOf(object);
    if (value) {
      const evaluated = this.context.evaluator.subscript(node, value, this.context.scope);
      return evaluated.ok ? valueItem(evaluated.value) : this.failed(node, evaluated.failure);
    }
    const elements = elementsOfItem(object);
    const indexNodes = children.slice(2, -1);
    if (!elements || indexNodes.length !== 1) {
      return this.failedItem(object, node);
    }
    const index = staticValueOf(this.read(indexNodes[0]));
    if (index?.kind !== 'number' || !index.isInteger) {
      return this.failed(node, { node, reason: 'invalid-operation' });
    }
    const element = elements[index.value < 0 ? elements.length + index.value : index.value];
    return element ?? this.failed(node, { node, reason: 'invalid-operation' });
  }

  private readSequence(node: SyntaxNode, kind: 'list' | 'tuple'): Item {
    const inner = childrenOf(node).filter((child) => !['(', ')', '[', ']'].includes(child.name));
    const items: Item[] = [];
    const nodes: SyntaxNode[] = [];
    for (const group of splitAtCommas(inner)) {
      if (group[0].name === '*' && group[1]) {
        const unpacked = this.read(group[1]);
        const elements = elementsOfItem(unpacked);
        if (!elements) {
          return this.failedItem(unpacked, group[1]);
        }
        items.push(...elements);
        nodes.push(...elements.map(() => group[1]));
      } else {
        items.push(this.read(group[0]));
        nodes.push(group[0]);
      }
    }
    const firstUnknown = items.findIndex((item) => !isObjectItem(item) && !staticValueOf(item));
    if (firstUnknown >= 0 && !items.some(isObjectItem)) {
      return this.failedItem(items[firstUnknown], nodes[firstUnknown]);
    }
    return sequenceItem(kind, items, nodes);
  }

  /** `[Dense(units) for units in SIZES]`: each element is read with the loop names bound. */
  private readComprehension(node: SyntaxNode): Item {
    const parsed = parseComprehension(node);
    if (!parsed) {
      return this.evaluate(node);
    }
    const results: Item[] = [];
    let problem: Item | undefined;
    const run = (clauseIndex: number): void => {
      if (problem) {
        return;
      }
      if (results.length > MAX_SEQUENCE_LENGTH) {
        problem = this.failed(node, { node, reason: 'unsupported-expression' });
        return;
      }
      const clause = parsed.clauses[clauseIndex];
      if (!clause) {
        results.push(this.read(parsed.element));
        return;
      }
      if (clause.kind === 'if') {
        const condition = this.read(clause.condition);
        const value = staticValueOf(condition);
        if (!value) {
          problem = this.failedItem(condition, clause.condition);
        } else if (truthOf(value)) {
          run(clauseIndex + 1);
        }
        return;
      }
      const iterable = this.read(clause.iterable);
      const elements = elementsOfItem(iterable);
      if (!elements) {
        problem = this.failedItem(iterable, clause.iterable);
        return;
      }
      const outer = this.context.scope;
      try {
        for (const element of elements) {
          const names = new Map<string, Item>();
          bindLoopTarget(clause.targets, element, names, (span) => this.context.text(span));
          this.context.scope = new LocalScope(outer, names);
          run(clauseIndex + 1);
        }
      } finally {
        this.context.scope = outer;
      }
    };
    run(0);
    return problem ?? sequenceItem('list', results);
  }

  /** `+` and `*` also join and repeat lists of layers; other operators are plain arithmetic. */
  private readBinary(node: SyntaxNode): Item {
    const [leftNode, operator, rightNode] = childrenOf(node);
    const symbol = operator ? this.context.text(operator) : '';
    if (operator?.name !== 'ArithOp' || (symbol !== '+' && symbol !== '*') || !leftNode || !rightNode) {
      return this.evaluate(node);
    }
    const left = this.read(leftNode);
    const right = this.read(rightNode);
    const leftValue = staticValueOf(left);
    const rightValue = staticValueOf(right);
    if (leftValue && rightValue) {
      const result = applyArithmetic(symbol, leftValue, rightValue);
      return result ? valueItem(result) : this.failed(node, { node, reason: 'invalid-operation' });
    }
    const leftElements = elementsOfItem(left);
    const rightElements = elementsOfItem(right);
    const kind = sequenceKindOf(left);
    if (symbol === '+' && leftElements && rightElements && kind && kind === sequenceKindOf(right)) {
      return sequenceItem(kind, [...leftElements, ...rightElements]);
    }
    if (symbol === '*' && leftElements && kind && rightValue?.kind === 'number' && rightValue.isInteger) {
      // Repeating a list of layers repeats the same layer objects, which Keras would share.
      const repeated: Item[] = [];
      for (let count = 0; count < Math.min(rightValue.value, MAX_SEQUENCE_LENGTH); count++) {
        repeated.push(...leftElements);
      }
      return sequenceItem(kind, repeated);
    }
    return leftValue ? this.failedItem(right, rightNode) : this.failedItem(left, leftNode);
  }

  private readConditional(node: SyntaxNode): Item {
    const [whenTrue, , condition, , whenFalse] = childrenOf(node);
    if (!whenTrue || !condition || !whenFalse) {
      return this.evaluate(node);
    }
    const decided = this.read(condition);
    const value = staticValueOf(decided);
    if (!value) {
      return this.failedItem(decided, condition);
    }
    return this.read(truthOf(value) ? whenTrue : whenFalse);
  }

  /** Reads a call: to an object the file holds, to Keras, to a built-in, or to something unknown. */
  readCall(call: SyntaxNode): Item {
    const callee = calleeOf(call);
    if (!callee) {
      return UNKNOWN;
    }
    const displayName = this.context.snippet(callee);
    const [objectNode, separator, property] = childrenOf(callee);
    if (callee.name === 'MemberExpression' && separator?.name === '.' && property && this.mayHoldObject(objectNode)) {
      const object = this.read(objectNode);
      const method = this.context.text(property);
      if (isObjectItem(object) || (LIST_METHODS.has(method) && elementsOfItem(object))) {
        return this.callMethod(object, objectNode, method, call, displayName);
      }
    } else if (callee.name !== 'MemberExpression' || separator?.name === '[') {
      const target = callee.name === 'VariableName' ? this.context.scope.lookupItem(this.context.text(callee)) : this.read(callee);
      if (target && isObjectItem(target)) {
        return this.callObject(target, call, displayName);
      }
      if (callee.name !== 'VariableName') {
        return this.failedItem(target ?? UNKNOWN, call);
      }
    }
    return this.callByName(call, callee, displayName);
  }

  /** True when reading `node` may yield an object: a call, a subscript, or a name the file binds. */
  private mayHoldObject(node: SyntaxNode): boolean {
    if (node.name === 'CallExpression' || node.name === 'ParenthesizedExpression') {
      return true;
    }
    const path = dottedPath(node, (span) => this.context.text(span));
    if (path === undefined) {
      return node.name === 'MemberExpression';
    }
    return this.context.scope.lookupItem(path.split('.')[0]) !== undefined;
  }

  private callMethod(object: Item, objectNode: SyntaxNode, method: string, call: SyntaxNode, displayName: string): Item {
    switch (object.kind) {
      case 'model':
        this.models.readMethodCall(object.model, method, call, displayName);
        return UNKNOWN;
      case 'instance':
      case 'class': {
        const attribute = attributeOf(object, method);
        if (attribute?.kind === 'function') {
          const fn = attribute.function;
          let self: Item | undefined;
          if (fn.binding === 'class') {
            self = object.kind === 'instance' ? { kind: 'class', class: object.instance.cls } : object;
          } else if (fn.binding === 'plain' && object.kind === 'instance') {
            self = object;
          }
          return this.functions.call(fn, call, self);
        }
        if (attribute && isObjectItem(attribute)) {
          return this.callObject(attribute, call, displayName);
        }
        break;
      }
      default:
        if (LIST_METHODS.has(method)) {
          return this.changeList(object, objectNode, method, call);
        }
    }
    this.readArguments(call);
    return UNKNOWN;
  }

  private callObject(target: Item, call: SyntaxNode, displayName: string): Item {
    switch (target.kind) {
      case 'function':
        return this.functions.call(target.function, call);
      case 'class':
        return this.functions.instantiate(target.class, call);
      case 'layer':
        return this.graph.apply(target.layer, call, displayName);
      case 'model': {
        const inputs = this.readArguments(call);
        if (inputs.some((item) => item.kind === 'tensor')) {
          this.graph.reportNestedModel(call);
          return { kind: 'unknown', reported: true };
        }
        // A model called on data predicts; it does not change the model.
        return UNKNOWN;
      }
      default:
        this.readArguments(call);
        return UNKNOWN;
    }
  }

  /**
   * Reads `layers.append(Dense(64))` and the like by binding the name to the longer list.
   * NOTE: other names for the same list keep the old contents, unlike in Python.
   */
  private changeList(list: Item, objectNode: SyntaxNode, method: string, call: SyntaxNode): Item {
    const elements = elementsOfItem(list) ?? [];
    const kind = sequenceKindOf(list);
    const argumentsRead = readCallArguments(call, (node) => this.context.text(node)).map((argument) => this.read(argument.value));
    let changed: Item[] | undefined;
    if (method === 'append' && argumentsRead.length === 1) {
      changed = [...elements, argumentsRead[0]];
    } else if (method === 'extend' && argumentsRead.length === 1) {
      const added = elementsOfItem(argumentsRead[0]);
      changed = added ? [...elements, ...added] : undefined;
    } else if (method === 'insert' && argumentsRead.length === 2) {
      const index = staticValueOf(argumentsRead[0]);
      if (index?.kind === 'number' && index.isInteger) {
        const position = Math.max(0, Math.min(elements.length, index.value < 0 ? elements.length + index.value : index.value));
        changed = [...elements.slice(0, position), argumentsRead[1], ...elements.slice(position)];
      }
    }
    const result: Item = changed && kind === 'list' ? sequenceItem('list', changed) : this.failed(call, { node: call, reason: 'unsupported-expression' });
    this.rebind(objectNode, result);
    return valueItem({ kind: 'none' });
  }

  /** Binds a name or an attribute of an instance, such as `self.layers`, to a new item. */
  rebind(target: SyntaxNode, item: Item): void {
    if (target.name === 'VariableName') {
      this.context.frame.assign(this.context.text(target), item, target);
      return;
    }
    const [objectNode, separator, property] = childrenOf(target);
    if (target.name !== 'MemberExpression' || separator?.name !== '.' || !objectNode || !property) {
      return;
    }
    const object = this.read(objectNode);
    // The frame marks names assigned in such a body afterwards, but attributes are marked now.
    const value: Item = this.inUncertainBody() ? { kind: 'uncertain', at: target } : item;
    if (object.kind === 'instance') {
      object.instance.attributes.set(this.context.text(property), value);
    } else if (object.kind === 'class') {
      object.class.attributes.set(this.context.text(property), value);
    }
  }

  private callByName(call: SyntaxNode, callee: SyntaxNode, displayName: string): Item {
    const symbol = this.context.names.symbolOf(callee);
    switch (symbol?.kind) {
      case 'sequential':
        return { kind: 'model', model: this.models.create(call, displayName) };
      case 'functional-model':
        return this.graph.createModel(call, displayName);
      case 'layer':
      case 'unsupported-layer':
        return this.graph.createLayer(call, false);
      case 'input':
        return this.graph.createLayer(call, true);
    }
    const path = this.context.names.qualifiedName(callee);
    if (path !== undefined) {
      const merge = MERGE_FUNCTIONS.get(path);
      if (merge) {
        return this.graph.merge(call, merge, displayName);
      }
      if (UNSUPPORTED_MERGE_FUNCTIONS.has(path)) {
        return this.graph.reportUnsupportedMerge(call, displayName);
      }
      if (path === 'keras.backend.clear_session' || path === 'keras.utils.clear_session') {
        this.models.clearSession();
        return UNKNOWN;
      }
    }
    const name = callee.name === 'VariableName' ? this.context.text(callee) : undefined;
    if (name !== undefined && isBuiltinName(name) && !this.context.scope.lookup(name)) {
      return this.readBuiltin(call, name);
    }
    if (symbol || path !== undefined) {
      // Keras objects such as optimizers and losses, and library calls: the readers that
      // need them look at the call itself later, so its arguments are not read twice.
      return this.failed(call, { node: call, reason: 'unsupported-expression' });
    }
    // A call the parser cannot follow, such as print(...): its arguments still run first.
    this.readArguments(call);
    return this.failed(call, { node: call, reason: 'unsupported-expression' });
  }

  /** Applies a built-in to static arguments, or `list`, `tuple`, `len` and friends to lists of objects. */
  private readBuiltin(call: SyntaxNode, name: string): Item {
    const positional: Item[] = [];
    const keywords = new Map<string, Item>();
    for (const argument of readCallArguments(call, (node) => this.context.text(node))) {
      const item = this.read(argument.value);
      if (argument.unpacking) {
        return this.failed(argument.value, { node: argument.value, reason: 'unsupported-expression' });
      }
      if (argument.keyword === undefined) {
        positional.push(item);
      } else {
        keywords.set(argument.keyword, item);
      }
    }
    const values = positional.map(staticValueOf);
    const keywordValues = new Map<string, StaticValue | undefined>([...keywords].map(([key, item]) => [key, staticValueOf(item)]));
    if (values.every((value) => value) && [...keywordValues.values()].every((value) => value)) {
      const result = callBuiltin(name, values as StaticValue[], keywordValues as Map<string, StaticValue>);
      return result.ok ? valueItem(result.value) : this.failed(call, { node: call, reason: 'invalid-operation' });
    }
    const objectResult = keywords.size === 0 ? applyToObjects(name, positional) : undefined;
    if (objectResult) {
      return objectResult;
    }
    const unknown = [...positional, ...keywords.values()].find((item) => !staticValueOf(item));
    return this.failedItem(unknown ?? UNKNOWN, call);
  }

  /** Reads every argument of a call for its effects and returns the positional ones. */
  readArguments(call: SyntaxNode): Item[] {
    const positional: Item[] = [];
    for (const argument of readCallArguments(call, (node) => this.context.text(node))) {
      const item = this.read(argument.value);
      if (argument.keyword === undefined && !argument.unpacking) {
        positional.push(item);
      }
    }
    return positional;
  }
}

/** `list`, `tuple`, `len`, `reversed`, `enumerate` and `zip` on sequences that hold objects. */
function applyToObjects(name: string, positional: readonly Item[]): Item | undefined {
  const sequences = positional.map(elementsOfItem);
  const first = sequences[0];
  if (!first || sequences.some((sequence) => !sequence)) {
    return undefined;
  }
  switch (name) {
    case 'list':
    case 'tuple':
      return positional.length === 1 ? sequenceItem(name, first) : undefined;
    case 'len':
      return positional.length === 1 ? valueItem({ kind: 'number', value: first.length, isInteger: true }) : undefined;
    case 'reversed':
      return positional.length === 1 ? sequenceItem('list', [...first].reverse()) : undefined;
    case 'enumerate':
      return positional.length === 1
        ? sequenceItem('list', first.map((item, index) => sequenceItem('tuple', [valueItem({ kind: 'number', value: index, isInteger: true }), item])))
        : undefined;
    case 'zip': {
      const lists = sequences as (readonly Item[])[];
      const length = Math.min(...lists.map((list) => list.length));
      const rows: Item[] = [];
      for (let index = 0; index < length; index++) {
        rows.push(sequenceItem('tuple', lists.map((list) => list[index])));
      }
      return sequenceItem('list', rows);
    }
    default:
      return undefined;
  }
}

/** Binds the target of a `for` clause (`x`, `i, x`, `(i, x)`) to one item, as Python unpacks it. */
export function bindLoopTarget(targets: readonly SyntaxNode[], item: Item, names: Map<string, Item>, textOf: (node: SyntaxNode) => string): void {
  const groups = splitAtCommas(targets);
  if (groups.length === 1 && targets.every((target) => target.name !== ',')) {
    bindOne(groups[0][0], item, names, textOf);
    return;
  }
  bindMany(groups.map((group) => group[0]), item, names, textOf);
}

function bindMany(targets: readonly SyntaxNode[], item: Item, names: Map<string, Item>, textOf: (node: SyntaxNode) => string): void {
  const elements = elementsOfItem(item);
  targets.forEach((target, index) => {
    const element = elements && elements.length === targets.length ? elements[index] : derivedItem(item);
    bindOne(target, element, names, textOf);
  });
}

function bindOne(target: SyntaxNode, item: Item, names: Map<string, Item>, textOf: (node: SyntaxNode) => string): void {
  const inner = unparenthesize(target);
  if (inner.name === 'VariableName') {
    names.set(textOf(inner), item);
  } else if (inner.name === 'TupleExpression' || inner.name === 'ArrayExpression') {
    const elements = childrenOf(inner).filter((child) => !['(', ')', '[', ']'].includes(child.name));
    bindMany(splitAtCommas(elements).map((group) => group[0]), item, names, textOf);
  }
}

/** Returns the item for a part of an item that cannot be unpacked: the same failure or uncertainty, or unknown. */
export function derivedItem(item: Item): Item {
  return item.kind === 'expression' || item.kind === 'uncertain' ? item : UNKNOWN;
}

/** Returns why an item has no static value, as a failure at `node`. */
export function failureOf(item: Item, node: SyntaxNode): EvaluationFailure {
  switch (item.kind) {
    case 'expression':
      return item.failure;
    case 'unknown':
      return { node, reason: 'variable-name' };
    case 'uncertain':
      return { node, reason: 'uncertain-name', related: item.at };
    default:
      return { node, reason: 'unsupported-expression' };
  }
}

function sequenceKindOf(item: Item): 'list' | 'tuple' | undefined {
  if (item.kind === 'sequence') {
    return item.sequence;
  }
  return item.kind === 'value' && (item.value.kind === 'list' || item.value.kind === 'tuple') ? item.value.kind : undefined;
}

/** Returns `a.b.c` for a chain of names and attributes, or undefined for anything else. */
export function dottedPath(node: SyntaxNode, textOf: (node: SyntaxNode) => string): string | undefined {
  if (node.name === 'VariableName') {
    return textOf(node);
  }
  const children = childrenOf(node);
  const [object, dot, property] = children;
  if (node.name !== 'MemberExpression' || children.length !== 3 || dot?.name !== '.' || property?.name !== 'PropertyName' || !object) {
    return undefined;
  }
  const head = dottedPath(object, textOf);
  return head === undefined ? undefined : `${head}.${textOf(property)}`;
}
