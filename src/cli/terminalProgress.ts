import * as l10n from '@vscode/l10n';
import { datasetDisplayName } from '../common/datasets';
import type { PanelState, RunSnapshot, RunUpdate } from '../common/runState';
import type { SessionListener } from '../training/trainingSession';

const BAR_WIDTH = 30;

/** Prints a run to a terminal: what runs where, a progress bar, Keras-style epoch lines, a layer summary. */
export class TerminalProgress implements SessionListener {
  private announced = { backend: false, dataset: false, started: false };
  private run: RunSnapshot | undefined;
  private barVisible = false;
  private lastPlainPercent = -1;

  /** Number format of example and step counts in the output language: 48,000 in English, 48.000 in Vietnamese. */
  private readonly counts: Intl.NumberFormat;

  constructor(
    private readonly out: NodeJS.WriteStream,
    language = 'en',
  ) {
    this.counts = new Intl.NumberFormat(Intl.NumberFormat.supportedLocalesOf([language]).length > 0 ? language : 'en');
  }

  private formatCount(value: number | undefined): string {
    return value === undefined ? '?' : this.counts.format(value);
  }

  onState(state: PanelState): void {
    if (state.kind !== 'training') {
      return;
    }
    const run = state.run;
    this.run = run;
    if (run.backend && !this.announced.backend) {
      this.announced.backend = true;
      this.line(l10n.t('Backend: {0}', run.backend));
    }
    if (run.datasetName && !this.announced.dataset) {
      this.announced.dataset = true;
      const counts = [this.formatCount(run.trainExamples), this.formatCount(run.validationExamples), this.formatCount(run.testExamples)] as const;
      this.line(
        run.datasetOrigin === 'inferred'
          ? l10n.t("Dataset: {0}, chosen from the model's input shape because the file loads no data: {1} training, {2} validation, {3} test examples", datasetDisplayName(run.datasetName), ...counts)
          : l10n.t('Dataset: {0}: {1} training, {2} validation, {3} test examples', datasetDisplayName(run.datasetName), ...counts),
      );
    }
    if (run.layers.length > 0 && !this.announced.started) {
      this.announced.started = true;
      this.line(l10n.t('Epochs: {0}, steps per epoch: {1}, seed: {2}', run.epochs, this.formatCount(run.stepsPerEpoch), String(run.seed)));
    }
  }

  onUpdate(update: RunUpdate): void {
    const run = this.run;
    if (!run) {
      return;
    }
    switch (update.type) {
      case 'progress':
        this.showProgress(run, update.epoch, update.batch);
        break;
      case 'epoch': {
        const logs = update.logs;
        const seconds = logs.seconds.toFixed(1);
        this.line(
          logs.valLoss === undefined
            ? l10n.t('Epoch {0}/{1}: loss {2}, accuracy {3} ({4} s)', logs.epoch + 1, run.epochs, logs.loss.toFixed(4), logs.accuracy.toFixed(4), seconds)
            : l10n.t(
                'Epoch {0}/{1}: loss {2}, accuracy {3}, val_loss {4}, val_accuracy {5} ({6} s)',
                logs.epoch + 1,
                run.epochs,
                logs.loss.toFixed(4),
                logs.accuracy.toFixed(4),
                logs.valLoss.toFixed(4),
                (logs.valAccuracy ?? NaN).toFixed(4),
                seconds,
              ),
        );
        break;
      }
      case 'sample':
        break;
    }
  }

  onLog(level: 'info' | 'warn' | 'error', message: string): void {
    this.line(level === 'info' ? message : `${level === 'warn' ? l10n.t('warning') : l10n.t('error')}: ${message}`);
  }

  /** Prints a message on its own line, above the progress bar. */
  note(message: string): void {
    this.line(message);
  }

  finish(state: PanelState): void {
    this.clearBar();
    if (state.kind === 'failed') {
      this.out.write(l10n.t('Training failed: {0}', state.message) + '\n');
      return;
    }
    if (state.kind !== 'finished') {
      return;
    }
    if (state.stopped) {
      this.out.write(l10n.t('Training stopped.') + '\n');
    }
    const evaluation = state.run.evaluation;
    if (evaluation) {
      this.out.write(
        l10n.t(
          'Test evaluation: loss {0}, accuracy {1} on {2} examples',
          evaluation.loss.toFixed(4),
          evaluation.accuracy.toFixed(4),
          this.formatCount(evaluation.examples),
        ) + '\n',
      );
    }
    this.printLayerSummary(state.run);
  }

  /** Prints the last sample's weight-gradient norm per layer, the numbers behind the heatmap's last column. */
  private printLayerSummary(run: RunSnapshot): void {
    const last = run.samples.at(-1);
    if (!last) {
      return;
    }
    this.out.write(l10n.t('Weight-gradient norm ‖∂L/∂W‖ per layer at the last sampled step:') + '\n');
    const width = Math.max(...run.layers.map((layer) => layer.name.length));
    run.layers.forEach((layer, index) => {
      const norm = last.layers[index]?.weightGradNorm;
      // Layers without weights have no norm; a NaN norm of a layer with weights is printed.
      if (norm === undefined || !layer.hasWeights) {
        return;
      }
      this.out.write(`  ${layer.name.padEnd(width)}  ${layer.activation.padEnd(8)}  ${norm.toExponential(2)}\n`);
    });
  }

  private showProgress(run: RunSnapshot, epoch: number, batch: number): void {
    const fraction = run.stepsPerEpoch > 0 ? (batch + 1) / run.stepsPerEpoch : 0;
    if (this.out.isTTY) {
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
      this.out.write(`\r${l10n.t('Epoch {0}/{1}', epoch + 1, run.epochs)} ${bar} ${batch + 1}/${run.stepsPerEpoch}`);
      this.barVisible = true;
      return;
    }
    // Without a terminal (CI logs), one line per quarter epoch.
    const percent = Math.floor(fraction * 4) * 25;
    if (percent !== this.lastPlainPercent && percent < 100) {
      this.lastPlainPercent = percent;
      this.line(l10n.t('Epoch {0}/{1}: {2} %', epoch + 1, run.epochs, percent));
    }
  }

  private line(text: string): void {
    this.clearBar();
    this.out.write(text + '\n');
  }

  private clearBar(): void {
    if (this.barVisible) {
      this.out.write('\r\x1b[2K');
      this.barVisible = false;
    }
  }
}
