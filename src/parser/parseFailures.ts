import * as l10n from '@vscode/l10n';
import type { ParseDiagnostic } from '../common/modelSpec';

/** Turns a bug in a reader into a diagnostic on the first line, so parsing never throws. */
export function internalError(error: unknown): ParseDiagnostic {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    severity: 'error',
    code: 'internal-error',
    range: { startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 0 },
    message: l10n.t('Gradient Flow could not read this file because of an internal error ({0}). Please report it with the file attached.', detail),
  };
}

/** Returns the file name without its folders, for titles and reports. */
export function baseName(fileName: string): string {
  const parts = fileName.split(/[\\/]/);
  return parts[parts.length - 1] || fileName;
}
