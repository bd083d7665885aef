/**
 * The `callbacks=` argument of `fit`. EarlyStopping, ReduceLROnPlateau and
 * LearningRateScheduler change what trains, so they are read with their Keras 3 defaults
 * (`keras/src/callbacks/*.py`, Keras 3.8). Other Keras callbacks are noted as ignored. A
 * LearningRateScheduler's function is evaluated statically for every epoch.
 */
import * as l10n from '@vscode/l10n';
import type { CallbackSpec, SourceRange } from '../common/modelSpec';
import { evaluateArgument, readBooleanArgument, readNumberArgument } from './argumentValues';
import { bindArguments, calleeOf, type CallArgument } from './callArguments';
import type { ParseContext } from './context';
import { elementsOf, unparenthesize, type SyntaxNode } from './syntax';
import { evaluateScheduleFunction, findScheduleFunction, type ScheduleFunction } from './scheduleFunctions';
import { formatPython } from './values';

/** Epochs for which a LearningRateScheduler's rates are computed; later epochs keep the last rate. */
export const MAX_SCHEDULED_EPOCHS = 10_000;

/** Callbacks that only record or save, so training is the same without them. */
const RECORDING_CALLBACKS = new Set([
  'ModelCheckpoint', 'TensorBoard', 'CSVLogger', 'History', 'ProgbarLogger', 'BackupAndRestore', 'RemoteMonitor',
  'SwapEMAWeights',
]);

/** A callback read from the file, before its monitor is checked against what `fit` logs. */
export type CallbackReading =
  | {
      readonly className: 'EarlyStopping' | 'ReduceLROnPlateau';
      readonly config: Readonly<Record<string, unknown>>;
      readonly range: SourceRange;
      readonly node: SyntaxNode;
      /** True when the file gave `mode` as 'auto' or left it out. */
      readonly autoMode: boolean;
    }
  | {
      readonly className: 'LearningRateScheduler';
      readonly schedule: ScheduleFunction;
      readonly range: SourceRange;
      readonly node: SyntaxNode;
    };

/** Reads the list passed as `callbacks=`; returns the callbacks that change training. */
export function readCallbacks(context: ParseContext, argument: CallArgument): CallbackReading[] {
  const expression = context.resolveExpression(argument.value);
  if (expression.name === 'None') {
    return [];
  }
  // Keras flattens the argument, so a single callback works as well as a list.
  const elements = listElements(context, argument.value) ?? [argument.value];

  const readings: CallbackReading[] = [];
  for (const element of elements) {
    const reading = readCallback(context, element);
    if (reading) {
      readings.push(reading);
    }
  }
  return readings;
}

function readCallback(context: ParseContext, element: SyntaxNode): CallbackReading | undefined {
  const expression = context.resolveExpression(element);
  const callee = expression.name === 'CallExpression' ? calleeOf(expression) : undefined;
  const symbol = callee ? context.names.symbolOf(callee) : undefined;
  const written = context.snippet(expression);
  if (!callee || symbol?.kind !== 'callback') {
    context.sink.warning(
      'ignored-callback',
      element,
      l10n.t('Gradient Flow does not run `{0}`, because it runs only the Keras callbacks EarlyStopping, ReduceLROnPlateau and LearningRateScheduler. If this callback changes training, the results differ from Keras.', written),
    );
    return undefined;
  }

  const displayName = context.snippet(callee);
  const range = context.source.rangeOf(expression);
  switch (symbol.className) {
    case 'EarlyStopping':
      return readEarlyStopping(context, expression, displayName, range);
    case 'ReduceLROnPlateau':
      return readReduceLearningRate(context, expression, displayName, range);
    case 'LearningRateScheduler':
      return readLearningRateScheduler(context, expression, displayName, range);
    case 'TerminateOnNaN':
      context.sink.information(
        'ignored-callback',
        element,
        l10n.t('Gradient Flow already stops training at the first NaN or infinite loss, as TerminateOnNaN does, and names the layer where it started.'),
      );
      return undefined;
    default:
      if (RECORDING_CALLBACKS.has(symbol.className)) {
        context.sink.information(
          'ignored-callback',
          element,
          l10n.t('Gradient Flow ignores {0}, which saves or logs without changing how the model trains.', symbol.className),
        );
      } else {
        context.sink.warning(
          'ignored-callback',
          element,
          l10n.t('Gradient Flow does not run `{0}`, because it runs only the Keras callbacks EarlyStopping, ReduceLROnPlateau and LearningRateScheduler. If this callback changes training, the results differ from Keras.', written),
        );
      }
      return undefined;
  }
}

/**
 * Returns the element expressions of a list or tuple written in place or held by a name,
 * such as `callbacks = [EarlyStopping(), ...]`; undefined for anything else.
 */
