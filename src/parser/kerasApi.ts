/**
 * The Keras names the parser recognises. Every import form is first reduced to one
 * canonical dotted path (`tensorflow.keras.layers.core.Dense` becomes `keras.layers.Dense`),
 * then looked up here.
 */
import type { LayerClassName, LossName, OptimizerName } from '../common/modelSpec';
import { KERAS_LAYER_CLASS_NAMES } from './kerasCatalog';

export type KerasSymbol =
  | { readonly kind: 'sequential' }
  /** `keras.Model`: the functional API or a base class for subclassing. */
  | { readonly kind: 'functional-model' }
  | { readonly kind: 'layer'; readonly className: LayerClassName }
  /** `keras.Input(shape=...)`, which Sequential turns into an `InputLayer`. */
  | { readonly kind: 'input' }
  | { readonly kind: 'unsupported-layer'; readonly className: string }
  | { readonly kind: 'optimizer'; readonly className: OptimizerName }
  | { readonly kind: 'unsupported-optimizer'; readonly className: string }
  | { readonly kind: 'loss-class'; readonly loss: LossName; readonly className: string }
  | { readonly kind: 'loss-function'; readonly loss: LossName }
  | { readonly kind: 'unsupported-loss'; readonly name: string }
  | { readonly kind: 'activation-function'; readonly activation: string }
  | { readonly kind: 'initializer'; readonly initializer: string }
  | { readonly kind: 'load-data'; readonly dataset: string }
  | { readonly kind: 'to-categorical' }
  /** A class of `keras.callbacks`, supported or not. */
  | { readonly kind: 'callback'; readonly className: string }
  /** A class of `keras.optimizers.schedules`, supported or not. */
  | { readonly kind: 'learning-rate-schedule'; readonly className: string };

export const SUPPORTED_LAYERS: readonly LayerClassName[] = [
  'InputLayer', 'Flatten', 'Dense', 'Activation', 'Dropout', 'BatchNormalization', 'Conv2D', 'MaxPooling2D',
  'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Reshape', 'LeakyReLU', 'ELU', 'PReLU', 'ReLU',
  'Softmax', 'SimpleRNN', 'LSTM', 'GRU', 'Embedding', 'Concatenate', 'Add',
];

/** Other names Keras 3 exports for the same classes; a layer built through one is named after its class. */
export const LAYER_ALIASES: Readonly<Record<string, LayerClassName>> = {
  Convolution2D: 'Conv2D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
};

export const SUPPORTED_OPTIMIZERS: readonly OptimizerName[] = ['SGD', 'Adam', 'RMSprop', 'Adagrad', 'Adadelta', 'Nadam'];

/** Activation names as Keras spells them, each also accepted as a string argument. */
export const SUPPORTED_ACTIVATIONS: readonly string[] = [
  'linear', 'sigmoid', 'relu', 'relu6', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'silu', 'gelu',
  'mish', 'leaky_relu',
];

/**
 * Initializer names as Keras 3 accepts them as strings; `uniform`, `normal`, `zero` and `one`
 * are its aliases of `random_uniform`, `random_normal`, `zeros` and `ones`.
 */
export const SUPPORTED_INITIALIZERS: readonly string[] = [
  'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal',
  'zeros', 'ones', 'constant', 'random_normal', 'random_uniform', 'truncated_normal', 'variance_scaling', 'orthogonal',
  'identity', 'uniform', 'normal', 'zero', 'one',
];

const LOSS_CLASSES: Readonly<Record<string, LossName>> = {
  SparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  CategoricalCrossentropy: 'categorical_crossentropy',
  BinaryCrossentropy: 'binary_crossentropy',
  MeanSquaredError: 'mean_squared_error',
  MeanAbsoluteError: 'mean_absolute_error',
};

/**
 * Loss function names and their aliases. Keras 3 exports the long names from `keras.losses`
 * and accepts the aliases as strings. `tf.keras` 2 also exports `mse`, `mae` and their
 * upper-case forms as functions.
 */
export const LOSS_FUNCTIONS: Readonly<Record<string, LossName>> = {
  sparse_categorical_crossentropy: 'sparse_categorical_crossentropy',
  categorical_crossentropy: 'categorical_crossentropy',
  binary_crossentropy: 'binary_crossentropy',
  bce: 'binary_crossentropy',
  BCE: 'binary_crossentropy',
  mean_squared_error: 'mean_squared_error',
  mse: 'mean_squared_error',
  MSE: 'mean_squared_error',
  mean_absolute_error: 'mean_absolute_error',
  mae: 'mean_absolute_error',
  MAE: 'mean_absolute_error',
};

