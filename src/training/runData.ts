/**
 * Gets the files a run reads ready before the trainer starts: downloads the dataset when it
 * is one Keras fetches on first use, and resolves the CSV file a model file reads. Shared by
 * the extension host and the CLI.
 */
import { isDownloadedDataset } from '../common/datasetFiles';
import type { ModelSpec } from '../common/modelSpec';
import type { TrainOptions } from '../common/trainerProtocol';
import { resolveCsvPath } from './csvLocation';
import { ensureDatasetFiles, missingDatasetFiles, type DownloadOptions } from './datasetDownload';

export interface RunDataOptions extends Pick<DownloadOptions, 'signal' | 'onProgress'> {
  /** Folder for downloaded datasets. */
  readonly cacheDir: string;
  /** Absolute path of the model file; a relative CSV path starts at its folder. */
  readonly modelFilePath: string;
  /** Folders a CSV file must lie in: the workspace folders. */
  readonly allowedRoots: readonly string[];
}

/** True when training `spec` first downloads files into the cache. */
export async function needsDownload(spec: ModelSpec, cacheDir: string): Promise<boolean> {
  const name = spec.dataset.name;
  return isDownloadedDataset(name) && (await missingDatasetFiles(name, cacheDir)).length > 0;
}

/**
 * Returns the options that tell the trainer where its files are.
 * @throws DatasetDownloadError or CsvLocationError, whose messages tell the user what to do next.
 */
export async function prepareRunData(spec: ModelSpec, options: RunDataOptions): Promise<Pick<TrainOptions, 'datasetCacheDir' | 'csvPath'>> {
  const name = spec.dataset.name;
  if (isDownloadedDataset(name)) {
    await ensureDatasetFiles(name, options.cacheDir, options);
    return { datasetCacheDir: options.cacheDir };
  }
  if (name === 'csv' && spec.dataset.csv) {
    return { csvPath: await resolveCsvPath(spec.dataset.csv.path, options.modelFilePath, options.allowedRoots) };
  }
  return {};
}
