/** `model.fit(...)` and `model.evaluate(...)`, with the Keras defaults for what the file leaves out. */
import * as l10n from '@vscode/l10n';
import type { CompileSpec, FitSpec, ModelSpec, ParseDiagnostic } from '../common/modelSpec';
import { evaluateArgument, readBooleanArgument, readIntegerArgument, readNumberArgument, readRenamedArgument } from './argumentValues';
import { finishCallbacks, readCallbacks, type CallbackReading } from './callbacks';
import { bindArguments, calleeOf, readCallArguments, type CallArgument } from './callArguments';
import type { CompileReading } from './compile';
import type { ParseContext } from './context';
import type { DataLookup, DatasetTracker } from './dataset';
import type { ModelRecord } from './sequential';
import { childrenOf, elementsOf, unparenthesize, type SyntaxNode } from './syntax';
import { formatPython } from './values';

/** Keras 3 `Model.fit` defaults. */
export const FIT_DEFAULTS = { epochs: 1, batchSize: 32, validationSplit: 0, shuffle: true } as const;

export interface FitReading {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly validationSplit?: number;
  readonly validationOnTest: boolean;
  readonly shuffle?: boolean;
  /** Loss weight per class index, from `class_weight={0: 1.0, 1: 5.0}`. */
  readonly classWeight?: Readonly<Record<number, number>>;
  readonly callbacks: readonly CallbackReading[];
  readonly call: SyntaxNode;
  /** Dataset content of `x` and `y` at the time `fit` runs. */
  readonly images?: DataLookup;
  readonly imagesNode?: SyntaxNode;
  readonly labels?: DataLookup;
  readonly labelsNode?: SyntaxNode;
  readonly validationImages?: DataLookup;
}

export interface EvaluateReading {
  readonly call: SyntaxNode;
  readonly images?: DataLookup;
}

/** Keras 3 `fit` parameters in positional order, with `class_weight` after `shuffle`. */
const FIT_POSITIONAL = ['x', 'y', 'batch_size', 'epochs', 'verbose', 'callbacks', 'validation_split', 'validation_data', 'shuffle', 'class_weight'];

/** Keras 2 `fit_generator(generator, steps_per_epoch, epochs, verbose, callbacks, validation_data, ...)`. */
const FIT_GENERATOR_POSITIONAL = ['generator', 'steps_per_epoch', 'epochs', 'verbose', 'callbacks', 'validation_data', 'validation_steps', 'validation_freq', 'class_weight'];

/**
 * Reads `fit(...)`, or Keras 2's `fit_generator(...)` when its generator is
 * `ImageDataGenerator().flow(x, y, batch_size=...)` without augmentation, which trains as fit does.
 */
export function readFit(context: ParseContext, call: SyntaxNode, displayName: string, dataset: DatasetTracker): FitReading {
  if (methodName(context, call) === 'fit_generator') {
    return readFitGenerator(context, call, displayName, dataset);
  }
  const bound = bindArguments(context, call, {
    displayName,
    positional: FIT_POSITIONAL,
    keywords: ['nb_epoch'],
    ignored: ['verbose', 'workers', 'use_multiprocessing', 'max_queue_size', 'show_accuracy'],
  });
  const showAccuracy = bound.get('show_accuracy');
  if (showAccuracy) {
    context.sink.warning(
      'legacy-argument',
      showAccuracy.span,
      l10n.t('show_accuracy is a Keras 1 argument that only changed the progress output. Keras 3 rejects it, and Gradient Flow ignores it: remove it, and list metrics=[\'accuracy\'] in compile() instead.'),
    );
  }
  const x = bound.get('x');
  const y = bound.get('y');
  const common = readCommonArguments(context, bound, displayName, dataset);
  const batchSizeArgument = bound.get('batch_size');
  const shuffleArgument = bound.get('shuffle');
  let validationSplit = optional(bound, 'validation_split', (argument) =>
    readNumberArgument(context, argument, displayName, { minimum: 0, exclusiveMaximum: 1 }),
  );
  if (common.validation?.onTest && validationSplit !== undefined && validationSplit > 0) {
    const splitArgument = bound.get('validation_split') as CallArgument;
    context.sink.information(
      'validation-split-ignored',
      splitArgument.span,
      l10n.t('Keras ignores validation_split when validation_data is given, so Gradient Flow validates on validation_data only.'),
    );
    validationSplit = 0;
  }

  return {
    epochs: common.epochs,
    batchSize: batchSizeArgument ? readBatchSize(context, batchSizeArgument, displayName) : undefined,
    validationSplit,
    validationOnTest: common.validation?.onTest ?? false,
    shuffle: shuffleArgument ? readBooleanArgument(context, shuffleArgument, displayName) : undefined,
    classWeight: common.classWeight,
    callbacks: common.callbacks,
    call,
    images: x ? dataset.lookup(x.value) : undefined,
    imagesNode: x?.value,
    labels: y ? dataset.lookup(y.value) : undefined,
    labelsNode: y?.value,
    validationImages: common.validation?.images,
  };
}

