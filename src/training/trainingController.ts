import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelSpec, ParseResult } from '../common/modelSpec';
import type { PanelState, RunSnapshot } from '../common/runState';
import type { Evaluation } from '../common/statistics';
import { readTrainingSettings } from '../configuration';
import { RunInsights, type Comparison } from '../editor/runInsights';
import { ExportService } from '../export/exportService';
import type { Logger } from '../logger';
import { LastRunStore } from '../panel/serializer';
import { TrainingPanel } from '../panel/trainingPanel';
import { epochsCapDiagnostic } from '../parser/fit';
import { parseModelDocument } from '../parser/modelDocument';
import type { TrainOptions } from '../common/trainerProtocol';
import { CsvLocationError } from './csvLocation';
import { DatasetDownloadError, type DownloadProgress } from './datasetDownload';
import { confirmModelSize } from './modelSizeCheck';
import { toVscodeDiagnostic, toVscodeRange } from './parseDiagnostics';
import { needsDownload, prepareRunData } from './runData';
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
  /** True from the check for a running session until the new one has started. */
  private starting = false;
  /** The last run's state, kept across window reloads. */
  private readonly lastRun: LastRunStore;
  /** The state a restored panel shows until the next run starts. */
  private restoredState: PanelState | undefined;
  private disposed = false;
  /** Exports of the current run: images through the panel, statistics from the session. */
  readonly exports: ExportService;
  /** Findings, editor annotations, quick fixes and the comparison baseline of the runs. */
  readonly insights: RunInsights;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly logger: Logger,
  ) {
    this.exports = new ExportService(
      { state: () => this.displayedState(), modelUri: () => this.sessionUri, panel: () => this.panel },
      logger,
    );
    this.lastRun = new LastRunStore(context.workspaceState, logger);
    this.insights = new RunInsights(logger);
    this.disposables.push(
      this.exports,
      this.insights,
      vscode.workspace.onDidChangeTextDocument((event) => {
        this.noteSourceChange(event);
        this.scheduleReparse(event.document);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.diagnostics.delete(document.uri)),
    );
  }

  /**
   * Trains the model in `uri`, or in the active editor's file when no uri is given.
   * `comparison` comes from "Train again and compare".
   */
  async train(uri?: vscode.Uri, comparison?: Comparison): Promise<PanelState | undefined> {
    // Commands can be run with any argument; only a Uri names a file.
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Open a Keras model file (a .py script, or .json from model.to_json() or TensorFlow.js) first, then choose Train model.'));
      return undefined;
    }

    // The editor's text, unsaved edits included.
    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(target);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error('Training', `Opening ${target.toString()} failed: ${reason}`);
      void vscode.window.showErrorMessage(
        vscode.l10n.t('{0} cannot be opened as a text file, so it cannot be trained: {1}', path.basename(target.path), reason),
      );
      return undefined;
    }
    const fileName = path.basename(document.uri.path);
    const result = parseWithEpochsCap(document);
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

    // One start at a time: a second command while the first waits on a dialog would
    // otherwise start a second trainer whose statistics reach the same panel.
    if (this.starting) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Another training run is starting. Wait for it, then try again.'));
      return undefined;
    }
    this.starting = true;
    try {
      const settings = readTrainingSettings(document.uri);
      if (!(await confirmModelSize(result.spec, settings.maxModelMemoryMB, this.logger))) {
        return undefined;
      }
      // Downloads come before the question about the running model, so that a long
      // download does not stop it early.
      const runData = await this.prepareRunData(document, result.spec);
      if (!runData) {
        return undefined;
      }
      if (this.session?.isRunning && !(await this.confirmReplaceRun(fileName))) {
        return undefined;
      }
      return this.startSession(document.uri, result.spec, comparison, runData);
    } finally {
      this.starting = false;
    }
  }

  /** Shows a panel VS Code restored after a window reload, with the last run's stored state. */
  restorePanel(webviewPanel: vscode.WebviewPanel): void {
    if (this.panel) {
      // A panel already exists (a run started before the restore finished); keep that one.
      webviewPanel.dispose();
      return;
    }
    this.restoredState = this.lastRun.load();
    const panel = this.createPanel(webviewPanel);
    const restored = this.restoredState;
    if (restored && restored.kind !== 'idle' && restored.run) {
      panel.setTitle(restored.run.fileName);
    }
    this.logger.info('Panel', `Restored the training panel showing ${restored?.kind ?? 'no'} state.`);
  }

  /** Trains the last run's file again, as it is now, with the same seed, and shows both runs side by side. */
  async trainAgainAndCompare(): Promise<PanelState | undefined> {
    const uri = this.sessionUri;
    if (!uri || !this.session) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Train a model first. "Train again and compare" then trains the same file again and shows both runs side by side.'));
      return undefined;
    }
    if (this.session.isRunning && !(await this.confirmReplaceRun(path.basename(uri.path)))) {
      return undefined;
    }
    const baseline = this.insights.decorate(this.session.state);
    if (baseline.kind === 'idle' || !baseline.run) {
      return undefined;
    }
    return this.train(uri, { baseline: baseline.run, seed: baseline.run.seed });
  }

  /** Stops the running training, if any, after its current batch. */
  stop(): void {
    this.session?.stop();
  }

  /**
   * Ends the trainer and stores how far the run got, so the panel restored after a window
   * reload shows it. Resolves once the storage has the state; `deactivate` awaits it.
   */
  async shutDown(): Promise<void> {
    const session = this.session;
    session?.kill();
    if (session) {
      await this.lastRun.saveNow(session.state);
    }
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.lastRun.dispose();
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

  /**
   * Downloads the dataset with a cancellable progress notification, or resolves the CSV file
   * the run reads. Returns where the trainer finds them, or undefined after telling the user
   * why the run cannot start. Restricted Mode changes nothing here: the addresses are fixed,
   * and a CSV file must lie inside the workspace either way.
   */
  private async prepareRunData(
    document: vscode.TextDocument,
    spec: ModelSpec,
  ): Promise<Pick<TrainOptions, 'datasetCacheDir' | 'csvPath'> | undefined> {
    const cacheDir = path.join(this.context.globalStorageUri.fsPath, 'datasets');
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
    // A file opened without a folder may read data next to it.
    const isFile = document.uri.scheme === 'file';
    let allowedRoots = folders;
    if (folders.length === 0 && isFile) {
      allowedRoots = [path.dirname(document.uri.fsPath)];
    }
    const modelFilePath = isFile ? document.uri.fsPath : path.join(allowedRoots[0] ?? '', path.basename(document.uri.path));
    const options = { cacheDir, modelFilePath, allowedRoots };
    try {
      if (!(await needsDownload(spec, cacheDir))) {
        return await prepareRunData(spec, options);
      }
      this.logger.info('Training', `Downloading ${spec.dataset.name} into ${cacheDir}`);
      return await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: vscode.l10n.t('Downloading the {0} dataset for {1}', spec.dataset.name, spec.fileName),
          cancellable: true,
        },
        (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          let reportedPercent = 0;
          const onProgress = (update: DownloadProgress): void => {
            const percent = (100 * (update.completedBytes + update.receivedBytes)) / update.allBytes;
            if (percent - reportedPercent < 1 && update.receivedBytes < update.fileBytes) {
              return;
            }
            progress.report({
              message: vscode.l10n.t('{0}: {1} of {2} MB', update.file, (update.receivedBytes / 1e6).toFixed(1), (update.fileBytes / 1e6).toFixed(1)),
              increment: percent - reportedPercent,
            });
            reportedPercent = percent;
          };
          return prepareRunData(spec, { ...options, signal: abort.signal, onProgress });
        },
      );
    } catch (error) {
      if (!(error instanceof DatasetDownloadError) && !(error instanceof CsvLocationError)) {
        throw error;
      }
      this.logger.error('Training', error.message);
      if (error instanceof DatasetDownloadError && error.cancelled) {
        void vscode.window.showInformationMessage(vscode.l10n.t('The download was cancelled, so {0} was not trained.', spec.fileName));
      } else {
        void vscode.window.showErrorMessage(error.message);
      }
      return undefined;
    }
  }

  private startSession(
    uri: vscode.Uri,
    spec: ModelSpec,
    comparison?: Comparison,
    runData: Pick<TrainOptions, 'datasetCacheDir' | 'csvPath'> = {},
  ): Promise<PanelState> {
    const settings = readTrainingSettings(uri);
    this.restoredState = undefined;
    const extensionPath = this.context.extensionUri.fsPath;
    const panel = this.showPanel();
    panel.setTitle(spec.fileName);

    const session = new TrainingSession(
      spec,
      {
        backend: settings.backend,
        seed: comparison?.seed ?? settings.seed,
        samplesPerEpoch: settings.samplesPerEpoch,
        maxEpochs: settings.maxEpochs,
        dataDir: path.join(extensionPath, 'data'),
        wasmDir: path.join(extensionPath, 'dist', 'wasm'),
        ...runData,
      },
      { trainerPath: path.join(extensionPath, 'dist', 'trainer.js'), l10nBundlePath: vscode.l10n.uri?.fsPath },
      {
        // A replaced session may still report while it stops; only the current one reaches the panel.
        onState: (state) => {
          if (this.session === session) {
            void this.lastRun.saveNow(state);
            this.panel?.refresh();
          }
        },
        onUpdate: (update) => {
          if (this.session === session) {
            // Throttled by the store: one save per few seconds at most.
            this.lastRun.save(session.state);
            this.panel?.postUpdate(update);
            this.insights.observe(update, session.state);
          }
        },
        onLog: (level, message) => this.logger[level]('Trainer', message),
      },
    );
    this.session = session;
    this.sessionUri = uri;
    this.insights.begin(uri, spec, (update) => this.session === session && this.panel?.postUpdate(update), comparison);
    panel.refresh();
    this.logger.info('Training', `Started ${spec.fileName} in trainer process ${session.trainerPid}`);
    void vscode.commands.executeCommand('setContext', 'gradientFlow.training', true);

    this.showProgress(session);
    return session.done.then((state) => {
      this.logger.info('Training', `Trainer process for ${spec.fileName} ended: ${state.kind}`);
      if (this.session === session) {
        void vscode.commands.executeCommand('setContext', 'gradientFlow.training', false);
        this.insights.finish(state);
      }
      this.announceResult(spec.fileName, state);
      return state;
    });
  }

  private showPanel(): TrainingPanel {
    const panel = this.panel ?? this.createPanel();
    panel.reveal();
    return panel;
  }

  private createPanel(restored?: vscode.WebviewPanel): TrainingPanel {
    this.panel = new TrainingPanel(
      this.context.extensionUri,
      this.logger,
      {
        revealLayer: (specIndex) => void this.revealLayer(specIndex),
        stop: () => this.stop(),
        trainAgainAndCompare: () => void this.trainAgainAndCompare(),
        exportMessage: (message) => void this.exports.handleWebviewMessage(message),
        webviewReady: () => this.exports.webviewReady(),
      },
      () => this.displayedState(),
      () => {
        this.panel = undefined;
        this.exports.panelClosed();
        // Closing the panel means the user is done with the run.
        if (this.session?.isRunning) {
          this.logger.info('Training', 'The panel was closed, so the run stops.');
          this.session.stop();
        }
      },
      restored,
    );
    return this.panel;
  }

  /** Returns the running or last session's state, else a restored one, else idle. */
  private displayedState(): PanelState {
    return this.session ? this.insights.decorate(this.session.state) : (this.restoredState ?? { kind: 'idle' });
  }

  /** Tells the session when its file is edited; training goes on with the text it started with. */
  private noteSourceChange(event: vscode.TextDocumentChangeEvent): void {
    if (event.contentChanges.length > 0 && this.session && this.sessionUri?.toString() === event.document.uri.toString()) {
      this.session.markSourceChanged();
    }
  }

  /** Shows a notification with epoch and batch, whose Cancel button stops the run. */
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
      void vscode.window.showInformationMessage(finishedMessage(fileName, state.run, state.run.evaluation));
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
    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(this.sessionUri);
    } catch (error) {
      // The file was deleted or moved after training started.
      void vscode.window.showWarningMessage(
        vscode.l10n.t('{0} cannot be opened: {1}', path.basename(this.sessionUri.path), error instanceof Error ? error.message : String(error)),
      );
      return;
    }
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One });
    // NOTE: after edits made during the run, the line may have moved; the range is the one the run started with.
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
        const result = parseWithEpochsCap(document);
        this.diagnostics.set(document.uri, result.diagnostics.map(toVscodeDiagnostic));
      }, REPARSE_DELAY_MS),
    );
  }
}

