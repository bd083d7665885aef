/**
 * The `optimizer=` argument of `compile`: a string such as `'SGD'` or an optimizer object
 * such as `SGD(learning_rate=0.1, momentum=0.9)`, with Keras defaults filled in.
 */
import * as l10n from '@vscode/l10n';
import type { OptimizerName, OptimizerSpec } from '../common/modelSpec';
import { evaluateArgument, readBooleanArgument, readNumberArgument } from './argumentValues';
import { bindArguments, calleeOf, type CallArgument, type Signature } from './callArguments';
import type { ParseContext } from './context';
import { SUPPORTED_OPTIMIZERS } from './kerasApi';
import type { SyntaxNode } from './syntax';
import { formatPython } from './values';

/** Keras 3 defaults (`keras.optimizers.SGD`, `Adam`, `RMSprop`). */
const DEFAULT_LEARNING_RATES: Readonly<Record<OptimizerName, number>> = { SGD: 0.01, Adam: 0.001, RMSprop: 0.001 };

/**
 * Parameters read per class, in Keras positional order as far as they are read. Adam's
 * betas and epsilon and RMSprop's rho are not read, so giving them is an error.
 */
/** Gradient clipping arguments every Keras 3 optimizer takes; `global_clipnorm` is not read. */
const CLIPPING_KEYWORDS = ['clipnorm', 'clipvalue'] as const;

const SIGNATURES: Readonly<Record<OptimizerName, Omit<Signature, 'displayName'>>> = {
  SGD: { positional: ['learning_rate', 'momentum', 'nesterov'], keywords: ['lr', ...CLIPPING_KEYWORDS], ignored: ['name'] },
  Adam: { positional: ['learning_rate'], keywords: ['lr', ...CLIPPING_KEYWORDS], ignored: ['name'] },
  RMSprop: { positional: ['learning_rate'], keywords: ['momentum', 'lr', ...CLIPPING_KEYWORDS], ignored: ['name'] },
};

export function defaultOptimizer(className: OptimizerName): OptimizerSpec {
  return { className, learningRate: DEFAULT_LEARNING_RATES[className], momentum: 0, nesterov: false };
}

/** Reads the optimizer argument, or reports why it cannot and returns undefined. */
export function readOptimizer(context: ParseContext, argument: CallArgument): OptimizerSpec | undefined {
  const expression = context.resolveExpression(argument.value);
  const callee = expression.name === 'CallExpression' ? calleeOf(expression) : undefined;
  const symbol = context.names.symbolOf(callee ?? expression);

  if (symbol?.kind === 'optimizer' && callee) {
    return readOptimizerCall(context, expression, symbol.className, context.snippet(callee));
  }
  if (symbol?.kind === 'unsupported-optimizer' || symbol?.kind === 'optimizer') {
    reportUnsupportedOptimizer(context, argument.value, context.snippet(callee ?? expression));
    return undefined;
  }

  const value = evaluateArgument(context, argument, 'compile');
  if (value === undefined) {
    return undefined;
  }
  // Keras looks optimizer strings up without regard to case: 'SGD', 'sgd' and 'Sgd' are one.
  const className = value.kind === 'string' ? SUPPORTED_OPTIMIZERS.find((name) => name.toLowerCase() === value.value.toLowerCase()) : undefined;
  if (!className) {
    reportUnsupportedOptimizer(context, argument.value, formatPython(value));
    return undefined;
  }
  return defaultOptimizer(className);
}

function readOptimizerCall(context: ParseContext, call: SyntaxNode, className: OptimizerName, displayName: string): OptimizerSpec | undefined {
  const bound = bindArguments(context, call, { ...SIGNATURES[className], displayName });
  const spec = { ...defaultOptimizer(className) };

  const learningRateArgument = readLearningRateArgument(context, bound, displayName);
  if (learningRateArgument) {
    const learningRate = readNumberArgument(context, learningRateArgument, displayName, { minimum: 0, exclusiveMinimum: true });
    if (learningRate === undefined) {
      return undefined;
    }
    spec.learningRate = learningRate;
  }

  const momentumArgument = bound.get('momentum');
  if (momentumArgument) {
    const momentum = readNumberArgument(context, momentumArgument, displayName, { minimum: 0, maximum: 1 });
    if (momentum === undefined) {
      return undefined;
    }
    spec.momentum = momentum;
  }

  const nesterovArgument = bound.get('nesterov');
  if (nesterovArgument) {
    const nesterov = readBooleanArgument(context, nesterovArgument, displayName);
    if (nesterov === undefined) {
      return undefined;
    }
    spec.nesterov = nesterov;
  }

  const clipping = readClipping(context, bound, displayName);
  if (!clipping) {
    return undefined;
  }
  return { ...spec, ...clipping };
}

/**
 * Reads `clipnorm=` and `clipvalue=`. `None` and 0 leave clipping off, as in Keras. Keras 3
 * raises ValueError when both are given as anything but `None`, so that is an error here too.
 */
function readClipping(
  context: ParseContext,
  bound: ReadonlyMap<string, CallArgument>,
  displayName: string,
): { clipnorm?: number; clipvalue?: number } | undefined {
  const given = CLIPPING_KEYWORDS.filter((name) => {
    const argument = bound.get(name);
    return argument !== undefined && evaluateArgument(context, argument, displayName)?.kind !== 'none';
  });
  if (given.length > 1) {
    context.sink.error(
      'duplicate-argument',
      (bound.get('clipvalue') as CallArgument).span,
      l10n.t('`{0}` receives both `clipnorm` and `clipvalue`, and Keras raises ValueError because only one of them can be set. Keep one.', displayName),
    );
    return undefined;
  }

  const values: { clipnorm?: number; clipvalue?: number } = {};
  for (const name of given) {
    const value = readNumberArgument(context, bound.get(name) as CallArgument, displayName, { minimum: 0 });
    if (value === undefined) {
      return undefined;
    }
    if (value > 0) {
      values[name] = value;
    }
  }
  return values;
}

/** Returns the `learning_rate=` argument, or its old name `lr=` with a note that Keras 3 rejects it. */
function readLearningRateArgument(
  context: ParseContext,
  bound: ReadonlyMap<string, CallArgument>,
  displayName: string,
): CallArgument | undefined {
  const current = bound.get('learning_rate');
  const old = bound.get('lr');
  if (current && old) {
    context.sink.error(
      'duplicate-argument',
      old.span,
      l10n.t('`{0}` receives both `learning_rate` and its old name `lr`. Keep only learning_rate.', displayName),
    );
    return undefined;
  }
  if (old) {
    context.sink.information(
      'deprecated-argument',
      old.span,
      l10n.t('`lr` is the old name of `learning_rate`, and Keras 3 rejects it with "Argument(s) not recognized". Gradient Flow reads it as the learning rate; write learning_rate={0} instead.', context.snippet(old.value)),
    );
  }
  return current ?? old;
}

function reportUnsupportedOptimizer(context: ParseContext, at: SyntaxNode, written: string): void {
  context.sink.error(
    'unsupported-optimizer',
    at,
    l10n.t({
      message: 'Gradient Flow does not support the optimizer {0}. Use one of {1}, as a string such as \'sgd\' or as an object such as SGD(learning_rate=0.01).',
      args: [written, SUPPORTED_OPTIMIZERS.join(', ')],
      comment: ['{0} is the optimizer as written in the file, {1} a comma-separated list of class names.'],
    }),
  );
}
