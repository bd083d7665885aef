/**
 * Activation and initializer arguments, which Keras accepts as strings (`'relu'`), as
 * functions (`keras.activations.relu`, `tf.nn.relu`) or as initializer objects (`HeUniform()`).
 */
import * as l10n from '@vscode/l10n';
import { evaluateArgument } from './argumentValues';
import { calleeOf, readCallArguments, type CallArgument } from './callArguments';
import type { ParseContext } from './context';
import { SUPPORTED_ACTIVATIONS, SUPPORTED_INITIALIZERS } from './kerasApi';
import { formatPython } from './values';

/**
 * Reads an activation and returns its Keras name. `None` is `linear`, as in Keras, and
 * `silu` becomes `swish`: Keras treats the two names as one function.
 */
export function readActivation(context: ParseContext, argument: CallArgument, callee: string): string | undefined {
  const expression = context.resolveExpression(argument.value);
  const symbol = context.names.symbolOf(expression);
  let name: string;

  if (symbol?.kind === 'activation-function') {
    name = symbol.activation;
  } else {
    const value = evaluateArgument(context, argument, callee);
    if (value === undefined) {
      return undefined;
    }
    if (value.kind === 'none') {
      return 'linear';
    }
    if (value.kind !== 'string') {
      reportUnsupportedActivation(context, argument, callee, formatPython(value));
      return undefined;
    }
    name = value.value;
  }

  if (!SUPPORTED_ACTIVATIONS.includes(name)) {
    reportUnsupportedActivation(context, argument, callee, symbol ? name : `'${name}'`);
    return undefined;
  }
  return name === 'silu' ? 'swish' : name;
}

function reportUnsupportedActivation(context: ParseContext, argument: CallArgument, callee: string, name: string): void {
  context.sink.error(
    'unsupported-activation',
    argument.value,
    l10n.t({
      message: 'The activation {0} in `{1}` is not one that Gradient Flow supports. Keras spells activations in lower case: use one of {2}.',
      args: [name, callee, SUPPORTED_ACTIVATIONS.join(', ')],
      comment: ['{2} is a comma-separated list of activation names.'],
    }),
  );
}

/** Reads a kernel or bias initializer and returns its Keras string name, such as `he_uniform`. */
export function readInitializer(context: ParseContext, argument: CallArgument, callee: string): string | undefined {
  const expression = context.resolveExpression(argument.value);
  const isCall = expression.name === 'CallExpression';
  const symbol = context.names.symbolOf(isCall ? (calleeOf(expression) ?? expression) : expression);

  if (symbol?.kind === 'initializer') {
    if (isCall && readCallArguments(expression, (node) => context.text(node)).length > 0) {
      context.sink.error(
        'unsupported-initializer',
        argument.value,
        l10n.t('Gradient Flow supports initializers only with their default settings, so it cannot use `{0}` in `{1}`. Write the initializer as a string such as \'{2}\'.', context.snippet(argument.value), callee, symbol.initializer),
      );
      return undefined;
    }
    return checkInitializer(context, argument, callee, symbol.initializer);
  }

  const value = evaluateArgument(context, argument, callee);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind !== 'string') {
    return checkInitializer(context, argument, callee, formatPython(value));
  }
  // Keras also accepts class names as strings: 'HeUniform' is 'he_uniform'.
  const snakeName = value.value.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();
  return checkInitializer(context, argument, callee, snakeName);
}

function checkInitializer(context: ParseContext, argument: CallArgument, callee: string, name: string): string | undefined {
  if (SUPPORTED_INITIALIZERS.includes(name)) {
    return name;
  }
  context.sink.error(
    'unsupported-initializer',
    argument.value,
    l10n.t({
      message: '`{0}` in `{1}` is not an initializer that Gradient Flow supports. Use one of: {2}.',
      args: [name, callee, SUPPORTED_INITIALIZERS.join(', ')],
      comment: ['{2} is a comma-separated list of initializer names.'],
    }),
  );
  return undefined;
}
