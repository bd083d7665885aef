/**
 * The latest weight-gradient norm at the end of each layer's line, after a small square in
 * the heatmap's colour for that value, so the fading gradient shows in the code itself.
 */
import * as vscode from 'vscode';
import type { SourceRange } from '../common/modelSpec';
import { formatNorm, type LayerHeat } from './heatColor';

/** Shown for 0, NaN and ±∞, which have no place on the log colour ramp; the panel's grey for 0. */
const OFF_RAMP_COLOR = '#c8c8c8';
const NON_FINITE_COLOR = '#ff3d8b';

export class GradientDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });

  /** Shows `heat` in every visible editor of `uri`; `layerRanges[i]` is where `ModelSpec.layers[i]` is now. */
  show(uri: vscode.Uri, heat: readonly LayerHeat[], layerRanges: readonly SourceRange[]): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() !== uri.toString()) {
        continue;
      }
      const document = editor.document;
      const options = heat.flatMap((layer) => {
        const range = layerRanges[layer.specIndex];
        return range && range.endLine < document.lineCount ? [decorationFor(layer, document.lineAt(range.endLine).range.end)] : [];
      });
      editor.setDecorations(this.type, options);
    }
  }

  /** Removes the decorations from every visible editor. */
  clear(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      editor.setDecorations(this.type, []);
    }
  }

  dispose(): void {
    this.type.dispose();
  }
}

/** Returns a decoration on the empty range `lineEnd` at the end of a line, so both attachments render after the code. */
function decorationFor(layer: LayerHeat, lineEnd: vscode.Position): vscode.DecorationOptions {
  const color = layer.color ?? (Number.isNaN(layer.value) || !Number.isFinite(layer.value) ? NON_FINITE_COLOR : OFF_RAMP_COLOR);
  const label = vscode.l10n.t({
    message: '‖∂L/∂W‖ {0}',
    args: [formatNorm(layer.value)],
    comment: ['Shown after a layer line: the latest L2 norm of the weight gradient, such as 3.2e-5.'],
  });

  return {
    range: new vscode.Range(lineEnd, lineEnd),
    hoverMessage: vscode.l10n.t('Weight-gradient norm ‖∂L/∂W‖ of this layer at the latest sampled step: {0}', formatNorm(layer.value)),
    renderOptions: {
      before: {
        contentText: '\u00a0',
        backgroundColor: color,
        border: '1px solid',
        borderColor: new vscode.ThemeColor('editorWidget.border'),
        width: '0.8em',
        height: '0.8em',
        margin: '0 0.4em 0 2em',
      },
      after: {
        contentText: label,
        color: new vscode.ThemeColor('editorCodeLens.foreground'),
        fontStyle: 'italic',
      },
    },
  };
}
