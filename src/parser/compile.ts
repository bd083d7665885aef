/**
 * `model.compile(...)`: optimizer, loss and metrics, and the checks of the loss against the
 * labels and the model output that Keras 3 makes when training starts.
 */
import * as l10n from '@vscode/l10n';
import { datasetClassCount } from '../common/datasetShapes';
import type { CompileSpec, DatasetSpec, LayerSpec, LossName, OptimizerSpec, SourceRange } from '../common/modelSpec';
import { evaluateArgument, readBooleanArgument } from './argumentValues';
import { bindArguments, calleeOf, readCallArguments, type CallArgument } from './callArguments';
import type { ParseContext } from './context';
import { listElements } from './callbacks';
import { LOSS_FUNCTIONS } from './kerasApi';
import { defaultOptimizer, readOptimizer } from './optimizers';
import type { ModelRecord } from './sequential';
import type { SyntaxNode } from './syntax';
import { formatPython } from './values';

export interface CompileReading {
  /** Undefined when the optimizer could not be read, and an error diagnostic gives the reason. */
  readonly optimizer?: OptimizerSpec;
  readonly loss?: LossName;
  /** True for a loss object with `from_logits=True`. */
  readonly fromLogits: boolean;
  /** The loss argument, where loss and label mismatches are reported. */
  readonly lossNode?: SyntaxNode;
  readonly metrics: readonly string[];
  /**
   * Names under which Keras logs the accuracy metric: the string as written (`'acc'` logs
   * `acc` and `val_acc`) or the metric object's `name`.
   */
  readonly metricLogNames: readonly string[];
  readonly call: SyntaxNode;
}

/** Metric strings Keras 3 resolves from the shapes of labels and output (`compile_utils.get_metric`). */
const SHAPE_RESOLVED_ACCURACY = new Set(['accuracy', 'acc']);
/** Accuracy metrics that name their kind. */
const NAMED_ACCURACIES = new Set(['binary_accuracy', 'categorical_accuracy', 'sparse_categorical_accuracy']);

/** Constructor parameters of the Keras 3 loss classes, in positional order. */
const LOSS_CLASS_PARAMETERS: Readonly<Record<LossName, readonly string[]>> = {
  sparse_categorical_crossentropy: ['from_logits', 'ignore_class', 'reduction', 'name'],
  categorical_crossentropy: ['from_logits', 'label_smoothing', 'axis', 'reduction', 'name'],
  binary_crossentropy: ['from_logits', 'label_smoothing', 'axis', 'reduction', 'name'],
  mean_squared_error: ['reduction', 'name'],
  mean_absolute_error: ['reduction', 'name'],
};

/**
 * Reductions that average the per-example losses over the batch: Keras 3's default
 * `sum_over_batch_size`, and `auto`, which meant the same in tf.keras 2.
 */
const MEAN_REDUCTIONS = new Set(['sum_over_batch_size', 'auto']);

