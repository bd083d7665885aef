/** Python values that the static evaluator can produce, and their Python spelling for messages. */

export type StaticValue =
  | { readonly kind: 'number'; readonly value: number; readonly isInteger: boolean }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'none' }
  | { readonly kind: 'tuple' | 'list'; readonly items: readonly StaticValue[] };

export function integerValue(value: number): StaticValue {
  return { kind: 'number', value, isInteger: true };
}

export function floatValue(value: number): StaticValue {
  return { kind: 'number', value, isInteger: false };
}

/** Formats the value as Python's `repr` writes it, so messages quote what the student would see. */
export function formatPython(value: StaticValue): string {
  switch (value.kind) {
    case 'number':
      return formatNumber(value.value, value.isInteger);
    case 'string':
      return `'${value.value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    case 'boolean':
      return value.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'tuple':
      return value.items.length === 1
        ? `(${formatPython(value.items[0])},)`
        : `(${value.items.map(formatPython).join(', ')})`;
    case 'list':
      return `[${value.items.map(formatPython).join(', ')}]`;
  }
}

function formatNumber(value: number, isInteger: boolean): string {
  if (Number.isNaN(value)) {
    return 'nan';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? 'inf' : '-inf';
  }
  if (isInteger) {
    return BigInt(Math.trunc(value)).toString();
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e16) {
    return `${value}.0`;
  }
  return String(value);
}

/** Formats a shape as Python writes a tuple: `(28, 28)`, `(784,)`. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}
