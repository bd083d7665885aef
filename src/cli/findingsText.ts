/** The diagnosis as plain text for the terminal: each finding with its layers, evidence and fixes. */
import * as l10n from '@vscode/l10n';
import type { Evidence, Finding } from '../common/findings';
import type { ModelSpec, SourceRange } from '../common/modelSpec';
import { fixLabel } from '../diagnosis/fixLabels';

/** Returns the findings as indented lines ending in a newline, or a line saying there are none. */
export function formatFindings(findings: readonly Finding[], spec: ModelSpec): string {
  if (findings.length === 0) {
    return l10n.t('Diagnosis: no problems found in the training statistics.') + '\n';
  }

  const lines = [l10n.t('Diagnosis:')];
  for (const finding of findings) {
    const severity = finding.severity === 'error' ? l10n.t('error') : l10n.t('warning');
    lines.push(`  ${severity}: ${finding.title}`);
    lines.push(`    ${l10n.t('Where: {0}', where(finding, spec))}`);
    lines.push(`    ${l10n.t('Since step {0}', finding.firstStep + 1)}`);
    lines.push(`    ${finding.explanation}`);
    for (const evidence of finding.evidence) {
      lines.push(`    - ${formatEvidence(evidence)}`);
    }
    if (finding.fixes.length > 0) {
      lines.push(`    ${l10n.t('Fixes: {0}', finding.fixes.map(fixLabel).join('; '))}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Returns the layers with their 1-based lines, or the line of the call the finding points to. */
function where(finding: Finding, spec: ModelSpec): string {
  if (finding.specIndexes.length > 0) {
    return finding.specIndexes
      .map((index) => spec.layers[index])
      .filter((layer) => layer !== undefined)
      .map((layer) => l10n.t('{0} (line {1})', layer.name, layer.range.startLine + 1))
      .join(', ');
  }
  return finding.range ? lineOf(finding.range) : spec.fileName;
}

function lineOf(range: SourceRange): string {
  return l10n.t('line {0}', range.startLine + 1);
}

function formatEvidence(evidence: Evidence): string {
  const value = formatValue(evidence.value);
  return evidence.step === undefined
    ? `${evidence.label}: ${value}`
    : l10n.t('{0}: {1} (step {2})', evidence.label, value, evidence.step + 1);
}

/** Three significant digits; exponent form for very small or large magnitudes. */
function formatValue(value: number): string {
  if (!Number.isFinite(value) || value === 0) {
    return String(value);
  }
  const magnitude = Math.abs(value);
  return magnitude < 1e-3 || magnitude >= 1e5 ? value.toExponential(2) : String(Number(value.toPrecision(3)));
}
