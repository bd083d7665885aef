/**
 * The code edits behind the findings' quick fixes, computed from the file's current text and
 * the spec parsed from it. Pure: no VS Code, so the unit tests apply them to real files and
 * parse the result back.
 */
import type { FixKind } from '../../common/findings';
import type { ModelSpec } from '../../common/modelSpec';
import { insertBatchNormalizationFix } from './batchNormalizationFix';
import { ModelSource } from './modelSource';
import { addGradientClippingFix, lowerLearningRateFix, raiseLearningRateFix } from './optimizerFixes';
import { reluHiddenActivationsFix } from './reluFix';
import { scaleInputsFix } from './scaleInputsFix';
import type { FixEdit, SourceEdit } from './sourceEdit';

export { applySourceEdits, type FixEdit, type SourceEdit } from './sourceEdit';

const FIXES: Readonly<Record<FixKind, (model: ModelSource) => FixEdit | undefined>> = {
  reluHiddenActivations: reluHiddenActivationsFix,
  insertBatchNormalization: insertBatchNormalizationFix,
  lowerLearningRate: lowerLearningRateFix,
  raiseLearningRate: raiseLearningRateFix,
  addGradientClipping: addGradientClippingFix,
  scaleInputs: scaleInputsFix,
};

/**
 * Returns the edits of `fix` for `text`, whose parse is `spec`. Returns undefined when there
 * is nothing to change, or when the file is written in a way the fix cannot edit safely,
 * such as a layer created in a variable before it is added.
 */
export function computeFix(fix: FixKind, text: string, spec: ModelSpec): FixEdit | undefined {
  const edit = FIXES[fix](new ModelSource(text, spec));
  return edit && edit.edits.length > 0 ? { edits: mergeTouchingEdits(edit.edits) } : undefined;
}

/**
 * Joins edits where one starts exactly where another ends, such as a replaced argument and
 * an argument inserted right after it. Editors may reject such a pair as overlapping.
 */
function mergeTouchingEdits(edits: readonly SourceEdit[]): SourceEdit[] {
  const sorted = [...edits].sort((a, b) => a.from - b.from || a.to - b.to);
  const merged: SourceEdit[] = [];
  for (const edit of sorted) {
    const previous = merged[merged.length - 1];
    if (previous && previous.to === edit.from && previous.from < edit.from) {
      merged[merged.length - 1] = { from: previous.from, to: edit.to, text: previous.text + edit.text };
    } else {
      merged.push(edit);
    }
  }
  return merged;
}
