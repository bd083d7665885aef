/**
 * The compile settings a serialized model carries: Keras 3's `compile_config`, the
 * `training_config` of Keras 2 HDF5 files and of the tfjs converter, or the `trainingConfig`
 * that tfjs's own `model.save()` writes. Without one, the Keras defaults apply and an
 * information diagnostic states them.
 */
import * as l10n from '@vscode/l10n';
import type { Node } from 'jsonc-parser';
import type { CompileSpec, LearningRateScheduleSpec, LossName, OptimizerName, OptimizerSpec } from '../../common/modelSpec';
import { KERAS_DEFAULT_LEARNING_RATE } from '../../common/optimizerDefaults';
import { LOSS_FUNCTIONS, SUPPORTED_SCHEDULES } from '../kerasApi';
import { ConfigReader, isKerasModule, ownEntry, simplifyFloat32, snakeCase } from './configValues';
import { formatJson, isObjectNode, plainValue, propertyNode, propertyValue, stringProperty, type JsonDiagnostics } from './jsonDocument';
import type { TrainingConfigDialect, TrainingConfigNode } from './modelFormats';

/** Optimizer class names, lower-cased, as Keras 2, Keras 3 and tfjs write them. */
const OPTIMIZER_CLASSES: ReadonlyMap<string, OptimizerName> = new Map([
  ['sgd', 'SGD'],
  // tfjs's MomentumOptimizer is SGD with momentum.
  ['momentum', 'SGD'],
  ['adam', 'Adam'],
  ['rmsprop', 'RMSprop'],
  ['adagrad', 'Adagrad'],
  ['adadelta', 'Adadelta'],
  ['nadam', 'Nadam'],
]);


/** The `options` keys each optimizer takes, by their Keras 3 names. */
const OPTIMIZER_OPTIONS: Readonly<Record<OptimizerName, readonly string[]>> = {
  SGD: [],
  Adam: ['beta_1', 'beta_2', 'epsilon', 'amsgrad'],
  RMSprop: ['rho', 'epsilon', 'centered'],
  Adagrad: ['initial_accumulator_value', 'epsilon'],
  Adadelta: ['rho', 'epsilon'],
  Nadam: ['beta_1', 'beta_2', 'epsilon'],
};

/** tfjs `getConfig()` keys and their Keras names; tfjs's RMSProp calls rho `decay`. */
const TFJS_KEYS: Readonly<Record<string, string>> = {
  learningRate: 'learning_rate',
  useNesterov: 'nesterov',
  beta1: 'beta_1',
  beta2: 'beta_2',
  initialAccumulatorValue: 'initial_accumulator_value',
};

/** Optimizer keys that change training when set and that the trainer does not reproduce, with their harmless values. */
const IGNORED_OPTIMIZER_KEYS: Readonly<Record<string, unknown>> = {
  weight_decay: 0,
  global_clipnorm: null,
  use_ema: false,
  gradient_accumulation_steps: null,
  loss_scale_factor: null,
};

/** Metric spellings that all mean classification accuracy, after snake-casing class names. */
const ACCURACY_NAMES = new Set(['accuracy', 'acc', 'sparse_categorical_accuracy', 'categorical_accuracy']);

/** The facts the compile defaults depend on, and where their note goes. */
export interface CompileContext {
  readonly sink: JsonDiagnostics;
  /** The node the note about the defaults points at: the model's class name. */
  readonly modelAnchor: Node;
  readonly outputIsSoftmax: boolean;
}

/**
 * Reads the compile settings, or returns the defaults that apply without them: Keras 3
 * compiles with RMSprop at 0.001, and the loss is sparse categorical cross-entropy, on
 * logits when the last layer has no softmax. Returns undefined after an error.
 */
