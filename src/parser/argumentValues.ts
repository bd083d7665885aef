/**
 * Typed reading of argument values: each reader evaluates the argument statically, checks
 * its type and range, and reports what is wrong at the argument itself.
 */
import * as l10n from '@vscode/l10n';
import type { CallArgument } from './callArguments';
import type { ParseContext } from './context';
import type { EvaluationFailure } from './evaluator';
import { formatPython, type StaticValue } from './values';

/** Use of a value, for messages: `units` of `Dense`. */
export interface ValueUse {
  readonly argument: string;
  readonly callee: string;
}

function useOf(argument: CallArgument, callee: string): ValueUse {
  return { argument: argument.keyword ?? '?', callee };
}

export function evaluateArgument(context: ParseContext, argument: CallArgument, callee: string): StaticValue | undefined {
  const evaluated = context.evaluator.evaluate(argument.value, context.scope);
  if (!evaluated.ok) {
    reportNotStatic(context, evaluated.failure, useOf(argument, callee));
    return undefined;
  }
  return evaluated.value;
}

export function reportNotStatic(context: ParseContext, failure: EvaluationFailure, use: ValueUse): void {
  const snippet = context.snippet(failure.node);
  const args = [snippet, use.argument, use.callee];
  let message: string;
  switch (failure.reason) {
    case 'unknown-name':
      message = l10n.t('`{0}` is not assigned anywhere in this file, so the value of `{1}` in `{2}` is unknown. Write the value directly.', ...args);
      break;
    case 'reassigned-name':
      message = l10n.t('`{0}` is assigned more than once, so the value of `{1}` in `{2}` depends on which assignment runs last. Gradient Flow reads the file without running it: write the value directly.', ...args);
      break;
    case 'uncertain-name':
      message = l10n.t('`{0}` is assigned on line {3} inside a branch or loop that Gradient Flow cannot tell will run, so the value of `{1}` in `{2}` is unknown. Assign `{0}` once, outside the branch or loop, or write the value directly.', ...args, failure.related ? context.source.rangeOf(failure.related).startLine + 1 : '?');
      break;
    case 'variable-name':
      message = l10n.t('`{0}` only gets its value when the file runs (it is a parameter, a loop variable or an import), so Gradient Flow cannot read `{1}` in `{2}`. Write the value directly.', ...args);
      break;
    case 'invalid-operation':
      message = l10n.t('`{0}` fails in Python, for example by dividing by zero or mixing types, so `{1}` in `{2}` has no value. Correct the expression.', ...args);
      break;
    case 'unsupported-expression':
      message = l10n.t('Gradient Flow cannot work out `{0}` without running the file, so `{1}` in `{2}` is unknown. Write the value as a literal such as a number, a string or a tuple.', ...args);
      break;
  }
  context.sink.error('not-static', failure.node, message);
}

/** Reads an `int` of at least `minimum`; `None` is rejected unless `allowNone`. */
export function readIntegerArgument(
  context: ParseContext,
  argument: CallArgument,
  callee: string,
  minimum: number,
): number | undefined {
  const value = evaluateArgument(context, argument, callee);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind === 'number' && value.isInteger && Number.isSafeInteger(value.value) && value.value >= minimum) {
    return value.value;
  }
  context.sink.error(
    'invalid-value',
    argument.value,
    l10n.t({
      message: '`{0}={1}` in `{2}` is invalid: `{0}` must be a whole number of at least {3}, written without a decimal point.',
      args: [argument.keyword ?? '?', formatPython(value), callee, minimum],
      comment: ['{0} is a parameter name, {1} its value as Python writes it, {2} the called function.'],
    }),
  );
  return undefined;
}

/** Limits of a number argument; the minimum is inclusive unless `exclusiveMinimum`. */
export interface NumberBounds {
  readonly minimum: number;
  readonly exclusiveMinimum?: boolean;
  readonly maximum?: number;
  readonly exclusiveMaximum?: number;
}