/** Callbacks the trainer runs; the parser reads these and notes that others are ignored. */
export const SUPPORTED_CALLBACKS: readonly string[] = ['EarlyStopping', 'ReduceLROnPlateau', 'LearningRateScheduler'];

/** `keras.optimizers.schedules` classes the trainer evaluates. */
export const SUPPORTED_SCHEDULES: readonly string[] = ['ExponentialDecay', 'InverseTimeDecay', 'PiecewiseConstantDecay', 'CosineDecay'];

/** Submodule names that only group classes: `keras.layers.core.Dense` is `keras.layers.Dense`. */
const FLATTENED_PACKAGES = new Set(['layers', 'optimizers', 'losses', 'activations', 'initializers', 'utils', 'callbacks']);

/** Prefixes that lead to the Keras API: TensorFlow's bundled Keras, tf-keras and Keras 3 itself. */
const KERAS_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['tensorflow.python.keras', 'keras'],
  ['tensorflow.compat.v1.keras', 'keras'],
  ['tensorflow.compat.v2.keras', 'keras'],
  ['tensorflow.keras', 'keras'],
  ['tf_keras', 'keras'],
  ['keras.api', 'keras'],
  // TensorFlow 2 exports `tf.keras.initializers` also as `tf.initializers`.
  ['tensorflow.initializers', 'keras.initializers'],
];

/** TensorFlow 2's own initializers, which take the same arguments and defaults as their Keras 3 classes. */
const TENSORFLOW_INITIALIZERS: Readonly<Record<string, string>> = {
  random_normal_initializer: 'random_normal',
  random_uniform_initializer: 'random_uniform',
  zeros_initializer: 'zeros',
  ones_initializer: 'ones',
  constant_initializer: 'constant',
};

/**
 * Names accepted without an import, for model files that are fragments of a notebook. Each
 * maps to the module path it would be imported from.
 */
export const BARE_KERAS_NAMES: ReadonlyMap<string, string> = new Map([
  ['keras', 'keras'],
  ['tf', 'tensorflow'],
  ['tensorflow', 'tensorflow'],
  ['Sequential', 'keras.Sequential'],
  ['Model', 'keras.Model'],
  ['Input', 'keras.Input'],
  ...[
    ...SUPPORTED_LAYERS,
    ...Object.keys(LAYER_ALIASES),
    'Conv1D', 'Conv3D', 'MaxPooling1D', 'LayerNormalization', 'GaussianNoise', 'Rescaling',
  ].map((name): [string, string] => [name, `keras.layers.${name}`]),
  ...[...SUPPORTED_OPTIMIZERS, 'Adagrad', 'Adadelta', 'Adamax', 'Nadam', 'AdamW', 'Ftrl'].map(
    (name): [string, string] => [name, `keras.optimizers.${name}`],
  ),
  ...Object.keys(LOSS_CLASSES).map((name): [string, string] => [name, `keras.losses.${name}`]),
  ...[...SUPPORTED_CALLBACKS, 'ModelCheckpoint', 'TensorBoard', 'CSVLogger', 'TerminateOnNaN'].map(
    (name): [string, string] => [name, `keras.callbacks.${name}`],
  ),
  ...SUPPORTED_SCHEDULES.map((name): [string, string] => [name, `keras.optimizers.schedules.${name}`]),
  ['to_categorical', 'keras.utils.to_categorical'],
  ['mnist', 'keras.datasets.mnist'],
  ['fashion_mnist', 'keras.datasets.fashion_mnist'],
  ['cifar10', 'keras.datasets.cifar10'],
  ['cifar100', 'keras.datasets.cifar100'],
]);

/** Reduces a dotted path to the form this file looks up, for example `keras.layers.Dense`. */
export function canonicalPath(path: string): string {
  let result = path;
  for (const [prefix, replacement] of KERAS_PREFIXES) {
    if (result === prefix || result.startsWith(`${prefix}.`)) {
      result = replacement + result.slice(prefix.length);
      break;
    }
  }

  const segments = result.split('.');
  if (segments[0] !== 'keras' || segments.length < 3) {
    return result;
  }
  const last = segments[segments.length - 1];
  if (segments[1] === 'models') {
    return `keras.${last}`;
  }
  if (FLATTENED_PACKAGES.has(segments[1]) && segments[2] !== 'schedules') {
    return last === 'Input' ? 'keras.Input' : `keras.${segments[1]}.${last}`;
  }
  return result;
}