export function readCompileSettings(training: TrainingConfigNode | undefined, context: CompileContext): CompileSpec | undefined {
  if (!training) {
    return defaultCompile(context);
  }
  const { node, dialect } = training;
  const sink = context.sink;
  const optimizerKey = dialect === 'keras3' ? 'optimizer' : 'optimizer_config';
  const optimizerProperty = propertyNode(node, optimizerKey);
  const optimizer = readOptimizerValue(propertyValue(node, optimizerKey), optimizerProperty ?? node, dialect, sink);

  const lossNode = propertyValue(node, 'loss');
  if (lossNode === undefined || lossNode.type === 'null') {
    sink.error(
      'missing-loss',
      propertyNode(node, 'loss') ?? node,
      l10n.t('The training configuration has no loss, so Keras cannot train the model. Add "loss": "sparse_categorical_crossentropy" for class labels 0 to 9.'),
    );
    return undefined;
  }
  const loss = readLoss(lossNode, propertyNode(node, 'loss') ?? node, sink);
  const metrics = readMetrics(propertyValue(node, 'metrics'), sink);

  for (const key of ['loss_weights', 'weighted_metrics', 'sample_weight_mode']) {
    const value = plainValue(propertyValue(node, key));
    if (value !== undefined && value !== null) {
      sink.warning(
        'ignored-argument',
        propertyNode(node, key) ?? node,
        l10n.t('Gradient Flow ignores "{0}" of the training configuration and trains without it, so the results may differ from Keras.', key),
      );
    }
  }

  if (!optimizer || !loss) {
    return undefined;
  }
  return {
    optimizer,
    loss: loss.name,
    ...(loss.fromLogits ? { fromLogits: true } : {}),
    metrics,
    range: sink.document.firstLineOf(optimizerProperty ?? node),
  };
}

function defaultCompile(context: CompileContext): CompileSpec {
  context.sink.information(
    'compile-missing',
    context.modelAnchor,
    context.outputIsSoftmax
      ? l10n.t('This file holds no training configuration, so Gradient Flow compiles the model as Keras does by default: optimizer RMSprop with learning rate 0.001, loss sparse_categorical_crossentropy for class labels 0 to 9, and accuracy as the metric.')
      : l10n.t('This file holds no training configuration, so Gradient Flow compiles the model as Keras does by default: optimizer RMSprop with learning rate 0.001, loss SparseCategoricalCrossentropy(from_logits=True) because the last layer has no softmax, and accuracy as the metric.'),
  );
  return {
    optimizer: { className: 'RMSprop', learningRate: KERAS_DEFAULT_LEARNING_RATE.RMSprop, momentum: 0, nesterov: false },
    loss: 'sparse_categorical_crossentropy',
    ...(context.outputIsSoftmax ? {} : { fromLogits: true }),
    metrics: ['accuracy'],
  };
}

/** Reads an optimizer: a name such as "adam", or `{"class_name": "Adam", "config": {...}}`. */
function readOptimizerValue(value: Node | undefined, at: Node, dialect: TrainingConfigDialect, sink: JsonDiagnostics): OptimizerSpec | undefined {
  if (value?.type === 'string') {
    const className = OPTIMIZER_CLASSES.get((value.value as string).toLowerCase());
    return className ? { className, learningRate: KERAS_DEFAULT_LEARNING_RATE[className], momentum: 0, nesterov: false } : reportUnsupportedOptimizer(value.value, at, sink);
  }
  if (!isObjectNode(value)) {
    return value === undefined || value.type === 'null'
      ? { className: 'RMSprop', learningRate: KERAS_DEFAULT_LEARNING_RATE.RMSprop, momentum: 0, nesterov: false }
      : reportUnsupportedOptimizer(plainValue(value), at, sink);
  }

  // Keras 2 writes registered optimizers as "Custom>Adam".
  const written = (stringProperty(value, 'class_name') ?? '').replace(/^Custom>/, '');
  const className = OPTIMIZER_CLASSES.get(written.toLowerCase());
  if (!className || !isKerasModule(stringProperty(value, 'module'))) {
    return reportUnsupportedOptimizer(written || plainValue(value), at, sink);
  }

  const configNode = propertyValue(value, 'config');
  const reader = new ConfigReader({ label: l10n.t('optimizer `{0}`', written), sink, at: propertyNode(value, 'class_name') ?? value }, configNode);
  const keyOf = (kerasKey: string): string => {
    if (dialect !== 'tfjs') {
      return kerasKey;
    }
    if (kerasKey === 'rho' && className === 'RMSprop') {
      return 'decay';
    }
    return Object.entries(TFJS_KEYS).find(([, keras]) => keras === kerasKey)?.[0] ?? kerasKey;
  };

  const schedule = readSchedule(reader, keyOf('learning_rate'));
  if (schedule === 'invalid') {
    return undefined;
  }
  // Keras 2 before 2.3 wrote the learning rate as "lr".
  const learningRateKey = dialect !== 'tfjs' && !reader.has('learning_rate') && reader.has('lr') ? 'lr' : keyOf('learning_rate');
  const learningRate = schedule
    ? initialRate(schedule)
    : reader.number(learningRateKey, KERAS_DEFAULT_LEARNING_RATE[className], (rate) => rate > 0 && Number.isFinite(rate), 'positive-number');
  const momentum = className === 'SGD' || className === 'RMSprop' ? reader.number('momentum', 0, (rate) => rate >= 0 && rate <= 1, 'fraction') : 0;
  const nesterov = className === 'SGD' ? reader.boolean(keyOf('nesterov'), false) : false;
  const clipnorm = reader.optionalNumber('clipnorm', (norm) => norm > 0, 'positive-number');
  const clipvalue = reader.optionalNumber('clipvalue', (limit) => limit > 0, 'positive-number');

  const options: Record<string, number | boolean> = {};
  for (const option of OPTIMIZER_OPTIONS[className]) {
    const node = reader.node(keyOf(option));
    if (node?.type === 'number') {
      options[option] = simplifyFloat32(node.value as number);
    } else if (node?.type === 'boolean') {
      options[option] = node.value as boolean;
    }
  }
  warnIgnoredOptimizerKeys(reader, dialect);

  if (learningRate === undefined || momentum === undefined || nesterov === undefined || clipnorm === undefined || clipvalue === undefined) {
    return undefined;
  }
  return {
    className,
    learningRate,
    momentum,
    nesterov,
    ...(clipnorm === null ? {} : { clipnorm }),
    ...(clipvalue === null ? {} : { clipvalue }),
    ...(Object.keys(options).length > 0 ? { options } : {}),
    ...(schedule ? { schedule } : {}),
  };
}