export function readCompile(context: ParseContext, call: SyntaxNode, displayName: string): CompileReading {
  const bound = bindArguments(context, call, {
    displayName,
    // Keras 3: compile(optimizer, loss, loss_weights, metrics, ...). Keras 2's third positional
    // argument was metrics, so old scripts pass their metrics where Keras 3 reads loss weights.
    positional: ['optimizer', 'loss', 'loss_weights'],
    keywords: ['metrics'],
    ignored: ['run_eagerly', 'jit_compile', 'steps_per_execution', 'auto_scale_loss'],
  });
  const lossWeights = bound.get('loss_weights');
  if (lossWeights) {
    context.sink.error(
      'unsupported-argument',
      lossWeights.span,
      lossWeights.positional
        ? l10n.t('Keras 3 reads the third positional argument of compile() as loss_weights, not metrics as Keras 2 did, so `{0}` would weight the loss instead of naming metrics. Write metrics={0}.', context.snippet(lossWeights.value))
        : l10n.t('Gradient Flow does not support loss_weights in compile(). Remove it: with one output it only multiplies the loss and its gradients.'),
    );
  }

  // Keras compiles with 'rmsprop' when no optimizer is given.
  const optimizerArgument = bound.get('optimizer');
  const optimizer = optimizerArgument ? readOptimizer(context, optimizerArgument) : defaultOptimizer('RMSprop');

  const lossArgument = bound.get('loss');
  const loss = lossArgument ? readLoss(context, lossArgument) : undefined;
  if (!lossArgument) {
    context.sink.error(
      'missing-loss',
      call,
      l10n.t('`{0}` has no loss, so Keras cannot train the model. Add loss=\'sparse_categorical_crossentropy\' for labels that are class numbers.', displayName),
    );
  }

  const metricsArgument = bound.get('metrics');
  const metrics = metricsArgument ? readMetrics(context, metricsArgument) : { metrics: [], logNames: [] };
  return {
    optimizer,
    loss: loss?.loss,
    fromLogits: loss?.fromLogits ?? false,
    lossNode: lossArgument?.value,
    metrics: metrics.metrics,
    metricLogNames: metrics.logNames,
    call,
  };
}

interface LossReading {
  readonly loss: LossName;
  readonly fromLogits: boolean;
}

function readLoss(context: ParseContext, argument: CallArgument): LossReading | undefined {
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
    return { loss: symbol.loss, fromLogits: false };
  }
  if (symbol?.kind === 'loss-function') {
    context.sink.error(
      'unsupported-loss',
      argument.value,
      l10n.t('`{0}` calls the loss function, which computes a loss value instead of passing the function. Write loss={1} without the parentheses and arguments.', context.snippet(expression), context.snippet(callee ?? expression)),
    );
    return undefined;
  }
  if (symbol?.kind === 'unsupported-loss') {
    reportUnsupportedLoss(context, argument.value, context.snippet(expression));
    return undefined;
  }

  const value = evaluateArgument(context, argument, 'compile');
  if (value === undefined) {
    return undefined;
  }
  // Keras 3's `losses.get` looks strings up exactly, as function names, aliases or class names.
  const written = value.kind === 'string' ? value.value : undefined;
  const loss = written === undefined ? undefined : (LOSS_FUNCTIONS[written] ?? lossOfClassName(written));
  if (!loss) {
    reportUnsupportedLoss(context, argument.value, formatPython(value));
    return undefined;
  }
  return { loss, fromLogits: false };
}

function lossOfClassName(name: string): LossName | undefined {
  const classes: Readonly<Record<string, LossName>> = {
    SparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
    CategoricalCrossentropy: 'categorical_crossentropy',
    BinaryCrossentropy: 'binary_crossentropy',
    MeanSquaredError: 'mean_squared_error',
    MeanAbsoluteError: 'mean_absolute_error',
  };
  return classes[name];
}

/**
 * Reads a loss object such as `SparseCategoricalCrossentropy(from_logits=True)`. Arguments
 * that change the loss other than `from_logits` (label smoothing, another axis or reduction,
 * an ignored class) are errors; `name` and `dtype` change nothing here.
 */
