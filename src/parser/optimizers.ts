/**
 * The `optimizer=` argument of `compile`: a string such as `'SGD'` or an optimizer object
 * such as `SGD(learning_rate=0.1, momentum=0.9)`, with Keras defaults filled in. The learning
 * rate may be a `keras.optimizers.schedules` object.
 */
import * as l10n from '@vscode/l10n';
import { scheduledLearningRate } from '../common/learningRateSchedules';
import type { LearningRateScheduleSpec, OptimizerName, OptimizerSpec } from '../common/modelSpec';
import { KERAS_DEFAULT_LEARNING_RATE } from '../common/optimizerDefaults';
import { evaluateArgument, readBooleanArgument, readNumberArgument, readRenamedArgument, type NumberBounds } from './argumentValues';
import { bindArguments, calleeOf, type CallArgument, type Signature } from './callArguments';
import type { ParseContext } from './context';
import { SUPPORTED_OPTIMIZERS, SUPPORTED_SCHEDULES } from './kerasApi';
import { closestMatch } from './spelling';
import type { SyntaxNode } from './syntax';
import { formatPython } from './values';


/** Gradient clipping arguments every Keras 3 optimizer takes; `global_clipnorm` is not read. */
const CLIPPING_KEYWORDS = ['clipnorm', 'clipvalue'] as const;
/** Keyword arguments every optimizer takes here besides its own: the old names `lr` and `decay`, and clipping. */
const COMMON_KEYWORDS = ['lr', 'decay', ...CLIPPING_KEYWORDS];

/**
 * Constructor parameters after `learning_rate`, in Keras 3's positional order
 * (`keras/src/optimizers/*.py`). `momentum` and `nesterov` go to their own spec fields, the
 * others to `OptimizerSpec.options`.
 */
const PARAMETERS: Readonly<Record<OptimizerName, readonly string[]>> = {
  SGD: ['momentum', 'nesterov'],
  Adam: ['beta_1', 'beta_2', 'epsilon', 'amsgrad'],
  RMSprop: ['rho', 'momentum', 'epsilon', 'centered'],
  Adagrad: ['initial_accumulator_value', 'epsilon'],
  Adadelta: ['rho', 'epsilon'],
  Nadam: ['beta_1', 'beta_2', 'epsilon'],
};

const BOOLEAN_PARAMETERS = new Set(['nesterov', 'amsgrad', 'centered']);

/**
 * Valid ranges. Keras checks only SGD's momentum; the others keep the update finite: a β of 1
 * divides by 1 − βᵗ = 0, and a negative ε or accumulator can take the square root of a
 * negative number.
 */
const NUMBER_BOUNDS: Readonly<Record<string, NumberBounds>> = {
  momentum: { minimum: 0, maximum: 1 },
  beta_1: { minimum: 0, exclusiveMaximum: 1 },
  beta_2: { minimum: 0, exclusiveMaximum: 1 },
  rho: { minimum: 0, maximum: 1 },
  epsilon: { minimum: 0 },
  initial_accumulator_value: { minimum: 0 },
};

function signatureOf(className: OptimizerName): Omit<Signature, 'displayName'> {
  return { positional: ['learning_rate', ...PARAMETERS[className]], keywords: COMMON_KEYWORDS, ignored: ['name'] };
}

export function defaultOptimizer(className: OptimizerName): OptimizerSpec {
  return { className, learningRate: KERAS_DEFAULT_LEARNING_RATE[className], momentum: 0, nesterov: false };
}

