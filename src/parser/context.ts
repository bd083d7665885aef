/** State shared by the readers of one file: source, diagnostics, names and the evaluator. */
import { DiagnosticSink } from './diagnostics';
import { StaticEvaluator, type Scope } from './evaluator';
import { NameResolver } from './imports';
import { ModuleScope } from './scope';
import { unparenthesize, type PythonSource, type Span, type SyntaxNode } from './syntax';

export class ParseContext {
  readonly sink: DiagnosticSink;
  readonly evaluator: StaticEvaluator;
  readonly moduleScope: ModuleScope;
  readonly names: NameResolver;
  /** The scope values are evaluated in; a loop scope while the reader unrolls a `for` loop. */
  scope: Scope;

  constructor(readonly source: PythonSource) {
    this.sink = new DiagnosticSink(source);
    this.evaluator = new StaticEvaluator(source);
    this.moduleScope = new ModuleScope(source);
    this.names = new NameResolver(source, this.moduleScope, this.sink);
    this.scope = this.moduleScope;
  }

  text(span: Span): string {
    return this.source.textOf(span);
  }

  snippet(span: Span): string {
    return this.source.snippetOf(span);
  }

  /**
   * Follows a name assigned once to an expression, so `opt = SGD(0.1)` then
   * `compile(optimizer=opt)` reads the `SGD(0.1)` call. Other nodes come back unparenthesized.
   */
  resolveExpression(node: SyntaxNode): SyntaxNode {
    const visited = new Set<number>();
    let current = unparenthesize(node);
    while (current.name === 'VariableName' && !visited.has(current.from)) {
      visited.add(current.from);
      const binding = this.scope.lookup(this.text(current));
      if (binding?.kind !== 'expression') {
        break;
      }
      current = unparenthesize(binding.node);
    }
    return current;
  }
}