export function readNumberArgument(
  context: ParseContext,
  argument: CallArgument,
  callee: string,
  bounds: NumberBounds,
): number | undefined {
  const value = evaluateArgument(context, argument, callee);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind === 'number' && isWithin(value.value, bounds)) {
    return value.value;
  }
  const args = [argument.keyword ?? '?', formatPython(value), callee, bounds.minimum, bounds.exclusiveMaximum ?? bounds.maximum ?? ''];
  const message =
    bounds.exclusiveMaximum !== undefined
      ? l10n.t('`{0}={1}` in `{2}` is invalid: `{0}` must be a number from {3} up to but not including {4}.', ...args)
      : bounds.maximum !== undefined
        ? l10n.t('`{0}={1}` in `{2}` is invalid: `{0}` must be a number from {3} to {4}.', ...args)
        : bounds.exclusiveMinimum
        ? l10n.t('`{0}={1}` in `{2}` is invalid: `{0}` must be a number greater than {3}.', ...args)
        : l10n.t('`{0}={1}` in `{2}` is invalid: `{0}` must be a number of at least {3}.', ...args);
  context.sink.error('invalid-value', argument.value, message);
  return undefined;
}

function isWithin(value: number, bounds: NumberBounds): boolean {
  if (!Number.isFinite(value)) {
    return false;
  }
  const aboveMinimum = bounds.exclusiveMinimum ? value > bounds.minimum : value >= bounds.minimum;
  const belowMaximum =
    (bounds.exclusiveMaximum === undefined || value < bounds.exclusiveMaximum) &&
    (bounds.maximum === undefined || value <= bounds.maximum);
  return aboveMinimum && belowMaximum;
}

export function readBooleanArgument(context: ParseContext, argument: CallArgument, callee: string): boolean | undefined {
  const value = evaluateArgument(context, argument, callee);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind === 'boolean') {
    return value.value;
  }
  context.sink.error(
    'invalid-value',
    argument.value,
    l10n.t('`{0}={1}` in `{2}` is invalid: `{0}` must be True or False.', argument.keyword ?? '?', formatPython(value), callee),
  );
  return undefined;
}

/**
 * Reads an input shape: a tuple or list of positive integers. `(784)` is the number 784 in
 * Python, not a tuple, and gets its own message because students write it often.
 */
export function readShapeArgument(context: ParseContext, argument: CallArgument, callee: string): number[] | undefined {
  const value = evaluateArgument(context, argument, callee);
  if (value === undefined) {
    return undefined;
  }
  const name = argument.keyword ?? '?';
  if (value.kind === 'number' && value.isInteger && value.value > 0) {
    context.sink.error(
      'invalid-value',
      argument.value,
      l10n.t('`{0}={1}` in `{2}` is the number {1}, not a tuple: parentheses alone do not make a tuple in Python. Write `{0}=({1},)` with a comma.', name, formatPython(value), callee),
    );
    return undefined;
  }
  const isShape =
    (value.kind === 'tuple' || value.kind === 'list') &&
    value.items.length > 0 &&
    value.items.every((item) => item.kind === 'number' && item.isInteger && item.value > 0);
  if (!isShape) {
    context.sink.error(
      'invalid-value',
      argument.value,
      l10n.t('`{0}={1}` in `{2}` is invalid: `{0}` must be a tuple of positive whole numbers, such as (28, 28).', name, formatPython(value), callee),
    );
    return undefined;
  }
  return value.items.map((item) => (item.kind === 'number' ? item.value : 0));
}

/** Messages for an argument that Keras renamed, such as `lr` to `learning_rate`. */
export interface RenamedArgumentMessages {
  /** Error when the call passes both names. */
  readonly both: string;
  /** Warning when the call passes only the old name, given the argument's text. */
  readonly oldName: (valueText: string) => string;
}

/**
 * Returns the argument under its current name, or under its old name with a warning. A call
 * that passes both gets an error and no argument.
 */
export function readRenamedArgument(
  context: ParseContext,
  bound: ReadonlyMap<string, CallArgument>,
  names: { readonly current: string; readonly old: string },
  messages: RenamedArgumentMessages,
): CallArgument | undefined {
  const current = bound.get(names.current);
  const old = bound.get(names.old);
  if (current && old) {
    context.sink.error('duplicate-argument', old.span, messages.both);
    return undefined;
  }
  if (old) {
    context.sink.warning('deprecated-argument', old.span, messages.oldName(context.snippet(old.value)));
  }
  return current ?? old;
}
