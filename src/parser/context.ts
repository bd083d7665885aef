/** State shared by the readers of one file: source, diagnostics, names and the evaluator. */
import { DiagnosticSink } from './diagnostics';
import { StaticEvaluator } from './evaluator';
import { NameResolver } from './imports';
import type { ItemScope } from './objects';
import { Frame, ModuleScope } from './scope';
import { unparenthesize, type PythonSource, type Span, type SyntaxNode } from './syntax';

export class ParseContext {
  readonly sink: DiagnosticSink;
  readonly evaluator: StaticEvaluator;
  readonly moduleScope: ModuleScope;
  readonly names: NameResolver;
  /** The frame that assignments change: the module's, or that of the function call being read. */
  frame: Frame;
  /**
   * The scope names are looked up in: usually `frame`, or a scope with the names of one
   * comprehension item on top of it.
   */
  scope: ItemScope;

  constructor(readonly source: PythonSource) {
    this.sink = new DiagnosticSink(source);
    this.evaluator = new StaticEvaluator(source);
    this.moduleScope = new ModuleScope(source);
    this.names = new NameResolver(source, this.moduleScope, this.sink);
    this.frame = new Frame(undefined, this.moduleScope);
    this.scope = this.frame;
  }

  /** Runs `read` with `scope` as the lookup scope. */
  withScope<T>(scope: ItemScope, read: () => T): T {
    const previous = this.scope;
    this.scope = scope;
    try {
      return read();
    } finally {
      this.scope = previous;
    }
  }

  text(span: Span): string {
    return this.source.textOf(span);
  }

  snippet(span: Span): string {
    return this.source.snippetOf(span);
  }

  /**
   * Follows a name to the expression it is bound to at this point of the file, so `opt = SGD(0.1)`
   * then `compile(optimizer=opt)` reads the `SGD(0.1)` call, and `opt = 'SGD'` the string.
   * Before the file is walked (as quick fixes use a context), names assigned once in the whole
   * file are followed instead. Other nodes come back unparenthesized.
   */
  resolveExpression(node: SyntaxNode): SyntaxNode {
    const visited = new Set<number>();
    let current = unparenthesize(node);
    while (current.name === 'VariableName' && !visited.has(current.from)) {
      visited.add(current.from);
      const source = this.sourceOf(this.text(current));
      if (!source) {
        break;
      }
      current = unparenthesize(source);
    }
    return current;
  }

  private sourceOf(name: string): SyntaxNode | undefined {
    if (!this.frame.hasAssignments) {
      const binding = this.moduleScope.lookup(name);
      return binding?.kind === 'expression' ? binding.node : undefined;
    }
    const item = this.scope.lookupItem(name);
    return item?.kind === 'expression' || item?.kind === 'value' ? item.node : undefined;
  }
}
