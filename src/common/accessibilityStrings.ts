/**
 * Localized strings for reading the heatmap without a mouse (keyboard navigation and screen
 * reader announcements) and for the colour scale choice.
 */
import * as l10n from '@vscode/l10n';

export interface AccessibilityStrings {
  /** Template: {0} is the statistic shown. Label of the heatmap's cell grid in the panel. */
  readonly heatmapGrid: string;
  /** Template: {0} is the statistic shown. The same label in reports, where Enter does nothing. */
  readonly heatmapGridReport: string;
  /** Template: {0} layer label, {1} position in training, {2} statistic name, {3} its value. */
  readonly cellAnnouncement: string;
  readonly colorScheme: string;
  readonly viridis: string;
  readonly viridisHint: string;
  readonly cividis: string;
  readonly cividisHint: string;
}

export function buildAccessibilityStrings(): AccessibilityStrings {
  return {
    heatmapGrid: l10n.t({
      message:
        'Heatmap cells of {0}. The arrow keys move between cells, Home and End go to the first or last sample of the row, and Enter shows the layer in the editor.',
      comment: ['{0} is the statistic shown, such as "Weight gradient ‖∂L/∂W‖". Read out by screen readers.'],
    }),
    heatmapGridReport: l10n.t({
      message: 'Heatmap cells of {0}. The arrow keys move between cells, and Home and End go to the first or last sample of the row.',
      comment: ['{0} is the statistic shown, such as "Weight gradient ‖∂L/∂W‖". Read out by screen readers.'],
    }),
    cellAnnouncement: l10n.t({
      message: '{0}, {1}: {2} {3}',
      comment: [
        'Read out by screen readers when a heatmap cell gets keyboard focus. {0} is a layer such as "dense_1 · sigmoid · 64", {1} a position such as "Epoch 1 · batch 61 of 1,500", {2} the statistic name, {3} its value.',
      ],
    }),
    colorScheme: l10n.t('Colour scale'),
    viridis: l10n.t({ message: 'Viridis', comment: ['Name of a colour map (dark purple to yellow); usually left untranslated.'] }),
    viridisHint: l10n.t('Dark purple to yellow. Its lightness rises evenly, so it also reads in greyscale.'),
    cividis: l10n.t({ message: 'Cividis', comment: ['Name of a colour map (dark blue to yellow); usually left untranslated.'] }),
    cividisHint: l10n.t('Dark blue to yellow, designed to look the same with red-green colour vision deficiency.'),
  };
}
