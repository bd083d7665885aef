/**
 * The model file as the quick fixes see it: the syntax tree of the current text, the calls
 * behind the spec's layers and `compile`, and their arguments. It also reads the file's own
 * style (line breaks, indentation, quotes, spacing around `=`), so that edits read as if the
 * student had typed them.
 */
import type { ModelSpec, SourceRange } from '../../common/modelSpec';
import { readCallArguments, calleeOf, type CallArgument } from '../../parser/callArguments';
import { ParseContext } from '../../parser/context';
import { PythonSource, type SyntaxNode } from '../../parser/syntax';
import { insertAt, offsetAt, type SourceEdit } from './sourceEdit';

export class ModelSource {
  readonly source: PythonSource;
  readonly context: ParseContext;
  /** The file's line break: `\r\n` when the file uses it anywhere, else `\n`. */
  readonly eol: string;

  constructor(
    readonly text: string,
    readonly spec: ModelSpec,
  ) {
    this.source = new PythonSource(text);
    this.context = new ParseContext(this.source);
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
  }

  textOf(span: { readonly from: number; readonly to: number }): string {
    return this.source.textOf(span);
  }

  /** Returns the call expression that spans exactly `range`, or undefined when the text no longer has one there. */
  callAt(range: SourceRange): SyntaxNode | undefined {
    const from = offsetAt(this.source, range.startLine, range.startCharacter);
    const to = offsetAt(this.source, range.endLine, range.endCharacter);
    for (let node: SyntaxNode | null = this.source.tree.resolveInner(from, 1); node; node = node.parent) {
      if (node.name === 'CallExpression' && node.from === from && node.to === to) {
        return node;
      }
      if (node.from < from) {
        return undefined;
      }
    }
    return undefined;
  }

  /** Returns the call that creates `spec.layers[specIndex]`. */
  layerCall(specIndex: number): SyntaxNode | undefined {
    const layer = this.spec.layers[specIndex];
    return layer ? this.callAt(layer.range) : undefined;
  }

  /** Returns the `compile(...)` call, when the file has one. */
  compileCall(): SyntaxNode | undefined {
    const range = this.spec.compile.range;
    return range ? this.callAt(range) : undefined;
  }

  argumentsOf(call: SyntaxNode): CallArgument[] {
    return readCallArguments(call, (node) => this.textOf(node));
  }

  /** Returns the argument passed as `keyword=` or, when `position` is given, as that 0-based positional argument. */
  argument(call: SyntaxNode, keywords: readonly string[], position?: number): CallArgument | undefined {
    const all = this.argumentsOf(call);
    const byKeyword = all.find((argument) => argument.keyword !== undefined && keywords.includes(argument.keyword));
    if (byKeyword || position === undefined) {
      return byKeyword;
    }
    const positional = all.filter((argument) => argument.keyword === undefined && argument.unpacking === undefined);
    return positional[position];
  }

  /**
   * Writes `name=value` with the spacing around `=` that `like` uses (`units = 64` gives
   * `name = value`), or without spaces as PEP 8 has it.
   */
  keywordArgument(name: string, value: string, like?: CallArgument): string {
    if (like?.keyword !== undefined) {
      const written = this.textOf({ from: like.span.from, to: like.value.from });
      const assign = /\s*=\s*$/.exec(written)?.[0];
      if (assign !== undefined) {
        return `${name}${assign}${value}`;
      }
    }
    return `${name}=${value}`;
  }

  /**
   * Inserts `argument` (already written, such as `clipnorm=1.0`) after the call's last
   * argument, or inside empty parentheses.
   */
  appendArgument(call: SyntaxNode, argument: string): SourceEdit | undefined {
    const all = this.argumentsOf(call);
    const last = all[all.length - 1];
    if (last) {
      return insertAt(last.span.to, `${this.argumentSeparator(all, all.length - 1)}${argument}`);
    }
    const open = call.getChild('ArgList')?.firstChild;
    return open?.name === '(' ? insertAt(open.to, argument) : undefined;
  }