function readLossObject(context: ParseContext, call: SyntaxNode, loss: LossName, displayName: string): LossReading | undefined {
  const bound = bindArguments(context, call, { displayName, positional: LOSS_CLASS_PARAMETERS[loss], ignored: ['name', 'dtype'] });
  const fromLogitsArgument = bound.get('from_logits');
  const fromLogits = fromLogitsArgument ? readBooleanArgument(context, fromLogitsArgument, displayName) : false;
  if (fromLogits === undefined) {
    return undefined;
  }

  const expected: ReadonlyArray<readonly [string, (value: ReturnType<typeof evaluateArgument>) => boolean, string]> = [
    ['label_smoothing', (value) => value?.kind === 'number' && value.value === 0, '0'],
    ['axis', (value) => value?.kind === 'number' && value.value === -1, '-1'],
    ['ignore_class', (value) => value?.kind === 'none', 'None'],
    ['reduction', (value) => value?.kind === 'string' && MEAN_REDUCTIONS.has(value.value), "'sum_over_batch_size'"],
  ];
  for (const [name, isDefault, defaultText] of expected) {
    const argument = bound.get(name);
    if (!argument) {
      continue;
    }
    const value = evaluateArgument(context, argument, displayName);
    if (value === undefined) {
      return undefined;
    }
    if (!isDefault(value)) {
      context.sink.error(
        'unsupported-argument',
        argument.span,
        l10n.t({
          message: 'Gradient Flow trains `{0}` only with `{1}={2}`, its Keras default, so it cannot reproduce `{1}={3}`. Remove the argument.',
          args: [displayName, name, defaultText, formatPython(value)],
          comment: ['{0} is a loss class, {1} an argument name, {2} and {3} Python values.'],
        }),
      );
      return undefined;
    }
  }
  return { loss, fromLogits };
}

function reportUnsupportedLoss(context: ParseContext, at: SyntaxNode, written: string): void {
  context.sink.error(
    'unsupported-loss',
    at,
    l10n.t({
      message: 'Gradient Flow does not support the loss {0}. Use \'sparse_categorical_crossentropy\' for class numbers, \'categorical_crossentropy\' for one-hot labels from to_categorical, \'binary_crossentropy\' for labels 0 and 1, or \'mse\' or \'mae\'.',
      args: [written],
      comment: ['{0} is the loss as written in the file.'],
    }),
  );
}

/** Reads `metrics=[...]`: accuracy metrics are kept, others get a warning that they are left out. */
function readMetrics(context: ParseContext, argument: CallArgument): { metrics: string[]; logNames: string[] } {
  const elements = listElements(context, argument.value) ?? [argument.value];

  const metrics: string[] = [];
  const logNames: string[] = [];
  for (const element of elements) {
    const metric = readMetric(context, element);
    if (!metric) {
      continue;
    }
    if (metric.kind === undefined) {
      context.sink.warning(
        'unsupported-metric',
        element,
        l10n.t('Gradient Flow reports loss and accuracy only, so it leaves out the metric {0}.', metric.written),
      );
    } else if (metrics.length > 0) {
      context.sink.warning(
        'unsupported-metric',
        element,
        l10n.t('Gradient Flow reports one accuracy, the first in the list, so it leaves out the metric {0}.', metric.written),
      );
    } else {
      metrics.push(metric.kind);
      logNames.push(metric.logName);
    }
  }
  return { metrics, logNames };
}

interface MetricReading {
  /** `accuracy` (resolved from shapes), or the named accuracy kind; undefined for other metrics. */
  readonly kind?: string;
  /** The key Keras logs the metric under. */
  readonly logName: string;
  readonly written: string;
}

function readMetric(context: ParseContext, element: SyntaxNode): MetricReading | undefined {
  const expression = context.resolveExpression(element);
  const callee = expression.name === 'CallExpression' ? calleeOf(expression) : undefined;
  const path = context.names.qualifiedName(callee ?? expression);
  const written = context.snippet(element);
  if (path?.startsWith('keras.metrics.')) {
    const last = path.slice('keras.metrics.'.length);
    const snake = last.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();
    // A metric object with other arguments than its name, such as BinaryAccuracy(threshold=0.7), counts differently.
    const otherArguments = callee !== undefined && readCallArguments(expression, (span) => context.text(span)).some((argument) => argument.keyword !== 'name' && argument.keyword !== 'dtype');
    const isAccuracy = NAMED_ACCURACIES.has(snake) && /^[A-Z]/.test(last) === (callee !== undefined) && !otherArguments;
    return { kind: isAccuracy ? snake : undefined, logName: metricObjectName(context, expression, snake), written };
  }

  const value = evaluateArgument(context, { keyword: 'metrics', value: element, span: element }, 'compile');
  if (value === undefined) {
    return undefined;
  }
  if (value.kind === 'string' && SHAPE_RESOLVED_ACCURACY.has(value.value)) {
    return { kind: 'accuracy', logName: value.value, written };
  }
  if (value.kind === 'string' && NAMED_ACCURACIES.has(value.value)) {
    return { kind: value.value, logName: value.value, written };
  }
  return { logName: formatPython(value), written: formatPython(value) };
}

