/**
 * Widths of SVG text, cached by class and content. Reading a width makes the browser lay out
 * the page first, which costs more than redrawing thousands of heatmap cells, so a redraw
 * measures only text it has not seen. The cache is cleared when the panel is resized or
 * zoomed, the only times a font size can change.
 */
const widths = new Map<string, number>();

export function textWidth(element: SVGTextContentElement): number {
  const key = `${element.getAttribute('class') ?? ''}|${element.textContent ?? ''}`;
  let width = widths.get(key);
  if (width === undefined) {
    width = element.getComputedTextLength();
    widths.set(key, width);
  }
  return width;
}

export function clearTextWidths(): void {
  widths.clear();
}
