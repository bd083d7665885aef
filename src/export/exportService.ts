/**
 * Exports for slides and homework, from the panel's Export menu and from the command
 * "Gradient Flow: Export…". Images come from the panel, which draws them. Statistics come
 * from the host's copy of the run, so they can be exported with the panel closed.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  EXPORT_FIGURES,
  IMAGE_FORMATS,
  STATISTICS_FORMATS,
  type ExportFailedMessage,
  type ExportFigure,
  type ExportImageMessage,
  type ExportRequestMessage,
  type ExportWebviewMessage,
  type ImageFormat,
  type StatisticsFormat,
} from '../common/exportProtocol';
import { buildExportStrings } from '../common/exportStrings';
import type { PanelState } from '../common/runState';
import type { Logger } from '../logger';
import { imageFile, saveExportFile, statisticsFile, type ExportFile } from './exportFiles';

/** How long the command waits for the panel to render an image, including a reload of a hidden panel. */
const IMAGE_TIMEOUT_MS = 20_000;

/** The training panel as the export needs it. */
export interface ExportPanel {
  /** Shows the panel without taking focus; a hidden panel reloads and reports `ready` again. */
  reveal(): void;
  /** Posts the request when the webview is loaded; returns false when it is not. */
  requestExport(message: ExportRequestMessage): boolean;
}

/** Sources of the exports: the controller's current run, model file and panel. */
export interface ExportSource {
  state(): PanelState;
  modelUri(): vscode.Uri | undefined;
  panel(): ExportPanel | undefined;
}

type ExportChoice =
  | { readonly kind: 'image'; readonly figure: ExportFigure; readonly format: ImageFormat }
  | { readonly kind: 'statistics'; readonly format: StatisticsFormat };

interface PendingImage {
  readonly request: ExportRequestMessage;
  readonly resolve: (message: ExportImageMessage) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** A failure whose message is localized and meant for the user. */
class ExportError extends Error {}

export class ExportService implements vscode.Disposable {
  private nextRequestId = 1;
  private readonly pending = new Map<number, PendingImage>();

  constructor(
    private readonly source: ExportSource,
    private readonly logger: Logger,
  ) {}

  /** Handles an export message from the panel. */
  async handleWebviewMessage(message: ExportWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'exportImage':
        if (message.requestId !== undefined) {
          this.settle(message.requestId, message);
        } else {
          await this.report(() => this.saveImage(message));
        }
        break;
      case 'exportStatistics':
        await this.report(() => this.saveStatistics(message.format));
        break;
      case 'exportFailed':
        this.logger.warn('Export', `The panel could not render the ${message.figure}: ${message.reason} ${message.detail}`);
        if (message.requestId !== undefined) {
          this.settle(message.requestId, failureError(message));
        } else {
          void vscode.window.showErrorMessage(failureError(message).message);
        }
        break;
    }
  }

  /** Sends the requests that waited for the webview to load. */
  webviewReady(): void {
    const panel = this.source.panel();
    for (const { request } of this.pending.values()) {
      panel?.requestExport(request);
    }
  }

  /** Rejects the image requests the closed panel can no longer answer. */
  panelClosed(): void {
    for (const requestId of [...this.pending.keys()]) {
      this.settle(requestId, new ExportError(panelClosedMessage()));
    }
  }

  /** "Gradient Flow: Export…": a quick pick of formats, then the save dialog. */
  async runCommand(): Promise<void> {
    const state = this.source.state();
    if (state.kind === 'idle' || !state.run) {
      void vscode.window.showInformationMessage(noRunMessage());
      return;
    }

    const choice = await this.pickFormat(this.source.panel() !== undefined);
    if (!choice) {
      return;
    }
    await this.report(async () => {
      if (choice.kind === 'statistics') {
        await this.saveStatistics(choice.format);
        return;
      }
      const image = await this.requestImage(choice.figure, choice.format);
      await this.saveImage(image);
    });
  }

  dispose(): void {
    for (const requestId of [...this.pending.keys()]) {
      this.settle(requestId, new ExportError(panelClosedMessage()));
    }
  }

