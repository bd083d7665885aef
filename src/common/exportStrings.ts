/**
 * Localized names of the export formats, shared by the panel's Export menu and the host's
 * "Gradient Flow: Export…" command so that both offer the same choices in the same words.
 */
import * as l10n from '@vscode/l10n';
import type { ExportFigure, ImageFormat, StatisticsFormat } from './exportProtocol';

export interface ExportStrings {
  /** The panel button that opens the menu. */
  readonly menu: string;
  readonly menuHint: string;
  readonly images: Readonly<Record<ExportFigure, Readonly<Record<ImageFormat, string>>>>;
  readonly statistics: Readonly<Record<StatisticsFormat, string>>;
}

export function buildExportStrings(): ExportStrings {
  return {
    menu: l10n.t({ message: 'Export', comment: ['Button that opens a menu of file formats to save the figures and statistics in.'] }),
    menuHint: l10n.t('Save the heatmap, the curves or the statistics to a file, for slides or homework.'),
    images: {
      heatmap: {
        png: l10n.t({ message: 'Heatmap as PNG image', comment: ['PNG is the image file format.'] }),
        svg: l10n.t({ message: 'Heatmap as SVG image', comment: ['SVG is the vector image file format.'] }),
      },
      curves: {
        png: l10n.t({ message: 'Loss and accuracy curves as PNG image', comment: ['PNG is the image file format.'] }),
        svg: l10n.t({ message: 'Loss and accuracy curves as SVG image', comment: ['SVG is the vector image file format.'] }),
      },
    },
    statistics: {
      samplesCsv: l10n.t({
        message: 'Statistics as CSV, one row per sample and layer',
        comment: ['CSV is the comma-separated values file format. A sample is one sampled training step.'],
      }),
      epochsCsv: l10n.t({
        message: 'Epoch logs as CSV, one row per epoch',
        comment: ['CSV is the comma-separated values file format. Epoch logs are loss and accuracy per epoch, as Keras reports them.'],
      }),
      json: l10n.t({ message: 'All statistics as JSON', comment: ['JSON is the file format.'] }),
    },
  };
}
