import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { Logger } from './logger';
import { TrainingController } from './training/trainingController';

/** Wires the commands; everything created here is disposed with the extension. */
export function activate(context: vscode.ExtensionContext): void {
  // Code shared with the CLI and the trainer localizes through @vscode/l10n.
  if (vscode.l10n.bundle) {
    l10n.config({ contents: vscode.l10n.bundle });
  }

  const logger = new Logger();
  const controller = new TrainingController(context, logger);

  context.subscriptions.push(
    logger,
    controller,
    vscode.commands.registerCommand('gradientFlow.trainModel', (uri?: vscode.Uri) => controller.train(uri)),
    vscode.commands.registerCommand('gradientFlow.stopTraining', () => controller.stop()),
  );
}

export function deactivate(): void {}
