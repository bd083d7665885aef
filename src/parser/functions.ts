/**
 * The file's own functions, methods and classes. A `def` becomes a function object when it
 * runs. A call binds its arguments to the parameters the way Python does (positional,
 * keyword, defaults, `*args`, `**kwargs`) and reads the body with those values, so that
 * `build_model(n_hidden=128)` builds the model it describes. Nothing is executed.
 */
import * as l10n from '@vscode/l10n';
import { readCallArguments } from './callArguments';
import type { ParseContext } from './context';
import {
  ClassObject,
  elementsOfItem,
  FunctionObject,
  InstanceObject,
  sequenceItem,
  UNKNOWN,
  type Item,
  type Parameter,
  withSource,
} from './objects';
import { Frame } from './scope';
import { childrenOf, splitAtCommas, type SyntaxNode } from './syntax';

/** Calls deeper than this are not followed, which also bounds mutual recursion. */
const MAX_CALL_DEPTH = 32;

/** Reads the body of a function called with bound parameters. */
export interface BodyRunner {
  /** Reads `fn`'s body with `frame` as its local names and returns the value it returns. */
  runBody(fn: FunctionObject, frame: Frame): Item;
}

interface ArgumentValue {
  readonly item: Item;
  readonly node: SyntaxNode;
}

interface CallValues {
  readonly positional: ArgumentValue[];
  readonly keywords: Map<string, ArgumentValue>;
  /** True when `*args` or `**kwargs` unpack something whose contents are unknown. */
  unknownUnpacking: boolean;
}

export class FunctionCaller {
  private readonly active: FunctionObject[] = [];

  constructor(
    private readonly context: ParseContext,
    private readonly runner: BodyRunner,
    private readonly read: (node: SyntaxNode) => Item,
  ) {}

  /** Creates the function object of a `def`. Default values are evaluated now, as Python does. */
  define(definition: SyntaxNode, closure: Frame, binding: FunctionObject['binding']): FunctionObject {
    const nameNode = definition.getChild('VariableName');
    const name = nameNode ? this.context.text(nameNode) : '<function>';
    return new FunctionObject(name, definition, this.readParameters(definition.getChild('ParamList')), closure, binding);
  }

  private readParameters(list: SyntaxNode | null): Parameter[] {
    const parameters: Parameter[] = [];
    if (!list) {
      return parameters;
    }
    let keywordOnly = false;
    const inner = childrenOf(list).filter((child) => child.name !== '(' && child.name !== ')');
    for (const group of splitAtCommas(inner)) {
      const [first, second] = group;
      if (first.name === '*' || first.name === '**') {
        keywordOnly = true;
        if (second?.name === 'VariableName') {
          parameters.push({ name: this.context.text(second), node: second, kind: first.name === '*' ? 'var-positional' : 'var-keyword' });
        }
        continue;
      }
      if (first.name !== 'VariableName') {
        continue;
      }
      const assignIndex = group.findIndex((node) => node.name === 'AssignOp');
      const defaultNode = assignIndex >= 0 ? group[assignIndex + 1] : undefined;
      parameters.push({
        name: this.context.text(first),
        node: first,
        kind: keywordOnly ? 'keyword-only' : 'positional',
        defaultValue: defaultNode ? this.read(defaultNode) : undefined,
        defaultNode,
      });
    }
    return parameters;
  }

  /**
   * Calls `fn` as `call` does, with `self` first for a method. Reports calls that Python
   * would reject with TypeError, and recursion, which the parser does not follow.
   */
  call(fn: FunctionObject, call: SyntaxNode, self?: Item): Item {
    fn.called = true;
    const displayName = fn.name;
    if (this.active.includes(fn)) {
      this.context.sink.error(
        'invalid-call',
        call,
        l10n.t('`{0}()` calls itself here, and Gradient Flow cannot tell how deep the recursion goes without running the file. Use a for loop instead.', displayName),
      );
      return { kind: 'unknown', reported: true };
    }
    if (this.active.length >= MAX_CALL_DEPTH) {
      this.context.sink.error(
        'too-complex',
        call,
        l10n.t('This call is nested more than {0} function calls deep, which is more than Gradient Flow follows. Build the model with fewer nested function calls.', MAX_CALL_DEPTH),
      );
      return { kind: 'unknown', reported: true };
    }

    const values = this.readCallValues(call);
    if (self) {
      values.positional.unshift({ item: self, node: call });
    }
    const frame = new Frame(fn.closure, this.context.moduleScope);
    if (!this.bindParameters(fn, values, frame, call)) {
      return { kind: 'unknown', reported: true };
    }
    this.active.push(fn);
    try {
      return this.runner.runBody(fn, frame);
    } finally {
      this.active.pop();
    }
  }

  /** Reads a function that the file never calls, with each parameter at its default value or unknown. */
  callWithDefaults(fn: FunctionObject): Item {
    fn.called = true;
    const frame = new Frame(fn.closure, this.context.moduleScope);
    for (const parameter of fn.parameters) {
      const empty: Item = { kind: 'value', value: { kind: 'tuple', items: [] } };
      frame.assign(parameter.name, parameter.defaultValue ?? (parameter.kind === 'var-positional' ? empty : UNKNOWN), parameter.node);
    }
    this.active.push(fn);
    try {
      return this.runner.runBody(fn, frame);
    } finally {
      this.active.pop();
    }
  }

