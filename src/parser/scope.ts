/**
 * Name bindings of the whole file, collected before the model is read: how often each name
 * is bound and, for names bound once, to which expression. Python scopes are flattened into
 * one table, so a name assigned in two functions counts as assigned twice. That only makes
 * the parser more cautious about constant values.
 */
import { bindNames, namesOf, readAssignment, readTarget } from './assignments';
import type { Binding, Scope } from './evaluator';
import { readImportStatement } from './imports';
import { childrenOf, splitAtCommas, type PythonSource, type SyntaxNode } from './syntax';
import type { StaticValue } from './values';

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

/** Loop variables bound to values while the parser unrolls a `for` loop over a literal list. */
export class LoopScope implements Scope {
  constructor(
    private readonly parent: Scope,
    private readonly values: ReadonlyMap<string, StaticValue>,
  ) {}

  lookup(name: string): Binding | undefined {
    const value = this.values.get(name);
    return value ? { kind: 'value', value } : this.parent.lookup(name);
  }
}