interface CommonArguments {
  readonly epochs?: number;
  readonly classWeight?: Readonly<Record<number, number>>;
  readonly callbacks: readonly CallbackReading[];
  readonly validation?: { onTest: boolean; images?: DataLookup };
}

/** Reads the arguments `fit` and `fit_generator` share: epochs, callbacks, validation data and class weights. */
function readCommonArguments(
  context: ParseContext,
  bound: ReadonlyMap<string, CallArgument>,
  displayName: string,
  dataset: DatasetTracker,
): CommonArguments {
  const epochs = readEpochs(context, bound, displayName);
  const callbacksArgument = bound.get('callbacks');
  const callbacks = callbacksArgument ? readCallbacks(context, callbacksArgument) : [];
  const validationData = bound.get('validation_data');
  const validation = validationData ? readValidationData(context, validationData, dataset) : undefined;
  const classWeightArgument = bound.get('class_weight');
  const classWeight = classWeightArgument ? readClassWeight(context, classWeightArgument, displayName) : undefined;
  return { epochs, callbacks, validation, classWeight };
}

/** Reads `epochs=`, or Keras 1's `nb_epoch=` with a warning that Keras 3 rejects it. */
function readEpochs(context: ParseContext, bound: ReadonlyMap<string, CallArgument>, displayName: string): number | undefined {
  const argument = readRenamedArgument(context, bound, { current: 'epochs', old: 'nb_epoch' }, {
    both: l10n.t('`{0}` receives both `epochs` and its Keras 1 name `nb_epoch`. Keep only epochs.', displayName),
    oldName: (value) =>
      l10n.t('`nb_epoch` is the Keras 1 name of `epochs`, and Keras 3 rejects it as an unknown argument. Gradient Flow reads it as the number of epochs; write epochs={0} instead.', value),
  });
  return argument ? readIntegerArgument(context, argument, displayName, 1) : undefined;
}