  /** Creates an instance of a class the file defines and runs its `__init__`. */
  instantiate(cls: ClassObject, call: SyntaxNode): Item {
    if (cls.kerasModel) {
      // Reported where the class is defined.
      this.readCallValues(call);
      return { kind: 'unknown', reported: true };
    }
    const instance: Item = { kind: 'instance', instance: new InstanceObject(cls) };
    const initializer = cls.attributes.get('__init__');
    if (initializer?.kind === 'function') {
      this.call(initializer.function, call, instance);
    } else {
      // Arguments are still evaluated for what they do, as Python does before it raises.
      this.readCallValues(call);
    }
    return instance;
  }

  private readCallValues(call: SyntaxNode): CallValues {
    const values: CallValues = { positional: [], keywords: new Map(), unknownUnpacking: false };
    for (const argument of readCallArguments(call, (node) => this.context.text(node))) {
      const item = this.read(argument.value);
      if (argument.unpacking === '*') {
        const elements = elementsOfItem(item);
        if (elements) {
          values.positional.push(...elements.map((element) => ({ item: element, node: argument.value })));
        } else {
          values.unknownUnpacking = true;
        }
      } else if (argument.unpacking === '**') {
        values.unknownUnpacking = true;
      } else if (argument.keyword !== undefined) {
        values.keywords.set(argument.keyword, { item, node: argument.value });
      } else {
        values.positional.push({ item, node: argument.value });
      }
    }
    return values;
  }

  /** Binds the call's values to the parameters as Python does; returns false after reporting a TypeError. */
  private bindParameters(fn: FunctionObject, values: CallValues, frame: Frame, call: SyntaxNode): boolean {
    const positionalParameters = fn.parameters.filter((parameter) => parameter.kind === 'positional');
    const varPositional = fn.parameters.find((parameter) => parameter.kind === 'var-positional');
    const varKeyword = fn.parameters.find((parameter) => parameter.kind === 'var-keyword');
    const bound = new Map<string, Item>();
    /** The expression each parameter gets its value from, at the call or in the def. */
    const sources = new Map<string, SyntaxNode | undefined>();
    const line = this.context.source.rangeOf(fn.definition).startLine + 1;

    const extra = values.positional.slice(positionalParameters.length);
    values.positional.slice(0, positionalParameters.length).forEach((argument, index) => {
      bound.set(positionalParameters[index].name, argument.item);
      sources.set(positionalParameters[index].name, argument.node);
    });
    if (extra.length > 0 && !varPositional) {
      this.context.sink.error(
        'invalid-call',
        call,
        l10n.t('`{0}()` takes {1} positional arguments, but this call passes {2}, and Python raises TypeError. Remove the extra arguments, or add parameters to the def on line {3}.', fn.name, positionalParameters.length, values.positional.length, line),
      );
      return false;
    }

    for (const [name, argument] of values.keywords) {
      const parameter = fn.parameters.find((candidate) => candidate.name === name && (candidate.kind === 'positional' || candidate.kind === 'keyword-only'));
      if (!parameter) {
        if (varKeyword) {
          continue;
        }
        this.context.sink.error(
          'invalid-call',
          argument.node,
          l10n.t('`{0}()` has no parameter `{1}`, and Python raises TypeError. Check the spelling, or add the parameter to the def on line {2}.', fn.name, name, line),
        );
        return false;
      }
      if (bound.has(name)) {
        this.context.sink.error(
          'invalid-call',
          argument.node,
          l10n.t('`{0}` receives the argument `{1}` twice, which Python rejects with TypeError. Remove one of them.', fn.name, name),
        );
        return false;
      }
      bound.set(name, argument.item);
      sources.set(name, argument.node);
    }

    for (const parameter of fn.parameters) {
      if (parameter.kind === 'var-positional') {
        bound.set(parameter.name, values.unknownUnpacking ? UNKNOWN : sequenceItem('tuple', extra.map((argument) => argument.item)));
      } else if (parameter.kind === 'var-keyword') {
        bound.set(parameter.name, UNKNOWN);
      } else if (!bound.has(parameter.name)) {
        if (parameter.defaultValue) {
          bound.set(parameter.name, parameter.defaultValue);
          sources.set(parameter.name, parameter.defaultNode);
        } else if (values.unknownUnpacking) {
          bound.set(parameter.name, UNKNOWN);
        } else {
          this.context.sink.error(
            'invalid-call',
            call,
            l10n.t('`{0}()` needs the argument `{1}`, which this call does not pass, and Python raises TypeError. Pass it, or give the parameter a default value in the def on line {2}.', fn.name, parameter.name, line),
          );
          return false;
        }
      }
      frame.assign(parameter.name, withSource(bound.get(parameter.name) ?? UNKNOWN, sources.get(parameter.name)), parameter.node);
    }
    return true;
  }
}
