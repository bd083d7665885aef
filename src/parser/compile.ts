/** `model.compile(...)`: optimizer, loss and metrics. */
import * as l10n from '@vscode/l10n';
import type { LossName, OptimizerSpec } from '../common/modelSpec';
import { evaluateArgument, readBooleanArgument } from './argumentValues';
import { bindArguments, calleeOf, type CallArgument } from './callArguments';
import type { ParseContext } from './context';
import { readOptimizer } from './optimizers';
import { elementsOf, unparenthesize, type SyntaxNode } from './syntax';
import { formatPython } from './values';

export interface CompileReading {
  /** Undefined when the optimizer could not be read, and an error diagnostic gives the reason. */
  readonly optimizer?: OptimizerSpec;
  readonly loss?: LossName;
  /** The loss argument, where loss and label mismatches are reported. */
  readonly lossNode?: SyntaxNode;
  readonly metrics: readonly string[];
  readonly call: SyntaxNode;
}

/** Metric spellings that all mean classification accuracy for the supported losses. */
const ACCURACY_NAMES = new Set(['accuracy', 'acc', 'sparse_categorical_accuracy', 'categorical_accuracy']);

/** Loss classes and their string names as Keras also accepts them. */
const LOSS_NAMES: Readonly<Record<string, LossName>> = {
  sparse_categorical_crossentropy: 'sparse_categorical_crossentropy',
  categorical_crossentropy: 'categorical_crossentropy',
  SparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  CategoricalCrossentropy: 'categorical_crossentropy',
};

export function readCompile(context: ParseContext, call: SyntaxNode, displayName: string): CompileReading {
  const bound = bindArguments(context, call, {
    displayName,
    positional: ['optimizer', 'loss'],
    keywords: ['metrics'],
    ignored: ['run_eagerly', 'jit_compile', 'steps_per_execution', 'auto_scale_loss'],
  });

  // Keras compiles with 'rmsprop' when no optimizer is given.
  const optimizerArgument = bound.get('optimizer');
  const optimizer = optimizerArgument
    ? readOptimizer(context, optimizerArgument)
    : { className: 'RMSprop' as const, learningRate: 0.001, momentum: 0, nesterov: false };

  const lossArgument = bound.get('loss');
  const loss = lossArgument ? readLoss(context, lossArgument) : undefined;
  if (!lossArgument) {
    context.sink.error(
      'missing-loss',
      call,
      l10n.t('`{0}` has no loss, so Keras cannot train the model. Add loss=\'sparse_categorical_crossentropy\' for MNIST labels 0 to 9.', displayName),
    );
  }

  const metricsArgument = bound.get('metrics');
  const metrics = metricsArgument ? readMetrics(context, metricsArgument) : [];
  return { optimizer, loss, lossNode: lossArgument?.value, metrics, call };
}

function readLoss(context: ParseContext, argument: CallArgument): LossName | undefined {
  const expression = context.resolveExpression(argument.value);
  const isCall = expression.name === 'CallExpression';
  const callee = isCall ? calleeOf(expression) : undefined;
  const symbol = context.names.symbolOf(callee ?? expression);

  if (symbol?.kind === 'loss-class' && callee) {
    return readLossObject(context, expression, symbol.loss, context.snippet(callee));
  }
  if (symbol?.kind === 'loss-class') {
    context.sink.error(
      'unsupported-loss',
      argument.value,
      l10n.t('`{0}` is the loss class itself; Keras needs an instance of it. Write `{0}()` with parentheses.', context.snippet(expression)),
    );
    return undefined;
  }
  if (symbol?.kind === 'loss-function' && !isCall) {
    return symbol.loss;
  }
  if (symbol?.kind === 'unsupported-loss' || symbol?.kind === 'loss-function') {
    reportUnsupportedLoss(context, argument.value, context.snippet(expression));
    return undefined;
  }

  const value = evaluateArgument(context, argument, 'compile');
  if (value === undefined) {
    return undefined;
  }
  const loss = value.kind === 'string' ? LOSS_NAMES[value.value] : undefined;
  if (!loss) {
    reportUnsupportedLoss(context, argument.value, formatPython(value));
  }
  return loss;
}

/** `SparseCategoricalCrossentropy()`, accepted with its defaults and `from_logits=False`. */
function readLossObject(context: ParseContext, call: SyntaxNode, loss: LossName, displayName: string): LossName | undefined {
  const bound = bindArguments(context, call, { displayName, positional: ['from_logits'], ignored: ['name'] });
  const fromLogitsArgument = bound.get('from_logits');
  const fromLogits = fromLogitsArgument ? readBooleanArgument(context, fromLogitsArgument, displayName) : false;
  if (fromLogits && fromLogitsArgument) {
    context.sink.error(
      'unsupported-argument',
      fromLogitsArgument.span,
      l10n.t('`from_logits=True` expects the last layer to output raw scores, but Gradient Flow trains softmax outputs. Remove from_logits=True and give the last Dense layer activation=\'softmax\'.'),
    );
    return undefined;
  }
  return fromLogits === undefined ? undefined : loss;
}

function reportUnsupportedLoss(context: ParseContext, at: SyntaxNode, written: string): void {
  context.sink.error(
    'unsupported-loss',
    at,
    l10n.t({
      message: 'Gradient Flow does not support the loss {0}. Use \'sparse_categorical_crossentropy\' for labels 0 to 9, or \'categorical_crossentropy\' for one-hot labels from to_categorical.',
      args: [written],
      comment: ['{0} is the loss as written in the file.'],
    }),
  );
}

/** Reads `metrics=[...]` and returns the normalised names Gradient Flow reports; others get a warning. */
function readMetrics(context: ParseContext, argument: CallArgument): string[] {
  const expression = context.resolveExpression(argument.value);
  const inner = unparenthesize(expression);
  const elements =
    inner.name === 'ArrayExpression' || inner.name === 'TupleExpression' ? elementsOf(inner) : [argument.value];

  const metrics: string[] = [];
  for (const element of elements) {
    const name = readMetric(context, element);
    if (name === 'accuracy') {
      if (!metrics.includes(name)) {
        metrics.push(name);
      }
    } else if (name !== undefined) {
      context.sink.warning(
        'unsupported-metric',
        element,
        l10n.t('Gradient Flow reports loss and accuracy only, so it leaves out the metric {0}.', name),
      );
    }
  }
  return metrics;
}

/** Returns `accuracy` for accuracy metrics, the written text for others, undefined after an error. */
function readMetric(context: ParseContext, element: SyntaxNode): string | undefined {
  const expression = context.resolveExpression(element);
  const callee = expression.name === 'CallExpression' ? calleeOf(expression) : undefined;
  const path = context.names.qualifiedName(callee ?? expression);
  if (path?.startsWith('keras.metrics.')) {
    const last = path.slice('keras.metrics.'.length);
    const snake = last.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();
    return snake !== 'accuracy' && ACCURACY_NAMES.has(snake) ? 'accuracy' : context.snippet(element);
  }

  const value = evaluateArgument(context, { keyword: 'metrics', value: element, span: element }, 'compile');
  if (value === undefined) {
    return undefined;
  }
  if (value.kind === 'string' && ACCURACY_NAMES.has(value.value)) {
    return 'accuracy';
  }
  return formatPython(value);
}