/**
 * Parses the document and adds a warning at `fit` when it requests more epochs than the
 * `gradientFlow.maxEpochs` setting lets a run train.
 */
function parseWithEpochsCap(document: vscode.TextDocument): ParseResult {
  const result = parseModelDocument(document.getText(), path.basename(document.uri.path));
  const capped = result.spec ? epochsCapDiagnostic(result.spec, readTrainingSettings(document.uri).maxEpochs, 'gradientFlow.maxEpochs') : undefined;
  return capped ? { ...result, diagnostics: [...result.diagnostics, capped] } : result;
}

/**
 * Returns the notification for a run that trained to its end and was evaluated: the test
 * accuracy, or the test loss for a model without an accuracy metric. A run with fewer epochs
 * than planned was ended by EarlyStopping, the only way such a run stops early.
 */
function finishedMessage(fileName: string, run: RunSnapshot, evaluation: Evaluation): string {
  const percent = new Intl.NumberFormat(vscode.env.language, { style: 'percent', minimumFractionDigits: 2 });
  const hasAccuracy = !Number.isNaN(evaluation.accuracy);
  const result = hasAccuracy ? percent.format(evaluation.accuracy) : evaluation.loss.toFixed(4);
  const trained = run.epochLogs.length;
  if (trained < run.epochs) {
    return hasAccuracy
      ? vscode.l10n.t('EarlyStopping ended the training of {0} after epoch {1} of {2}: test accuracy {3}.', fileName, trained, run.epochs, result)
      : vscode.l10n.t('EarlyStopping ended the training of {0} after epoch {1} of {2}: test loss {3}.', fileName, trained, run.epochs, result);
  }
  return hasAccuracy
    ? vscode.l10n.t('Training of {0} finished: test accuracy {1}.', fileName, result)
    : vscode.l10n.t('Training of {0} finished: test loss {1}.', fileName, result);
}
