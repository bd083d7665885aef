/**
 * When the editor annotations of a run stop describing the file. They are cleared when an
 * edit touches a line of any layer call, or when the file, parsed again after the edits,
 * has a different layer list: other classes, names or settings. Edits elsewhere, such as
 * comments or the `fit` call, keep them and only move them with their lines.
 */
import type { LayerSpec, SourceRange } from '../common/modelSpec';

/** One edit as VS Code reports it: the replaced range and the new text. */
export interface TextChange {
  readonly range: SourceRange;
  readonly text: string;
}

/**
 * Returns the layer ranges moved to where they are after `change`, or undefined when the
 * change touches a line of one of them.
 */
export function shiftLayerRanges(ranges: readonly SourceRange[], change: TextChange): SourceRange[] | undefined {
  const { startLine, endLine } = change.range;
  const touches = ranges.some((range) => range.startLine <= endLine && startLine <= range.endLine);
  if (touches) {
    return undefined;
  }

  const addedLines = change.text.split(/\r\n|\r|\n/).length - 1;
  const delta = addedLines - (endLine - startLine);
  return ranges.map((range) =>
    range.startLine > endLine ? { ...range, startLine: range.startLine + delta, endLine: range.endLine + delta } : range,
  );
}

/** True when two parses describe the same layers in the same order, wherever they sit in the file. */
export function sameLayers(a: readonly LayerSpec[], b: readonly LayerSpec[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (layer, index) =>
        layer.className === b[index].className &&
        layer.name === b[index].name &&
        JSON.stringify(layer.config) === JSON.stringify(b[index].config),
    )
  );
}
