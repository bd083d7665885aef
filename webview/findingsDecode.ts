/**
 * Reads findings from a host message. Evidence values may be NaN or ±Infinity, which the
 * JSON transport carries as strings; anything malformed is dropped rather than drawn.
 */
import type { Evidence, Finding, FindingKind, FixKind } from '../src/common/findings';
import type { SourceRange } from '../src/common/modelSpec';
import { decodeNumber } from '../src/common/nonFiniteNumbers';

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIndex(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

export function decodeFindings(value: unknown): Finding[] | undefined {
  if (!Array.isArray(value)) {
    return undefined;
  }
  return value.filter(isRecord).flatMap((raw) => {
    const finding = decodeFinding(raw);
    return finding ? [finding] : [];
  });
}

function decodeFinding(raw: Raw): Finding | undefined {
  if (typeof raw.kind !== 'string' || typeof raw.title !== 'string') {
    return undefined;
  }
  return {
    kind: raw.kind as FindingKind,
    severity: raw.severity === 'error' ? 'error' : 'warning',
    specIndexes: Array.isArray(raw.specIndexes) ? raw.specIndexes.filter(isIndex) : [],
    range: isRecord(raw.range) ? (raw.range as unknown as SourceRange) : undefined,
    title: raw.title,
    explanation: typeof raw.explanation === 'string' ? raw.explanation : '',
    evidence: Array.isArray(raw.evidence) ? raw.evidence.filter(isRecord).map(decodeEvidence) : [],
    fixes: Array.isArray(raw.fixes) ? raw.fixes.filter((fix): fix is FixKind => typeof fix === 'string') : [],
    firstStep: Number(raw.firstStep),
  };
}

function decodeEvidence(raw: Raw): Evidence {
  return {
    label: String(raw.label ?? ''),
    value: decodeNumber(raw.value),
    step: typeof raw.step === 'number' ? raw.step : undefined,
    specIndex: isIndex(raw.specIndex) ? raw.specIndex : undefined,
  };
}
