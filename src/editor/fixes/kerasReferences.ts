/**
 * Names for the Keras classes a quick fix adds, such as `BatchNormalization` or `SGD`. They
 * follow the way the file names its layers: `layers.X` beside `layers.Dense`,
 * `tf.keras.optimizers.X` beside `tf.keras.layers.Dense`, or a bare `X` whose import goes
 * beside the file's other Keras imports.
 */
import { readImportStatement } from '../../parser/imports';
import { canonicalPath } from '../../parser/kerasApi';
import { childrenOf, type SyntaxNode } from '../../parser/syntax';
import type { ModelSource } from './modelSource';
import { insertAt, type SourceEdit } from './sourceEdit';

export type KerasModule = 'layers' | 'optimizers';

export interface ClassReference {
  /** The expression that names the class, such as `BatchNormalization` or `keras.layers.BatchNormalization`. */
  readonly text: string;
  /** The import edit that makes `text` resolve; empty when the name is already available. */
  readonly edits: readonly SourceEdit[];
}

/**
 * Returns how to name `keras.<module>.<className>` in this file, or undefined when the
 * name the fix would add is already taken by something else in the file.
 */
export function kerasClassReference(model: ModelSource, module: KerasModule, className: string): ClassReference | undefined {
  const target = `keras.${module}.${className}`;
  const imports = model.context.moduleScope.importStatements;

  // A name the file already imports for the class.
  for (const statement of imports) {
    for (const binding of readImportStatement(statement, model.source).bindings) {
      if (canonicalPath(binding.path) === target && !model.context.moduleScope.isBoundOutsideImports(binding.localName)) {
        return { text: binding.localName, edits: [] };
      }
    }
  }

  const callee = model.denseCallee();
  if (callee?.name === 'MemberExpression') {
    const qualified = qualifiedReference(model, callee, module, className);
    if (qualified) {
      return { text: qualified, edits: [] };
    }
  }

  // A name the file binds to something else would not be the Keras class.
  if (model.context.moduleScope.lookup(className) !== undefined) {
    return undefined;
  }
  const layersPath = callee ? rawModulePath(model, callee) : undefined;
  if (layersPath === undefined) {
    // The file names its layers without importing them, as a notebook fragment does, and
    // the parser reads such bare names as Keras.
    return { text: className, edits: [] };
  }

  const root = layersPath.split('.layers')[0];
  const modulePath = `${root}.${module}`;
  if (starImportsOf(model).includes(modulePath)) {
    return { text: className, edits: [] };
  }
  return { text: className, edits: [importEdit(model, modulePath, className)] };
}

/**
 * `prefix.Dense` → `prefix.X` for layers, and `a.b.layers.Dense` → `a.b.optimizers.X` for
 * optimizers. Returns undefined when the prefix is a bare name such as `layers`, whose
 * sibling module has no name in the file.
 */
function qualifiedReference(model: ModelSource, callee: SyntaxNode, module: KerasModule, className: string): string | undefined {
  const object = childrenOf(callee)[0];
  if (!object) {
    return undefined;
  }
  const prefix = model.textOf(object);
  if (module === 'layers') {
    return `${prefix}.${className}`;
  }
  const match = /^(.+)\.layers$/.exec(prefix.replace(/\s+/g, ''));
  return match ? `${match[1]}.${module}.${className}` : undefined;
}

/**
 * Returns the dotted module path the file imports the Dense callee's head from. It is
 * `tensorflow.keras.layers` for both `from tensorflow.keras.layers import Dense` and
 * `from tensorflow.keras import layers`, and undefined for bare names without an import.
 */
function rawModulePath(model: ModelSource, callee: SyntaxNode): string | undefined {
  let head: SyntaxNode | undefined = callee;
  while (head?.name === 'MemberExpression') {
    head = childrenOf(head)[0];
  }
  if (head?.name !== 'VariableName') {
    return undefined;
  }
  const name = model.textOf(head);
  for (const statement of model.context.moduleScope.importStatements) {
    const contents = readImportStatement(statement, model.source);
    const binding = contents.bindings.find((candidate) => candidate.localName === name);
    if (binding && binding.path.includes('.layers')) {
      return binding.path;
    }
  }
  return starImportsOf(model).find((path) => path.endsWith('.layers'));
}

function starImportsOf(model: ModelSource): string[] {
  return model.context.moduleScope.importStatements.flatMap(
    (statement) => readImportStatement(statement, model.source).starModules,
  );
}

/**
 * Adds `className` to an existing `from <modulePath> import ...`, after its last name, or
 * else adds `from <modulePath> import <className>` on a new line after the last import.
 */
function importEdit(model: ModelSource, modulePath: string, className: string): SourceEdit {
  const imports = model.context.moduleScope.importStatements;
  for (const statement of imports) {
    const importIndex = childrenOf(statement).findIndex((child) => child.name === 'import');
    const names = childrenOf(statement).slice(importIndex + 1).filter((child) => child.name === 'VariableName');
    const last = names[names.length - 1];
    if (last && fromModuleOf(model, statement) === modulePath) {
      return insertAt(last.to, `, ${className}`);
    }
  }
  const lastImport = imports.filter((statement) => statement.parent?.name === 'Script').at(-1) ?? imports.at(-1);
  const line = `from ${modulePath} import ${className}`;
  return lastImport ? model.insertLinesAfter(lastImport, [line]) : insertAt(0, `${line}${model.eol}`);
}

/** Returns the module of a `from <module> import ...` statement, or undefined for `import ...`. */
function fromModuleOf(model: ModelSource, statement: SyntaxNode): string | undefined {
  const tokens = childrenOf(statement);
  if (tokens[0]?.name !== 'from') {
    return undefined;
  }
  const importIndex = tokens.findIndex((token) => token.name === 'import');
  return tokens
    .slice(1, importIndex)
    .map((token) => model.textOf(token))
    .join('');
}
