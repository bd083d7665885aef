/**
 * Typed reads of one serialized Keras object's `config`: numbers, flags, pairs, activations
 * and initializers, each checked and normalised to the spelling the trainer reads. A value
 * that cannot be used is reported at its own line.
 */
import * as l10n from '@vscode/l10n';
import type { Node } from 'jsonc-parser';
import type { InitializerSpec } from '../../common/modelSpec';
import { SUPPORTED_ACTIVATIONS, SUPPORTED_INITIALIZERS } from '../kerasApi';
import { formatJson, isObjectNode, plainValue, propertyNode, propertyValue, stringProperty, type JsonDiagnostics } from './jsonDocument';

/** Other spellings of Keras 3 initializer classes, in Keras 2 and tfjs files. */
const INITIALIZER_ALIASES: ReadonlyMap<string, string> = new Map([
  ['LeCunUniform', 'LecunUniform'],
  ['LeCunNormal', 'LecunNormal'],
  ['Zero', 'Zeros'],
  ['One', 'Ones'],
  // Keras 2 and 3 accept these strings for RandomUniform and RandomNormal.
  ['Uniform', 'RandomUniform'],
  ['Normal', 'RandomNormal'],
]);

/** The kind of value a config key requires, for messages. */
export type Expectation =
  | 'positive-integer'
  | 'non-negative-integer'
  | 'integer'
  | 'rate'
  | 'fraction'
  | 'positive-number'
  | 'non-negative-number'
  | 'number'
  | 'boolean'
  | 'pair'
  | 'shape'
  | 'integer-list';

export function describeExpectation(expectation: Expectation): string {
  switch (expectation) {
    case 'positive-integer':
      return l10n.t('a positive integer');
    case 'non-negative-integer':
      return l10n.t('an integer of 0 or more');
    case 'integer':
      return l10n.t('an integer');
    case 'rate':
      return l10n.t('a number from 0 up to but not including 1');
    case 'fraction':
      return l10n.t('a number from 0 to 1');
    case 'positive-number':
      return l10n.t('a number greater than 0');
    case 'non-negative-number':
      return l10n.t('a number of 0 or more');
    case 'number':
      return l10n.t('a number');
    case 'boolean':
      return l10n.t('true or false');
    case 'pair':
      return l10n.t('a positive integer or a list of two positive integers');
    case 'shape':
      return l10n.t('a list of positive integers with at most one -1');
    case 'integer-list':
      return l10n.t('a list of integers');
  }
}

/**
 * Keras 2 writes some float32 values with all their binary digits, such as the LeakyReLU
 * `alpha` 0.30000001192092896. Returns the shortest decimal with the same float32 value (0.3)
 * for such numbers, and other numbers unchanged.
 */
export function simplifyFloat32(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value) || Math.fround(value) !== value) {
    return value;
  }
  for (let digits = 1; digits <= 9; digits += 1) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) {
      return candidate;
    }
  }
  return value;
}

/** The serialized object a config belongs to, for messages: a layer, an optimizer or a loss. */
export interface ConfigOwner {
  /** The owner's name in messages, for example "layer `dense_1`". */
  readonly label: string;
  readonly sink: JsonDiagnostics;
  /** The node that problems of the owner as a whole, such as a missing key, point at. */
  readonly at: Node;
}

/** Reads the keys of one `config` object, remembering which were read. */
export class ConfigReader {
  private readonly readKeys = new Set<string>();

  constructor(
    readonly owner: ConfigOwner,
    readonly config: Node | undefined,
  ) {}

  get sink(): JsonDiagnostics {
    return this.owner.sink;
  }

  /** Keys read so far, for the check of the keys left over. */
  get used(): ReadonlySet<string> {
    return this.readKeys;
  }

  /** Returns the value node of `key` and marks the key as read. */
  node(key: string): Node | undefined {
    this.readKeys.add(key);
    return propertyValue(this.config, key);
  }

  /** Returns the node a problem with `key` points at: its property, or the owner when the key is missing. */
  at(key: string): Node {
    return propertyNode(this.config, key) ?? this.owner.at;
  }

