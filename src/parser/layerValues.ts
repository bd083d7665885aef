/**
 * Activation arguments, which Keras accepts as strings (`'relu'`) and as functions
 * (`keras.activations.relu`, `tf.nn.relu`). Activation layers passed as `activation=` are
 * read in `layerArguments.ts`; initializers in `initializerValues.ts`.
 */
import * as l10n from '@vscode/l10n';
import { evaluateArgument } from './argumentValues';
import type { CallArgument } from './callArguments';
import type { ParseContext } from './context';
import { SUPPORTED_ACTIVATIONS } from './kerasApi';
import { KERAS_ACTIVATION_NAMES } from './kerasCatalog';
import { closestMatch } from './spelling';
import { formatPython } from './values';

export { readInitializer } from './initializerValues';

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
      reportUnsupportedActivation(context, argument, callee, formatPython(value), undefined);
      return undefined;
    }
    name = value.value;
  }

  if (!SUPPORTED_ACTIVATIONS.includes(name)) {
    const written = symbol ? context.snippet(expression) : `'${name}'`;
    const suggestion = KERAS_ACTIVATION_NAMES.includes(name) ? undefined : closestMatch(name, SUPPORTED_ACTIVATIONS);
    reportUnsupportedActivation(context, argument, callee, written, suggestion);
    return undefined;
  }
  return name === 'silu' ? 'swish' : name;
}

function reportUnsupportedActivation(
  context: ParseContext,
  argument: CallArgument,
  callee: string,
  written: string,
  suggestion: string | undefined,
): void {
  const supported = SUPPORTED_ACTIVATIONS.join(', ');
  if (suggestion !== undefined) {
    context.sink.error(
      'unsupported-activation',
      argument.value,
      l10n.t('The activation {0} in `{1}` does not exist in Keras. Did you mean \'{2}\'? Gradient Flow supports {3}.', written, callee, suggestion, supported),
    );
    return;
  }
  context.sink.error(
    'unsupported-activation',
    argument.value,
    l10n.t({
      message: 'The activation {0} in `{1}` is not one that Gradient Flow supports. Keras spells activations in lower case: use one of {2}.',
      args: [written, callee, supported],
      comment: ['{2} is a comma-separated list of activation names.'],
    }),
  );
}
