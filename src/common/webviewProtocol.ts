/**
 * Messages between the extension host and the training panel (webview postMessage).
 * Both ends import this file; nothing else defines these shapes.
 */
import { parseExportMessage, type ExportRequestMessage, type ExportWebviewMessage } from './exportProtocol';
import type { PanelState, RunUpdate } from './runState';
import type { PanelStrings } from './panelStrings';

// Host → webview

/** Sent after the panel says `ready`, and whenever the run changes status. */
export interface SetStateMessage {
  readonly type: 'setState';
  readonly state: PanelState;
  readonly strings: PanelStrings;
}

export interface UpdateMessage {
  readonly type: 'update';
  readonly update: RunUpdate;
}

export type HostToWebview = SetStateMessage | UpdateMessage | ExportRequestMessage;

// Webview → host

export interface ReadyMessage {
  readonly type: 'ready';
}

/** The user clicked a heatmap row: reveal that layer's line in the editor. */
export interface RevealLayerMessage {
  readonly type: 'revealLayer';
  /** Index into `ModelSpec.layers`. */
  readonly specIndex: number;
}

export interface StopRequestMessage {
  readonly type: 'stop';
}

/** The user pressed Train again and compare after a run. */
export interface TrainAgainAndCompareMessage {
  readonly type: 'trainAgainAndCompare';
}

export type WebviewToHost = ReadyMessage | RevealLayerMessage | StopRequestMessage | TrainAgainAndCompareMessage | ExportWebviewMessage;

/** Narrows an untrusted value from the webview to a known message, or returns undefined. */
export function parseWebviewMessage(value: unknown): WebviewToHost | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const message = value as { type?: unknown; specIndex?: unknown };
  switch (message.type) {
    case 'ready':
    case 'stop':
    case 'trainAgainAndCompare':
      return { type: message.type };
    case 'revealLayer':
      return Number.isInteger(message.specIndex) && (message.specIndex as number) >= 0
        ? { type: 'revealLayer', specIndex: message.specIndex as number }
        : undefined;
    case 'exportImage':
    case 'exportStatistics':
    case 'exportFailed':
      return parseExportMessage(value);
    default:
      return undefined;
  }
}