  /** Inserts `argument` right after `after`, one of the call's arguments. */
  insertArgumentAfter(call: SyntaxNode, after: CallArgument, argument: string): SourceEdit {
    const all = this.argumentsOf(call);
    const index = all.findIndex((candidate) => candidate.span.from === after.span.from);
    return insertAt(after.span.to, `${this.argumentSeparator(all, Math.max(index, 0))}${argument}`);
  }

  /**
   * Returns the text between two arguments as the call writes it, such as `, `, or `,\n    `
   * in a call with one argument per line. Without a clean example it returns `, `.
   */
  private argumentSeparator(all: readonly CallArgument[], index: number): string {
    const neighbours: [CallArgument | undefined, CallArgument | undefined][] = [
      [all[index - 1], all[index]],
      [all[index], all[index + 1]],
    ];
    for (const [before, after] of neighbours) {
      if (before && after) {
        const between = this.textOf({ from: before.span.to, to: after.span.from });
        if (/^\s*,\s*$/.test(between)) {
          return between.trimStart();
        }
      }
    }
    return ', ';
  }

  /** Returns the quote character of the file's first string literal, else `'`. */
  quote(): string {
    let quote: string | undefined;
    this.source.tree.iterate({
      enter: (node) => {
        if (quote !== undefined) {
          return false;
        }
        if (node.name === 'String') {
          const first = /['"]/.exec(this.textOf(node))?.[0];
          quote = first;
          return false;
        }
        return undefined;
      },
    });
    return quote ?? "'";
  }

  /** Writes a Python string literal in the file's quotes; `text` needs no escaping. */
  stringLiteral(text: string, like?: SyntaxNode): string {
    const quote = like?.name === 'String' ? (/['"]/.exec(this.textOf(like))?.[0] ?? this.quote()) : this.quote();
    return `${quote}${text}${quote}`;
  }

  /** Returns the offset of the end of the line that contains `offset`, before its line break. */
  lineEnd(offset: number): number {
    let end = offset;
    while (end < this.text.length && this.text[end] !== '\n' && this.text[end] !== '\r') {
      end++;
    }
    return end;
  }

  /** Returns the offset of the start of the line that contains `offset`. */
  lineStart(offset: number): number {
    let start = offset;
    while (start > 0 && this.text[start - 1] !== '\n' && this.text[start - 1] !== '\r') {
      start--;
    }
    return start;
  }

  /** Returns the white space the line of `offset` starts with. */
  indentationAt(offset: number): string {
    const start = this.lineStart(offset);
    return /^[ \t]*/.exec(this.text.slice(start))?.[0] ?? '';
  }

  /** Returns the statement that contains `node`: the child of the module or of a block body. */
  statementOf(node: SyntaxNode): SyntaxNode | undefined {
    for (let current: SyntaxNode | null = node; current; current = current.parent) {
      const parent = current.parent;
      if (parent && (parent.name === 'Script' || parent.name === 'Body')) {
        return current;
      }
    }
    return undefined;
  }

  /** Inserts `lines` as new lines after the line on which `statement` ends, at the statement's indentation. */
  insertLinesAfter(statement: SyntaxNode, lines: readonly string[]): SourceEdit {
    const indentation = this.indentationAt(statement.from);
    return insertAt(this.lineEnd(statement.to), lines.map((line) => `${this.eol}${indentation}${line}`).join(''));
  }

  /** Returns the callee of the first Dense layer's call, which shows how the file names Keras layers. */
  denseCallee(): SyntaxNode | undefined {
    const index = this.spec.layers.findIndex((layer) => layer.className === 'Dense');
    const call = index >= 0 ? this.layerCall(index) : undefined;
    return call ? calleeOf(call) : undefined;
  }
}

/** Formats a float as Python source: `0.001`, `1e-05` style exponents, and `1.0` for whole numbers. */
export function pythonFloat(value: number): string {
  const rounded = Number(value.toPrecision(6));
  const text = String(rounded);
  return /[.e]/.test(text) ? text : `${text}.0`;
}
