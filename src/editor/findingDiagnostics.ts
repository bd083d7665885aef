/**
 * Findings as Problems: one diagnostic per finding on each layer line it involves, with the
 * numbers behind it as related information at the layers they were measured on.
 */
import * as vscode from 'vscode';
import type { Evidence, Finding } from '../common/findings';
import type { SourceRange } from '../common/modelSpec';
import { toVscodeRange } from '../training/parseDiagnostics';
import { formatNorm } from './heatColor';

/** Returns the diagnostics' source name. The parser's diagnostics share it, and their codes (such as `unsupported-layer`) differ from the findings' kinds. */
export function findingDiagnosticSource(): string {
  return vscode.l10n.t('Gradient Flow');
}

/**
 * Returns the diagnostics of `findings`. `layerRanges[i]` is where `ModelSpec.layers[i]`
 * is now; a finding about no layer sits at its own range.
 */
export function findingDiagnostics(
  uri: vscode.Uri,
  findings: readonly Finding[],
  layerRanges: readonly SourceRange[],
): vscode.Diagnostic[] {
  return findings.flatMap((finding) => {
    const ranges = finding.specIndexes.map((index) => layerRanges[index]).filter((range): range is SourceRange => range !== undefined);
    let places = ranges;
    if (places.length === 0 && finding.range) {
      places = [finding.range];
    }
    const home = places[0];
    return places.map((range) => {
      const diagnostic = new vscode.Diagnostic(toVscodeRange(range), finding.title, severityOf(finding));
      diagnostic.source = findingDiagnosticSource();
      diagnostic.code = finding.kind;
      diagnostic.relatedInformation = finding.evidence.map(
        (evidence) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toVscodeRange(evidenceRange(evidence, layerRanges, home))), evidenceText(evidence)),
      );
      return diagnostic;
    });
  });
}

/** NaN and infinite values stop training, so they are errors even where the finding is only a warning. */
function severityOf(finding: Finding): vscode.DiagnosticSeverity {
  return finding.severity === 'error' || finding.kind === 'nonFinite' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
}

/** Returns where a number was measured: its layer, or the finding's own place for run-wide numbers such as a ratio. */
function evidenceRange(evidence: Evidence, layerRanges: readonly SourceRange[], home: SourceRange): SourceRange {
  return (evidence.specIndex !== undefined ? layerRanges[evidence.specIndex] : undefined) ?? home;
}

function evidenceText(evidence: Evidence): string {
  return vscode.l10n.t({
    message: '{0}: {1}',
    args: [evidence.label, formatNorm(evidence.value)],
    comment: ['{0} describes a measured number, such as "Weight-gradient norm of dense", {1} is the number.'],
  });
}