  has(key: string): boolean {
    const value = propertyValue(this.config, key);
    return value !== undefined && value.type !== 'null';
  }

  /** Reports that `key` is missing and returns undefined. */
  missing(key: string): undefined {
    this.sink.error(
      'missing-argument',
      this.owner.at,
      l10n.t('The config of {0} has no "{1}", which Keras requires. Add it, or write the file again with model.to_json().', this.owner.label, key),
    );
    return undefined;
  }

  invalid(key: string, value: unknown, expectation: Expectation | string): undefined {
    const expected = isExpectation(expectation) ? describeExpectation(expectation) : expectation;
    this.sink.error(
      'invalid-value',
      this.at(key),
      l10n.t({
        message: '"{0}" of {1} is {2}, but it must be {3}. Correct the value in the file.',
        args: [key, this.owner.label, formatJson(value), expected],
        comment: ['{1} names a layer, optimizer or loss, such as "layer `dense`". {3} describes the expected value, such as "a positive integer".'],
      }),
    );
    return undefined;
  }

  /** Reads a number, simplified from float32 (see `simplifyFloat32`); null counts as missing. */
  number(key: string, fallback: number | undefined, check: (value: number) => boolean, expectation: Expectation): number | undefined {
    const node = this.node(key);
    if (node === undefined || node.type === 'null') {
      return fallback === undefined ? this.missing(key) : fallback;
    }
    if (node.type !== 'number' || !check(node.value as number)) {
      return this.invalid(key, plainValue(node), expectation);
    }
    return simplifyFloat32(node.value as number);
  }

  /** Reads a number that may be absent or null, which returns null. */
  optionalNumber(key: string, check: (value: number) => boolean, expectation: Expectation): number | null | undefined {
    if (!this.has(key)) {
      this.node(key);
      return null;
    }
    return this.number(key, undefined, check, expectation);
  }

  positiveInteger(key: string, fallback?: number): number | undefined {
    return this.number(key, fallback, (value) => Number.isInteger(value) && value > 0, 'positive-integer');
  }

  integer(key: string, fallback?: number): number | undefined {
    return this.number(key, fallback, Number.isInteger, 'integer');
  }

  boolean(key: string, fallback: boolean): boolean | undefined {
    const node = this.node(key);
    if (node === undefined || node.type === 'null') {
      return fallback;
    }
    if (node.type !== 'boolean') {
      return this.invalid(key, plainValue(node), 'boolean');
    }
    return node.value as boolean;
  }

  /** Reads a string that must be one of `allowed`, compared without regard to case as Keras does. */
  choice<T extends string>(key: string, allowed: readonly T[], fallback: T): T | undefined {
    const node = this.node(key);
    if (node === undefined || node.type === 'null') {
      return fallback;
    }
    const value = node.type === 'string' ? (node.value as string).toLowerCase() : undefined;
    const found = allowed.find((candidate) => candidate === value);
    if (!found) {
      return this.invalid(key, plainValue(node), l10n.t('one of {0}', allowed.map((candidate) => `"${candidate}"`).join(', ')));
    }
    return found;
  }

  /** Reads `kernel_size`, `strides` and the like: one positive integer for both axes, or two. */
  pair(key: string, fallback: readonly [number, number] | undefined): [number, number] | undefined {
    const node = this.node(key);
    if (node === undefined || node.type === 'null') {
      return fallback ? [fallback[0], fallback[1]] : this.missing(key);
    }
    const value = plainValue(node);
    const isSize = (item: unknown): item is number => typeof item === 'number' && Number.isInteger(item) && item > 0;
    if (isSize(value)) {
      return [value, value];
    }
    if (Array.isArray(value) && value.length === 2 && value.every(isSize)) {
      return [value[0] as number, value[1] as number];
    }
    return this.invalid(key, value, 'pair');
  }

  /** Reads a list of integers, or null. */
  integerList(key: string): number[] | null | undefined {
    const node = this.node(key);
    if (node === undefined || node.type === 'null') {
      return null;
    }
    const value = plainValue(node);
    if (Array.isArray(value) && value.every((item) => typeof item === 'number' && Number.isInteger(item))) {
      return value as number[];
    }
    return this.invalid(key, value, 'integer-list');
  }

