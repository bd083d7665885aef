/**
 * A workaround for @lezer/python 1.1.19, which reads a float written with a trailing dot
 * (`255.`, `1.e-3`) as a member access and then reports a syntax error, though Python
 * accepts both. The parser parses a copy of the text in which these literals are rewritten
 * to the same length, so every offset still points at the same character of the original:
 *
 * - `255.` becomes `255 `, and the evaluator reads it back as the float 255.0;
 * - `1.e-3` becomes `1e-03` and `2.E4` becomes `2E04`, the same numbers.
 *
 * Strings and comments are skipped, so their text is never changed.
 */

export interface RewrittenText {
  /** The text to parse, the same length as the original. */
  readonly text: string;
  /** Offsets of the dots replaced by a space: a number literal that ends there is a float. */
  readonly trailingDots: ReadonlySet<number>;
}

export function rewriteTrailingDotFloats(original: string): RewrittenText {
  const characters = original.split('');
  const trailingDots = new Set<number>();
  let index = 0;

  while (index < original.length) {
    const character = original[index];
    if (character === '#') {
      index = endOfLine(original, index);
    } else if (character === '"' || character === "'") {
      index = endOfString(original, index);
    } else if (isDigit(character) && !isIdentifierCharacter(original[index - 1]) && original[index - 1] !== '.') {
      index = rewriteNumber(original, index, characters, trailingDots);
    } else {
      index++;
    }
  }
  return { text: characters.join(''), trailingDots };
}

/** Rewrites the number starting at `start` when it ends in a bare dot; returns the offset after it. */
function rewriteNumber(text: string, start: number, characters: string[], trailingDots: Set<number>): number {
  let index = start;
  while (isDigit(text[index]) || text[index] === '_') {
    index++;
  }
  if (text[index] !== '.' || isDigit(text[index + 1]) || text[index + 1] === '.') {
    return index;
  }

  const dot = index;
  const after = text[dot + 1];
  if (after === 'e' || after === 'E') {
    const sign = text[dot + 2] === '+' || text[dot + 2] === '-' ? 1 : 0;
    const exponentStart = dot + 2 + sign;
    if (!isDigit(text[exponentStart])) {
      return dot;
    }
    // `1.e-3` → `1e-03`: the exponent letter and sign move left over the dot, and a zero fills the gap.
    characters[dot] = after;
    if (sign === 1) {
      characters[dot + 1] = text[dot + 2];
    }
    characters[exponentStart - 1] = '0';
    return exponentStart;
  }
  if (isIdentifierCharacter(after)) {
    return dot;
  }
  characters[dot] = ' ';
  trailingDots.add(dot);
  return dot + 1;
}

function endOfLine(text: string, index: number): number {
  const newline = text.indexOf('\n', index);
  return newline === -1 ? text.length : newline;
}

/** Returns the offset after the string literal whose opening quote is at `start` (or the end of the line when it is unclosed). */
function endOfString(text: string, start: number): number {
  const quote = text[start];
  const triple = text.startsWith(quote.repeat(3), start);
  const closing = triple ? quote.repeat(3) : quote;
  let index = start + closing.length;
  while (index < text.length) {
    if (text[index] === '\\') {
      index += 2;
    } else if (text.startsWith(closing, index)) {
      return index + closing.length;
    } else if (!triple && text[index] === '\n') {
      return index;
    } else {
      index++;
    }
  }
  return text.length;
}

function isDigit(character: string | undefined): boolean {
  return character !== undefined && character >= '0' && character <= '9';
}

function isIdentifierCharacter(character: string | undefined): boolean {
  return character !== undefined && /[\p{L}\p{N}_]/u.test(character);
}