/** Returns the `name=` of a metric object when the file gives one as a string, else the class's default name. */
function metricObjectName(context: ParseContext, expression: SyntaxNode, defaultName: string): string {
  if (expression.name !== 'CallExpression') {
    return defaultName;
  }
  const argumentList = expression.getChild('ArgList');
  for (let child = argumentList?.firstChild; child; child = child.nextSibling) {
    if (child.name === 'VariableName' && context.text(child) === 'name' && child.nextSibling?.name === 'AssignOp') {
      const valueNode = child.nextSibling.nextSibling;
      const evaluated = valueNode ? context.evaluator.evaluate(valueNode, context.scope) : undefined;
      if (evaluated?.ok && evaluated.value.kind === 'string') {
        return evaluated.value.value;
      }
    }
  }
  return defaultName;
}

/**
 * Builds the compile settings of the chosen model. A file without `compile` gets Keras's
 * default optimizer and the loss that fits its labels, with a note that states them.
 */
export function buildCompileSpec(context: ParseContext, record: ModelRecord, oneHotLabels: boolean): CompileSpec | undefined {
  const fit = record.fit;
  const compile = record.compile;
  const late = record.compileAfterFit;
  if (!compile && late && fit) {
    context.sink.error(
      'compile-after-fit',
      fit.call,
      l10n.t('model.fit() runs here before model.compile() on line {0}, and Keras raises RuntimeError. Move compile() above fit().', context.source.rangeOf(late.call).startLine + 1),
    );
    return undefined;
  }

  if (!compile) {
    const loss = oneHotLabels ? 'categorical_crossentropy' : 'sparse_categorical_crossentropy';
    context.sink.information(
      'compile-missing',
      fit?.call ?? record.creation,
      l10n.t('The file never calls model.compile(), which Keras needs before fit(). Gradient Flow assumes compile(optimizer=\'rmsprop\', loss=\'{0}\', metrics=[\'accuracy\']): the Keras default optimizer and the loss that fits the labels.', loss),
    );
    return { optimizer: defaultOptimizer('RMSprop'), loss, metrics: ['accuracy'] };
  }
  if (!compile.optimizer || !compile.loss) {
    return undefined;
  }
  const spec: CompileSpec = {
    optimizer: compile.optimizer,
    loss: compile.loss,
    metrics: compile.metrics,
    range: context.source.rangeOf(compile.call),
  };
  return compile.fromLogits ? { ...spec, fromLogits: true } : spec;
}

/** The output of a model that ends in Dense: its units and the activation applied last. */
export interface ModelOutput {
  readonly units?: number;
  readonly activation?: string;
  /** The layer that sets the activation, where activation problems are reported. */
  readonly activationLayer: LayerSpec;
  /** The Dense layer, where unit counts are reported. */
  readonly dense: LayerSpec;
}

/**
 * Returns the output of a model whose last layers are Dense followed only by Activation,
 * Softmax or Dropout. Other endings return undefined, because the checks here cannot read
 * their output.
 */