function warnIgnoredOptimizerKeys(reader: ConfigReader, dialect: TrainingConfigDialect): void {
  const ignored: Record<string, unknown> = { ...IGNORED_OPTIMIZER_KEYS };
  // Keras 2's legacy optimizers decay the learning rate by "decay" per step; tfjs's RMSProp "decay" is rho, read above.
  if (dialect !== 'tfjs') {
    ignored.decay = 0;
  }
  for (const [key, harmless] of Object.entries(ignored)) {
    const value = plainValue(reader.node(key));
    if (value !== undefined && value !== null && value !== harmless) {
      reader.sink.warning(
        'ignored-argument',
        reader.at(key),
        l10n.t('Gradient Flow ignores "{0}" of {1} and trains without it, so the results may differ from Keras.', key, reader.owner.label),
      );
    }
  }
}

/** Reads a `keras.optimizers.schedules` object given as the learning rate; undefined when the rate is a number. */
function readSchedule(reader: ConfigReader, key: string): LearningRateScheduleSpec | 'invalid' | undefined {
  const node = propertyValue(reader.config, key);
  if (!isObjectNode(node)) {
    return undefined;
  }
  const className = SUPPORTED_SCHEDULES.find((name) => name === stringProperty(node, 'class_name')) as LearningRateScheduleSpec['className'] | undefined;
  const config = plainValue(propertyValue(node, 'config'));
  reader.node(key);
  if (!className || typeof config !== 'object' || config === null || Array.isArray(config)) {
    reader.sink.error(
      'unsupported-schedule',
      reader.at(key),
      l10n.t('The learning rate schedule {0} is not one that Gradient Flow supports. Use one of {1}, or a constant learning rate.', formatJson(stringProperty(node, 'class_name') ?? plainValue(node)), SUPPORTED_SCHEDULES.join(', ')),
    );
    return 'invalid';
  }
  const { name: _name, ...settings } = config as Record<string, unknown>;
  const simplified = Object.fromEntries(
    Object.entries(settings).map(([setting, value]) => [setting, Array.isArray(value) ? value.map(simplifyNumber) : simplifyNumber(value)]),
  );
  return { className, config: simplified };
}

function simplifyNumber(value: unknown): unknown {
  return typeof value === 'number' ? simplifyFloat32(value) : value;
}

function initialRate(schedule: LearningRateScheduleSpec): number | undefined {
  const rate = schedule.className === 'PiecewiseConstantDecay' ? (schedule.config.values as unknown[] | undefined)?.[0] : schedule.config.initial_learning_rate;
  return typeof rate === 'number' && rate > 0 ? rate : undefined;
}

function reportUnsupportedOptimizer(written: unknown, at: Node, sink: JsonDiagnostics): undefined {
  sink.error(
    'unsupported-optimizer',
    at,
    l10n.t('The optimizer {0} is not one that Gradient Flow supports. Use one of {1}.', formatJson(written), [...new Set(OPTIMIZER_CLASSES.values())].join(', ')),
  );
  return undefined;
}