function readFitGenerator(context: ParseContext, call: SyntaxNode, displayName: string, dataset: DatasetTracker): FitReading {
  context.sink.warning(
    'deprecated-call',
    calleeOf(call) ?? call,
    l10n.t('Keras 3 removed fit_generator(), so this line raises AttributeError there; since TensorFlow 2.1, fit() takes the same arguments. Gradient Flow trains it as fit(); rename the call to fit.'),
  );
  const bound = bindArguments(context, call, {
    displayName,
    positional: FIT_GENERATOR_POSITIONAL,
    keywords: ['nb_epoch', 'shuffle'],
    ignored: ['verbose', 'workers', 'use_multiprocessing', 'max_queue_size', 'validation_freq'],
  });
  const common = readCommonArguments(context, bound, displayName, dataset);
  const generator = bound.get('generator');
  const flow = generator ? readFlow(context, generator.value) : undefined;
  if (generator && !flow) {
    context.sink.error(
      'unsupported-call',
      generator.value,
      l10n.t('Gradient Flow cannot tell which examples the generator `{0}` yields without running the file. Pass the arrays to fit() instead, as in model.fit(x_train, y_train, batch_size=32).', context.snippet(generator.value)),
    );
  }
  for (const name of ['steps_per_epoch', 'validation_steps']) {
    const argument = bound.get(name);
    if (argument && evaluateArgument(context, argument, displayName)?.kind !== 'none') {
      context.sink.warning(
        'ignored-argument',
        argument.span,
        l10n.t('Gradient Flow trains on every batch of the arrays in each epoch, as fit() does without `{0}`, so it ignores `{0}`.', name),
      );
    }
  }
  const shuffleArgument = bound.get('shuffle');
  return {
    epochs: common.epochs,
    batchSize: flow?.batchSize,
    validationSplit: undefined,
    validationOnTest: common.validation?.onTest ?? false,
    shuffle: flow?.shuffle ?? (shuffleArgument ? readBooleanArgument(context, shuffleArgument, displayName) : undefined),
    classWeight: common.classWeight,
    callbacks: common.callbacks,
    call,
    images: flow ? dataset.lookup(flow.x) : undefined,
    imagesNode: flow?.x,
    labels: flow?.y ? dataset.lookup(flow.y) : undefined,
    labelsNode: flow?.y,
    validationImages: common.validation?.images,
  };
}

/** `ImageDataGenerator().flow(x, y, batch_size=32, shuffle=True)` with a generator that changes no image. */
interface FlowReading {
  readonly x: SyntaxNode;
  readonly y?: SyntaxNode;
  readonly batchSize?: number;
  readonly shuffle?: boolean;
}

function readFlow(context: ParseContext, node: SyntaxNode): FlowReading | undefined {
  const call = context.resolveExpression(node);
  const callee = call.name === 'CallExpression' ? calleeOf(call) : undefined;
  const [object, dot, property] = callee ? childrenOf(callee) : [];
  if (callee?.name !== 'MemberExpression' || dot?.name !== '.' || !property || context.text(property) !== 'flow' || !object) {
    return undefined;
  }
  const generator = context.resolveExpression(object);
  const generatorCallee = generator.name === 'CallExpression' ? calleeOf(generator) : undefined;
  const generatorPath = generatorCallee ? context.names.qualifiedName(generatorCallee) : undefined;
  const isPlainGenerator =
    generatorPath !== undefined &&
    generatorPath.endsWith('.ImageDataGenerator') &&
    readCallArguments(generator, (span) => context.text(span)).length === 0;
  if (!isPlainGenerator) {
    return undefined;
  }
  const bound = bindArguments(context, call, { displayName: context.snippet(callee), positional: ['x', 'y', 'batch_size', 'shuffle'], ignored: ['seed'] });
  const x = bound.get('x');
  if (!x) {
    return undefined;
  }
  const batchSize = bound.get('batch_size');
  const shuffle = bound.get('shuffle');
  return {
    x: x.value,
    y: bound.get('y')?.value,
    batchSize: batchSize ? readBatchSize(context, batchSize, 'flow') : undefined,
    shuffle: shuffle ? readBooleanArgument(context, shuffle, 'flow') : undefined,
  };
}

function methodName(context: ParseContext, call: SyntaxNode): string | undefined {
  const callee = calleeOf(call);
  const property = callee?.name === 'MemberExpression' ? childrenOf(callee).at(-1) : undefined;
  return property ? context.text(property) : undefined;
}

export function readEvaluate(context: ParseContext, call: SyntaxNode, displayName: string, dataset: DatasetTracker): EvaluateReading {
  const bound = bindArguments(context, call, {
    displayName,
    positional: ['x', 'y', 'batch_size', 'verbose'],
    ignored: ['batch_size', 'verbose', 'return_dict', 'callbacks'],
  });
  const x = bound.get('x');
  return { call, images: x ? dataset.lookup(x.value) : undefined };
}

