/**
 * Quick fixes for the findings' diagnostics: each fix a finding offers becomes a code action
 * whose edit changes the file as one undoable step. After it is applied, a notification
 * offers to train again and compare with the run that found the problem.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FixKind } from '../common/findings';
import { fixLabel } from '../diagnosis/fixLabels';
import { parseModelDocument } from '../parser/modelDocument';
import { findingDiagnosticSource } from './findingDiagnostics';
import { computeFix } from './fixes';
import type { RunAnnotations } from './runAnnotations';

/** Runs after a quick fix is applied, with the file's URI and the fix. Not shown in the Command Palette. */
export const FIX_APPLIED_COMMAND = 'gradientFlow.fixApplied';

export class FindingQuickFixes implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
  };

  constructor(private readonly annotations: RunAnnotations) {}

  /** Registers the provider for Python files. */
  static register(annotations: RunAnnotations): vscode.Disposable {
    return vscode.languages.registerCodeActionsProvider(
      [{ language: 'python' }, { pattern: '**/*.py' }],
      new FindingQuickFixes(annotations),
      FindingQuickFixes.metadata,
    );
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const source = findingDiagnosticSource();
    const findings = this.annotations.findingsFor(document.uri);
    const diagnostics = context.diagnostics.filter(
      (diagnostic) => diagnostic.source === source && findings.some((finding) => finding.kind === diagnostic.code),
    );
    if (diagnostics.length === 0) {
      return [];
    }

    // The fixes edit the text as it is now, which may differ from the text that was trained.
    const text = document.getText();
    const spec = parseModelDocument(text, path.basename(document.uri.path)).spec;
    // The fixes rewrite Python calls, so a model read from JSON gets none.
    if (!spec || (spec.sourceFormat !== undefined && spec.sourceFormat !== 'python')) {
      return [];
    }

    const actions: vscode.CodeAction[] = [];
    const offered = new Set<FixKind>();
    for (const diagnostic of diagnostics) {
      const finding = findings.find((candidate) => candidate.kind === diagnostic.code);
      for (const fix of finding?.fixes ?? []) {
        if (offered.has(fix)) {
          continue;
        }
        const edit = computeFix(fix, text, spec);
        if (!edit) {
          continue;
        }
        offered.add(fix);

        const action = new vscode.CodeAction(fixLabel(fix), vscode.CodeActionKind.QuickFix);
        action.diagnostics = diagnostics.filter((candidate) => candidate.code === diagnostic.code);
        action.isPreferred = actions.length === 0;
        action.edit = new vscode.WorkspaceEdit();
        for (const change of edit.edits) {
          action.edit.replace(document.uri, new vscode.Range(document.positionAt(change.from), document.positionAt(change.to)), change.text);
        }
        action.command = { command: FIX_APPLIED_COMMAND, title: fixLabel(fix), arguments: [document.uri, fix] };
        actions.push(action);
      }
    }
    return actions;
  }
}
