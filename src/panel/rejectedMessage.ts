/**
 * A short, safe description of a message the panel sent that `parseWebviewMessage`
 * rejected, for the log. Pure, so it is tested in Node.
 */

/** Characters of the description; the rest of a large payload is summarised by its size. */
const MAX_DESCRIPTION = 200;

/**
 * Describes `value` in at most about MAX_DESCRIPTION characters without serializing all of it.
 * It never throws, whatever the value contains (cycles, getters that throw, huge strings).
 */
export function describeRejectedMessage(value: unknown): string {
  try {
    if (typeof value !== 'object' || value === null) {
      return `${value === null ? 'null' : typeof value}${typeof value === 'string' ? ` of ${value.length} characters` : ''}`;
    }
    if (Array.isArray(value)) {
      return `array of ${value.length} items`;
    }
    const keys = Object.keys(value);
    const type = (value as { type?: unknown }).type;
    const typeText = typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : typeof type;
    const keyText = JSON.stringify(keys.slice(0, 10).map((key) => key.slice(0, 40)));
    const description = `object with type ${typeText} and keys ${keyText}${keys.length > 10 ? ` (${keys.length} in all)` : ''}`;
    return description.length > MAX_DESCRIPTION ? `${description.slice(0, MAX_DESCRIPTION - 1)}…` : description;
  } catch (error) {
    return `value that cannot be inspected (${error instanceof Error ? error.name : 'error'})`;
  }
}