export function listElements(context: ParseContext, node: SyntaxNode): SyntaxNode[] | undefined {
  const resolved = unparenthesize(context.resolveExpression(node));
  if (isSequenceLiteral(resolved)) {
    return elementsOf(resolved);
  }
  const start = unparenthesize(node);
  if (start.name !== 'VariableName') {
    return undefined;
  }
  const item = context.scope.lookupItem(context.text(start));
  if (item?.kind === 'sequence' && item.nodes) {
    return [...item.nodes];
  }
  // A list of calls has no static value, so its name resolves to the first element that
  // has none; the list is that element's parent.
  const parent = resolved.from !== start.from ? resolved.parent : null;
  return parent && isSequenceLiteral(parent) ? elementsOf(parent) : undefined;
}

function isSequenceLiteral(node: SyntaxNode): boolean {
  return node.name === 'ArrayExpression' || node.name === 'TupleExpression';
}

/** Keras 3 `EarlyStopping` defaults. */
const EARLY_STOPPING_DEFAULTS = {
  monitor: 'val_loss',
  min_delta: 0,
  patience: 0,
  mode: 'auto',
  baseline: null,
  restore_best_weights: false,
  start_from_epoch: 0,
};

function readEarlyStopping(context: ParseContext, call: SyntaxNode, displayName: string, range: SourceRange): CallbackReading | undefined {
  const bound = bindArguments(context, call, {
    displayName,
    positional: ['monitor', 'min_delta', 'patience', 'verbose', 'mode', 'baseline', 'restore_best_weights', 'start_from_epoch'],
    ignored: ['verbose'],
  });
  const config: Record<string, unknown> = { ...EARLY_STOPPING_DEFAULTS };
  const readers: Record<string, (argument: CallArgument) => unknown> = {
    monitor: (argument) => readString(context, argument, displayName),
    // Keras keeps the absolute value of min_delta.
    min_delta: (argument) => absolute(readFiniteNumber(context, argument, displayName)),
    patience: (argument) => readNumberArgument(context, argument, displayName, { minimum: 0 }),
    mode: (argument) => readMode(context, argument, displayName, 'EarlyStopping'),
    baseline: (argument) => readOptionalNumber(context, argument, displayName),
    restore_best_weights: (argument) => readBooleanArgument(context, argument, displayName),
    start_from_epoch: (argument) => readNumberArgument(context, argument, displayName, { minimum: 0 }),
  };
  if (!readInto(config, bound, readers)) {
    return undefined;
  }
  return { className: 'EarlyStopping', config, range, node: call, autoMode: config.mode === 'auto' };
}

/** Keras 3 `ReduceLROnPlateau` defaults. */
const REDUCE_LEARNING_RATE_DEFAULTS = {
  monitor: 'val_loss',
  factor: 0.1,
  patience: 10,
  mode: 'auto',
  min_delta: 1e-4,
  cooldown: 0,
  min_lr: 0,
};

function readReduceLearningRate(context: ParseContext, call: SyntaxNode, displayName: string, range: SourceRange): CallbackReading | undefined {
  const bound = bindArguments(context, call, {
    displayName,
    positional: ['monitor', 'factor', 'patience', 'verbose', 'mode', 'min_delta', 'cooldown', 'min_lr'],
    ignored: ['verbose'],
  });
  const config: Record<string, unknown> = { ...REDUCE_LEARNING_RATE_DEFAULTS };
  const readers: Record<string, (argument: CallArgument) => unknown> = {
    monitor: (argument) => readString(context, argument, displayName),
    // Keras raises ValueError for a factor of 1 or more; below 0 the rate would turn negative.
    factor: (argument) => readNumberArgument(context, argument, displayName, { minimum: 0, exclusiveMaximum: 1 }),
    patience: (argument) => readNumberArgument(context, argument, displayName, { minimum: 0 }),
    mode: (argument) => readMode(context, argument, displayName, 'ReduceLROnPlateau'),
    min_delta: (argument) => readFiniteNumber(context, argument, displayName),
    cooldown: (argument) => readNumberArgument(context, argument, displayName, { minimum: 0 }),
    min_lr: (argument) => readNumberArgument(context, argument, displayName, { minimum: 0 }),
  };
  if (!readInto(config, bound, readers)) {
    return undefined;
  }
  return { className: 'ReduceLROnPlateau', config, range, node: call, autoMode: config.mode === 'auto' };
}

function readLearningRateScheduler(context: ParseContext, call: SyntaxNode, displayName: string, range: SourceRange): CallbackReading | undefined {
  const bound = bindArguments(context, call, { displayName, positional: ['schedule', 'verbose'], ignored: ['verbose'] });
  const scheduleArgument = bound.get('schedule');
  if (!scheduleArgument) {
    context.sink.error(
      'missing-argument',
      call,
      l10n.t('`{0}` needs the schedule function as its first argument, which is missing. Write for example {0}(lambda epoch: 0.01 * 0.9 ** epoch).', displayName),
    );
    return undefined;
  }
  const schedule = findScheduleFunction(context, scheduleArgument.value);
  return schedule ? { className: 'LearningRateScheduler', schedule, range, node: call } : undefined;
}