export function lookupKerasSymbol(canonical: string): KerasSymbol | undefined {
  const segments = canonical.split('.');
  const last = segments[segments.length - 1];
  const isClassName = /^[A-Z]/.test(last);

  if (canonical === 'keras.Sequential') {
    return { kind: 'sequential' };
  }
  if (canonical === 'keras.Model') {
    return { kind: 'functional-model' };
  }
  if (canonical === 'keras.Input') {
    return { kind: 'input' };
  }
  if (segments[0] === 'tensorflow') {
    const initializer = segments.length === 2 ? TENSORFLOW_INITIALIZERS[last] : undefined;
    return initializer ? { kind: 'initializer', initializer } : lookupTensorFlowActivation(segments);
  }
  if (segments[0] !== 'keras' || segments.length < 3) {
    return undefined;
  }
  if (segments[1] === 'datasets') {
    return segments.length === 4 && last === 'load_data' ? { kind: 'load-data', dataset: segments[2] } : undefined;
  }
  if (segments[1] === 'optimizers' && segments[2] === 'schedules') {
    return segments.length === 4 && isClassName ? { kind: 'learning-rate-schedule', className: last } : undefined;
  }
  if (segments.length !== 3) {
    return undefined;
  }

  switch (segments[1]) {
    case 'layers':
      return lookupLayer(last);
    case 'optimizers':
      if ((SUPPORTED_OPTIMIZERS as readonly string[]).includes(last)) {
        return { kind: 'optimizer', className: last as OptimizerName };
      }
      return isClassName ? { kind: 'unsupported-optimizer', className: last } : undefined;
    case 'losses':
      return lookupLoss(last);
    case 'activations':
      return { kind: 'activation-function', activation: last };
    case 'initializers':
      return lookupInitializer(last, isClassName);
    case 'utils':
      return last === 'to_categorical' ? { kind: 'to-categorical' } : undefined;
    case 'callbacks':
      return isClassName ? { kind: 'callback', className: last } : undefined;
    default:
      return undefined;
  }
}

/** Looks up a layer class: supported (with aliases), a real Keras layer that is unsupported, or undefined for a misspelt name. */
function lookupLayer(name: string): KerasSymbol | undefined {
  if ((SUPPORTED_LAYERS as readonly string[]).includes(name)) {
    return { kind: 'layer', className: name as LayerClassName };
  }
  const aliased = LAYER_ALIASES[name];
  if (aliased) {
    return { kind: 'layer', className: aliased };
  }
  return KERAS_LAYER_CLASS_NAMES.includes(name) ? { kind: 'unsupported-layer', className: name } : undefined;
}

/** `HeNormal` and `he_normal` are the same class in Keras 3, and so are `Orthogonal` and `OrthogonalInitializer` (and `Identity`). */
function lookupInitializer(name: string, isClassName: boolean): KerasSymbol {
  const className = name === 'OrthogonalInitializer' || name === 'IdentityInitializer' ? name.replace('Initializer', '') : name;
  return { kind: 'initializer', initializer: isClassName ? snakeCase(className) : className };
}

function lookupLoss(name: string): KerasSymbol {
  const fromClass = LOSS_CLASSES[name];
  if (fromClass) {
    return { kind: 'loss-class', loss: fromClass, className: name };
  }
  const fromFunction = LOSS_FUNCTIONS[name];
  if (fromFunction) {
    return { kind: 'loss-function', loss: fromFunction };
  }
  return { kind: 'unsupported-loss', name };
}

/**
 * Looks up `tf.nn.relu`, `tf.math.sigmoid`, `tf.tanh` and the like, passed as `activation=`.
 * Any function of `tf.nn` and `tf.math` counts, so that an unsupported one is reported by name.
 */
function lookupTensorFlowActivation(segments: readonly string[]): KerasSymbol | undefined {
  const last = segments[segments.length - 1];
  const isActivationModule = segments.length === 3 && (segments[1] === 'nn' || segments[1] === 'math');
  const isTopLevel = segments.length === 2 && (last === 'sigmoid' || last === 'tanh');
  return isActivationModule || isTopLevel ? { kind: 'activation-function', activation: last } : undefined;
}

/** Converts `GlorotUniform` to `glorot_uniform`, as Keras names its initializer functions. */
function snakeCase(className: string): string {
  return className.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();
}
