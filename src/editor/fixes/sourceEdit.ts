/**
 * Text edits as the quick fixes compute them: plain offsets into the file's text, so the
 * computations run and are tested without VS Code. The host turns them into one
 * WorkspaceEdit.
 */
import type { PythonSource } from '../../parser/syntax';

/** Replaces the text between two offsets; `from === to` inserts. */
export interface SourceEdit {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

/** The change a quick fix makes to the file. */
export interface FixEdit {
  /** Edits of the original text that do not overlap, in any order. */
  readonly edits: readonly SourceEdit[];
}

export function replaceSpan(span: { readonly from: number; readonly to: number }, text: string): SourceEdit {
  return { from: span.from, to: span.to, text };
}

export function insertAt(offset: number, text: string): SourceEdit {
  return { from: offset, to: offset, text };
}

/**
 * Returns `text` with the edits applied. Edits at the same insertion point keep their order.
 * @throws Error when two edits overlap, which would make the result depend on their order.
 */
export function applySourceEdits(text: string, edits: readonly SourceEdit[]): string {
  const sorted = edits.map((edit, index) => ({ edit, index })).sort((a, b) => a.edit.from - b.edit.from || a.index - b.index);
  let result = '';
  let position = 0;
  for (const { edit } of sorted) {
    if (edit.from < position) {
      throw new Error(`Overlapping edits at offset ${edit.from}.`);
    }
    result += text.slice(position, edit.from) + edit.text;
    position = edit.to;
  }
  return result + text.slice(position);
}

/** Returns the offset of a 0-based line and UTF-16 column, as `SourceRange` counts them. */
export function offsetAt(source: PythonSource, line: number, character: number): number {
  // The line of an offset grows with the offset, so a binary search finds the line start.
  let low = 0;
  let high = source.text.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (source.positionAt(middle).line < line) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return Math.min(low + character, source.text.length);
}