/** Reads the optimizer argument, or reports why it cannot and returns undefined. */
export function readOptimizer(context: ParseContext, argument: CallArgument): OptimizerSpec | undefined {
  const expression = context.resolveExpression(argument.value);
  const callee = expression.name === 'CallExpression' ? calleeOf(expression) : undefined;
  const symbol = context.names.symbolOf(callee ?? expression);

  if (symbol?.kind === 'optimizer' && callee) {
    return readOptimizerCall(context, expression, symbol.className, context.snippet(callee));
  }
  if (symbol?.kind === 'optimizer') {
    context.sink.error(
      'unsupported-optimizer',
      argument.value,
      l10n.t('`{0}` is the optimizer class itself, and Keras raises "Could not interpret optimizer identifier". Write `{0}()` with parentheses.', context.snippet(expression)),
    );
    return undefined;
  }
  if (symbol?.kind === 'unsupported-optimizer') {
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
  const bound = bindArguments(context, call, { ...signatureOf(className), displayName });
  const spec: { -readonly [K in keyof OptimizerSpec]: OptimizerSpec[K] } = { ...defaultOptimizer(className) };

  const learningRateArgument = readLearningRateArgument(context, bound, displayName);
  if (learningRateArgument) {
    const learningRate = readLearningRate(context, learningRateArgument, displayName);
    if (!learningRate) {
      return undefined;
    }
    spec.learningRate = learningRate.initial;
    if (learningRate.schedule) {
      spec.schedule = learningRate.schedule;
    }
  }

  const options: Record<string, number | boolean> = {};
  for (const name of PARAMETERS[className]) {
    const argument = bound.get(name);
    if (!argument) {
      continue;
    }
    const value = BOOLEAN_PARAMETERS.has(name)
      ? readBooleanArgument(context, argument, displayName)
      : readNumberArgument(context, argument, displayName, NUMBER_BOUNDS[name]);
    if (value === undefined) {
      return undefined;
    }
    if (name === 'momentum') {
      spec.momentum = value as number;
    } else if (name === 'nesterov') {
      spec.nesterov = value as boolean;
    } else {
      options[name] = value;
    }
  }
  if (Object.keys(options).length > 0) {
    spec.options = options;
  }

  reportDecay(context, bound.get('decay'), displayName);
  const clipping = readClipping(context, bound, displayName);
  if (!clipping) {
    return undefined;
  }
  return { ...spec, ...clipping };
}

/** A learning rate: a positive number, or a schedule and its rate at step 0. */
interface LearningRateReading {
  readonly initial: number;
  readonly schedule?: LearningRateScheduleSpec;
}

function readLearningRate(context: ParseContext, argument: CallArgument, displayName: string): LearningRateReading | undefined {
  const expression = context.resolveExpression(argument.value);
  const callee = expression.name === 'CallExpression' ? calleeOf(expression) : undefined;
  const symbol = callee ? context.names.symbolOf(callee) : undefined;
  if (symbol?.kind === 'learning-rate-schedule' && callee) {
    const schedule = readSchedule(context, expression, symbol.className, context.snippet(callee));
    return schedule ? { initial: scheduledLearningRate(schedule, 0), schedule } : undefined;
  }
  const learningRate = readNumberArgument(context, argument, displayName, { minimum: 0, exclusiveMinimum: true });
  return learningRate === undefined ? undefined : { initial: learningRate };
}

/** Constructor parameters of the supported schedules in Keras 3 order, with their defaults. */
const SCHEDULE_SIGNATURES: Readonly<Record<string, { readonly positional: readonly string[]; readonly defaults: Readonly<Record<string, unknown>> }>> = {
  ExponentialDecay: { positional: ['initial_learning_rate', 'decay_steps', 'decay_rate', 'staircase', 'name'], defaults: { staircase: false } },
  InverseTimeDecay: { positional: ['initial_learning_rate', 'decay_steps', 'decay_rate', 'staircase', 'name'], defaults: { staircase: false } },
  PiecewiseConstantDecay: { positional: ['boundaries', 'values', 'name'], defaults: {} },
  CosineDecay: {
    positional: ['initial_learning_rate', 'decay_steps', 'alpha', 'name', 'warmup_target', 'warmup_steps'],
    defaults: { alpha: 0, warmup_target: null, warmup_steps: 0 },
  },
};

/**
 * Reads a schedule object with its Keras 3 config. Keras raises ValueError for
 * `decay_steps` ≤ 0 and for a `PiecewiseConstantDecay` whose `values` is not one longer than
 * its `boundaries`; both are errors here too.
 */
function readSchedule(context: ParseContext, call: SyntaxNode, className: string, displayName: string): LearningRateScheduleSpec | undefined {
  const signature = SCHEDULE_SIGNATURES[className];
  if (!signature) {
    context.sink.error(
      'unsupported-argument',
      call,
      l10n.t({
        message: 'Gradient Flow does not support the learning-rate schedule {0}. Use one of {1}, or a fixed learning_rate.',
        args: [displayName, SUPPORTED_SCHEDULES.join(', ')],
        comment: ['{0} is a class name as written in the file, {1} a comma-separated list of class names.'],
      }),
    );
    return undefined;
  }
  const bound = bindArguments(context, call, { displayName, positional: signature.positional });
  const config: Record<string, unknown> = { ...signature.defaults };

  for (const name of signature.positional) {
    const argument = bound.get(name);
    if (name === 'name' || (!argument && name in signature.defaults)) {
      continue;
    }
    if (!argument) {
      context.sink.error(
        'missing-argument',
        call,
        l10n.t('`{0}` needs the argument `{1}`, which is missing. Keras raises TypeError without it.', displayName, name),
      );
      return undefined;
    }
    const value = readScheduleValue(context, argument, name, displayName);
    if (value === undefined) {
      return undefined;
    }
    config[name] = value;
  }

  if (className === 'PiecewiseConstantDecay') {
    const boundaries = config.boundaries as number[];
    const values = config.values as number[];
    if (values.length !== boundaries.length + 1) {
      context.sink.error(
        'invalid-value',
        call,
        l10n.t('`{0}` receives {1} boundaries and {2} values, but it needs one value more than boundaries, and Keras raises ValueError. Add or remove a value.', displayName, boundaries.length, values.length),
      );
      return undefined;
    }
  }
  return { className: className as LearningRateScheduleSpec['className'], config };
}

function readScheduleValue(context: ParseContext, argument: CallArgument, name: string, displayName: string): unknown {
  switch (name) {
    case 'staircase':
      return readBooleanArgument(context, argument, displayName);
    case 'boundaries':
    case 'values':
      return readNumberList(context, argument, displayName);
    case 'warmup_target': {
      const value = evaluateArgument(context, argument, displayName);
      if (value?.kind === 'none') {
        return null;
      }
      return value === undefined ? undefined : readNumberArgument(context, argument, displayName, { minimum: 0 });
    }
    case 'decay_steps':
      return readNumberArgument(context, argument, displayName, { minimum: 0, exclusiveMinimum: true });
    case 'alpha':
      return readNumberArgument(context, argument, displayName, { minimum: 0, maximum: 1 });
    default:
      return readNumberArgument(context, argument, displayName, { minimum: 0 });
  }
}

function readNumberList(context: ParseContext, argument: CallArgument, displayName: string): number[] | undefined {
  const value = evaluateArgument(context, argument, displayName);
  if (value === undefined) {
    return undefined;
  }
  if ((value.kind === 'list' || value.kind === 'tuple') && value.items.every((item) => item.kind === 'number')) {
    return value.items.map((item) => (item.kind === 'number' ? item.value : NaN));
  }
  context.sink.error(
    'invalid-value',
    argument.value,
    l10n.t('`{0}={1}` in `{2}` is invalid: `{0}` must be a list of numbers.', argument.keyword ?? '?', formatPython(value), displayName),
  );
  return undefined;
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

/** Returns the `learning_rate=` argument, or its old name `lr=` with a warning that Keras 3 rejects it. */
function readLearningRateArgument(
  context: ParseContext,
  bound: ReadonlyMap<string, CallArgument>,
  displayName: string,
): CallArgument | undefined {
  return readRenamedArgument(context, bound, { current: 'learning_rate', old: 'lr' }, {
    both: l10n.t('`{0}` receives both `learning_rate` and its old name `lr`. Keep only learning_rate.', displayName),
    oldName: (value) =>
      l10n.t('`lr` is the old name of `learning_rate`, and Keras 3 rejects it with "Argument(s) not recognized". Gradient Flow reads it as the learning rate; write learning_rate={0} instead.', value),
  });
}

/**
 * Reports `decay=`. Keras 2's optimizers divided the learning rate by 1 + decay × step; Keras 3
 * warns "Argument `decay` is no longer supported and will be ignored" and trains with a
 * constant rate, as Gradient Flow does.
 */
function reportDecay(context: ParseContext, argument: CallArgument | undefined, displayName: string): void {
  if (!argument || evaluateArgument(context, argument, displayName)?.kind === 'none') {
    return;
  }
  context.sink.warning(
    'ignored-argument',
    argument.span,
    l10n.t({
      message: 'Keras 3 ignores `decay` in `{0}` and trains with a constant learning rate, and so does Gradient Flow. Keras 2 lowered the rate to lr / (1 + decay × step); to get that, pass learning_rate=keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate={1}).',
      args: [displayName, context.snippet(argument.value)],
      comment: ['{0} is the optimizer call, {1} the decay value as written. Keep the Python code untranslated.'],
    }),
  );
}

/** Optimizer names as Keras accepts them in strings, for spelling suggestions. */
const OPTIMIZER_STRINGS: readonly string[] = SUPPORTED_OPTIMIZERS.map((name) => name.toLowerCase());

/** Keras 3 optimizers that Gradient Flow does not train: a real name, never a typo. */
const OTHER_KERAS_OPTIMIZERS: readonly string[] = ['Adamax', 'AdamW', 'Ftrl', 'Lion', 'Lamb', 'LossScaleOptimizer'];

function reportUnsupportedOptimizer(context: ParseContext, at: SyntaxNode, written: string): void {
  const bare = written.replace(/^['"]|['"]$/g, '');
  const quoted = bare !== written;
  const isKerasName = OTHER_KERAS_OPTIMIZERS.some((name) => name.toLowerCase() === bare.toLowerCase());
  const suggestion = isKerasName ? undefined : closestMatch(bare, quoted ? OPTIMIZER_STRINGS : SUPPORTED_OPTIMIZERS);
  if (suggestion !== undefined) {
    context.sink.error(
      'unsupported-optimizer',
      at,
      l10n.t({
        message: 'The optimizer {0} does not exist in Keras. Did you mean {1}? Gradient Flow supports {2}.',
        args: [written, quoted ? `'${suggestion}'` : suggestion, SUPPORTED_OPTIMIZERS.join(', ')],
        comment: ['{0} is the optimizer as written in the file, {1} the closest supported name, {2} a comma-separated list of class names.'],
      }),
    );
    return;
  }
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
