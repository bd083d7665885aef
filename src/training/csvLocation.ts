/**
 * The location of the CSV file a model file reads. The path comes from the model file, which
 * may be untrusted. So it is resolved relative to the model file's folder with symbolic links
 * followed, and a path outside the allowed folders (the workspace folders in VS Code) is
 * rejected before the trainer reads a byte of it.
 */
import * as l10n from '@vscode/l10n';
import { realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';

/** A CSV path that is missing, not a file, or outside the allowed folders. */
export class CsvLocationError extends Error {
  override name = 'CsvLocationError';
}

/**
 * Returns the real path of `written`, resolved relative to `modelFilePath`'s folder.
 * @throws CsvLocationError naming the path when it does not exist, is not a file, or lies
 * outside every folder in `allowedRoots` once symbolic links are followed.
 */
export async function resolveCsvPath(written: string, modelFilePath: string, allowedRoots: readonly string[]): Promise<string> {
  const expanded = path.resolve(path.dirname(modelFilePath), written);
  const roots = [...new Set(await Promise.all(allowedRoots.map((root) => realpath(root).catch(() => path.resolve(root)))))];
  const lexicalRoots = allowedRoots.map((root) => path.resolve(root));
  // A path outside is rejected before the file system is asked about it, so the message
  // never reveals whether a file outside the workspace exists.
  if (!lexicalRoots.some((root) => isInside(expanded, root)) && !roots.some((root) => isInside(expanded, root))) {
    throw outsideError(written, expanded, roots);
  }

  let real: string;
  try {
    real = await realpath(expanded);
  } catch {
    throw new CsvLocationError(
      l10n.t('The CSV file {0} that the model file reads was not found at {1}. Put it there, or correct the path; a relative path starts at the model file\'s folder.', written, expanded),
    );
  }

  if (!roots.some((root) => isInside(real, root))) {
    throw outsideError(written, real, roots);
  }
  if (!(await stat(real)).isFile()) {
    throw new CsvLocationError(l10n.t('The CSV path {0} is a folder, not a file. Name the CSV file itself.', real));
  }
  return real;
}

function outsideError(written: string, resolved: string, roots: readonly string[]): CsvLocationError {
  return new CsvLocationError(
    l10n.t(
      'The CSV file {0} resolves to {1}, which is outside the workspace folders ({2}). Gradient Flow reads data files only inside the workspace: copy the file into it.',
      written,
      resolved,
      roots.join(', ') || l10n.t('none open'),
    ),
  );
}

function isInside(candidate: string, root: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative));
}