export function modelOutputOf(layers: readonly LayerSpec[]): ModelOutput | undefined {
  let activationLayer: LayerSpec | undefined;
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index];
    switch (layer.className) {
      case 'Dropout':
        continue;
      case 'Activation':
      case 'Softmax':
        activationLayer ??= layer;
        continue;
      case 'Dense': {
        const units = typeof layer.config.units === 'number' ? layer.config.units : undefined;
        const owner = activationLayer ?? layer;
        const activation = owner.className === 'Softmax' ? 'softmax' : owner.config.activation;
        return { units, activation: typeof activation === 'string' ? activation : undefined, activationLayer: owner, dense: layer };
      }
      default:
        return undefined;
    }
  }
  return undefined;
}

export interface LossCheckInput {
  readonly compile: CompileSpec;
  /** The file's `compile` call, undefined when the defaults apply. */
  readonly reading?: CompileReading;
  readonly dataset: DatasetSpec;
  readonly output?: ModelOutput;
  /** The labels as written in `fit`, for messages. */
  readonly labelsText: string;
}

/**
 * Reports what Keras 3 would reject or compute differently from what the file intends. These
 * are labels of the wrong form for the loss, an output with the wrong number of units, an
 * activation that does not give what the loss expects, and `from_logits=True` on probabilities.
 */
export function checkLossAgainstModel(context: ParseContext, input: LossCheckInput): void {
  const { compile, dataset, output } = input;
  const at = input.reading?.lossNode ?? input.reading?.call;
  const classes = datasetClassCount(dataset);
  // Labels of a dataset Gradient Flow picked follow the loss, so they cannot mismatch it.
  const labelsKnown = dataset.origin === 'file' && at !== undefined;

  if (labelsKnown) {
    checkLabelForm(context, compile.loss, dataset.oneHotLabels, at, input.labelsText, classes);
  }
  if (output) {
    checkOutputUnits(context, compile.loss, dataset.oneHotLabels, output, classes, input.labelsText);
    checkOutputActivation(context, compile, output, at);
  }
}

function checkLabelForm(
  context: ParseContext,
  loss: LossName,
  oneHot: boolean,
  at: SyntaxNode,
  labels: string,
  classes: number | undefined,
): void {
  const count = classes ?? 10;
  if (loss === 'categorical_crossentropy' && !oneHot) {
    context.sink.error(
      'loss-label-mismatch',
      at,
      l10n.t('categorical_crossentropy expects one-hot labels, but `{0}` holds class numbers 0 to {1}. Use loss=\'sparse_categorical_crossentropy\', or convert the labels with to_categorical({0}, {2}).', labels, count - 1, count),
    );
  } else if (loss === 'sparse_categorical_crossentropy' && oneHot) {
    context.sink.error(
      'loss-label-mismatch',
      at,
      l10n.t('sparse_categorical_crossentropy expects class numbers 0 to {1}, but `{0}` holds one-hot labels from to_categorical. Use loss=\'categorical_crossentropy\', or pass the labels without to_categorical.', labels, count - 1),
    );
  } else if (loss === 'binary_crossentropy' && !oneHot && classes !== undefined && classes > 2) {
    context.sink.warning(
      'loss-label-mismatch',
      at,
      l10n.t('binary_crossentropy expects labels 0 and 1, but `{0}` holds class numbers 0 to {1}. Keras uses the numbers as they are, so the loss is not a crossentropy for labels above 1. Use loss=\'sparse_categorical_crossentropy\' with one output per class.', labels, count - 1),
    );
  }
}

