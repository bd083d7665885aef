/**
 * Localized strings the training panel shows. The webview has no localization layer of its
 * own, so the host (or the CLI, for HTML reports) builds this object and sends it along.
 */
import * as l10n from '@vscode/l10n';

export interface PanelStrings {
  readonly title: string;
  readonly idle: string;
  readonly stop: string;
}

export function buildPanelStrings(): PanelStrings {
  return {
    title: l10n.t('Gradient Flow'),
    idle: l10n.t('Right-click a Keras model file and choose Train model.'),
    stop: l10n.t('Stop'),
  };
}
