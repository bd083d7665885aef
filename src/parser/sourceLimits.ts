/**
 * Checks that run before @lezer/python parses the text: content that is not a Python script
 * at all, or that would keep the extension host busy for seconds, gets one clear diagnostic
 * in place of a long list of syntax errors.
 */
import * as l10n from '@vscode/l10n';
import type { ParseDiagnostic, SourceRange } from '../common/modelSpec';

/**
 * Longest text the parser reads, in UTF-16 code units (characters for most scripts).
 *
 * Lezer needs about 0.75 s for 512 Ki characters of dense code, and 3.3 s for 5 Mi
 * (Node 20, shared 2-core x86-64 machine), all of it on the extension host's thread. A
 * classroom model script is a few thousand characters, so the limit leaves room for
 * two orders of magnitude more.
 */
export const MAX_SOURCE_CHARACTERS = 512 * 1024;

/**
 * Deepest bracket nesting accepted. CPython's tokenizer rejects more than 200 levels with
 * "too many nested parentheses"; past that, Lezer and the readers slow down sharply.
 */
export const MAX_BRACKET_DEPTH = 200;

/** Returns a diagnostic when `text` cannot be a model script the parser should read, else undefined. */
export function checkSourceLimits(text: string): ParseDiagnostic | undefined {
  if (text.length > MAX_SOURCE_CHARACTERS) {
    return {
      severity: 'error',
      code: 'file-too-large',
      range: rangeAt(text, 0),
      message: l10n.t(
        'This file has {0} characters, more than the {1} that Gradient Flow reads, so it is not parsed. Keep the model in a file of its own.',
        text.length,
        MAX_SOURCE_CHARACTERS,
      ),
    };
  }

  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    return {
      severity: 'error',
      code: 'binary-file',
      range: rangeAt(text, nul),
      message: l10n.t({
        message:
          'This file contains a NUL byte here, so it is a binary file or a text file in an encoding such as UTF-16 that was read as UTF-8. Python rejects source code with NUL bytes. Open the Keras script (.py) itself, saved as UTF-8.',
        comment: ['NUL is the character with code 0. Keep "UTF-16", "UTF-8" and ".py" untranslated.'],
      }),
    };
  }

  const deepest = findTooDeepBracket(text);
  if (deepest !== undefined) {
    return {
      severity: 'error',
      code: 'syntax-error',
      range: rangeAt(text, deepest),
      message: l10n.t(
        'Syntax error: brackets are nested more than {0} levels deep here, and Python raises "too many nested parentheses". Split the expression into several assignments.',
        MAX_BRACKET_DEPTH,
      ),
    };
  }
  return undefined;
}

/**
 * Returns the offset of the first bracket that opens level MAX_BRACKET_DEPTH + 1, or
 * undefined. Brackets inside strings and comments do not count. The scan knows Python's
 * quote forms (single, triple, with prefixes such as `r` or `f`) well enough for that. It
 * does not track brackets inside f-string replacement fields.
 */
function findTooDeepBracket(text: string): number | undefined {
  let depth = 0;
  let index = 0;
  while (index < text.length) {
    const character = text[index];
    if (character === '#') {
      index = endOfLine(text, index);
    } else if (character === '"' || character === "'") {
      index = endOfString(text, index);
    } else {
      if (character === '(' || character === '[' || character === '{') {
        depth++;
        if (depth > MAX_BRACKET_DEPTH) {
          return index;
        }
      } else if ((character === ')' || character === ']' || character === '}') && depth > 0) {
        depth--;
      }
      index++;
    }
  }
  return undefined;
}

function endOfLine(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline < 0 ? text.length : newline;
}

/** Returns the offset just past the string literal whose opening quote is at `from`. */
function endOfString(text: string, from: number): number {
  const quote = text[from];
  const triple = text.startsWith(quote.repeat(3), from);
  const closing = triple ? quote.repeat(3) : quote;
  let index = from + closing.length;
  while (index < text.length) {
    const character = text[index];
    if (character === '\\') {
      index += 2;
    } else if (text.startsWith(closing, index)) {
      return index + closing.length;
    } else if (!triple && (character === '\n' || character === '\r')) {
      // An unterminated single-line string ends at the line break, as Python reports it.
      return index;
    } else {
      index++;
    }
  }
  return text.length;
}

/** Returns an empty range at `offset`, with the 0-based line and column VS Code uses. */
function rangeAt(text: string, offset: number): SourceRange {
  let line = 0;
  let lineStart = 0;
  for (let index = 0; index < offset; index++) {
    const code = text.charCodeAt(index);
    if (code === 10 || (code === 13 && text.charCodeAt(index + 1) !== 10)) {
      line++;
      lineStart = index + 1;
    }
  }
  const character = offset - lineStart;
  return { startLine: line, startCharacter: character, endLine: line, endCharacter: character + (offset < text.length ? 1 : 0) };
}
