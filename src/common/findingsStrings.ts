/**
 * Localized strings of the panel's findings list and of the comparison with a previous run.
 * Templates keep `{0}`, `{1}`… for the panel to fill in.
 */
import * as l10n from '@vscode/l10n';
import { fixLabel } from '../diagnosis/fixLabels';
import type { FixKind } from './findings';

export interface FindingsStrings {
  readonly heading: string;
  readonly none: string;
  readonly selectHint: string;
  readonly error: string;
  readonly warning: string;
  /** Template: {0} is the 1-based training step, {1} the 1-based epoch. */
  readonly since: string;
  readonly evidence: string;
  readonly fixes: string;
  readonly fixesHint: string;
  readonly fixLabels: Readonly<Record<FixKind, string>>;
}

export interface CompareStrings {
  readonly trainAgain: string;
  readonly trainAgainHint: string;
  readonly currentRun: string;
  /** Template: {0} is the seed both runs share. */
  readonly previousRun: string;
  readonly previousRunShort: string;
  readonly sharedScale: string;
  /** Template: {0} is the run (this run, previous run), {1} the series (such as Validation). */
  readonly series: string;
  readonly previousFindings: string;
  readonly previousNoFindings: string;
}

const FIX_KINDS: readonly FixKind[] = [
  'reluHiddenActivations',
  'insertBatchNormalization',
  'lowerLearningRate',
  'raiseLearningRate',
  'addGradientClipping',
  'scaleInputs',
];

export function buildFindingsStrings(): FindingsStrings {
  return {
    heading: l10n.t('Findings'),
    none: l10n.t('The diagnosis has found no problem so far.'),
    selectHint: l10n.t('Select a finding to highlight its layers in the heatmap.'),
    error: l10n.t('Error'),
    warning: l10n.t('Warning'),
    since: l10n.t({
      message: 'Since step {0} (epoch {1})',
      comment: ['When the problem was first seen: {0} is a training step, {1} an epoch.'],
    }),
    evidence: l10n.t({ message: 'Measured', comment: ['Heading of the numbers that led to a finding.'] }),
    fixes: l10n.t('Fixes'),
    fixesHint: l10n.t('Apply them from the Quick Fix menu (the light bulb) on the marked line in the editor.'),
    fixLabels: Object.fromEntries(FIX_KINDS.map((fix) => [fix, fixLabel(fix)])) as Record<FixKind, string>,
  };
}

export function buildCompareStrings(): CompareStrings {
  return {
    trainAgain: l10n.t('Train again and compare'),
    trainAgainHint: l10n.t('Train the file again, as it is now, with the same seed, and show both runs side by side.'),
    currentRun: l10n.t('This run'),
    previousRun: l10n.t({ message: 'Previous run (seed {0})', comment: ['{0} is the random seed both runs share.'] }),
    previousRunShort: l10n.t('Previous run'),
    sharedScale: l10n.t('Both heatmaps share one colour scale, so the same colour means the same value.'),
    series: l10n.t({
      message: '{0}: {1}',
      comment: ['Curve legend entry: {0} is "This run" or "Previous run", {1} a series such as "Validation".'],
    }),
    previousFindings: l10n.t('Findings of the previous run:'),
    previousNoFindings: l10n.t('The previous run had no findings.'),
  };
}
