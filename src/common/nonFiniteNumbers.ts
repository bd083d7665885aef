/**
 * JSON has no NaN or Infinity: `JSON.stringify` writes them as `null`, and VS Code sends
 * webview messages as JSON. Statistics use NaN on purpose (a layer without weights, a
 * gradient that overflowed) and `null` for "not applicable", so the two must not collapse.
 * The sender encodes non-finite numbers as the strings "NaN", "Infinity" and "-Infinity";
 * the receiver decodes them field by field, where it knows a number is expected.
 */

export type EncodedNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** Returns a deep copy of `value` with every non-finite number replaced by its string name. */
export function encodeNonFiniteNumbers(value: unknown): unknown {
  if (typeof value === 'number') {
    return encodeNumber(value);
  }
  if (Array.isArray(value)) {
    return value.map(encodeNonFiniteNumbers);
  }
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      copy[key] = encodeNonFiniteNumbers(entry);
    }
    return copy;
  }
  return value;
}

export function encodeNumber(value: number): EncodedNumber {
  if (Number.isFinite(value)) {
    return value;
  }
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  return value > 0 ? 'Infinity' : '-Infinity';
}

/**
 * Reads a number field: numbers pass through, the three string names become NaN or ±Infinity,
 * and anything else (including the `null` that plain JSON writes for NaN) becomes NaN.
 */
export function decodeNumber(value: unknown): number {
  if (typeof value === 'number') {
    return value;
  }
  switch (value) {
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    default:
      return NaN;
  }
}

/** Reads a field where `null` means "not applicable", such as the dead fraction of a sigmoid layer. */
export function decodeNullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : decodeNumber(value);
}
