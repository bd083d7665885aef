/**
 * Values of names while the parser reads the file: static values, and the objects it
 * follows without running anything (models, layers, symbolic tensors of the functional API,
 * the file's own functions, classes and instances).
 */
import type { LayerReading } from './layers';
import type { EvaluationFailure, Scope } from './evaluator';
import type { Frame } from './scope';
import type { ModelRecord } from './sequential';
import type { SyntaxNode } from './syntax';
import type { StaticValue } from './values';

/** A layer object, created when the file calls its class, as Keras creates it. */
export class LayerObject {
  /** The call that first adds the layer to a model or calls it on a tensor, undefined while the layer is unused. */
  usedAt?: SyntaxNode;
  /** The layers whose outputs this layer takes, set when it is called on tensors. */
  inputs?: readonly LayerObject[];
  /** Names of `inputs`, as `LayerSpec.inbound` lists them. */
  inbound?: readonly string[];
  /** Position among layer uses in the file; a layer only takes outputs of layers used before it. */
  useOrder?: number;

  constructor(
    readonly reading: LayerReading,
    readonly creation: SyntaxNode,
  ) {}

  get name(): string {
    return this.reading.spec.name;
  }
}

/** The output of a layer call (or of `keras.Input`) in a functional model. */
export interface TensorObject {
  readonly producer: LayerObject;
  /** The call that produced the tensor. */
  readonly node: SyntaxNode;
}

/** One parameter of a `def`, in declaration order. */
export interface Parameter {
  readonly name: string;
  readonly node: SyntaxNode;
  /** `*args` and `**kwargs` collect the arguments no other parameter takes. */
  readonly kind: 'positional' | 'keyword-only' | 'var-positional' | 'var-keyword';
  /** The default value, evaluated when the `def` runs, as Python does. */
  readonly defaultValue?: Item;
  readonly defaultNode?: SyntaxNode;
}

/** A function or method that the file defines. */
export class FunctionObject {
  /** True once the file calls the function, which identifies the functions it never calls. */
  called = false;

  constructor(
    readonly name: string,
    readonly definition: SyntaxNode,
    readonly parameters: readonly Parameter[],
    /** The scope of the names that are not local to the function. */
    readonly closure: Frame,
    /** `staticmethod`, `classmethod` or an ordinary function. */
    readonly binding: 'plain' | 'static' | 'class' = 'plain',
  ) {}
}

export class ClassObject {
  /** Class attributes and methods, including those inherited from classes of the file. */
  readonly attributes = new Map<string, Item>();
  /** True for a subclass of `keras.Model`, which the parser reports and does not follow. */
  kerasModel = false;

  constructor(
    readonly name: string,
    readonly definition: SyntaxNode,
  ) {}
}

export class InstanceObject {
  readonly attributes = new Map<string, Item>();

  constructor(readonly cls: ClassObject) {}
}

export type Item =
  /** A static value; `node` is the expression it was assigned from, for readers that look at the source. */
  | { readonly kind: 'value'; readonly value: StaticValue; readonly node?: SyntaxNode }
  /**
   * An expression without a static value, kept so that readers can still look at it: an
   * optimizer call such as `SGD(0.1)` held by a name, or `int(input())` whose use fails
   * with `failure`.
   */
  | { readonly kind: 'expression'; readonly node: SyntaxNode; readonly scope: Scope; readonly failure: EvaluationFailure }
  /** A value only known when the file runs, such as a parameter called without a static argument. */
  | { readonly kind: 'unknown'; readonly reported?: boolean }
  /** A name assigned in a branch or loop that may or may not run; `at` is that assignment. */
  | { readonly kind: 'uncertain'; readonly at: SyntaxNode }
  | { readonly kind: 'model'; readonly model: ModelRecord }
  | { readonly kind: 'layer'; readonly layer: LayerObject }
  | { readonly kind: 'tensor'; readonly tensor: TensorObject }
  | { readonly kind: 'function'; readonly function: FunctionObject }
  | { readonly kind: 'class'; readonly class: ClassObject }
  | { readonly kind: 'instance'; readonly instance: InstanceObject }
  /** A list or tuple holding at least one object; `nodes` are the element expressions when known. */
  | {
      readonly kind: 'sequence';
      readonly sequence: 'list' | 'tuple';
      readonly items: readonly Item[];
      readonly nodes?: readonly SyntaxNode[];
    };

/** A scope whose names may hold objects as well as static values. */
export interface ItemScope extends Scope {
  lookupItem(name: string): Item | undefined;
}

export const UNKNOWN: Item = { kind: 'unknown' };

export function valueItem(value: StaticValue): Item {
  return { kind: 'value', value };
}

/** Returns the static value of an item, converting a sequence of static items to a list or tuple. */
export function staticValueOf(item: Item): StaticValue | undefined {
  if (item.kind === 'value') {
    return item.value;
  }
  if (item.kind !== 'sequence') {
    return undefined;
  }
  const values: StaticValue[] = [];
  for (const element of item.items) {
    const value = staticValueOf(element);
    if (!value) {
      return undefined;
    }
    values.push(value);
  }
  return { kind: item.sequence, items: values };
}

/** Returns the elements of a list or tuple item, static or not. */
export function elementsOfItem(item: Item): readonly Item[] | undefined {
  if (item.kind === 'sequence') {
    return item.items;
  }
  if (item.kind === 'value' && (item.value.kind === 'list' || item.value.kind === 'tuple')) {
    return item.value.items.map(valueItem);
  }
  return undefined;
}

/** Builds a list or tuple item, static when every element is. */
export function sequenceItem(sequence: 'list' | 'tuple', items: readonly Item[], nodes?: readonly SyntaxNode[]): Item {
  const item: Item = { kind: 'sequence', sequence, items, nodes };
  const value = staticValueOf(item);
  return value ? valueItem(value) : item;
}

/** True for items that stand for something the parser follows: models, layers, tensors, functions. */
export function isObjectItem(item: Item): boolean {
  switch (item.kind) {
    case 'value':
    case 'expression':
    case 'unknown':
    case 'uncertain':
      return false;
    case 'sequence':
      return item.items.some(isObjectItem);
    default:
      return true;
  }
}

/** Returns the item with `node` as the expression it comes from, unless it already names one. */
export function withSource(item: Item, node: SyntaxNode | undefined): Item {
  return item.kind === 'value' && !item.node && node ? { ...item, node } : item;
}

/** Looks up an attribute of an instance or class the file defines. */
export function attributeOf(item: Item, attribute: string): Item | undefined {
  if (item.kind === 'instance') {
    return item.instance.attributes.get(attribute) ?? item.instance.cls.attributes.get(attribute);
  }
  if (item.kind === 'class') {
    return item.class.attributes.get(attribute);
  }
  return undefined;
}