  /**
   * Reads an activation and returns its Keras name. Keras 3 may write it as
   * `{"class_name": "function", "config": "relu"}`; null is `linear`, and `silu` becomes
   * `swish`, the name Keras gives the same function.
   */
  activation(key: string, fallback: string | undefined): string | undefined {
    const node = this.node(key);
    if (node === undefined) {
      return fallback === undefined ? this.missing(key) : fallback;
    }
    if (node.type === 'null') {
      return 'linear';
    }
    let name: string | undefined;
    if (node.type === 'string') {
      name = node.value as string;
    } else if (isObjectNode(node) && stringProperty(node, 'class_name') === 'function') {
      name = stringProperty(node, 'config');
    }
    if (name === undefined || !SUPPORTED_ACTIVATIONS.includes(name)) {
      this.sink.error(
        'unsupported-activation',
        this.at(key),
        l10n.t({
          message: 'The activation {0} of {1} is not one that Gradient Flow supports. Use one of {2}.',
          args: [formatJson(name ?? plainValue(node)), this.owner.label, SUPPORTED_ACTIVATIONS.join(', ')],
          comment: ['{1} names a layer, such as "layer `dense`". {2} is a comma-separated list of activation names.'],
        }),
      );
      return undefined;
    }
    return name === 'silu' ? 'swish' : name;
  }

  /**
   * Reads an initializer: a string name is kept as written in snake_case, and a serialized
   * object becomes `{class_name, config}` with its Keras 3 class name. Null takes `fallback`.
   */
  initializer(key: string, fallback: InitializerSpec): InitializerSpec | undefined {
    const node = this.node(key);
    if (node === undefined || node.type === 'null') {
      return fallback;
    }
    if (node.type === 'string') {
      const written = node.value as string;
      const snake = snakeCase(written);
      return SUPPORTED_INITIALIZERS.includes(snake) ? snake : this.unsupportedInitializer(key, written);
    }
    if (!isObjectNode(node)) {
      return this.unsupportedInitializer(key, plainValue(node));
    }
    const written = stringProperty(node, 'class_name') ?? '';
    const className = INITIALIZER_ALIASES.get(written) ?? written;
    if (!SUPPORTED_INITIALIZERS.includes(snakeCase(className)) || !isKerasModule(stringProperty(node, 'module'))) {
      return this.unsupportedInitializer(key, written || plainValue(node));
    }
    const config = plainValue(propertyValue(node, 'config'));
    const plainConfig = typeof config === 'object' && config !== null && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
    return { class_name: className, config: simplifyConfigNumbers(plainConfig) };
  }

  private unsupportedInitializer(key: string, written: unknown): undefined {
    this.sink.error(
      'unsupported-initializer',
      this.at(key),
      l10n.t({
        message: '{0} in "{1}" of {2} is not an initializer that Gradient Flow supports. Use one of: {3}.',
        args: [formatJson(written), key, this.owner.label, SUPPORTED_INITIALIZERS.join(', ')],
        comment: ['{2} names a layer, such as "layer `dense`". {3} is a comma-separated list of initializer names.'],
      }),
    );
    return undefined;
  }
}

function isExpectation(value: string): value is Expectation {
  return [
    'positive-integer', 'non-negative-integer', 'integer', 'rate', 'fraction', 'positive-number',
    'non-negative-number', 'number', 'boolean', 'pair', 'shape', 'integer-list',
  ].includes(value);
}

/** True for objects of Keras itself: no `module` (Keras 2, tfjs) or a module under `keras`. */
export function isKerasModule(module: string | undefined): boolean {
  return module === undefined || module === 'keras' || module.startsWith('keras.') || module.startsWith('tf_keras');
}

function simplifyConfigNumbers(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === 'number' ? simplifyFloat32(value) : value]));
}

/** Converts `GlorotUniform` to `glorot_uniform`, the string form Keras accepts for a class. */
export function snakeCase(name: string): string {
  return name.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();
}

/** Returns `record[key]` when it is the record's own entry, so that names such as `constructor` find nothing. */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
