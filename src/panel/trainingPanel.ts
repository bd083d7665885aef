import * as vscode from 'vscode';
import type { ExportRequestMessage, ExportWebviewMessage } from '../common/exportProtocol';
import { buildPanelStrings } from '../common/panelStrings';
import { encodeNonFiniteNumbers } from '../common/nonFiniteNumbers';
import type { PanelState, RunUpdate } from '../common/runState';
import { parseWebviewMessage, type HostToWebview } from '../common/webviewProtocol';
import type { Logger } from '../logger';
import { createNonce, PANEL_RESOURCE_FOLDERS, renderPanelHtml } from './html';
import { describeRejectedMessage } from './rejectedMessage';

export interface PanelActions {
  /** The user clicked a heatmap row; `specIndex` indexes `ModelSpec.layers`. */
  revealLayer(specIndex: number): void;
  /** The user pressed Stop. */
  stop(): void;
  /** The user pressed Train again and compare. */
  trainAgainAndCompare?(): void;
  /** The panel sent an export: a rendered figure, a statistics format, or a failure. */
  exportMessage?(message: ExportWebviewMessage): void;
  /** The webview (re)loaded and can take export requests. */
  webviewReady?(): void;
}

/**
 * The training panel beside the editor. It stores no run data of its own: when the webview
 * reports `ready` (first load, or reload after being hidden) it gets the whole current state
 * from `currentState`, then incremental updates while it stays loaded.
 */
export class TrainingPanel implements vscode.Disposable {
  static readonly viewType = 'gradientFlow.training';

  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private webviewReady = false;
  private disposed = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly logger: Logger,
    private readonly actions: PanelActions,
    private readonly currentState: () => PanelState,
    private readonly onDisposed: () => void,
    /** A panel VS Code restored after a window reload, to take over instead of creating one. */
    restored?: vscode.WebviewPanel,
  ) {
    const options: vscode.WebviewOptions = {
      enableScripts: true,
      // The panel loads only its own bundle and stylesheet.
      localResourceRoots: PANEL_RESOURCE_FOLDERS.map((folder) => vscode.Uri.joinPath(extensionUri, folder)),
    };
    if (restored) {
      this.panel = restored;
      this.panel.webview.options = options;
    } else {
      this.panel = vscode.window.createWebviewPanel(
        TrainingPanel.viewType,
        vscode.l10n.t('Gradient Flow'),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        options,
      );
    }
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    this.panel.webview.html = this.renderHtml();

    this.disposables.push(
      // A hidden webview is unloaded and drops the messages posted meanwhile; when shown again
      // it reloads, reports `ready` once more and gets the whole state.
      this.panel.webview.onDidReceiveMessage((message: unknown) => this.handleMessage(message)),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Shows the panel beside the editor without taking focus. */
  reveal(): void {
    this.panel.reveal(vscode.ViewColumn.Beside, true);
  }

  setTitle(fileName: string): void {
    this.panel.title = vscode.l10n.t('Gradient Flow: {0}', fileName);
  }

  /** Sends the whole current state, after the run changed status. */
  refresh(): void {
    this.sendState();
  }

  postUpdate(update: RunUpdate): void {
    if (this.webviewReady) {
      this.post({ type: 'update', update });
    }
  }

  /** Asks the webview to render a figure; returns false while the webview has not loaded. */
  requestExport(message: ExportRequestMessage): boolean {
    if (!this.webviewReady || this.disposed) {
      return false;
    }
    this.post(message);
    return true;
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.panel.dispose();
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
    this.onDisposed();
  }

  private handleMessage(value: unknown): void {
    const message = parseWebviewMessage(value);
    if (!message) {
      this.logger.warn('Panel', `Ignored an invalid message from the panel: ${describeRejectedMessage(value)}`);
      return;
    }

    switch (message.type) {
      case 'ready':
        this.webviewReady = true;
        this.sendState();
        this.actions.webviewReady?.();
        break;
      case 'revealLayer':
        this.actions.revealLayer(message.specIndex);
        break;
      case 'stop':
        this.actions.stop();
        break;
      case 'trainAgainAndCompare':
        this.actions.trainAgainAndCompare?.();
        break;
      case 'exportImage':
      case 'exportStatistics':
      case 'exportFailed':
        this.actions.exportMessage?.(message);
        break;
    }
  }

  private sendState(): void {
    if (this.webviewReady) {
      this.post({ type: 'setState', state: this.currentState(), strings: buildPanelStrings() });
    }
  }

  private post(message: HostToWebview): void {
    // Webview messages travel as JSON, which would turn NaN statistics into null.
    void this.panel.webview.postMessage(encodeNonFiniteNumbers(message));
  }

  private renderHtml(): string {
    const webview = this.panel.webview;
    return renderPanelHtml({
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString(),
      cspSource: webview.cspSource,
      nonce: createNonce(),
      lang: vscode.env.language,
    });
  }
}
