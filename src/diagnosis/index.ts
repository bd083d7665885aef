/**
 * The diagnosis: why training fails, read from the statistics the trainer streams. Each
 * rule lives in its own file with its thresholds and where they come from. `diagnose` is
 * pure and cheap enough to run after every sample, and its findings do not flicker: rules
 * judge windows of samples and switch off at looser thresholds than they switch on.
 */
import type { Finding, FindingKind } from '../common/findings';
import type { ModelSpec } from '../common/modelSpec';
import type { RunSnapshot } from '../common/runState';
import { createContext } from './context';
import { diagnoseDeadRelu } from './deadRelu';
import { diagnoseExplodingGradients } from './explodingGradients';
import { diagnoseLearningRateTooHigh } from './learningRateTooHigh';
import { diagnoseLearningRateTooLow } from './learningRateTooLow';
import { diagnoseNonFinite } from './nonFinite';
import { diagnoseSaturatedActivations } from './saturatedActivations';
import { diagnoseStalledNearChance } from './stalledNearChance';
import { diagnoseVanishingGradients } from './vanishingGradients';

export { hasNonFinite, locateNonFinite, type NonFiniteLocation } from './nonFiniteLocation';

/** The rules in the order their findings are listed: the most specific cause first. */
const RULES = [
  diagnoseNonFinite,
  diagnoseVanishingGradients,
  diagnoseExplodingGradients,
  diagnoseDeadRelu,
  diagnoseSaturatedActivations,
  diagnoseLearningRateTooHigh,
  diagnoseLearningRateTooLow,
  diagnoseStalledNearChance,
] as const;

/** Findings that explain a stall, so "stalled near chance" would only repeat them. */
const EXPLAINS_STALL: ReadonlySet<FindingKind> = new Set<FindingKind>([
  'nonFinite',
  'vanishingGradients',
  'explodingGradients',
  'deadRelu',
  'saturatedActivations',
  'learningRateTooHigh',
  'learningRateTooLow',
]);

/** Returns the findings for the run so far, errors first; none before the first samples. */
export function diagnose(spec: ModelSpec, run: RunSnapshot): Finding[] {
  const context = createContext(spec, run);
  if (context.samples.length === 0 || context.layers.length === 0) {
    return [];
  }

  const findings = RULES.map((rule) => rule(context)).filter((finding): finding is Finding => finding !== undefined);
  const explained = findings.some((finding) => EXPLAINS_STALL.has(finding.kind));
  return findings
    .filter((finding) => !(finding.kind === 'stalledNearChance' && explained))
    .sort((a, b) => severityRank(a) - severityRank(b));
}

function severityRank(finding: Finding): number {
  return finding.severity === 'error' ? 0 : 1;
}