/** The quantities `fit` logs at the end of an epoch, against which the callbacks' monitors are checked. */
export interface LoggedQuantities {
  /** The key Keras logs the accuracy metric under (`accuracy`, `acc`, ...), if the model has one. */
  readonly accuracyName?: string;
  readonly hasValidation: boolean;
}

/** The optimizer settings and epoch count from which a LearningRateScheduler's rates are computed. */
export interface ScheduleContext {
  readonly epochs: number;
  /** The optimizer's learning rate before the first epoch. */
  readonly initialLearningRate: number;
  /** True when the optimizer's learning rate is a `keras.optimizers.schedules` object. */
  readonly optimizerHasSchedule: boolean;
}

/**
 * Turns the readings into the spec's callbacks: checks each monitor against what `fit` logs,
 * resolves `mode='auto'` as Keras does, and computes the LearningRateScheduler's rates.
 */
export function finishCallbacks(
  context: ParseContext,
  readings: readonly CallbackReading[],
  logged: LoggedQuantities,
  schedule: ScheduleContext,
): CallbackSpec[] | undefined {
  const callbacks: CallbackSpec[] = [];
  const reducesOnPlateau = readings.some((reading) => reading.className === 'ReduceLROnPlateau');
  let failed = false;

  for (const reading of readings) {
    if (reading.className === 'LearningRateScheduler') {
      const rates = scheduledRates(context, reading, schedule, reducesOnPlateau);
      if (rates) {
        callbacks.push({ className: 'LearningRateScheduler', config: { rates }, range: reading.range });
      } else {
        failed = true;
      }
      continue;
    }
    const mode = resolveMode(context, reading, logged);
    if (mode === 'error') {
      failed = true;
    } else if (mode !== undefined && isLogged(context, reading, logged)) {
      callbacks.push({ className: reading.className, config: { ...reading.config, mode }, range: reading.range });
    }
    if (reading.className === 'ReduceLROnPlateau' && schedule.optimizerHasSchedule) {
      context.sink.warning(
        'callback-monitor',
        reading.node,
        l10n.t('The optimizer\'s learning rate is a schedule, which Keras does not let callbacks change: when ReduceLROnPlateau lowers the rate, Keras raises TypeError, and Gradient Flow stops the same way. Pass a fixed learning_rate to use ReduceLROnPlateau.'),
      );
    }
  }
  return failed ? undefined : callbacks;
}

/**
 * Returns the direction in which the monitored quantity improves. For `mode='auto'`,
 * EarlyStopping takes `min` for a loss and `max` for an accuracy metric, and raises
 * ValueError for a name it does not know; ReduceLROnPlateau takes `max` when the name
 * contains "acc" and `min` otherwise.
 */
function resolveMode(context: ParseContext, reading: Extract<CallbackReading, { autoMode: boolean }>, logged: LoggedQuantities): 'min' | 'max' | 'error' | undefined {
  const monitor = String(reading.config.monitor);
  if (!reading.autoMode) {
    return reading.config.mode === 'max' ? 'max' : 'min';
  }
  if (reading.className === 'ReduceLROnPlateau') {
    return monitor.includes('acc') ? 'max' : 'min';
  }
  const name = monitor.startsWith('val_') ? monitor.slice('val_'.length) : monitor;
  if (name === 'loss') {
    return 'min';
  }
  if (name === logged.accuracyName) {
    return 'max';
  }
  context.sink.error(
    'callback-monitor',
    reading.node,
    l10n.t({
      message: 'EarlyStopping monitors \'{0}\', which is neither the loss nor a metric the model compiles with, so Keras raises ValueError after the first epoch because it cannot tell whether the value should rise or fall. Monitor {1}, or add the metric to compile().',
      args: [monitor, availableQuantities(logged).map((key) => `'${key}'`).join(', ')],
      comment: ['{0} is a metric name, {1} a comma-separated list of metric names.'],
    }),
  );
  return 'error';
}

/** True when `fit` logs the monitored quantity; otherwise reports that Keras never acts on it. */
function isLogged(context: ParseContext, reading: Extract<CallbackReading, { autoMode: boolean }>, logged: LoggedQuantities): boolean {
  const monitor = String(reading.config.monitor);
  if (availableQuantities(logged).includes(monitor)) {
    return true;
  }
  const message = monitor.startsWith('val_') && !logged.hasValidation
    ? l10n.t('{0} monitors \'{1}\', but fit() has no validation data, so Keras warns at every epoch that the value is not available and the callback never acts. Add validation_split=0.2 to fit(), or monitor \'{2}\'.', reading.className, monitor, monitor.slice('val_'.length))
    : l10n.t('{0} monitors \'{1}\', which fit() does not log, so Keras warns at every epoch and the callback never acts. Monitor one of {2}.', reading.className, monitor, availableQuantities(logged).map((key) => `'${key}'`).join(', '));
  context.sink.warning('callback-monitor', reading.node, message);
  return false;
}

