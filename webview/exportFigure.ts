/**
 * The panel's figures as standalone images for slides and homework. A figure is rebuilt as
 * one SVG document from what the panel shows. The SVG parts are cloned, and the HTML text
 * (titles, legend entries) becomes SVG text at the same place. Every computed style is
 * written inline, because the panel's stylesheet and the theme's CSS variables do not travel
 * with the file. PNG images are that SVG drawn onto a canvas at twice the size, for projectors.
 */
import { MAX_IMAGE_DATA_LENGTH, type ExportFigure, type ImageFormat } from '../src/common/exportProtocol';

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';
/** Space around the figure and between its title and body, in CSS pixels. */
const PADDING = 16;
/** Pixels per CSS pixel of a PNG: sharp on slides and projectors. */
const PNG_SCALE = 2;
/** Chromium refuses canvases larger than about 268 million pixels; stay well below. */
const MAX_CANVAS_PIXELS = 64 * 1024 * 1024;

/** Presentation properties copied from the computed style onto the clone. */
const STYLE_PROPERTIES = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'stroke-linecap',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'font-variant-numeric',
  'text-anchor',
  'text-decoration-line',
  'shape-rendering',
] as const;
/** Of those, the ones a child does not inherit, with their initial values. */
const NOT_INHERITED: Readonly<Record<string, string>> = { opacity: '1', 'text-decoration-line': 'none' };

/** Failure of a figure export, with the reason the `exportFailed` message carries. */
export class FigureExportError extends Error {
  constructor(
    readonly reason: 'noRun' | 'tooLarge' | 'renderFailed',
    message: string,
  ) {
    super(message);
  }
}

/** A rendered figure: SVG markup, or a PNG as base64 without the `data:` prefix. */
export interface RenderedFigure {
  readonly data: string;
}

function isShown(element: Element): boolean {
  const box = element.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(element).visibility !== 'hidden';
}

/**
 * Writes the computed presentation style of `original` and its descendants onto `clone`,
 * which must be a deep clone of it. Inherited properties are written only where they differ
 * from the parent, so thousands of heatmap cells carry only their own fill.
 */
export function inlineComputedStyles(original: Element, clone: Element, parentStyle?: CSSStyleDeclaration): void {
  const style = getComputedStyle(original);
  if (style.display === 'none') {
    clone.remove();
    return;
  }

  // Through the CSSOM, because the panel's Content Security Policy blocks writing `style` attributes.
  const cloneStyle = (clone as SVGElement).style;
  cloneStyle.cssText = '';
  for (const property of STYLE_PROPERTIES) {
    const value = style.getPropertyValue(property);
    const inherited = !(property in NOT_INHERITED);
    const redundant = inherited ? parentStyle?.getPropertyValue(property) === value : NOT_INHERITED[property] === value;
    if (value !== '' && !redundant) {
      cloneStyle.setProperty(property, value);
    }
  }
  if (cloneStyle.length === 0) {
    clone.removeAttribute('style');
  }
  clone.removeAttribute('tabindex');

  // Children are collected first because removing a hidden child shifts the live list.
  const originals = [...original.children];
  const clones = [...clone.children];
  originals.forEach((child, index) => inlineComputedStyles(child, clones[index], style));
}

/** Clones a visible SVG of the panel with its styles inlined, placed at (x, y). */
function placedSvg(source: SVGSVGElement, x: number, y: number): SVGSVGElement {
  const clone = source.cloneNode(true) as SVGSVGElement;
  inlineComputedStyles(source, clone);
  clone.setAttribute('x', String(x));
  clone.setAttribute('y', String(y));
  clone.setAttribute('overflow', 'visible');
  clone.removeAttribute('class');
  clone.querySelector('.heatmap-cell-focus')?.remove();
  return clone;
}

/** Single-line HTML text as SVG text, vertically centred where the element sits. */
function placedText(source: HTMLElement, x: number, y: number): SVGTextElement {
  const style = getComputedStyle(source);
  const fontSize = parseFloat(style.fontSize) || 13;
  const height = source.getBoundingClientRect().height;
  const text = document.createElementNS(SVG_NAMESPACE, 'text');
  text.setAttribute('x', String(x));
  // An alphabetic baseline 0.35em below the middle centres a line of text.
  text.setAttribute('y', String(y + height / 2 + 0.35 * fontSize));
  text.style.setProperty('fill', style.color);
  text.style.setProperty('font-family', style.fontFamily);
  text.style.setProperty('font-size', style.fontSize);
  text.style.setProperty('font-weight', style.fontWeight);
  text.style.setProperty('font-style', style.fontStyle);
  text.style.setProperty('font-variant-numeric', style.fontVariantNumeric);
  text.textContent = (source.textContent ?? '').trim();
  return text;
}

/**
 * Rebuilds the visible parts (SVGs and single-line text elements) at their on-screen
 * positions relative to each other, with the top-left part at (0, 0). Returns the group
 * and its size.
 */
function placeParts(parts: readonly Element[]): { group: SVGGElement; width: number; height: number } {
  const shown = parts.filter(isShown).map((part) => ({ part, box: part.getBoundingClientRect() }));
  const left = Math.min(...shown.map(({ box }) => box.left));
  const top = Math.min(...shown.map(({ box }) => box.top));
  const group = document.createElementNS(SVG_NAMESPACE, 'g');
  let width = 0;
  let height = 0;
  for (const { part, box } of shown) {
    const x = box.left - left;
    const y = box.top - top;
    group.appendChild(part instanceof SVGSVGElement ? placedSvg(part, x, y) : placedText(part as HTMLElement, x, y));
    width = Math.max(width, x + box.width);
    height = Math.max(height, y + box.height);
  }
  return { group, width, height };
}

