/**
 * Name bindings. `ModuleScope` collects every binding of the file before it is read, with
 * Python scopes flattened into one table: the name resolver uses it to follow imports and
 * aliases. `Frame` stores the values names have at the current point of the reading, in
 * execution order, with one frame per module and per function call.
 */
import { bindNames, namesOf, readAssignment, readTarget } from './assignments';
import type { Binding, Scope } from './evaluator';
import { readImportStatement } from './imports';
import { attributeOf, staticValueOf, type Item, type ItemScope } from './objects';
import { childrenOf, splitAtCommas, type PythonSource, type SyntaxNode } from './syntax';

interface NameRecord {
  count: number;
  /** How many of the bindings are imports. */
  importCount: number;
  /** The bound expression when the only binding is a plain assignment outside any loop. */
  expression?: SyntaxNode;
}

const LOOP_STATEMENTS = new Set(['ForStatement', 'WhileStatement']);
/** Nodes whose variables live in a scope of their own and never leak into the file's names. */
const SEPARATE_SCOPES = new Set([
  'LambdaExpression',
  'ArrayComprehensionExpression',
  'DictionaryComprehensionExpression',
  'SetComprehensionExpression',
  'ComprehensionExpression',
]);

export class ModuleScope implements Scope {
  readonly importStatements: SyntaxNode[] = [];
  private readonly records = new Map<string, NameRecord>();

  constructor(private readonly source: PythonSource) {
    this.collect(source.root, false);
  }

  lookup(name: string): Binding | undefined {
    const record = this.records.get(name);
    if (!record && name === '__name__') {
      // The file is read as a script that Python runs directly.
      return { kind: 'value', value: { kind: 'string', value: '__main__' } };
    }
    if (!record) {
      return undefined;
    }
    if (record.count > 1) {
      return { kind: 'reassigned' };
    }
    return record.expression ? { kind: 'expression', node: record.expression } : { kind: 'variable' };
  }

  /** True when the file binds `name` anywhere, in any scope. */
  has(name: string): boolean {
    return this.records.has(name);
  }

  /** True when the file binds `name` other than by importing it, so a local value may replace the import. */
  isBoundOutsideImports(name: string): boolean {
    const record = this.records.get(name);
    return record !== undefined && record.count > record.importCount;
  }

  private collect(node: SyntaxNode, insideLoop: boolean): void {
    if (SEPARATE_SCOPES.has(node.name)) {
      return;
    }
    switch (node.name) {
      case 'AssignStatement':
        this.collectAssignment(node, insideLoop);
        break;
      case 'UpdateStatement':
        this.collectUpdate(node);
        break;
      case 'ImportStatement':
        this.importStatements.push(node);
        for (const binding of readImportStatement(node, this.source).bindings) {
          this.record(binding.localName, undefined, true);
        }
        break;
      case 'ForStatement':
        this.collectForTargets(node);
        break;
      case 'FunctionDefinition':
        this.collectFunction(node);
        break;
      case 'ClassDefinition':
        this.collectDefinitionName(node);
        break;
      case 'WithStatement':
      case 'TryStatement':
        this.collectAsTargets(node);
        break;
      case 'NamedExpression':
        this.collectDefinitionName(node);
        break;
    }
    const childInsideLoop = insideLoop || LOOP_STATEMENTS.has(node.name);
    for (const child of childrenOf(node)) {
      this.collect(child, childInsideLoop);
    }
  }

  private collectAssignment(statement: SyntaxNode, insideLoop: boolean): void {
    const parts = readAssignment(statement, (span) => this.source.textOf(span));
    if (!parts) {
      return;
    }
    for (const target of parts.targets) {
      for (const binding of bindNames(target, parts.value)) {
        this.record(binding.name, insideLoop ? undefined : binding.value);
      }
    }
  }

  private collectUpdate(statement: SyntaxNode): void {
    const target = childrenOf(statement)[0];
    if (target?.name === 'VariableName') {
      this.record(this.source.textOf(target));
    }
  }

  private collectForTargets(statement: SyntaxNode): void {
    const children = childrenOf(statement);
    const inIndex = children.findIndex((child) => child.name === 'in');
    for (const group of splitAtCommas(children.slice(1, Math.max(inIndex, 1)))) {
      for (const { name } of namesOf(readTarget(group[0], (span) => this.source.textOf(span)))) {
        this.record(name);
      }
    }
  }

  private collectFunction(definition: SyntaxNode): void {
    this.collectDefinitionName(definition);
    const parameters = definition.getChild('ParamList');
    if (!parameters) {
      return;
    }
    // A parameter is a name that does not follow `=`, which would make it a default value.
    let previous: SyntaxNode | undefined;
    for (const child of childrenOf(parameters)) {
      if (child.name === 'VariableName' && previous?.name !== 'AssignOp') {
        this.record(this.source.textOf(child));
      }
      previous = child;
    }
  }

  private collectDefinitionName(node: SyntaxNode): void {
    const name = node.getChild('VariableName');
    if (name) {
      this.record(this.source.textOf(name));
    }
  }

  private collectAsTargets(statement: SyntaxNode): void {
    let afterAs = false;
    for (const child of childrenOf(statement)) {
      if (afterAs && child.name === 'VariableName') {
        this.record(this.source.textOf(child));
      }
      afterAs = child.name === 'as';
    }
  }

