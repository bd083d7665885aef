/**
 * The host's additions to a training run beyond its statistics. These are the live findings
 * for the panel, the Problems panel and the quick fixes, the gradient decorations in the
 * editor, and the baseline run that "Train again and compare" shows beside the new one.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Finding, FixKind } from '../common/findings';
import type { ModelSpec } from '../common/modelSpec';
import type { PanelState, RunSnapshot, RunUpdate } from '../common/runState';
import { fixLabel } from '../diagnosis/fixLabels';
import type { Logger } from '../logger';
import { FindingsTracker } from './findingsTracker';
import { FindingQuickFixes } from './quickFixProvider';
import { RunAnnotations } from './runAnnotations';

/** Runs "Train again and compare"; registered in `extension.ts`. */
export const TRAIN_AGAIN_COMMAND = 'gradientFlow.trainAgainAndCompare';
/** Context key: true once a run has ended, so there is something to compare with. */
const CAN_COMPARE_CONTEXT = 'gradientFlow.canCompare';

/** Settings of a run started by "Train again and compare" that a plain run does not have. */
export interface Comparison {
  /** The run to show beside the new one, with its findings. */
  readonly baseline: RunSnapshot;
  /** The baseline's seed, so both runs start from the same weights and batch order. */
  readonly seed?: number;
}

export class RunInsights implements vscode.Disposable {
  readonly annotations: RunAnnotations;
  private readonly disposables: vscode.Disposable[];
  private tracker: FindingsTracker | undefined;
  private baseline: RunSnapshot | undefined;
  /** The file of the latest run, which a quick fix must have edited for the compare offer. */
  private runUri: vscode.Uri | undefined;

  constructor(private readonly logger: Logger) {
    this.annotations = new RunAnnotations(logger);
    this.disposables = [this.annotations, FindingQuickFixes.register(this.annotations)];
  }

  /**
   * Starts following a run of `spec` from `uri`. `post` sends a findings update to the
   * panel. A plain run drops the previous baseline; a comparison run brings its own.
   */
  begin(uri: vscode.Uri, spec: ModelSpec, post: (update: RunUpdate) => void, comparison?: Comparison): void {
    this.tracker?.dispose();
    this.baseline = comparison?.baseline;
    this.runUri = uri;
    this.annotations.begin(uri, spec);

    const tracker = new FindingsTracker(spec, (findings) => {
      if (this.tracker !== tracker) {
        return;
      }
      this.logger.info('Diagnosis', `${spec.fileName}: ${findings.length === 0 ? 'no findings' : findings.map((finding) => finding.kind).join(', ')}`);
      this.annotations.showFindings(findings);
      post({ type: 'findings', findings });
    });
    this.tracker = tracker;
  }

  /** Takes every update of the running session, with the session's state after it. */
  observe(update: RunUpdate, state: PanelState): void {
    const run = state.kind === 'idle' ? undefined : state.run;
    if (!run) {
      return;
    }
    if (update.type === 'sample' || update.type === 'epoch') {
      this.tracker?.observe(run);
    }
    if (update.type === 'sample') {
      this.annotations.showRun(run);
    }
  }

  /** Diagnoses the finished run once more and draws its final gradients. */
  finish(state: PanelState): void {
    if (state.kind === 'idle' || !state.run) {
      return;
    }
    this.tracker?.finish(state.run);
    this.annotations.showRun(state.run, true);
    void vscode.commands.executeCommand('setContext', CAN_COMPARE_CONTEXT, state.run.samples.length > 0);
  }

  /** Adds the findings and the baseline to the session's state for the panel. */
  decorate(state: PanelState): PanelState {
    if (state.kind === 'idle' || !state.run) {
      return state;
    }
    // An empty list means the diagnosis ran and found nothing, while a run without the field was never diagnosed.
    const findings: readonly Finding[] | undefined = this.tracker?.findings;
    const run = findings ? { ...state.run, findings } : state.run;
    if (state.kind === 'failed') {
      return { ...state, run };
    }
    return this.baseline ? { ...state, run, baseline: this.baseline } : { ...state, run };
  }

  /** After a quick fix in the latest run's file: offers to train again and compare. */
  async offerComparison(uri: unknown, fix: FixKind): Promise<void> {
    if (!(uri instanceof vscode.Uri) || uri.toString() !== this.runUri?.toString()) {
      return;
    }
    this.logger.info('Editor', `Applied the quick fix ${fix} to ${path.basename(uri.path)}.`);
    const trainAgain = vscode.l10n.t('Train again and compare');
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t({
        message: 'Applied: {0}. Train {1} again with the same seed and compare it with the previous run?',
        args: [fixLabel(fix), path.basename(uri.path)],
        comment: ['{0} names the change, such as "Use relu in the hidden layers". {1} is the model file name.'],
      }),
      trainAgain,
    );
    if (choice === trainAgain) {
      await vscode.commands.executeCommand(TRAIN_AGAIN_COMMAND);
    }
  }

  dispose(): void {
    this.tracker?.dispose();
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }
}