function optional<T>(bound: ReadonlyMap<string, CallArgument>, name: string, read: (argument: CallArgument) => T | undefined): T | undefined {
  const argument = bound.get(name);
  return argument ? read(argument) : undefined;
}

function readBatchSize(context: ParseContext, argument: CallArgument, displayName: string): number | undefined {
  const value = evaluateArgument(context, argument, displayName);
  if (value?.kind === 'none') {
    return undefined;
  }
  return value === undefined ? undefined : readIntegerArgument(context, argument, displayName, 1);
}

/**
 * Reads `class_weight={0: 1.0, 3: 2.5}`: whole-number class keys and weights of at least 0.
 * Keras 3 weights each example's loss by its class's entry and by 1 for classes the dict
 * leaves out. Weights computed when the file runs, such as sklearn's
 * `compute_class_weight`, are not static and are reported.
 */
function readClassWeight(context: ParseContext, argument: CallArgument, displayName: string): Record<number, number> | undefined {
  const expression = unparenthesize(context.resolveExpression(argument.value));
  if (expression.name === 'None') {
    return undefined;
  }
  if (expression.name !== 'DictionaryExpression') {
    context.sink.error(
      'not-static',
      argument.value,
      l10n.t('Gradient Flow needs `class_weight` written as a dict of numbers in the file, such as {0: 1.0, 1: 3.0}, but `{0}` only gets its value when the file runs. Write the weights out.', context.snippet(argument.value)),
    );
    return undefined;
  }

  const entries = childrenOf(expression).filter((child) => child.name !== '{' && child.name !== '}');
  const weights: Record<number, number> = {};
  for (let index = 0; index < entries.length; index++) {
    const key = entries[index];
    if (key.name === ',') {
      continue;
    }
    const colon = entries[index + 1];
    const valueNode = entries[index + 2];
    if (colon?.name !== ':' || !valueNode) {
      context.sink.error(
        'not-static',
        key,
        l10n.t('Gradient Flow cannot read `{0}` in class_weight. Write each entry as class: weight, such as 1: 3.0.', context.snippet(key)),
      );
      return undefined;
    }
    index += 2;
    const keyValue = context.evaluator.evaluate(key, context.scope);
    const weightValue = context.evaluator.evaluate(valueNode, context.scope);
    if (!keyValue.ok || !weightValue.ok) {
      const failed = !keyValue.ok ? keyValue : (weightValue as Extract<typeof weightValue, { ok: false }>);
      context.sink.error(
        'not-static',
        failed.ok ? key : failed.failure.node,
        l10n.t('Gradient Flow cannot work out `{0}` in class_weight without running the file. Write the class and its weight as numbers.', context.snippet(failed.ok ? key : failed.failure.node)),
      );
      return undefined;
    }
    const classIndex = keyValue.value;
    const weight = weightValue.value;
    const validKey = classIndex.kind === 'number' && Number.isInteger(classIndex.value) && classIndex.value >= 0;
    const validWeight = weight.kind === 'number' && Number.isFinite(weight.value) && weight.value >= 0;
    if (!validKey || !validWeight) {
      context.sink.error(
        'invalid-value',
        key,
        l10n.t('`{0}: {1}` in `class_weight` of `{2}` is invalid: each key must be a class number of at least 0 and each weight a number of at least 0.', formatPython(classIndex), formatPython(weight), displayName),
      );
      return undefined;
    }
    weights[classIndex.value as number] = weight.value as number;
  }
  return weights;
}

/**
 * Reads `validation_data=(x_test, y_test)`. When the file loads a dataset, both arrays must
 * come from its test split. In a file without a dataset, the pair is taken to be the test split.
 */
