/**
 * Rule: the loss, an activation or a gradient became NaN or infinite.
 *
 * No window or threshold: a single non-finite number is certain evidence, and it never
 * goes away, because every later computation inherits it. The trainer stops at that step
 * and takes a statistics sample there, so the first such sample is the step that went bad.
 * AutoTrainer (shiningrain/AUTOTRAINER, utils/monitor.py) checks loss, weights and
 * gradients for NaN the same way, with no threshold either.
 */
import * as l10n from '@vscode/l10n';
import type { Evidence, Finding, FixKind } from '../common/findings';
import type { DiagnosisContext } from './context';
import { hasNonFinite, locateNonFinite } from './nonFiniteLocation';

export function diagnoseNonFinite(context: DiagnosisContext): Finding | undefined {
  const sample = context.samples.find(hasNonFinite);
  if (!sample) {
    return undefined;
  }
  const location = locateNonFinite(sample);
  const layer = location ? context.layers[location.trackedIndex] : undefined;
  const statistics = location ? sample.layers[location.trackedIndex] : undefined;
  const step = sample.step + 1;

  const evidence: Evidence[] = [{ label: l10n.t('Loss at step {0}', step), value: sample.loss, step: sample.step }];
  if (layer && statistics) {
    evidence.push(
      {
        label: l10n.t('NaN or infinite weight-gradient entries in {0}', layer.name),
        value: statistics.gradNonFinite,
        step: sample.step,
        specIndex: layer.specIndex,
      },
      {
        label: l10n.t('Mean activation of {0}', layer.name),
        value: statistics.activationMean,
        step: sample.step,
        specIndex: layer.specIndex,
      },
    );
  }

  // Raw 0–255 pixels overflow where scaled ones train: six ReLU layers at SGD 0.1 went NaN at step 4 on raw pixels and trained at 0.3 on scaled ones.
  const rawPixels = context.spec.dataset.pixelDivisor === 1;
  const explanation = [
    l10n.t({
      message:
        'Once one number is NaN (not a number) or infinite, every computation that uses it is too, so the weights are lost and training stopped at this step. It almost always means the training steps were too large: the learning rate is too high, or the gradients grew until they overflowed. Lower the learning rate, or clip the gradients with clipnorm=1.0 in the optimizer.',
      comment: ['clipnorm=1.0 is Keras code: keep it untranslated.'],
    }),
  ];
  if (rawPixels) {
    explanation.push(
      l10n.t(
        'Here the pixels reach the model as values from 0 to 255, which makes the gradients of the first layer 255 times larger, as if its learning rate were 255 times higher. Divide the images by 255.0 before training.',
      ),
    );
  }
  const fixes: FixKind[] = rawPixels ? ['scaleInputs', 'lowerLearningRate', 'addGradientClipping'] : ['lowerLearningRate', 'addGradientClipping'];

  return {
    kind: 'nonFinite',
    severity: 'error',
    specIndexes: layer ? [layer.specIndex] : [],
    range: layer ? undefined : context.spec.compile.range,
    title: title(step, location?.cause, layer?.name),
    explanation: explanation.join(' '),
    evidence,
    fixes,
    firstStep: sample.step,
  };
}

function title(step: number, cause: 'activations' | 'gradients' | 'loss' | undefined, layerName: string | undefined): string {
  if (cause === 'activations' && layerName) {
    return l10n.t('NaN at step {0}: the outputs of {1} overflowed to NaN or infinity.', step, layerName);
  }
  if (cause === 'gradients' && layerName) {
    return l10n.t('NaN at step {0}: the gradients of {1} became NaN or infinite.', step, layerName);
  }
  return l10n.t('NaN at step {0}: the loss became NaN or infinite.', step);
}
