/**
 * Turns an export into file contents, asks the user where to save it, and writes it there.
 * Nothing is written unless the user picks a file in the save dialog.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportFigure, ImageFormat, StatisticsFormat } from '../common/exportProtocol';
import type { PanelState } from '../common/runState';
import { serializeStatistics } from '../report/htmlReport';
import { epochsCsv, samplesCsv } from './statisticsCsv';

/** The first eight bytes of every PNG file. */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface ExportFile {
  /** File name the save dialog suggests, such as `deep_sigmoid-heatmap.png`. */
  readonly suggestedName: string;
  /** Save dialog filter: a localized name and the extensions it lists. */
  readonly filter: { readonly name: string; readonly extensions: readonly string[] };
  readonly contents: Uint8Array;
}

/** Thrown when the panel sent data that is not the format it claims. */
export class InvalidExportDataError extends Error {}

/** `deep_sigmoid.py` → `deep_sigmoid`; a name without an extension stays as it is. */
export function modelBaseName(fileName: string): string {
  const base = path.basename(fileName, path.extname(fileName));
  return base === '' ? 'model' : base;
}

/** Decodes a rendered figure; throws InvalidExportDataError when a PNG lacks the PNG signature. */
export function imageFile(modelFileName: string, figure: ExportFigure, format: ImageFormat, data: string): ExportFile {
  const suggestedName = `${modelBaseName(modelFileName)}-${figure}.${format}`;
  if (format === 'svg') {
    return {
      suggestedName,
      filter: { name: vscode.l10n.t('SVG image'), extensions: ['svg'] },
      contents: Buffer.from(data, 'utf8'),
    };
  }

  const bytes = Buffer.from(data, 'base64');
  if (bytes.length < PNG_SIGNATURE.length || !bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    throw new InvalidExportDataError(`The panel sent ${bytes.length} bytes that do not start with the PNG signature.`);
  }
  return { suggestedName, filter: { name: vscode.l10n.t('PNG image'), extensions: ['png'] }, contents: bytes };
}

/** Builds a statistics file from the host's copy of the run; undefined while there is no run. */
export function statisticsFile(state: PanelState, format: StatisticsFormat): ExportFile | undefined {
  const run = state.kind === 'idle' ? undefined : state.run;
  if (!run) {
    return undefined;
  }
  const base = modelBaseName(run.fileName);
  switch (format) {
    case 'samplesCsv':
      return {
        suggestedName: `${base}-statistics.csv`,
        filter: { name: vscode.l10n.t('CSV file'), extensions: ['csv'] },
        contents: Buffer.from(samplesCsv(run), 'utf8'),
      };
    case 'epochsCsv':
      return {
        suggestedName: `${base}-epochs.csv`,
        filter: { name: vscode.l10n.t('CSV file'), extensions: ['csv'] },
        contents: Buffer.from(epochsCsv(run), 'utf8'),
      };
    case 'json':
      return {
        suggestedName: `${base}-statistics.json`,
        filter: { name: vscode.l10n.t('JSON file'), extensions: ['json'] },
        contents: Buffer.from(serializeStatistics(state), 'utf8'),
      };
  }
}

/**
 * The save dialog's starting point: the suggested name in the model file's folder, else in
 * the first workspace folder, else the name alone (the dialog then opens in its last folder).
 */
function defaultSaveUri(modelUri: vscode.Uri | undefined, suggestedName: string): vscode.Uri | undefined {
  if (modelUri && modelUri.scheme !== 'untitled') {
    return vscode.Uri.joinPath(modelUri, '..', suggestedName);
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder ? vscode.Uri.joinPath(folder, suggestedName) : undefined;
}

/**
 * Asks where to save `file` and writes it there. Returns the written file, or undefined when
 * the user cancelled the dialog.
 */
export async function saveExportFile(file: ExportFile, modelUri: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  const target = await vscode.window.showSaveDialog({
    defaultUri: defaultSaveUri(modelUri, file.suggestedName),
    filters: { [file.filter.name]: [...file.filter.extensions] },
    saveLabel: vscode.l10n.t({ message: 'Export', comment: ['Button of the save dialog that writes the exported file.'] }),
    title: vscode.l10n.t('Export {0}', file.suggestedName),
  });
  if (!target) {
    return undefined;
  }
  await vscode.workspace.fs.writeFile(target, file.contents);
  return target;
}