  private async pickFormat(panelOpen: boolean): Promise<ExportChoice | undefined> {
    const strings = buildExportStrings();
    type Item = vscode.QuickPickItem & { readonly choice?: ExportChoice };
    const panelClosedNote = panelOpen ? undefined : vscode.l10n.t('Needs the training panel, which is closed.');

    const items: Item[] = [{ label: vscode.l10n.t('Images'), kind: vscode.QuickPickItemKind.Separator }];
    for (const figure of EXPORT_FIGURES) {
      for (const format of IMAGE_FORMATS) {
        items.push({ label: strings.images[figure][format], description: panelClosedNote, choice: { kind: 'image', figure, format } });
      }
    }
    items.push({ label: vscode.l10n.t('Statistics'), kind: vscode.QuickPickItemKind.Separator });
    for (const format of STATISTICS_FORMATS) {
      items.push({ label: strings.statistics[format], choice: { kind: 'statistics', format } });
    }

    const picked = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Export the training run'),
      placeHolder: vscode.l10n.t('Choose what to export and in which format.'),
    });
    return picked?.choice;
  }

  /** Asks the panel to render a figure and waits for its answer. */
  private requestImage(figure: ExportFigure, format: ImageFormat): Promise<ExportImageMessage> {
    const panel = this.source.panel();
    if (!panel) {
      return Promise.reject(new ExportError(panelClosedMessage()));
    }

    const request: ExportRequestMessage = { type: 'exportRequest', requestId: this.nextRequestId++, figure, format };
    return new Promise<ExportImageMessage>((resolve, reject) => {
      const timer = setTimeout(
        () => this.settle(request.requestId, new ExportError(timeoutMessage())),
        IMAGE_TIMEOUT_MS,
      );
      this.pending.set(request.requestId, { request, resolve, reject, timer });

      // A hidden panel has unloaded its page: showing it reloads the page, and `webviewReady`
      // sends the request once the page is back.
      panel.reveal();
      panel.requestExport(request);
    });
  }

  private settle(requestId: number, outcome: ExportImageMessage | Error): void {
    const pending = this.pending.get(requestId);
    if (!pending) {
      this.logger.warn('Export', `Ignored a response to export request ${requestId}, which is no longer pending.`);
      return;
    }
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    if (outcome instanceof Error) {
      pending.reject(outcome);
    } else {
      pending.resolve(outcome);
    }
  }

  private async saveImage(message: ExportImageMessage): Promise<void> {
    const state = this.source.state();
    const fileName = state.kind === 'idle' ? 'model' : (state.run?.fileName ?? 'model');
    await this.save(imageFile(fileName, message.figure, message.format, message.data));
  }

  private async saveStatistics(format: StatisticsFormat): Promise<void> {
    const file = statisticsFile(this.source.state(), format);
    if (!file) {
      throw new ExportError(noRunMessage());
    }
    await this.save(file);
  }

  private async save(file: ExportFile): Promise<void> {
    const target = await saveExportFile(file, this.source.modelUri());
    if (!target) {
      return;
    }
    this.logger.info('Export', `Wrote ${file.contents.length} bytes to ${target.toString(true)}`);

    const open = vscode.l10n.t('Open');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Saved {0}.', path.basename(target.path)), open);
    if (choice === open) {
      await vscode.commands.executeCommand('vscode.open', target);
    }
  }

  /** Runs an export step and shows its failure; localized failures as they are, others with their cause. */
  private async report(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      if (cause instanceof ExportError) {
        void vscode.window.showErrorMessage(cause.message);
        return;
      }
      this.logger.error('Export', cause);
      void vscode.window.showErrorMessage(vscode.l10n.t('The export failed: {0}', cause.message));
    }
  }
}

function noRunMessage(): string {
  return vscode.l10n.t('There is nothing to export yet. Train a model first.');
}

function panelClosedMessage(): string {
  return vscode.l10n.t(
    'Images are drawn by the training panel, which is closed. Train the model again to reopen it, or export the statistics as CSV or JSON, which need no panel.',
  );
}

function timeoutMessage(): string {
  return vscode.l10n.t('The training panel did not send the image within {0} seconds. Show the panel and try again.', IMAGE_TIMEOUT_MS / 1000);
}

function failureError(message: ExportFailedMessage): ExportError {
  switch (message.reason) {
    case 'noRun':
      return new ExportError(noRunMessage());
    case 'tooLarge':
      return new ExportError(
        vscode.l10n.t(
          'The image is too large to export. Export the statistics as CSV instead, or train with fewer samples per epoch (gradientFlow.samplesPerEpoch).',
        ),
      );
    case 'renderFailed':
      return new ExportError(vscode.l10n.t('The training panel could not draw the image: {0}', message.detail));
  }
}