function checkOutputUnits(
  context: ParseContext,
  loss: LossName,
  oneHot: boolean,
  output: ModelOutput,
  classes: number | undefined,
  labels: string,
): void {
  const units = output.units;
  if (units === undefined || classes === undefined) {
    return;
  }
  const classify = loss === 'sparse_categorical_crossentropy' || loss === 'categorical_crossentropy';
  const perClass = classify || oneHot;
  if (perClass && units !== classes) {
    context.sink.error(
      'output-units',
      output.dense.range,
      l10n.t('The last Dense layer has {0} units, but the labels have {1} classes and {2} needs one output per class. Set units={1}.', units, classes, loss),
    );
    return;
  }
  if (loss === 'binary_crossentropy' && !oneHot && units !== 1) {
    // Keras 3 compares the label shape (batch, 1) with the output (batch, units) and raises ValueError.
    context.sink.error(
      'output-units',
      output.dense.range,
      l10n.t('binary_crossentropy on labels that are class numbers needs one output unit, but the last Dense layer has {0}, and Keras raises "Arguments `target` and `output` must have the same shape". Use Dense(1, activation=\'sigmoid\').', units),
    );
    return;
  }
  if ((loss === 'mean_squared_error' || loss === 'mean_absolute_error') && !oneHot && units > 1) {
    context.sink.warning(
      'label-broadcast',
      output.dense.range,
      l10n.t({
        message: '{0} compares each label of `{1}`, a class number, with all {2} outputs of this layer. Keras 3 raises "Incompatible shapes" here, while tf.keras 2 compares the number with every output, which Gradient Flow reproduces. Convert the labels with to_categorical({1}, {2}) to compare one-hot vectors.',
        args: [loss, labels, units],
        comment: ['{0} is a loss name, {1} the labels as written in the file, {2} a number of outputs.'],
      }),
    );
  }
}

function checkOutputActivation(context: ParseContext, compile: CompileSpec, output: ModelOutput, lossAt: SyntaxNode | undefined): void {
  const activation = output.activation;
  if (activation === undefined) {
    return;
  }
  const range = output.activationLayer.range;
  const loss = compile.loss;
  const probabilityActivation = loss === 'binary_crossentropy' ? 'sigmoid' : 'softmax';

  if (compile.fromLogits) {
    if (activation === 'softmax' || activation === 'sigmoid') {
      // Keras 3's TensorFlow backend warns and reads the input of that activation as the logits.
      context.sink.warning(
        'logits-mismatch',
        lossAt ?? rangeStart(range),
        l10n.t('The loss has from_logits=True, but the output already applies \'{0}\'. Keras warns "received `from_logits=True`, but the `output` argument was produced by a {0} activation" and, with TensorFlow, computes the loss from the values before the activation. Remove from_logits=True or the output activation.', activation),
      );
    }
    return;
  }
  if (loss !== 'sparse_categorical_crossentropy' && loss !== 'categorical_crossentropy' && loss !== 'binary_crossentropy') {
    return;
  }
  if (activation === probabilityActivation || (loss === 'binary_crossentropy' && activation === 'softmax')) {
    return;
  }
  if (activation === 'sigmoid') {
    // Sigmoid outputs lie in (0, 1); Keras divides them by their sum before the crossentropy.
    context.sink.warning(
      'output-activation',
      range,
      l10n.t('The output uses the activation \'sigmoid\', but {0} expects probabilities that sum to 1. Keras scales the outputs to sum to 1, so training runs, but set activation=\'softmax\' on the last layer for a proper probability.', loss),
    );
    return;
  }
  context.sink.error(
    'output-activation',
    range,
    l10n.t({
      message: 'The output uses the activation \'{0}\', but {1} expects probabilities from \'{2}\'. Set activation=\'{2}\' on the last layer, or pass the raw scores with {3}(from_logits=True).',
      args: [activation, loss, probabilityActivation, lossClassName(loss)],
      comment: ['{0} and {2} are activation names, {1} a loss name, {3} a Keras loss class.'],
    }),
  );
}

function lossClassName(loss: LossName): string {
  switch (loss) {
    case 'binary_crossentropy':
      return 'BinaryCrossentropy';
    case 'categorical_crossentropy':
      return 'CategoricalCrossentropy';
    default:
      return 'SparseCategoricalCrossentropy';
  }
}

function rangeStart(range: SourceRange): SourceRange {
  return { startLine: range.startLine, startCharacter: range.startCharacter, endLine: range.startLine, endCharacter: range.startCharacter };
}
