/**
 * A Python file parsed by @lezer/python, with the conversions the rest of the parser needs:
 * node offsets to 0-based lines and UTF-16 columns, node text, and comment-free child lists.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { parser } from '@lezer/python';
import type { SourceRange } from '../common/modelSpec';
import { rewriteTrailingDotFloats } from './trailingDotFloats';

export type { SyntaxNode };

/** Anything with a start and end offset: a syntax node or a plain span. */
export interface Span {
  readonly from: number;
  readonly to: number;
}

export interface Position {
  readonly line: number;
  readonly character: number;
}

export class PythonSource {
  readonly tree: Tree;
  /** Offset of the first character of each line; a line ends at `\n`, `\r\n` or `\r` as in VS Code. */
  private readonly lineStarts: number[];

  /** Offsets of the dots that end float literals such as `255.`; see `rewriteTrailingDotFloats`. */
  private readonly trailingDots: ReadonlySet<number>;

  constructor(readonly text: string) {
    const rewritten = rewriteTrailingDotFloats(text);
    this.tree = parser.parse(rewritten.text);
    this.trailingDots = rewritten.trailingDots;
    this.lineStarts = findLineStarts(text);
  }

  /** True for a number literal written with a trailing dot, such as `255.`, which Python reads as a float. */
  endsWithTrailingDot(node: Span): boolean {
    return this.trailingDots.has(node.to);
  }

  get root(): SyntaxNode {
    return this.tree.topNode;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle] <= clamped) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return { line: low, character: clamped - this.lineStarts[low] };
  }

  rangeOf(span: Span): SourceRange {
    const start = this.positionAt(span.from);
    const end = this.positionAt(span.to);
    return { startLine: start.line, startCharacter: start.character, endLine: end.line, endCharacter: end.character };
  }

  /** Returns the range of a whole 0-based line, without its line break. */
  lineRange(line: number): SourceRange {
    const index = Math.max(0, Math.min(line, this.lineStarts.length - 1));
    const from = this.lineStarts[index];
    let to = index + 1 < this.lineStarts.length ? this.lineStarts[index + 1] : this.text.length;
    while (to > from && (this.text[to - 1] === '\n' || this.text[to - 1] === '\r')) {
      to--;
    }
    return this.rangeOf({ from, to });
  }

  textOf(span: Span): string {
    return this.text.slice(span.from, span.to);
  }

  /**
   * Returns the node's text on one line, shortened for messages. Runs of white space become
   * one space, other control characters become `\xNN` escapes so the message shows them,
   * and anything past `maxLength` characters becomes an ellipsis.
   */
  snippetOf(span: Span, maxLength = 60): string {
    const flat = this.textOf(span)
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/[\u0000-\u001f\u007f]/g, (character) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
    return flat.length <= maxLength ? flat : `${flat.slice(0, maxLength - 1)}…`;
  }
}

function findLineStarts(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 13 /* \r */) {
      if (text.charCodeAt(index + 1) === 10 /* \n */) {
        index++;
      }
      starts.push(index + 1);
    } else if (code === 10 /* \n */) {
      starts.push(index + 1);
    }
  }
  return starts;
}

/**
 * True when two node objects stand for the same node. Lezer builds a new object on every
 * access to a node, so `===` does not work for that.
 */
export function sameNode(a: SyntaxNode, b: SyntaxNode): boolean {
  return a.from === b.from && a.to === b.to && a.type === b.type;
}

/** Returns the node's children in order, without comments. */
export function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const children: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.name !== 'Comment') {
      children.push(child);
    }
  }
  return children;
}

export function isErrorNode(node: SyntaxNode): boolean {
  return node.type.isError;
}

/** Finds every error node that Lezer inserted while recovering from invalid syntax, in order. */
export function findErrorNodes(tree: Tree): SyntaxNode[] {
  const errors: SyntaxNode[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) {
        errors.push(ref.node);
      }
    },
  });
  return errors;
}

/** Splits a node list at `,` tokens, dropping error nodes, so `a, b=1` becomes `[[a], [b, =, 1]]`. */
export function splitAtCommas(nodes: readonly SyntaxNode[]): SyntaxNode[][] {
  const groups: SyntaxNode[][] = [[]];
  for (const node of nodes) {
    if (node.name === ',') {
      groups.push([]);
    } else if (!isErrorNode(node)) {
      groups[groups.length - 1].push(node);
    }
  }
  return groups.filter((group) => group.length > 0);
}

/**
 * Returns the elements of a bracketed expression (`(a, b)`, `[a, b]`) or of an unbracketed
 * tuple, without the brackets and commas.
 */
export function elementsOf(node: SyntaxNode): SyntaxNode[] {
  const inner = childrenOf(node).filter((child) => !['(', ')', '[', ']'].includes(child.name));
  return splitAtCommas(inner).map((group) => group[0]);
}

/** Strips redundant parentheses: `((x))` becomes `x`. */
export function unparenthesize(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (current.name === 'ParenthesizedExpression') {
    const inner = childrenOf(current).filter((child) => child.name !== '(' && child.name !== ')' && !isErrorNode(child));
    if (inner.length !== 1) {
      return current;
    }
    current = inner[0];
  }
  return current;
}
