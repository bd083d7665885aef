/**
 * The Python built-in functions the static evaluator applies to static values, with
 * Python 3 semantics: `len`, `range`, `min`, `max`, `int`, `float`, `abs`, `round`, `sum`,
 * `list`, `tuple`, `bool`, `str`, `enumerate`, `zip`, `reversed` and `sorted`.
 */
import { floatValue, formatPython, integerValue, type StaticValue } from './values';

/** Maximum length of a list that the evaluator builds with `range`, repetition or a comprehension. */
export const MAX_SEQUENCE_LENGTH = 10_000;

/** Outcome of a built-in call: a value, or `invalid` where Python raises or the result is too large. */
export type BuiltinResult = { readonly ok: true; readonly value: StaticValue } | { readonly ok: false };

type Builtin = (positional: readonly StaticValue[], keywords: ReadonlyMap<string, StaticValue>) => StaticValue | undefined;

const BUILTINS: Readonly<Record<string, Builtin>> = {
  len: (args, keywords) => (args.length === 1 && keywords.size === 0 ? lengthOf(args[0]) : undefined),
  range: (args, keywords) => (keywords.size === 0 ? range(args) : undefined),
  min: (args, keywords) => (keywords.size === 0 ? extreme(args, -1) : undefined),
  max: (args, keywords) => (keywords.size === 0 ? extreme(args, 1) : undefined),
  int: (args, keywords) => (args.length === 1 && keywords.size === 0 ? toInt(args[0]) : undefined),
  float: (args, keywords) => (args.length === 1 && keywords.size === 0 ? toFloat(args[0]) : undefined),
  abs: (args, keywords) => {
    const value = args.length === 1 && keywords.size === 0 ? numberOf(args[0]) : undefined;
    return value ? { kind: 'number', value: Math.abs(value.value), isInteger: value.isInteger } : undefined;
  },
  round: (args, keywords) => roundValue(args[0], args[1] ?? keywords.get('ndigits'), args.length + keywords.size),
  sum: (args, keywords) => sumOf(args[0], args[1] ?? keywords.get('start') ?? integerValue(0), args.length),
  list: (args, keywords) => (keywords.size === 0 ? toSequence('list', args) : undefined),
  tuple: (args, keywords) => (keywords.size === 0 ? toSequence('tuple', args) : undefined),
  bool: (args, keywords) => (args.length <= 1 && keywords.size === 0 ? { kind: 'boolean', value: args[0] ? truthOf(args[0]) : false } : undefined),
  str: (args, keywords) => (args.length === 1 && keywords.size === 0 ? { kind: 'string', value: pythonStr(args[0]) } : undefined),
  enumerate: (args, keywords) => enumerateValues(args[0], args[1] ?? keywords.get('start')),
  zip: (args, keywords) => (keywords.size === 0 ? zipValues(args) : undefined),
  reversed: (args, keywords) => {
    const items = args.length === 1 && keywords.size === 0 ? itemsOf(args[0]) : undefined;
    return items ? { kind: 'list', items: [...items].reverse() } : undefined;
  },
  sorted: (args, keywords) => {
    const items = args.length === 1 && keywords.size === 0 ? itemsOf(args[0]) : undefined;
    const numbers = items?.map(numberOf);
    if (!numbers || numbers.some((number) => number === undefined)) {
      return undefined;
    }
    return { kind: 'list', items: [...(numbers as NumberValue[])].sort((a, b) => a.value - b.value) };
  },
};

export function isBuiltinName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(BUILTINS, name);
}

/** Applies a built-in; returns `{ ok: false }` where Python would raise or the evaluator does not follow. */
export function callBuiltin(name: string, positional: readonly StaticValue[], keywords: ReadonlyMap<string, StaticValue>): BuiltinResult {
  const builtin = BUILTINS[name];
  const value = builtin ? builtin(positional, keywords) : undefined;
  return value ? { ok: true, value } : { ok: false };
}

type NumberValue = Extract<StaticValue, { kind: 'number' }>;

/** Python treats `True` and `False` as the integers 1 and 0 in arithmetic. */
function numberOf(value: StaticValue): NumberValue | undefined {
  if (value.kind === 'boolean') {
    return { kind: 'number', value: Number(value.value), isInteger: true };
  }
  return value.kind === 'number' ? value : undefined;
}

/** Returns the items of a list, tuple or string (its characters), as Python iterates them. */
export function itemsOf(value: StaticValue): readonly StaticValue[] | undefined {
  if (value.kind === 'list' || value.kind === 'tuple') {
    return value.items;
  }
  if (value.kind === 'string') {
    return [...value.value].map((character): StaticValue => ({ kind: 'string', value: character }));
  }
  return undefined;
}

function lengthOf(value: StaticValue): StaticValue | undefined {
  const items = itemsOf(value);
  return items ? integerValue(items.length) : undefined;
}