function availableQuantities(logged: LoggedQuantities): string[] {
  const names = ['loss', ...(logged.accuracyName ? [logged.accuracyName] : [])];
  return logged.hasValidation ? [...names, ...names.map((name) => `val_${name}`)] : names;
}

/**
 * Computes the learning rate the scheduler sets at the start of each epoch. Keras calls
 * `schedule(epoch, lr)` with the optimizer's current rate, or `schedule(epoch)` for a
 * one-parameter function, and stores the result as float32, as the rates here are.
 */
function scheduledRates(
  context: ParseContext,
  reading: Extract<CallbackReading, { className: 'LearningRateScheduler' }>,
  schedule: ScheduleContext,
  reducesOnPlateau: boolean,
): number[] | undefined {
  if (schedule.optimizerHasSchedule) {
    context.sink.error(
      'callback-monitor',
      reading.node,
      l10n.t('The optimizer\'s learning rate is a schedule, and Keras raises TypeError when LearningRateScheduler sets it at the first epoch. Pass a fixed learning_rate to the optimizer, or drop one of the two schedules.'),
    );
    return undefined;
  }

  const rates: number[] = [];
  let current = Math.fround(schedule.initialLearningRate);
  let readsRate = false;
  const epochs = Math.min(schedule.epochs, MAX_SCHEDULED_EPOCHS);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const result = evaluateScheduleFunction(context, reading.schedule, epoch, current);
    if (!result) {
      return undefined;
    }
    readsRate ||= result.readLearningRate;
    current = Math.fround(result.value);
    rates.push(current);
  }

  if (readsRate && reducesOnPlateau) {
    context.sink.warning(
      'callback-monitor',
      reading.node,
      l10n.t('This schedule starts from the current learning rate, which ReduceLROnPlateau also lowers while training runs. Gradient Flow computes the schedule before training, as if ReduceLROnPlateau never acted, so the rates can differ from Keras.'),
    );
  }
  return rates;
}

function readInto(
  config: Record<string, unknown>,
  bound: ReadonlyMap<string, CallArgument>,
  readers: Readonly<Record<string, (argument: CallArgument) => unknown>>,
): boolean {
  for (const [name, read] of Object.entries(readers)) {
    const argument = bound.get(name);
    if (!argument) {
      continue;
    }
    const value = read(argument);
    if (value === undefined) {
      return false;
    }
    config[name] = value;
  }
  return true;
}

function readString(context: ParseContext, argument: CallArgument, displayName: string): string | undefined {
  const value = evaluateArgument(context, argument, displayName);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind === 'string') {
    return value.value;
  }
  context.sink.error(
    'invalid-value',
    argument.value,
    l10n.t('`{0}={1}` in `{2}` is invalid: `{0}` must be a string such as \'val_loss\'.', argument.keyword ?? '?', formatPython(value), displayName),
  );
  return undefined;
}

/** Reads `mode`; an unknown mode falls back to 'auto' with a warning, as Keras does. */
function readMode(context: ParseContext, argument: CallArgument, displayName: string, className: string): string | undefined {
  const mode = readString(context, argument, displayName);
  if (mode === undefined || mode === 'auto' || mode === 'min' || mode === 'max') {
    return mode;
  }
  context.sink.warning(
    'invalid-value',
    argument.value,
    l10n.t('{0} mode \'{1}\' is unknown, so Keras falls back to \'auto\', and so does Gradient Flow. Use \'auto\', \'min\' or \'max\'.', className, mode),
  );
  return 'auto';
}

/** Reads a number or `None`; `None` becomes null. */
function readOptionalNumber(context: ParseContext, argument: CallArgument, displayName: string): number | null | undefined {
  const value = evaluateArgument(context, argument, displayName);
  if (value?.kind === 'none') {
    return null;
  }
  return value === undefined ? undefined : readFiniteNumber(context, argument, displayName);
}

function readFiniteNumber(context: ParseContext, argument: CallArgument, displayName: string): number | undefined {
  const value = evaluateArgument(context, argument, displayName);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind === 'number' && Number.isFinite(value.value)) {
    return value.value;
  }
  context.sink.error(
    'invalid-value',
    argument.value,
    l10n.t('`{0}={1}` in `{2}` is invalid: `{0}` must be a number.', argument.keyword ?? '?', formatPython(value), displayName),
  );
  return undefined;
}

function absolute(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.abs(value);
}

