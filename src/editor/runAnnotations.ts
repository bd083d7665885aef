/**
 * The editor annotations of a file's latest run: the findings in the Problems panel, in a
 * diagnostic collection of their own, and each layer's latest weight-gradient norm at the
 * end of its line. Both follow the file while it is edited and are cleared once they no
 * longer describe it (staleness.ts states the rule).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Finding } from '../common/findings';
import type { ModelSpec, SourceRange } from '../common/modelSpec';
import type { RunSnapshot } from '../common/runState';
import type { Logger } from '../logger';
import { parseModelDocument } from '../parser/modelDocument';
import { findingDiagnostics } from './findingDiagnostics';
import { GradientDecorations } from './gradientDecorations';
import { latestLayerHeat } from './heatColor';
import { sameLayers, shiftLayerRanges } from './staleness';

/** Shortest time between two redraws of the gradient decorations while training runs. */
const DECORATION_INTERVAL_MS = 500;
/** Delay after the last edit before the file is parsed again to check its layers. */
const REPARSE_DELAY_MS = 300;

interface Target {
  readonly uri: vscode.Uri;
  readonly spec: ModelSpec;
  /** Current range of each of `spec.layers`, after the edits made since the run started. */
  layerRanges: SourceRange[];
  /** Current range of each finding that concerns no layer, such as the learning rate. */
  findingRanges: Map<Finding, SourceRange>;
  findings: readonly Finding[];
  run?: RunSnapshot;
}

export class RunAnnotations implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('gradientFlowFindings');
  private readonly decorations = new GradientDecorations();
  private readonly disposables: vscode.Disposable[] = [this.diagnostics, this.decorations];
  private target: Target | undefined;
  private decorationTimer: NodeJS.Timeout | undefined;
  private lastDecorationAt = -Infinity;
  private reparseTimer: NodeJS.Timeout | undefined;

  constructor(private readonly logger: Logger) {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((event) => this.followEdits(event)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.drawDecorations()),
    );
  }

  /** Starts annotating a new run of `spec` from `uri`, replacing what the previous run showed. */
  begin(uri: vscode.Uri, spec: ModelSpec): void {
    this.clear();
    this.target = {
      uri,
      spec,
      layerRanges: spec.layers.map((layer) => layer.range),
      findingRanges: new Map(),
      findings: [],
    };
  }

  /** Shows the run's latest gradients, at most every DECORATION_INTERVAL_MS unless `now`. */
  showRun(run: RunSnapshot, now = false): void {
    const target = this.target;
    if (!target) {
      return;
    }
    target.run = run;
    if (now) {
      clearTimeout(this.decorationTimer);
      this.decorationTimer = undefined;
    } else if (this.decorationTimer !== undefined) {
      return;
    }

    const wait = now ? 0 : this.lastDecorationAt + DECORATION_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      this.drawDecorations();
    } else {
      this.decorationTimer = setTimeout(() => {
        this.decorationTimer = undefined;
        this.drawDecorations();
      }, wait);
    }
  }

  showFindings(findings: readonly Finding[]): void {
    const target = this.target;
    if (!target) {
      return;
    }
    target.findings = findings;
    target.findingRanges = new Map(findings.flatMap((finding) => (finding.range ? [[finding, finding.range] as const] : [])));
    this.drawDiagnostics();
  }

  /** Returns the findings shown for `uri`, for the quick fixes; none once they went stale. */
  findingsFor(uri: vscode.Uri): readonly Finding[] {
    return this.target && this.target.uri.toString() === uri.toString() ? this.target.findings : [];
  }

  /** Removes every annotation; later updates of the same run are ignored. */
  clear(): void {
    clearTimeout(this.decorationTimer);
    clearTimeout(this.reparseTimer);
    this.decorationTimer = undefined;
    this.reparseTimer = undefined;
    this.target = undefined;
    this.diagnostics.clear();
    this.decorations.clear();
  }

  dispose(): void {
    this.clear();
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }

  private drawDiagnostics(): void {
    const target = this.target;
    if (!target) {
      return;
    }
    const findings = target.findings.map((finding) => {
      const range = target.findingRanges.get(finding);
      return range ? { ...finding, range } : finding;
    });
    this.diagnostics.set(target.uri, findingDiagnostics(target.uri, findings, target.layerRanges));
  }

  private drawDecorations(): void {
    const target = this.target;
    if (!target?.run) {
      return;
    }
    this.lastDecorationAt = performance.now();
    this.decorations.show(target.uri, latestLayerHeat(target.run), target.layerRanges);
  }

  /** Moves the annotations with edits above them; clears them when an edit touches an annotated line. */
  private followEdits(event: vscode.TextDocumentChangeEvent): void {
    const target = this.target;
    if (!target || event.document.uri.toString() !== target.uri.toString() || event.contentChanges.length === 0) {
      return;
    }

    const annotated = [...target.layerRanges, ...target.findingRanges.values()];
    let shifted: SourceRange[] | undefined = annotated;
    for (const change of event.contentChanges) {
      const range = change.range;
      shifted = shiftLayerRanges(shifted, {
        range: { startLine: range.start.line, startCharacter: range.start.character, endLine: range.end.line, endCharacter: range.end.character },
        text: change.text,
      });
      if (!shifted) {
        this.logger.info('Editor', `Cleared the run's annotations of ${path.basename(target.uri.path)}: an edit touched an annotated line.`);
        this.clear();
        return;
      }
    }

    target.layerRanges = shifted.slice(0, target.layerRanges.length);
    const findingRanges = shifted.slice(target.layerRanges.length);
    target.findingRanges = new Map([...target.findingRanges.keys()].map((finding, index) => [finding, findingRanges[index]]));
    this.drawDiagnostics();
    this.scheduleLayerCheck(event.document);
  }

  /** Parses the edited file again and clears the annotations when its layers changed. */
  private scheduleLayerCheck(document: vscode.TextDocument): void {
    clearTimeout(this.reparseTimer);
    this.reparseTimer = setTimeout(() => {
      this.reparseTimer = undefined;
      const target = this.target;
      if (!target || document.isClosed) {
        return;
      }
      const spec = parseModelDocument(document.getText(), path.basename(document.uri.path)).spec;
      if (!spec || !sameLayers(spec.layers, target.spec.layers)) {
        this.logger.info('Editor', `Cleared the run's annotations of ${path.basename(target.uri.path)}: its layers changed.`);
        this.clear();
        return;
      }
      target.layerRanges = spec.layers.map((layer) => layer.range);
      this.drawDiagnostics();
      this.drawDecorations();
    }, REPARSE_DELAY_MS);
  }
}