function queryAll(root: ParentNode, selector: string): Element[] {
  return [...root.querySelectorAll(selector)];
}

/**
 * Collects the parts of the heatmap figure: the legend (title, colour ramp, special colours),
 * then the heatmaps shown. While the panel compares two runs, these are two, with their titles.
 */
function heatmapParts(root: HTMLElement): Element[] | undefined {
  const section = root.querySelector<HTMLElement>('.heatmap-section');
  if (!section || section.hidden || section.querySelector('rect.heatmap-cell') === null) {
    return undefined;
  }
  return queryAll(section, '.legend-title, svg.legend-ramp, .legend-swatches li > svg, .legend-swatches li > span, .compare-title, svg.heatmap');
}

/** Collects the parts of the curves figure from the curves section shown: the series legend, then each chart with its title. */
function curveParts(root: HTMLElement): Element[] | undefined {
  const section = [...root.querySelectorAll<HTMLElement>('.curves-section')].find((candidate) => !candidate.hidden);
  if (!section) {
    return undefined;
  }
  return queryAll(section, '.series-legend li > svg, .series-legend li > span, .chart-title, .curve-chart > svg, .chart-note');
}

/**
 * Builds the standalone SVG document of `figure`: the theme's background, the model file
 * name as the title, and the figure below it.
 * @throws FigureExportError `noRun` when the panel shows no run yet.
 */
export function buildFigureSvg(root: HTMLElement, figure: ExportFigure): SVGSVGElement {
  const parts = figure === 'heatmap' ? heatmapParts(root) : curveParts(root);
  if (!parts || !parts.some(isShown)) {
    throw new FigureExportError('noRun', `The panel shows no ${figure} to export.`);
  }

  const svg = document.createElementNS(SVG_NAMESPACE, 'svg');
  svg.setAttribute('xmlns', SVG_NAMESPACE);
  const background = svg.appendChild(document.createElementNS(SVG_NAMESPACE, 'rect'));

  let top = PADDING;
  let width = 0;
  const title = root.querySelector<HTMLElement>('.file-name');
  if (title && isShown(title)) {
    const titleText = placedText(title, PADDING, top);
    svg.appendChild(titleText);
    top += title.getBoundingClientRect().height + PADDING / 2;
    width = title.getBoundingClientRect().width;
  }

  const body = placeParts(parts);
  body.group.setAttribute('transform', `translate(${PADDING},${top})`);
  svg.appendChild(body.group);
  width = Math.ceil(Math.max(width, body.width) + 2 * PADDING);
  const height = Math.ceil(top + body.height + PADDING);

  const pageBackground = getComputedStyle(document.body).backgroundColor;
  background.setAttribute('width', String(width));
  background.setAttribute('height', String(height));
  background.setAttribute('fill', pageBackground === 'rgba(0, 0, 0, 0)' ? '#ffffff' : pageBackground);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  return svg;
}

export function serializeSvg(svg: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}\n`;
}

/** Draws SVG markup onto a canvas `scale` times its size and returns the PNG as base64. */
export async function rasterizeSvg(markup: string, width: number, height: number, scale = PNG_SCALE): Promise<string> {
  let pixelScale = scale;
  if (width * height * pixelScale * pixelScale > MAX_CANVAS_PIXELS) {
    pixelScale = 1;
  }
  if (width * height > MAX_CANVAS_PIXELS) {
    throw new FigureExportError('tooLarge', `A ${width}×${height} image exceeds the canvas limit of ${MAX_CANVAS_PIXELS} pixels.`);
  }

  // A data: URL, because the panel's Content Security Policy allows images from data: but not blob:.
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(markup)}`;
  await image.decode();

  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * pixelScale);
  canvas.height = Math.ceil(height * pixelScale);
  const context = canvas.getContext('2d');
  if (!context) {
    throw new FigureExportError('renderFailed', 'The browser returned no 2D canvas context.');
  }
  context.scale(pixelScale, pixelScale);
  context.drawImage(image, 0, 0, width, height);
  const url = canvas.toDataURL('image/png');
  return url.slice(url.indexOf(',') + 1);
}

/**
 * Renders `figure` in `format` from what the panel shows.
 * @throws FigureExportError when there is nothing to draw, the result is too large or the browser fails.
 */
export async function renderFigure(root: HTMLElement, figure: ExportFigure, format: ImageFormat): Promise<RenderedFigure> {
  const svg = buildFigureSvg(root, figure);
  const markup = serializeSvg(svg);
  let data = markup;
  if (format === 'png') {
    try {
      data = await rasterizeSvg(markup, Number(svg.getAttribute('width')), Number(svg.getAttribute('height')));
    } catch (error) {
      if (error instanceof FigureExportError) {
        throw error;
      }
      throw new FigureExportError('renderFailed', error instanceof Error ? error.message : String(error));
    }
  }
  if (data.length > MAX_IMAGE_DATA_LENGTH) {
    throw new FigureExportError('tooLarge', `The ${format} data has ${data.length} characters, more than the ${MAX_IMAGE_DATA_LENGTH} a message may carry.`);
  }
  return { data };
}
