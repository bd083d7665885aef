/**
 * Import resolution: which dotted module path each local name stands for, so that `Dense`,
 * `layers.Dense`, `keras.layers.Dense` and `tf.keras.layers.Dense` all lead to the same
 * Keras class.
 */
import * as l10n from '@vscode/l10n';
import type { DiagnosticSink } from './diagnostics';
import { BARE_KERAS_NAMES, canonicalPath, lookupKerasSymbol, type KerasSymbol } from './kerasApi';
import { correctedPath, findMisspelling, type Misspelling } from './kerasCatalog';
import type { ModuleScope } from './scope';
import { childrenOf, type PythonSource, type Span, type SyntaxNode } from './syntax';

export interface ImportBinding {
  readonly localName: string;
  /** The dotted path the name stands for: `import numpy as np` binds `np` to `numpy`. */
  readonly path: string;
  /** The whole dotted path the clause names: `a.b.c` for `import a.b.c`, which binds `a`. */
  readonly importedPath: string;
  /** The clause's dotted name in the file. */
  readonly span: Span;
}

export interface ImportStatementContents {
  readonly bindings: readonly ImportBinding[];
  /** Modules imported with `from module import *`. */
  readonly starModules: readonly string[];
  /** The module of a `from module import ...` statement. */
  readonly fromModule?: { readonly path: string; readonly span: Span };
}

/** Reads one `import ...` or `from ... import ...` statement. Relative imports bind nothing Keras. */
export function readImportStatement(statement: SyntaxNode, source: PythonSource): ImportStatementContents {
  const tokens = childrenOf(statement).filter((child) => !child.type.isError && child.name !== '(' && child.name !== ')');
  const keyword = tokens[0] ? source.textOf(tokens[0]) : '';
  const bindings: ImportBinding[] = [];
  const starModules: string[] = [];

  if (keyword === 'import') {
    for (const clause of splitClauses(tokens.slice(1))) {
      const dotted = dottedName(clause.path, source);
      if (!dotted) {
        continue;
      }
      // `import a.b.c` binds `a`; `import a.b.c as x` binds `x` to `a.b.c`.
      const span = spanOf(clause.path);
      bindings.push(
        clause.alias
          ? { localName: source.textOf(clause.alias), path: dotted, importedPath: dotted, span }
          : { localName: dotted.split('.')[0], path: dotted.split('.')[0], importedPath: dotted, span },
      );
    }
    return { bindings, starModules };
  }

  const importIndex = tokens.findIndex((token) => token.name === 'import');
  if (keyword !== 'from' || importIndex < 0) {
    return { bindings, starModules };
  }
  const moduleTokens = tokens.slice(1, importIndex);
  const modulePath = dottedName(moduleTokens, source);
  if (!modulePath || modulePath.startsWith('.')) {
    return { bindings, starModules };
  }
  for (const clause of splitClauses(tokens.slice(importIndex + 1))) {
    if (clause.path.length === 1 && clause.path[0].name === '*') {
      starModules.push(modulePath);
      continue;
    }
    const name = dottedName(clause.path, source);
    if (name) {
      const path = `${modulePath}.${name}`;
      bindings.push({ localName: clause.alias ? source.textOf(clause.alias) : name, path, importedPath: path, span: spanOf(clause.path) });
    }
  }
  return { bindings, starModules, fromModule: { path: modulePath, span: spanOf(moduleTokens) } };
}

function spanOf(tokens: readonly SyntaxNode[]): Span {
  return { from: tokens[0].from, to: tokens[tokens.length - 1].to };
}

interface ImportClause {
  readonly path: readonly SyntaxNode[];
  readonly alias?: SyntaxNode;
}

function splitClauses(tokens: readonly SyntaxNode[]): ImportClause[] {
  const clauses: ImportClause[] = [];
  let path: SyntaxNode[] = [];
  let alias: SyntaxNode | undefined;
  let afterAs = false;
  const flush = (): void => {
    if (path.length > 0) {
      clauses.push({ path, alias });
    }
    path = [];
    alias = undefined;
    afterAs = false;
  };
  for (const token of tokens) {
    if (token.name === ',') {
      flush();
    } else if (token.name === 'as') {
      afterAs = true;
    } else if (afterAs) {
      alias = token;
    } else {
      path.push(token);
    }
  }
  flush();
  return clauses;
}

function dottedName(tokens: readonly SyntaxNode[], source: PythonSource): string | undefined {
  if (tokens.length === 0 || tokens.some((token) => token.name !== 'VariableName' && token.name !== '.')) {
    return undefined;
  }
  return tokens.map((token) => source.textOf(token)).join('');
}

/**
 * Resolves names and attribute chains to Keras symbols, following imports, aliases such as
 * `mnist = tf.keras.datasets.mnist`, star imports, and bare Keras names in files without
 * imports.
 */
