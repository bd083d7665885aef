/**
 * Export messages between the extension host and the training panel. The panel renders the
 * figures, because it has the DOM and the theme's colours. The host shows the save dialog and
 * writes the file, because a webview cannot write files. Statistics are written by the host
 * from its own copy of the run, so they need no figure from the panel.
 */

/** The panel figures that can be exported as images. */
export type ExportFigure = 'heatmap' | 'curves';
export type ImageFormat = 'svg' | 'png';
/** `samplesCsv`: one row per sample and layer. `epochsCsv`: one row per epoch. `json`: the whole run. */
export type StatisticsFormat = 'samplesCsv' | 'epochsCsv' | 'json';

export const EXPORT_FIGURES: readonly ExportFigure[] = ['heatmap', 'curves'];
export const IMAGE_FORMATS: readonly ImageFormat[] = ['svg', 'png'];
export const STATISTICS_FORMATS: readonly StatisticsFormat[] = ['samplesCsv', 'epochsCsv', 'json'];

/**
 * Maximum length of the SVG markup or base64 PNG the host accepts, in UTF-16 code units. An
 * exported heatmap takes about 160 characters per cell, so 100 epochs of 25 samples and 10
 * layers come to about 4 MB (an estimate from a 400-cell export). The limit leaves room for
 * denser sampling and keeps one message to tens of megabytes.
 */
export const MAX_IMAGE_DATA_LENGTH = 48 * 1024 * 1024;
/** Maximum length of an error detail that the host logs from the panel. */
export const MAX_EXPORT_DETAIL_LENGTH = 2000;

// Host → webview

/** Sent by the Export command: render `figure` as `format` and reply with the same `requestId`. */
export interface ExportRequestMessage {
  readonly type: 'exportRequest';
  readonly requestId: number;
  readonly figure: ExportFigure;
  readonly format: ImageFormat;
}

// Webview → host

/** A rendered figure: SVG markup, or a PNG as base64 without a `data:` prefix. */
export interface ExportImageMessage {
  readonly type: 'exportImage';
  readonly figure: ExportFigure;
  readonly format: ImageFormat;
  readonly data: string;
  /** Id of the request this replies to; absent when the user chose Export in the panel itself. */
  readonly requestId?: number;
}

/** The user chose a statistics format in the panel's Export menu. */
export interface ExportStatisticsMessage {
  readonly type: 'exportStatistics';
  readonly format: StatisticsFormat;
}

/**
 * The panel could not render a figure: there is no run to draw yet, the image would be
 * larger than MAX_IMAGE_DATA_LENGTH, or the browser failed to render it.
 */
export interface ExportFailedMessage {
  readonly type: 'exportFailed';
  readonly figure: ExportFigure;
  readonly reason: 'noRun' | 'tooLarge' | 'renderFailed';
  /** English technical detail for the log, such as a browser error message. */
  readonly detail: string;
  readonly requestId?: number;
}

export type ExportWebviewMessage = ExportImageMessage | ExportStatisticsMessage | ExportFailedMessage;

const FAILURE_REASONS: readonly ExportFailedMessage['reason'][] = ['noRun', 'tooLarge', 'renderFailed'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

function isRequestId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Whether `data` has the shape its format needs; the content itself is checked when it is written. */
function isImageData(format: ImageFormat, data: unknown): data is string {
  if (typeof data !== 'string' || data.length === 0 || data.length > MAX_IMAGE_DATA_LENGTH) {
    return false;
  }
  if (format === 'png') {
    return data.length % 4 === 0 && BASE64.test(data);
  }
  return /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(data) && /<\/svg>\s*$/.test(data);
}

/**
 * Narrows an untrusted value from the webview to an export message, or returns undefined.
 * Image data is limited to MAX_IMAGE_DATA_LENGTH and must look like SVG markup or base64.
 */
export function parseExportMessage(value: unknown): ExportWebviewMessage | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const message = value as Record<string, unknown>;
  const requestId = message.requestId;
  if (requestId !== undefined && !isRequestId(requestId)) {
    return undefined;
  }

  switch (message.type) {
    case 'exportImage': {
      const { figure, format, data } = message;
      if (!isOneOf(figure, EXPORT_FIGURES) || !isOneOf(format, IMAGE_FORMATS) || !isImageData(format, data)) {
        return undefined;
      }
      return requestId === undefined ? { type: 'exportImage', figure, format, data } : { type: 'exportImage', figure, format, data, requestId };
    }
    case 'exportStatistics':
      return isOneOf(message.format, STATISTICS_FORMATS) ? { type: 'exportStatistics', format: message.format } : undefined;
    case 'exportFailed': {
      const { figure, reason, detail } = message;
      if (!isOneOf(figure, EXPORT_FIGURES) || !isOneOf(reason, FAILURE_REASONS) || typeof detail !== 'string') {
        return undefined;
      }
      const failure: ExportFailedMessage = { type: 'exportFailed', figure, reason, detail: detail.slice(0, MAX_EXPORT_DETAIL_LENGTH) };
      return requestId === undefined ? failure : { ...failure, requestId };
    }
    default:
      return undefined;
  }
}

/** Narrows a message from the host to an export request, or returns undefined. */
export function parseExportRequest(value: unknown): ExportRequestMessage | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const message = value as Record<string, unknown>;
  const { requestId, figure, format } = message;
  if (message.type !== 'exportRequest' || !isRequestId(requestId) || !isOneOf(figure, EXPORT_FIGURES) || !isOneOf(format, IMAGE_FORMATS)) {
    return undefined;
  }
  return { type: 'exportRequest', requestId, figure, format };
}
