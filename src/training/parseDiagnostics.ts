import * as vscode from 'vscode';
import type { ParseDiagnostic, SourceRange } from '../common/modelSpec';

export function toVscodeRange(range: SourceRange): vscode.Range {
  return new vscode.Range(range.startLine, range.startCharacter, range.endLine, range.endCharacter);
}

const SEVERITIES: Record<ParseDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

export function toVscodeDiagnostic(diagnostic: ParseDiagnostic): vscode.Diagnostic {
  const result = new vscode.Diagnostic(toVscodeRange(diagnostic.range), diagnostic.message, SEVERITIES[diagnostic.severity]);
  result.source = vscode.l10n.t('Gradient Flow');
  result.code = diagnostic.code;
  return result;
}