export class NameResolver {
  private readonly imports = new Map<string, string>();
  private readonly starModules: string[] = [];
  /** True when the file imports anything from Keras or TensorFlow. */
  private readonly importsKeras: boolean;
  private readonly warnedBareNames = new Set<string>();

  constructor(
    private readonly source: PythonSource,
    private readonly scope: ModuleScope,
    private readonly sink: DiagnosticSink,
  ) {
    for (const statement of scope.importStatements) {
      const contents = readImportStatement(statement, source);
      const correct = this.checkImportSpelling(contents);
      for (const binding of contents.bindings) {
        this.imports.set(binding.localName, correct(binding.path, binding.importedPath));
      }
      this.starModules.push(...contents.starModules.map((module) => correct(module, module)));
    }
    this.importsKeras = [...this.imports.values(), ...this.starModules].some(isKerasModule);
  }

  /** Returns the canonical dotted path of a name or attribute chain, or undefined for local variables. */
  qualifiedName(node: SyntaxNode, visited = new Set<number>()): string | undefined {
    if (node.name === 'VariableName') {
      const path = this.resolveHead(node, visited);
      return path === undefined ? undefined : canonicalPath(path);
    }
    if (node.name !== 'MemberExpression') {
      return undefined;
    }
    const children = childrenOf(node);
    const [object, dot, property] = children;
    if (children.length !== 3 || dot?.name !== '.' || property?.name !== 'PropertyName') {
      return undefined;
    }
    const objectPath = this.qualifiedName(object, visited);
    return objectPath === undefined ? undefined : canonicalPath(`${objectPath}.${this.source.textOf(property)}`);
  }

  symbolOf(node: SyntaxNode): KerasSymbol | undefined {
    const path = this.qualifiedName(node);
    return path === undefined ? undefined : lookupKerasSymbol(path);
  }

  private resolveHead(node: SyntaxNode, visited: Set<number>): string | undefined {
    const name = this.source.textOf(node);
    const imported = this.imports.get(name);
    const binding = this.scope.lookup(name);

    if (binding?.kind === 'expression' && !visited.has(binding.node.from)) {
      // An alias such as `mnist = tf.keras.datasets.mnist` resolves through its value.
      visited.add(binding.node.from);
      return this.qualifiedName(binding.node, visited);
    }
    if (imported !== undefined) {
      return this.scope.isBoundOutsideImports(name) ? undefined : imported;
    }
    if (binding) {
      return undefined;
    }

    for (const module of this.starModules) {
      const candidate = canonicalPath(`${module}.${name}`);
      if (lookupKerasSymbol(candidate)) {
        return candidate;
      }
    }
    const bare = BARE_KERAS_NAMES.get(name);
    if (bare !== undefined && this.importsKeras) {
      this.warnMissingImport(node, name, bare);
    }
    return bare;
  }

  /**
   * Reports a misspelt Keras or TensorFlow module or name in an import, such as
   * `from keras.layer import Dense`, and returns a function that fixes the paths the
   * statement binds, so the rest of the file reads as the author meant it.
   */
  private checkImportSpelling(contents: ImportStatementContents): (path: string, importedPath: string) => string {
    const fixes: Array<{ readonly prefix: string; readonly misspelling: Misspelling }> = [];
    const check = (path: string, span: Span): boolean => {
      const misspelling = findMisspelling(path);
      if (!misspelling) {
        return false;
      }
      this.sink.error(
        'unknown-import',
        span,
        l10n.t('There is no `{0}` in Keras or TensorFlow, so this import fails when Python runs it. Did you mean `{1}`?', path, correctedPath(path, misspelling)),
      );
      fixes.push({ prefix: path, misspelling });
      return true;
    };

    const module = contents.fromModule;
    if (!module || !check(module.path, module.span)) {
      for (const binding of contents.bindings) {
        check(binding.importedPath, binding.span);
      }
    }

    return (path, importedPath) => {
      const fix = fixes.find((entry) => importedPath === entry.prefix || importedPath.startsWith(`${entry.prefix}.`));
      if (!fix || fix.misspelling.index >= path.split('.').length) {
        return path;
      }
      return correctedPath(path, fix.misspelling);
    };
  }

  private warnMissingImport(node: SyntaxNode, name: string, path: string): void {
    if (this.warnedBareNames.has(name)) {
      return;
    }
    this.warnedBareNames.add(name);
    const module = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : undefined;
    let fix = `from ${module} import ${name}`;
    if (!module) {
      fix = path === name ? `import ${path}` : `import ${path} as ${name}`;
    }
    this.sink.warning(
      'missing-import',
      node,
      l10n.t({
        message: '`{0}` is used but not imported, so Python would raise NameError here. Gradient Flow reads it as Keras `{1}`; add `{2}` at the top of the file.',
        args: [name, path, fix],
        comment: ['{0} is a Python name, {1} a dotted Keras path, {2} an import statement.'],
      }),
    );
  }
}

function isKerasModule(path: string): boolean {
  return /^(keras|tensorflow|tf_keras)(\.|$)/.test(path);
}
