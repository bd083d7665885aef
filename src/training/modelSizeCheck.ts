/**
 * The confirmation "Train model" requests before starting a model whose estimated memory
 * exceeds the `gradientFlow.maxModelMemoryMB` setting.
 */
import * as vscode from 'vscode';
import type { ModelSpec } from '../common/modelSpec';
import type { Logger } from '../logger';
import { describeMemoryProblem, estimateModelSize, exceedsMemoryLimit, megabytes } from './modelSize';

/**
 * Resolves true when `spec` fits within `limitMB` or the user chooses Train anyway in the
 * modal dialog, false when they cancel it.
 */
export async function confirmModelSize(spec: ModelSpec, limitMB: number, logger: Logger): Promise<boolean> {
  const estimate = estimateModelSize(spec);
  logger.info(
    'Training',
    `${spec.fileName}: ${estimate.parameters} parameters, about ${megabytes(estimate.totalBytes)} MB estimated (limit ${limitMB} MB)`,
  );
  if (!exceedsMemoryLimit(estimate, limitMB)) {
    return true;
  }

  const trainAnyway = vscode.l10n.t('Train anyway');
  const choice = await vscode.window.showWarningMessage(
    describeMemoryProblem(spec, estimate, limitMB),
    {
      modal: true,
      detail: vscode.l10n.t(
        'The estimate counts weights, gradients, optimizer state and one batch of layer outputs. Above the limit, training may make the computer swap or end the trainer. The limit is the setting gradientFlow.maxModelMemoryMB.',
      ),
    },
    trainAnyway,
  );
  const confirmed = choice === trainAnyway;
  logger.info('Training', confirmed ? 'The user chose to train anyway.' : 'The user cancelled training because of the model size.');
  return confirmed;
}
