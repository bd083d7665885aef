/**
 * The Keras names the parser recognises. Every import form is first reduced to one
 * canonical dotted path (`tensorflow.keras.layers.core.Dense` becomes `keras.layers.Dense`),
 * then looked up here.
 */
import type { LayerClassName, LossName, OptimizerName } from '../common/modelSpec';

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
  | { readonly kind: 'to-categorical' };

export const SUPPORTED_LAYERS: readonly LayerClassName[] = ['InputLayer', 'Flatten', 'Dense', 'Activation', 'Dropout', 'BatchNormalization'];

export const SUPPORTED_OPTIMIZERS: readonly OptimizerName[] = ['SGD', 'Adam', 'RMSprop'];

/** Activation names as Keras spells them, each also accepted as a string argument. */
export const SUPPORTED_ACTIVATIONS: readonly string[] = [
  'linear', 'sigmoid', 'relu', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'silu', 'gelu',
];

/** Kernel and bias initializer names as Keras spells them as strings. */
export const SUPPORTED_INITIALIZERS: readonly string[] = [
  'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal',
  'zeros', 'ones', 'random_normal', 'random_uniform', 'truncated_normal',
];

const LOSS_CLASSES: Readonly<Record<string, LossName>> = {
  SparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  CategoricalCrossentropy: 'categorical_crossentropy',
};

/** Submodule names that only group classes: `keras.layers.core.Dense` is `keras.layers.Dense`. */
const FLATTENED_PACKAGES = new Set(['layers', 'optimizers', 'losses', 'activations', 'initializers', 'utils']);

/** Prefixes that lead to the Keras API: TensorFlow's bundled Keras, tf-keras and Keras 3 itself. */
const KERAS_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['tensorflow.python.keras', 'keras'],
  ['tensorflow.compat.v1.keras', 'keras'],
  ['tensorflow.compat.v2.keras', 'keras'],
  ['tensorflow.keras', 'keras'],
  ['tf_keras', 'keras'],
  ['keras.api', 'keras'],
];

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
    'Conv1D', 'Conv2D', 'Conv3D', 'MaxPooling1D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D',
    'LayerNormalization', 'LSTM', 'GRU', 'SimpleRNN', 'Embedding', 'Reshape', 'ReLU',
    'LeakyReLU', 'PReLU', 'Softmax', 'GaussianNoise', 'Rescaling',
  ].map((name): [string, string] => [name, `keras.layers.${name}`]),
  ...[...SUPPORTED_OPTIMIZERS, 'Adagrad', 'Adadelta', 'Adamax', 'Nadam', 'AdamW', 'Ftrl'].map(
    (name): [string, string] => [name, `keras.optimizers.${name}`],
  ),
  ...Object.keys(LOSS_CLASSES).map((name): [string, string] => [name, `keras.losses.${name}`]),
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
    return lookupTensorFlowActivation(segments);
  }
  if (segments[0] !== 'keras' || segments.length < 3) {
    return undefined;
  }
  if (segments[1] === 'datasets') {
    return segments.length === 4 && last === 'load_data' ? { kind: 'load-data', dataset: segments[2] } : undefined;
  }
  if (segments.length !== 3) {
    return undefined;
  }

  switch (segments[1]) {
    case 'layers':
      if ((SUPPORTED_LAYERS as readonly string[]).includes(last)) {
        return { kind: 'layer', className: last as LayerClassName };
      }
      return isClassName ? { kind: 'unsupported-layer', className: last } : undefined;
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
      return { kind: 'initializer', initializer: isClassName ? snakeCase(last) : last };
    case 'utils':
      return last === 'to_categorical' ? { kind: 'to-categorical' } : undefined;
    default:
      return undefined;
  }
}

function lookupLoss(name: string): KerasSymbol {
  const fromClass = LOSS_CLASSES[name];
  if (fromClass) {
    return { kind: 'loss-class', loss: fromClass, className: name };
  }
  if (name === 'sparse_categorical_crossentropy' || name === 'categorical_crossentropy') {
    return { kind: 'loss-function', loss: name };
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
