import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { findLocalizationBypasses } from '../helpers/localizationBypass';

const ROOT = path.resolve(__dirname, '..', '..');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = path.join(folder, name);
    if (statSync(full).isDirectory()) {
      return sourceFiles(full);
    }
    return full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
  });
}

/** Places of the bypasses the scanner finds in one in-memory file. */
function placesIn(source: string): string[] {
  return findLocalizationBypasses('sample.ts', source).map((bypass) => bypass.place);
}

describe('localization bypass check', () => {
  it('source tree shows every user-visible string through localization', () => {
    const files = [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'webview'))];
    const found = files.flatMap((file) => findLocalizationBypasses(path.relative(ROOT, file), readFileSync(file, 'utf8')));
    assert.deepEqual(
      found.map((bypass) => `${bypass.file}:${bypass.line} ${bypass.place}: ${bypass.text}`),
      [],
      'wrap these strings in l10n.t or vscode.l10n.t, or take them from PanelStrings',
    );
  });

  // Each planted violation must be found at the place named.
  const violations: { readonly name: string; readonly source: string; readonly place: string }[] = [
    { name: 'literal error message', source: "void vscode.window.showErrorMessage('Training failed.');", place: 'showErrorMessage' },
    { name: 'template warning with words', source: 'void vscode.window.showWarningMessage(`Cannot train ${fileName} yet.`);', place: 'showWarningMessage' },
    { name: 'literal message button', source: "void window.showInformationMessage(vscode.l10n.t('Saved.'), 'Open');", place: 'showInformationMessage' },
    {
      name: 'literal modal detail',
      source: "void vscode.window.showErrorMessage(vscode.l10n.t('Failed.'), { modal: true, detail: 'See the log.' });",
      place: 'showErrorMessage',
    },
    {
      name: 'literal conditional branch',
      source: "void vscode.window.showErrorMessage(failed ? 'Training failed.' : vscode.l10n.t('Stopped.'));",
      place: 'showErrorMessage',
    },
    { name: 'literal appended to localized text', source: "void vscode.window.showErrorMessage(vscode.l10n.t('Failed:') + ' see the log');", place: 'showErrorMessage' },
    { name: 'literal quick pick item', source: "void vscode.window.showQuickPick(['Heatmap as PNG']);", place: 'showQuickPick item' },
    {
      name: 'literal quick pick detail',
      source: "void vscode.window.showQuickPick([{ label: vscode.l10n.t('PNG'), detail: 'An image file' }]);",
      place: 'showQuickPick item',
    },
    { name: 'literal quick pick placeholder', source: "void vscode.window.showQuickPick(items, { placeHolder: 'Choose a format' });", place: 'showQuickPick options' },
    { name: 'template progress title', source: 'void vscode.window.withProgress({ location, title: `Training ${name}` }, task);', place: 'withProgress title' },
    { name: 'literal progress message', source: "progress.report({ message: 'Loading MNIST' });", place: 'progress message' },
    {
      name: 'literal diagnostic message',
      source: "const diagnostic = new vscode.Diagnostic(range, 'Unknown layer', vscode.DiagnosticSeverity.Error);",
      place: 'new Diagnostic',
    },
    { name: 'literal panel title', source: "vscode.window.createWebviewPanel('view', 'Training panel', column, {});", place: 'createWebviewPanel title' },
    { name: 'literal textContent', source: "element.textContent = 'Waiting for samples';", place: '.textContent =' },
    { name: 'template textContent with words', source: 'element.textContent = `Epoch ${epoch} of ${epochs}`;', place: '.textContent =' },
    { name: 'literal tooltip title', source: "button.title = 'Stop training';", place: '.title =' },
    { name: 'literal aria-label attribute', source: "grid.setAttribute('aria-label', 'Heatmap cells');", place: "setAttribute('aria-label')" },
    { name: 'literal d3 aria-label', source: "labels.attr('aria-label', 'Show in editor');", place: "attr('aria-label')" },
  ];

  for (const { name, source, place } of violations) {
    it(`flags ${name}`, () => {
      assert.deepEqual(placesIn(source), [place]);
    });
  }

  it('accepts localized and word-free text', () => {
    const source = `
      void vscode.window.showErrorMessage(vscode.l10n.t('Training failed.'), showLog);
      void vscode.window.showErrorMessage(state.message);
      void vscode.window.showQuickPick([{ label: strings.images.heatmap.png, description: note, kind }], { title: l10n.t('Export') });
      void vscode.window.withProgress({ location, title: vscode.l10n.t('Training {0}', name), cancellable: true }, task);
      progress.report({ message: vscode.l10n.t('Epoch {0}', epoch), increment: 5 });
      const diagnostic = new vscode.Diagnostic(range, finding.title, severity);
      element.textContent = strings.idle;
      element.textContent = '';
      element.textContent = \`\${strings.failed} \${state.message}\`;
      element.textContent = \`\${label} · \${value} %\`;
      element.textContent = run?.fileName || strings.title;
      grid.setAttribute('aria-hidden', 'true');
      grid.setAttribute('aria-label', fillTemplate(strings.accessibility.heatmapGrid, label));
      labels.attr('class', 'heatmap-row-label');
      const message = 'Not shown to anyone';
      logger.info('Export', 'Wrote the file');
      throw new Error('Internal error for the log');
    `;
    assert.deepEqual(placesIn(source), []);
  });

  it('reports the line of the literal', () => {
    const [bypass] = findLocalizationBypasses('sample.ts', "const a = 1;\n\nelement.textContent =\n  'Late text';\n");
    assert.deepEqual({ line: bypass.line, text: bypass.text }, { line: 4, text: "'Late text'" });
  });
});
