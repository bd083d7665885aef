/**
 * Syntax errors: the error nodes Lezer inserts while recovering, brackets that are never
 * closed, and indentation that Python would reject but Lezer's grammar lets through.
 */
import * as l10n from '@vscode/l10n';
import type { ParseContext } from './context';
import { childrenOf, findErrorNodes, type Span, type SyntaxNode } from './syntax';

/** At most this many syntax errors are reported; later ones are usually echoes of the first. */
const MAX_SYNTAX_ERRORS = 20;

const CLOSING_BRACKETS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/** Nodes that hold statements, whose children must share one indentation. */
const BLOCK_NODES = new Set(['Script', 'Body']);

interface SyntaxProblem {
  readonly span: Span;
  readonly message: string;
}

/** Reports every syntax problem, one per line, and returns true when there was any. */
export function reportSyntaxErrors(context: ParseContext): boolean {
  const unclosed = findUnclosedBrackets(context);
  // Inside an unclosed bracket Python reads the following lines as part of the same
  // expression, so the errors there are consequences of the missing bracket: only the
  // bracket is reported.
  const followUp = (problem: SyntaxProblem): boolean =>
    unclosed.some((bracket) => problem.span.from > bracket.span.from && problem.span.from <= bracket.containerEnd);
  const problems = [
    ...unclosed,
    ...findIndentationErrors(context).filter((problem) => !followUp(problem)),
    ...findErrorNodeProblems(context).filter((problem) => !followUp(problem)),
  ];
  problems.sort((a, b) => a.span.from - b.span.from);

  const reportedLines = new Set<number>();
  for (const problem of problems) {
    const line = context.source.positionAt(problem.span.from).line;
    if (reportedLines.has(line)) {
      continue;
    }
    reportedLines.add(line);
    context.sink.error('syntax-error', problem.span, problem.message);
    if (reportedLines.size >= MAX_SYNTAX_ERRORS) {
      break;
    }
  }
  return reportedLines.size > 0;
}

function findErrorNodeProblems(context: ParseContext): SyntaxProblem[] {
  return findErrorNodes(context.source.tree).map((node) =>
    node.to > node.from
      ? {
          span: node,
          message: l10n.t('Syntax error: `{0}` is unexpected here. Check this line for a missing bracket, comma, colon or quote.', context.snippet(node)),
        }
      : {
          span: previousCharacter(context.source.text, node.from),
          message: l10n.t('Syntax error: the statement is incomplete here. Check this line for a missing bracket, comma, colon or quote.'),
        },
  );
}

/**
 * Lezer marks a missing token with an empty error node where the next token starts, often
 * on a later line. The last character before it is where the statement broke off.
 */
function previousCharacter(text: string, offset: number): Span {
  let index = Math.min(offset, text.length) - 1;
  while (index >= 0 && /\s/.test(text[index])) {
    index--;
  }
  return index < 0 ? { from: offset, to: offset } : { from: index, to: index + 1 };
}

interface UnclosedBracket extends SyntaxProblem {
  /** End offset of the node the bracket opens; the parser's recovery reads everything up to it as inside the bracket. */
  readonly containerEnd: number;
}

/** Opening brackets without their closing partner among the same node's children. */
function findUnclosedBrackets(context: ParseContext): UnclosedBracket[] {
  const problems: UnclosedBracket[] = [];
  context.source.tree.iterate({
    enter(ref) {
      const open: SyntaxNode[] = [];
      for (let child = ref.node.firstChild; child; child = child.nextSibling) {
        if (child.name in CLOSING_BRACKETS) {
          open.push(child);
        } else if (open.length > 0 && child.name === CLOSING_BRACKETS[open[open.length - 1].name]) {
          open.pop();
        }
      }
      for (const bracket of open) {
        problems.push({
          span: bracket,
          containerEnd: ref.node.to,
          message: l10n.t('Syntax error: the bracket `{0}` opened here is never closed. Add the matching `{1}`.', bracket.name, CLOSING_BRACKETS[bracket.name]),
        });
      }
    },
  });
  return problems;
}

/**
 * Statements that start a line must be indented like the other statements of their
 * block: not at all at the top level, and like the first statement inside a body.
 */
function findIndentationErrors(context: ParseContext): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  context.source.tree.iterate({
    enter(ref) {
      if (!BLOCK_NODES.has(ref.name)) {
        return;
      }
      let expected: string | undefined = ref.name === 'Script' ? '' : undefined;
      for (const statement of childrenOf(ref.node)) {
        const indentation = lineIndentation(context.source.text, statement.from);
        if (indentation === undefined || statement.type.isError || statement.name === ':') {
          continue;
        }
        expected ??= indentation;
        if (indentation !== expected) {
          problems.push({
            span: statement,
            message: l10n.t('Indentation error: this line is indented differently from the lines around it, and Python raises IndentationError. Align it with the other lines of its block.'),
          });
        }
      }
    },
  });
  return problems;
}

/** Returns the white space before `offset` on its line, or undefined when other text comes first. */
function lineIndentation(text: string, offset: number): string | undefined {
  let start = offset;
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') {
    start--;
  }
  const prefix = text.slice(start, offset);
  return /^[ \t]*$/.test(prefix) ? prefix : undefined;
}