/** Reads a loss: a name, a `function` reference, a loss object, or a list or dict of one of them. */
function readLoss(node: Node, at: Node, sink: JsonDiagnostics): { name: LossName; fromLogits: boolean } | undefined {
  const value = plainValue(node);
  const entries = Array.isArray(value) ? value : typeof value === 'object' && value !== null && !('class_name' in value) ? Object.values(value) : [value];
  if (entries.length !== 1) {
    sink.error(
      'unsupported-loss',
      at,
      l10n.t('The training configuration has {0} losses, one per output, but Gradient Flow trains models with one output and one loss.', entries.length),
    );
    return undefined;
  }

  const entry = entries[0] as unknown;
  let written: unknown = entry;
  let fromLogits = false;
  let name: LossName | undefined;
  if (typeof entry === 'string') {
    name = ownEntry(LOSS_FUNCTIONS, entry);
  } else if (typeof entry === 'object' && entry !== null) {
    const object = entry as { class_name?: unknown; config?: unknown; module?: unknown };
    const config = (typeof object.config === 'object' && object.config !== null ? object.config : {}) as Record<string, unknown>;
    written = object.class_name;
    if (object.class_name === 'function' && typeof object.config === 'string') {
      written = object.config;
      name = ownEntry(LOSS_FUNCTIONS, object.config);
    } else if (typeof object.class_name === 'string' && isKerasModule(typeof object.module === 'string' ? object.module : undefined)) {
      name = ownEntry(LOSS_FUNCTIONS, snakeCase(object.class_name));
      fromLogits = config.from_logits === true;
      warnIgnoredLossKeys(config, at, sink);
    }
  }
  if (!name) {
    sink.error(
      'unsupported-loss',
      at,
      l10n.t({
        message: 'Gradient Flow does not support the loss {0}. Use one of {1}.',
        args: [formatJson(written), [...new Set(Object.values(LOSS_FUNCTIONS))].join(', ')],
        comment: ['{0} is the loss as written in the file.'],
      }),
    );
    return undefined;
  }
  return { name, fromLogits };
}

function warnIgnoredLossKeys(config: Record<string, unknown>, at: Node, sink: JsonDiagnostics): void {
  for (const [key, harmless] of [['label_smoothing', 0], ['ignore_class', null]] as const) {
    if (config[key] !== undefined && config[key] !== harmless) {
      sink.warning(
        'ignored-argument',
        at,
        l10n.t('Gradient Flow ignores "{0}" of the loss and trains without it, so the results may differ from Keras.', key),
      );
    }
  }
}

/** Returns `accuracy` once when any metric is an accuracy; warns about the others, which are dropped. */
function readMetrics(node: Node | undefined, sink: JsonDiagnostics): string[] {
  if (!node || node.type === 'null') {
    return [];
  }
  const metrics: string[] = [];
  const visit = (value: Node): void => {
    if (value.type === 'array' || (value.type === 'object' && stringProperty(value, 'class_name') === undefined)) {
      for (const child of value.children ?? []) {
        visit(child.type === 'property' ? (child.children?.[1] as Node) : child);
      }
      return;
    }
    const name = metricName(value);
    if (name !== undefined && ACCURACY_NAMES.has(name)) {
      if (!metrics.includes('accuracy')) {
        metrics.push('accuracy');
      }
    } else if (value.type !== 'null') {
      sink.warning(
        'unsupported-metric',
        value,
        l10n.t('Gradient Flow reports loss and accuracy only, so it leaves out the metric {0}.', formatJson(name ?? plainValue(value))),
      );
    }
  };
  visit(node);
  return metrics;
}

/** Returns the name of a metric: a string, a `function` reference, or a metric object's name or `fn`. */
function metricName(node: Node): string | undefined {
  if (node.type === 'string') {
    return snakeCase(node.value as string);
  }
  if (!isObjectNode(node)) {
    return undefined;
  }
  const className = stringProperty(node, 'class_name');
  const config = propertyValue(node, 'config');
  if (className === 'function') {
    return config?.type === 'string' ? (config.value as string) : undefined;
  }
  if (className === 'MeanMetricWrapper') {
    return stringProperty(config, 'fn') ?? stringProperty(config, 'name');
  }
  return className === undefined ? undefined : snakeCase(className);
}

