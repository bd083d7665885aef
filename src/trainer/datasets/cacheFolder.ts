import * as path from 'node:path';
import type { DownloadedDatasetName } from '../../common/datasetFiles';

/** Returns the folder below the cache root that contains one dataset's files. */
export function datasetFolder(cacheDir: string, dataset: DownloadedDatasetName): string {
  return path.join(cacheDir, dataset);
}
