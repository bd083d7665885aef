/**
 * The classroom example models behind the Get Started walkthrough: commands that open an
 * example and train it. Examples are copied out of the extension's folder before they are
 * opened, so a student can edit and save them without touching the installed extension.
 */
import * as vscode from 'vscode';
import type { PanelState } from '../common/runState';

export interface ExampleModel {
  /** File name in the extension's `examples/` folder. */
  readonly fileName: string;
  /** Context key set once the example was trained from the walkthrough; its steps complete on it. */
  readonly trainedContextKey: string;
  readonly title: () => string;
  readonly description: () => string;
}

export const EXAMPLE_MODELS: readonly ExampleModel[] = [
  {
    fileName: 'deep_sigmoid.py',
    trainedContextKey: 'gradientFlow.walkthrough.trainedDeepSigmoid',
    title: () => vscode.l10n.t('Deep sigmoid network'),
    description: () => vscode.l10n.t('Six sigmoid hidden layers: the gradients vanish toward the input.'),
  },
  {
    fileName: 'relu_fix.py',
    trainedContextKey: 'gradientFlow.walkthrough.trainedReluFix',
    title: () => vscode.l10n.t('The same network with ReLU'),
    description: () => vscode.l10n.t('ReLU hidden layers with He initialization: the gradients reach every layer.'),
  },
  {
    fileName: 'exploding_lr.py',
    trainedContextKey: 'gradientFlow.walkthrough.trainedExplodingLr',
    title: () => vscode.l10n.t('A learning rate that is too high'),
    description: () => vscode.l10n.t('Steps far too large: the loss grows with every step until it overflows to NaN.'),
  },
];

/** The part of the training controller that the commands use. */
export interface ExampleTrainer {
  train(uri: vscode.Uri): Promise<PanelState | undefined>;
}

/** Registers `gradientFlow.openExample` and `gradientFlow.trainExample`; both take an example's file name. */
export function registerExampleCommands(context: vscode.ExtensionContext, trainer: ExampleTrainer): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('gradientFlow.openExample', async (fileName?: unknown) => {
      const example = await resolveExample(fileName);
      if (example) {
        await openExample(context, example);
      }
    }),
    vscode.commands.registerCommand('gradientFlow.trainExample', async (fileName?: unknown) => {
      const example = await resolveExample(fileName);
      if (!example) {
        return undefined;
      }
      const editor = await openExample(context, example);
      if (!editor) {
        return undefined;
      }
      void vscode.commands.executeCommand('setContext', example.trainedContextKey, true);
      return trainer.train(editor.document.uri);
    }),
  ];
}

/** Returns the example named by a command argument, or the one the user picks when there is no argument. */
async function resolveExample(fileName: unknown): Promise<ExampleModel | undefined> {
  if (fileName === undefined) {
    const picked = await vscode.window.showQuickPick(
      EXAMPLE_MODELS.map((example) => ({ label: example.title(), description: example.fileName, detail: example.description(), example })),
      { title: vscode.l10n.t('Open an example model'), placeHolder: vscode.l10n.t('Choose an example to open.') },
    );
    return picked?.example;
  }

  const example = EXAMPLE_MODELS.find((candidate) => candidate.fileName === fileName);
  if (!example) {
    void vscode.window.showErrorMessage(
      vscode.l10n.t('{0} is not one of the example models. Choose one of: {1}.', String(fileName), EXAMPLE_MODELS.map((model) => model.fileName).join(', ')),
    );
  }
  return example;
}

/**
 * Copies the example into the extension's global storage unless a copy is already there
 * (which keeps the student's edits), then opens the copy in the first editor column.
 */
async function openExample(context: vscode.ExtensionContext, example: ExampleModel): Promise<vscode.TextEditor | undefined> {
  const source = vscode.Uri.joinPath(context.extensionUri, 'examples', example.fileName);
  const folder = vscode.Uri.joinPath(context.globalStorageUri, 'examples');
  const copy = vscode.Uri.joinPath(folder, example.fileName);

  try {
    if (!(await exists(copy))) {
      await vscode.workspace.fs.createDirectory(folder);
      await vscode.workspace.fs.copy(source, copy, { overwrite: false });
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(vscode.l10n.t('The example {0} could not be opened: {1}', example.fileName, reason));
    return undefined;
  }

  const document = await vscode.workspace.openTextDocument(copy);
  return vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preview: false });
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
