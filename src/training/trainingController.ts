import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelSpec } from '../common/modelSpec';
import type { PanelState } from '../common/runState';
import { readTrainingSettings } from '../configuration';
import type { Logger } from '../logger';
import { TrainingPanel } from '../panel/trainingPanel';
import { parseModelFile } from '../parser';
import { toVscodeDiagnostic, toVscodeRange } from './parseDiagnostics';
import { TrainingSession } from './trainingSession';

/** Delay after the last edit before a file with diagnostics is parsed again. */
const REPARSE_DELAY_MS = 300;

/**
 * Runs "Train model": parses the file, reports its problems, starts one trainer process at
 * a time and keeps the panel, the progress notification and the Problems panel in step.
 */
export class TrainingController implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('gradientFlow');
  private readonly disposables: vscode.Disposable[] = [this.diagnostics];
  private readonly reparseTimers = new Map<string, NodeJS.Timeout>();
  private panel: TrainingPanel | undefined;
  private session: TrainingSession | undefined;
  private sessionUri: vscode.Uri | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly logger: Logger,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((event) => this.scheduleReparse(event.document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.diagnostics.delete(document.uri)),
    );
  }

  /** Trains the model in `uri`, or in the active editor's file when no uri is given. */
  async train(uri?: vscode.Uri): Promise<PanelState | undefined> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (!target) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Open a Keras model file (.py) first, then choose Train model.'));
      return undefined;
    }

    // The editor's text, unsaved edits included.
    const document = await vscode.workspace.openTextDocument(target);
    const fileName = path.basename(document.uri.path);
    const result = parseModelFile(document.getText(), fileName);
    this.diagnostics.set(document.uri, result.diagnostics.map(toVscodeDiagnostic));
    for (const diagnostic of result.diagnostics) {
      this.logger.info('Parser', `${fileName}:${diagnostic.range.startLine + 1} ${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`);
    }

    if (!result.spec) {
      const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
      const first = errors[0];
      const detail = first ? vscode.l10n.t('Line {0}: {1}', first.range.startLine + 1, first.message) : '';
      const showProblems = vscode.l10n.t('Show Problems');
      const choice = await vscode.window.showErrorMessage(
        vscode.l10n.t('{0} cannot be trained yet. {1}', fileName, detail),
        showProblems,
      );
      if (choice === showProblems) {
        await vscode.commands.executeCommand('workbench.actions.view.problems');
      }
      return undefined;
    }

    if (this.session?.isRunning && !(await this.confirmReplaceRun(fileName))) {
      return undefined;
    }
    return this.startSession(document.uri, result.spec);
  }

  /** Stops the running training, if any, after its current batch. */
  stop(): void {
    this.session?.stop();
  }

  dispose(): void {
    this.session?.kill();
    this.panel?.dispose();
    for (const timer of this.reparseTimers.values()) {
      clearTimeout(timer);
    }
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }

  private async confirmReplaceRun(fileName: string): Promise<boolean> {
    const stopAndTrain = vscode.l10n.t('Stop and Train');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('A model is already training. Stop it and train {0}?', fileName),
      { modal: true },
      stopAndTrain,
    );
    if (choice !== stopAndTrain) {
      return false;
    }
    const previous = this.session;
    previous?.stop();
    await previous?.done;
    return true;
  }

  private startSession(uri: vscode.Uri, spec: ModelSpec): Promise<PanelState> {
    const settings = readTrainingSettings(uri);
    const extensionPath = this.context.extensionUri.fsPath;
    const panel = this.showPanel();
    panel.setTitle(spec.fileName);

    const session = new TrainingSession(
      spec,
      {
        backend: settings.backend,
        seed: settings.seed,
        samplesPerEpoch: settings.samplesPerEpoch,
        maxEpochs: settings.maxEpochs,
        dataDir: path.join(extensionPath, 'data'),
        wasmDir: path.join(extensionPath, 'dist', 'wasm'),
      },
      { trainerPath: path.join(extensionPath, 'dist', 'trainer.js'), l10nBundlePath: vscode.l10n.uri?.fsPath },
      {
        onState: () => this.panel?.refresh(),
        onUpdate: (update) => this.panel?.postUpdate(update),
        onLog: (level, message) => this.logger[level]('Trainer', message),
      },
    );
    this.session = session;
    this.sessionUri = uri;
    panel.refresh();
    this.logger.info('Training', `Started ${spec.fileName} in trainer process ${session.trainerPid}`);
    void vscode.commands.executeCommand('setContext', 'gradientFlow.training', true);

    this.showProgress(session);
    return session.done.then((state) => {
      this.logger.info('Training', `Trainer process for ${spec.fileName} ended: ${state.kind}`);
      if (this.session === session) {
        void vscode.commands.executeCommand('setContext', 'gradientFlow.training', false);
      }
      this.announceResult(spec.fileName, state);
      return state;
    });
  }

  private showPanel(): TrainingPanel {
    if (!this.panel) {
      this.panel = new TrainingPanel(
        this.context.extensionUri,
        this.logger,
        {
          revealLayer: (specIndex) => void this.revealLayer(specIndex),
          stop: () => this.stop(),
        },
        () => this.session?.state ?? { kind: 'idle' },
        () => {
          this.panel = undefined;
        },
      );
    }
    this.panel.reveal();
    return this.panel;
  }

  /** A notification with epoch and batch, whose Cancel button stops the run. */
  private showProgress(session: TrainingSession): void {
    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Training {0}', session.spec.fileName),
        cancellable: true,
      },
      (progress, token) => {
        token.onCancellationRequested(() => session.stop());
        let reportedFraction = 0;
        const timer = setInterval(() => {
          const state = session.state;
          if (state.kind !== 'training' || !state.run.progress || state.run.stepsPerEpoch === 0) {
            return;
          }
          const { epoch, batch } = state.run.progress;
          const fraction = (epoch * state.run.stepsPerEpoch + batch + 1) / (state.run.epochs * state.run.stepsPerEpoch);
          progress.report({
            message: vscode.l10n.t('Epoch {0}/{1}, batch {2}/{3}', epoch + 1, state.run.epochs, batch + 1, state.run.stepsPerEpoch),
            increment: Math.max(0, (fraction - reportedFraction) * 100),
          });
          reportedFraction = fraction;
        }, 250);
        return session.done.finally(() => clearInterval(timer));
      },
    );
  }

  private announceResult(fileName: string, state: PanelState): void {
    if (state.kind === 'finished' && !state.stopped && state.run.evaluation) {
      const percent = new Intl.NumberFormat(vscode.env.language, { style: 'percent', minimumFractionDigits: 2 });
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Training of {0} finished: test accuracy {1}.', fileName, percent.format(state.run.evaluation.accuracy)),
      );
    } else if (state.kind === 'finished' && state.stopped) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Training of {0} stopped.', fileName));
    } else if (state.kind === 'failed') {
      this.logger.error('Training', state.message);
      const showLog = vscode.l10n.t('Show Log');
      void vscode.window.showErrorMessage(state.message, showLog).then((choice) => {
        if (choice === showLog) {
          this.logger.show();
        }
      });
    }
  }

  private async revealLayer(specIndex: number): Promise<void> {
    const layer = this.session?.spec.layers[specIndex];
    if (!layer || !this.sessionUri) {
      return;
    }
    const document = await vscode.workspace.openTextDocument(this.sessionUri);
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One });
    const range = toVscodeRange(layer.range);
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Keeps the Problems panel current for files that already have Gradient Flow diagnostics. */
  private scheduleReparse(document: vscode.TextDocument): void {
    if (!this.diagnostics.has(document.uri)) {
      return;
    }
    const key = document.uri.toString();
    clearTimeout(this.reparseTimers.get(key));
    this.reparseTimers.set(
      key,
      setTimeout(() => {
        this.reparseTimers.delete(key);
        const result = parseModelFile(document.getText(), path.basename(document.uri.path));
        this.diagnostics.set(document.uri, result.diagnostics.map(toVscodeDiagnostic));
      }, REPARSE_DELAY_MS),
    );
  }
}