  private record(name: string, expression?: SyntaxNode, isImport = false): void {
    const record = this.records.get(name);
    if (record) {
      record.count++;
      record.importCount += isImport ? 1 : 0;
      record.expression = undefined;
    } else {
      this.records.set(name, { count: 1, importCount: isImport ? 1 : 0, expression });
    }
  }
}

/** Counts assignments across all frames, so a snapshot can ignore later ones. */
let assignmentClock = 0;

interface Assignment {
  readonly version: number;
  readonly item: Item;
  /** The target that was assigned, for messages about uncertain names. */
  readonly at?: SyntaxNode;
}

/**
 * The names of one module or function call and their values at the current point of the
 * reading. Every assignment is kept with a version, so that an expression stored for later
 * can be evaluated with the values its names had when it was assigned.
 */
export class Frame implements ItemScope {
  private readonly assignments = new Map<string, Assignment[]>();
  /** Names a function declares `global`: assigning them changes the module frame. */
  readonly globalNames = new Set<string>();

  constructor(
    readonly parent: Frame | undefined,
    private readonly moduleScope: ModuleScope,
    /** True for the namespace of a class body, whose names its methods do not see. */
    readonly isClassBody = false,
  ) {}

  get version(): number {
    return assignmentClock;
  }

  /** True once anything is assigned in this frame, that is once the reader has walked the file. */
  get hasAssignments(): boolean {
    return this.assignments.size > 0;
  }

  private get root(): Frame {
    return this.parent ? this.parent.root : this;
  }

  assign(name: string, item: Item, at?: SyntaxNode): void {
    if (this.globalNames.has(name) && this.parent) {
      this.root.assign(name, item, at);
      return;
    }
    assignmentClock++;
    const list = this.assignments.get(name) ?? [];
    list.push({ version: assignmentClock, item, at });
    this.assignments.set(name, list);
  }

  lookupItem(name: string): Item | undefined {
    return this.itemAt(name, Number.POSITIVE_INFINITY);
  }

  lookup(name: string): Binding | undefined {
    return this.bindingAt(name, Number.POSITIVE_INFINITY);
  }

  /** Returns a read-only view of the names as they are now, unaffected by later assignments. */
  snapshot(): ItemScope {
    const version = assignmentClock;
    return {
      lookupItem: (name) => this.itemAt(name, version),
      lookup: (name) => this.bindingAt(name, version),
    };
  }

  /** Returns the names assigned in this frame after `version`, each with its latest target. */
  assignedSince(version: number): Map<string, SyntaxNode | undefined> {
    const names = new Map<string, SyntaxNode | undefined>();
    for (const [name, list] of this.assignments) {
      const latest = list[list.length - 1];
      if (latest.version > version) {
        names.set(name, latest.at);
      }
    }
    return names;
  }

  private itemAt(path: string, version: number): Item | undefined {
    const [head, ...attributes] = path.split('.');
    let item = this.ownItemAt(head, version);
    for (const attribute of attributes) {
      if (!item || item.kind === 'expression' || item.kind === 'unknown' || item.kind === 'uncertain') {
        // `x.shape` of a value that is not static has no static value either, for the same reason.
        return item;
      }
      item = attributeOf(item, attribute);
    }
    return item;
  }

  private ownItemAt(name: string, version: number): Item | undefined {
    const list = this.assignments.get(name);
    if (list) {
      for (let index = list.length - 1; index >= 0; index--) {
        if (list[index].version <= version) {
          return list[index].item;
        }
      }
    }
    if (this.globalNames.has(name) && this.parent) {
      return this.root.ownItemAt(name, version);
    }
    return this.parent?.ownItemAt(name, version);
  }

  private bindingAt(path: string, version: number): Binding | undefined {
    const item = this.itemAt(path, version);
    if (item) {
      return bindingOf(item);
    }
    if (path === '__name__') {
      // The file is read as a script that Python runs directly.
      return { kind: 'value', value: { kind: 'string', value: '__main__' } };
    }
    // A name the file binds elsewhere (an import, a later assignment, another function's
    // local) has no value known at this point.
    return !path.includes('.') && this.moduleScope.has(path) ? { kind: 'variable' } : undefined;
  }
}

/** Names bound for one item of a comprehension or one call, on top of a parent scope. */
export class LocalScope implements ItemScope {
  constructor(
    private readonly parent: ItemScope,
    private readonly items: ReadonlyMap<string, Item>,
  ) {}

  lookupItem(name: string): Item | undefined {
    const [head, ...attributes] = name.split('.');
    const item = this.items.get(head);
    if (!item) {
      return this.parent.lookupItem(name);
    }
    return attributes.reduce<Item | undefined>((current, attribute) => (current ? attributeOf(current, attribute) : undefined), item);
  }

  lookup(name: string): Binding | undefined {
    if (!this.items.has(name.split('.')[0])) {
      return this.parent.lookup(name);
    }
    const item = this.lookupItem(name);
    return item ? bindingOf(item) : undefined;
  }
}

/** Converts the item a name is bound to into the binding the static evaluator reads. */
export function bindingOf(item: Item): Binding {
  switch (item.kind) {
    case 'value':
      return { kind: 'value', value: item.value };
    case 'expression':
      return { kind: 'expression', node: item.node, scope: item.scope, failure: item.failure };
    case 'unknown':
      return { kind: 'variable' };
    case 'uncertain':
      return { kind: 'uncertain', at: item.at };
    case 'sequence': {
      const value = staticValueOf(item);
      return value ? { kind: 'value', value } : { kind: 'object' };
    }
    default:
      return { kind: 'object' };
  }
}