function readValidationData(
  context: ParseContext,
  argument: CallArgument,
  dataset: DatasetTracker,
): { onTest: boolean; images?: DataLookup } | undefined {
  const inner = unparenthesize(context.resolveExpression(argument.value));
  const elements = inner.name === 'TupleExpression' || inner.name === 'ArrayExpression' ? elementsOf(inner) : [];
  if (elements.length === 2) {
    if (!dataset.loaded) {
      return { onTest: true };
    }
    const images = dataset.lookup(elements[0]);
    const labels = dataset.lookup(elements[1]);
    const isTest = (lookup: DataLookup, role: 'images' | 'labels'): boolean =>
      lookup.kind === 'data' && lookup.value.kind === 'array' && lookup.value.split === 'test' && lookup.value.role === role;
    if (isTest(images, 'images') && isTest(labels, 'labels')) {
      return { onTest: true, images };
    }
  }
  context.sink.error(
    'unsupported-validation-data',
    argument.value,
    l10n.t("Gradient Flow can validate only on the dataset's test split, so it cannot use `{0}`. Write validation_data=(x_test, y_test) with the test arrays the file loads, or use validation_split=0.2.", context.snippet(argument.value)),
  );
  return undefined;
}

/**
 * Builds the fit settings of the chosen model: the file's values over Keras's defaults, and
 * the callbacks checked against what `fit` logs. A file without `fit` gets a note that states
 * the defaults.
 */
export function buildFitSpec(context: ParseContext, record: ModelRecord, compile: CompileSpec | undefined, compileReading: CompileReading | undefined): FitSpec | undefined {
  const fit = record.fit;
  if (!fit) {
    context.sink.information(
      'fit-missing',
      record.creation,
      l10n.t('The file never calls model.fit(), so Gradient Flow trains with the Keras defaults: epochs=1, batch_size=32, shuffled, no validation split, no class weights and no callbacks.'),
    );
    return { ...FIT_DEFAULTS, validationOnTest: false };
  }

  const spec: FitSpec = {
    epochs: fit.epochs ?? FIT_DEFAULTS.epochs,
    batchSize: fit.batchSize ?? FIT_DEFAULTS.batchSize,
    validationSplit: fit.validationSplit ?? FIT_DEFAULTS.validationSplit,
    validationOnTest: fit.validationOnTest,
    shuffle: fit.shuffle ?? FIT_DEFAULTS.shuffle,
    range: context.source.rangeOf(fit.call),
  };
  const withWeights: FitSpec = fit.classWeight ? { ...spec, classWeight: fit.classWeight } : spec;
  if (fit.callbacks.length === 0 || !compile) {
    return withWeights;
  }

  const callbacks = finishCallbacks(
    context,
    fit.callbacks,
    {
      accuracyName: compileReading ? compileReading.metricLogNames[0] : compile.metrics.includes('accuracy') ? 'accuracy' : undefined,
      hasValidation: spec.validationOnTest || spec.validationSplit > 0,
    },
    {
      epochs: spec.epochs,
      initialLearningRate: compile.optimizer.learningRate,
      optimizerHasSchedule: compile.optimizer.schedule !== undefined,
    },
  );
  if (!callbacks) {
    return undefined;
  }
  return callbacks.length > 0 ? { ...withWeights, callbacks } : withWeights;
}

/**
 * Returns a warning at the `fit` call when it requests more epochs than `maxEpochs`, the
 * limit that `limitName` (a setting or a command-line option) sets; undefined otherwise.
 */
export function epochsCapDiagnostic(spec: ModelSpec, maxEpochs: number, limitName: string): ParseDiagnostic | undefined {
  const range = spec.fit.range ?? spec.modelRange;
  if (spec.fit.epochs <= maxEpochs || !range) {
    return undefined;
  }
  return {
    severity: 'warning',
    code: 'epochs-capped',
    range,
    message: l10n.t({
      message: 'fit() asks for {0} epochs, more than the limit of {1} that {2} sets, so Gradient Flow stops after epoch {1}. Raise {2} to train all {0}.',
      args: [spec.fit.epochs, maxEpochs, limitName],
      comment: ['{2} is a setting name such as gradientFlow.maxEpochs or a command-line option such as --max-epochs.'],
    }),
  };
}