function range(args: readonly StaticValue[]): StaticValue | undefined {
  const bounds = args.map(numberOf);
  if (bounds.length < 1 || bounds.length > 3 || bounds.some((bound) => !bound?.isInteger)) {
    return undefined;
  }
  const numbers = (bounds as NumberValue[]).map((bound) => bound.value);
  const [start, stop, step] = numbers.length === 1 ? [0, numbers[0], 1] : [numbers[0], numbers[1], numbers[2] ?? 1];
  if (step === 0 || Math.ceil((stop - start) / step) > MAX_SEQUENCE_LENGTH) {
    return undefined;
  }
  const items: StaticValue[] = [];
  for (let value = start; step > 0 ? value < stop : value > stop; value += step) {
    items.push(integerValue(value));
  }
  return { kind: 'list', items };
}

/** `min` and `max` of several numbers or of one sequence of numbers. */
function extreme(args: readonly StaticValue[], sign: 1 | -1): StaticValue | undefined {
  const candidates = args.length === 1 ? itemsOf(args[0]) : args;
  const numbers = candidates?.map(numberOf);
  if (!numbers || numbers.length === 0 || numbers.some((number) => number === undefined)) {
    return undefined;
  }
  return (numbers as NumberValue[]).reduce((best, number) => (sign * (number.value - best.value) > 0 ? number : best));
}

function toInt(value: StaticValue): StaticValue | undefined {
  if (value.kind === 'string') {
    const text = value.value.trim().replace(/_/g, '');
    return /^[-+]?\d+$/.test(text) ? integerValue(Number.parseInt(text, 10)) : undefined;
  }
  const number = numberOf(value);
  return number && Number.isFinite(number.value) ? integerValue(Math.trunc(number.value)) : undefined;
}

function toFloat(value: StaticValue): StaticValue | undefined {
  if (value.kind === 'string') {
    const text = value.value.trim().toLowerCase();
    const special: Record<string, number> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, nan: Number.NaN };
    if (text in special) {
      return floatValue(special[text]);
    }
    return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(text) ? floatValue(Number(text)) : undefined;
  }
  const number = numberOf(value);
  return number ? floatValue(number.value) : undefined;
}

/** Python 3 `round`: halves go to the even neighbour; without `ndigits` the result is an int. */
function roundValue(value: StaticValue | undefined, digits: StaticValue | undefined, count: number): StaticValue | undefined {
  const number = value ? numberOf(value) : undefined;
  if (!number || count > 2) {
    return undefined;
  }
  const places = digits && digits.kind !== 'none' ? numberOf(digits) : undefined;
  if (digits && digits.kind !== 'none' && !places?.isInteger) {
    return undefined;
  }
  const factor = 10 ** (places?.value ?? 0);
  const scaled = number.value * factor;
  const floor = Math.floor(scaled);
  const difference = scaled - floor;
  let rounded = difference > 0.5 || (difference === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  rounded /= factor;
  return places ? { kind: 'number', value: rounded, isInteger: number.isInteger } : integerValue(rounded);
}

function sumOf(iterable: StaticValue | undefined, start: StaticValue, count: number): StaticValue | undefined {
  const items = iterable && count <= 2 ? itemsOf(iterable) : undefined;
  let total = numberOf(start);
  if (!items || !total || iterable?.kind === 'string') {
    return undefined;
  }
  for (const item of items) {
    const number = numberOf(item);
    if (!number) {
      return undefined;
    }
    total = { kind: 'number', value: total.value + number.value, isInteger: total.isInteger && number.isInteger };
  }
  return total;
}

function toSequence(kind: 'list' | 'tuple', args: readonly StaticValue[]): StaticValue | undefined {
  if (args.length === 0) {
    return { kind, items: [] };
  }
  const items = args.length === 1 ? itemsOf(args[0]) : undefined;
  return items ? { kind, items } : undefined;
}

function enumerateValues(iterable: StaticValue | undefined, start: StaticValue | undefined): StaticValue | undefined {
  const items = iterable ? itemsOf(iterable) : undefined;
  const first = start ? numberOf(start) : integerValue(0);
  if (!items || first?.kind !== 'number' || !first.isInteger) {
    return undefined;
  }
  return { kind: 'list', items: items.map((item, index): StaticValue => ({ kind: 'tuple', items: [integerValue(first.value + index), item] })) };
}

/** `zip` stops at the shortest sequence, as in Python. */
function zipValues(args: readonly StaticValue[]): StaticValue | undefined {
  const sequences = args.map(itemsOf);
  if (sequences.some((items) => items === undefined)) {
    return undefined;
  }
  const lists = sequences as (readonly StaticValue[])[];
  const length = lists.length === 0 ? 0 : Math.min(...lists.map((items) => items.length));
  const items: StaticValue[] = [];
  for (let index = 0; index < length; index++) {
    items.push({ kind: 'tuple', items: lists.map((list) => list[index]) });
  }
  return { kind: 'list', items };
}

/** Python truth: zero, empty strings and sequences, `None` and `False` are false. */
export function truthOf(value: StaticValue): boolean {
  switch (value.kind) {
    case 'number':
      return value.value !== 0;
    case 'string':
      return value.value.length > 0;
    case 'boolean':
      return value.value;
    case 'none':
      return false;
    case 'tuple':
    case 'list':
      return value.items.length > 0;
  }
}

/** Python's `str()`: strings as they are, everything else as `repr` writes it. */
export function pythonStr(value: StaticValue): string {
  return value.kind === 'string' ? value.value : formatPython(value);
}
