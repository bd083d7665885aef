import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { FixKind } from './common/findings';
import { FIX_APPLIED_COMMAND } from './editor/quickFixProvider';
import { TRAIN_AGAIN_COMMAND } from './editor/runInsights';
import { Logger } from './logger';
import { registerPanelSerializer } from './panel/serializer';
import { TrainingController } from './training/trainingController';
import { registerExampleCommands } from './walkthrough/exampleModels';

/** The controller of the active extension, for `deactivate`. */
let activeController: TrainingController | undefined;

/** Wires the commands; everything created here is disposed with the extension. */
export function activate(context: vscode.ExtensionContext): void {
  // Code shared with the CLI and the trainer localizes through @vscode/l10n.
  if (vscode.l10n.bundle) {
    l10n.config({ contents: vscode.l10n.bundle });
  }

  const logger = new Logger();
  const controller = new TrainingController(context, logger);
  activeController = controller;

  context.subscriptions.push(
    logger,
    controller,
    vscode.commands.registerCommand('gradientFlow.trainModel', (uri?: vscode.Uri) => controller.train(uri)),
    vscode.commands.registerCommand('gradientFlow.stopTraining', () => controller.stop()),
    vscode.commands.registerCommand(TRAIN_AGAIN_COMMAND, () => controller.trainAgainAndCompare()),
    vscode.commands.registerCommand(FIX_APPLIED_COMMAND, (uri: unknown, fix: FixKind) => controller.insights.offerComparison(uri, fix)),
    vscode.commands.registerCommand('gradientFlow.export', () => controller.exports.runCommand()),
    ...registerExampleCommands(context, controller),
    // Activation event onWebviewPanel:gradientFlow.training: a reloaded window brings the panel back.
    registerPanelSerializer((panel) => controller.restorePanel(panel)),
  );
}

/**
 * Ends the trainer process when the window reloads or closes, or the extension is disabled
 * or uninstalled, and stores the run for the restored panel. The trainer also exits by
 * itself when its IPC channel to this process closes.
 */
export async function deactivate(): Promise<void> {
  const controller = activeController;
  activeController = undefined;
  await controller?.shutDown();
}
