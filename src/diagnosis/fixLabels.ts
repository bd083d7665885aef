/** Plain names of the fixes a finding offers, for lists, buttons and the command line. */
import * as l10n from '@vscode/l10n';
import type { FixKind } from '../common/findings';

export function fixLabel(fix: FixKind): string {
  switch (fix) {
    case 'reluHiddenActivations':
      return l10n.t('Use relu in the hidden layers');
    case 'insertBatchNormalization':
      return l10n.t('Insert BatchNormalization layers between the hidden layers');
    case 'lowerLearningRate':
      return l10n.t('Lower the learning rate');
    case 'raiseLearningRate':
      return l10n.t('Raise the learning rate');
    case 'addGradientClipping':
      return l10n.t({
        message: 'Clip the gradients with clipnorm=1.0 in the optimizer',
        comment: ['clipnorm=1.0 is Keras code: keep it untranslated.'],
      });
    case 'scaleInputs':
      return l10n.t('Divide the images by 255.0 before training');
  }
}
