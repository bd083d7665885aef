/**
 * Names that exist in Keras and TensorFlow, supported or not, so that a misspelt name
 * (`keras.layer`, `Dnese`, `Conv2d`) can be distinguished from a real one and corrected.
 * The lists follow the public API of Keras 3.x (`keras/api/__init__.py` and
 * `keras/api/layers/__init__.py`) plus the names that Keras 1 and 2 and `tf.keras` had.
 */
import { closestMatch } from './spelling';

/** Members of the `keras` package: its modules and the names it exports directly. */
const KERAS_TOP_LEVEL: readonly string[] = [
  'activations', 'applications', 'backend', 'callbacks', 'config', 'constraints', 'datasets', 'distribution',
  'dtype_policies', 'export', 'initializers', 'layers', 'legacy', 'losses', 'metrics', 'mixed_precision', 'models',
  'ops', 'optimizers', 'preprocessing', 'quantizers', 'random', 'regularizers', 'saving', 'tree', 'utils',
  'visualization', 'wrappers', 'src', 'api', '_tf_keras', 'Variable', 'device', 'name_scope', 'KerasTensor',
  'StatelessScope', 'SymbolicScope', 'DTypePolicy', 'FloatDTypePolicy', 'Initializer', 'Input', 'InputSpec', 'Layer',
  'Loss', 'Metric', 'Model', 'Sequential', 'Function', 'Operation', 'Optimizer', 'Quantizer', 'Regularizer',
  'RematScope', 'remat', '__version__', 'version',
  // Keras 1 and 2, and tf.keras.
  'engine', 'estimator', 'experimental', 'premade', 'dtensor', 'objectives', 'testing_infra', 'protobuf',
];

/** Lower-case members of `keras.layers`: the submodules of Keras 1 and 2 and the merge functions. */
const LAYER_SUBMODULES_AND_FUNCTIONS: readonly string[] = [
  'core', 'convolutional', 'convolutional_recurrent', 'pooling', 'recurrent', 'recurrent_v2', 'rnn', 'embeddings',
  'normalization', 'normalization_v2', 'advanced_activations', 'activation', 'activations', 'merge', 'merging',
  'noise', 'wrappers', 'local', 'cudnn_recurrent', 'dense_attention', 'attention', 'preprocessing', 'reshaping',
  'regularization', 'kernelized', 'experimental', 'serialization', 'einsum_dense', 'multi_head_attention',
  'add', 'average', 'concatenate', 'dot', 'maximum', 'minimum', 'multiply', 'subtract', 'serialize', 'deserialize',
];

/** Every layer class of Keras 3, with the aliases and removed classes of Keras 1 and 2 and `tf.keras`. */
export const KERAS_LAYER_CLASS_NAMES: readonly string[] = [
  'Activation', 'ActivityRegularization', 'Add', 'AdditiveAttention', 'AlphaDropout', 'Attention', 'AugMix',
  'AutoContrast', 'Average', 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D', 'AvgPool1D', 'AvgPool2D',
  'AvgPool3D', 'BatchNormalization', 'Bidirectional', 'CategoryEncoding', 'CenterCrop', 'Concatenate', 'Conv1D',
  'Conv1DTranspose', 'Conv2D', 'Conv2DTranspose', 'Conv3D', 'Conv3DTranspose', 'ConvLSTM1D', 'ConvLSTM2D',
  'ConvLSTM3D', 'Convolution1D', 'Convolution1DTranspose', 'Convolution2D', 'Convolution2DTranspose', 'Convolution3D',
  'Convolution3DTranspose', 'Cropping1D', 'Cropping2D', 'Cropping3D', 'CutMix', 'Dense', 'DepthwiseConv1D',
  'DepthwiseConv2D', 'Discretization', 'Dot', 'Dropout', 'ELU', 'EinsumDense', 'Embedding', 'Equalization', 'Flatten',
  'FlaxLayer', 'GRU', 'GRUCell', 'GaussianDropout', 'GaussianNoise', 'GlobalAveragePooling1D', 'GlobalAveragePooling2D',
  'GlobalAveragePooling3D', 'GlobalAvgPool1D', 'GlobalAvgPool2D', 'GlobalAvgPool3D', 'GlobalMaxPool1D',
  'GlobalMaxPool2D', 'GlobalMaxPool3D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'GlobalMaxPooling3D',
  'GroupNormalization', 'GroupQueryAttention', 'HashedCrossing', 'Hashing', 'Identity', 'Input', 'InputLayer',
  'InputSpec', 'IntegerLookup', 'JaxLayer', 'LSTM', 'LSTMCell', 'Lambda', 'Layer', 'LayerNormalization', 'LeakyReLU',
  'Masking', 'MaxNumBoundingBoxes', 'MaxPool1D', 'MaxPool2D', 'MaxPool3D', 'MaxPooling1D', 'MaxPooling2D',
  'MaxPooling3D', 'Maximum', 'MelSpectrogram', 'Minimum', 'MixUp', 'MultiHeadAttention', 'Multiply', 'Normalization',
  'PReLU', 'Permute', 'Pipeline', 'RMSNormalization', 'RNN', 'RandAugment', 'RandomBrightness', 'RandomColorDegeneration',
  'RandomColorJitter', 'RandomContrast', 'RandomCrop', 'RandomElasticTransform', 'RandomErasing', 'RandomFlip',
  'RandomGaussianBlur', 'RandomGrayscale', 'RandomHeight', 'RandomHue', 'RandomInvert', 'RandomPerspective',
  'RandomPosterization', 'RandomRotation', 'RandomSaturation', 'RandomSharpness', 'RandomShear', 'RandomTranslation',
  'RandomWidth', 'RandomZoom', 'ReLU', 'RepeatVector', 'Rescaling', 'Reshape', 'Resizing', 'ReversibleEmbedding',
  'STFTSpectrogram', 'SeparableConv1D', 'SeparableConv2D', 'SeparableConvolution1D', 'SeparableConvolution2D',
  'SimpleRNN', 'SimpleRNNCell', 'Softmax', 'Solarization', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D',
  'SpectralNormalization', 'StackedRNNCells', 'StringLookup', 'Subtract', 'TFSMLayer', 'TextVectorization',
  'TimeDistributed', 'TorchModuleWrapper', 'UnitNormalization', 'UpSampling1D', 'UpSampling2D', 'UpSampling3D',
  'Wrapper', 'ZeroPadding1D', 'ZeroPadding2D', 'ZeroPadding3D',
  // Keras 1 and 2, and tf.keras.
  'AbstractRNNCell', 'AtrousConvolution1D', 'AtrousConvolution2D', 'CuDNNGRU', 'CuDNNLSTM', 'Deconvolution2D',
  'Deconvolution3D', 'DenseFeatures', 'Highway', 'LocallyConnected1D', 'LocallyConnected2D', 'MaxoutDense', 'Merge',
  'ThresholdedReLU', 'TimeDistributedDense',
];

/** Every activation function of Keras 3 (`keras.activations`), supported or not. */
export const KERAS_ACTIVATION_NAMES: readonly string[] = [
  'celu', 'crelu', 'elu', 'exponential', 'gelu', 'glu', 'hard_shrink', 'hard_sigmoid', 'hard_silu', 'hard_swish',
  'hard_tanh', 'leaky_relu', 'linear', 'log_sigmoid', 'log_softmax', 'mish', 'relu', 'relu6', 'selu', 'sigmoid', 'silu',
  'soft_shrink', 'softmax', 'softplus', 'softsign', 'sparse_plus', 'sparse_sigmoid', 'sparsemax', 'squareplus',
  'swish', 'tanh', 'tanh_shrink', 'threshold', 'get', 'serialize', 'deserialize',
];

/** Every member of `keras.initializers` in Keras 3: classes and their snake-case aliases. */
export const KERAS_INITIALIZER_NAMES: readonly string[] = [
  'Constant', 'GlorotNormal', 'GlorotUniform', 'HeNormal', 'HeUniform', 'Identity', 'IdentityInitializer',
  'Initializer', 'LecunNormal', 'LecunUniform', 'Ones', 'Orthogonal', 'OrthogonalInitializer', 'RandomNormal',
  'RandomUniform', 'STFT', 'STFTInitializer', 'TruncatedNormal', 'VarianceScaling', 'Zeros', 'constant',
  'glorot_normal', 'glorot_uniform', 'he_normal', 'he_uniform', 'identity', 'lecun_normal', 'lecun_uniform', 'ones',
  'orthogonal', 'random_normal', 'random_uniform', 'stft', 'truncated_normal', 'variance_scaling', 'zeros', 'get',
  'serialize', 'deserialize',
  // Keras 2 aliases.
  'normal', 'one', 'uniform', 'zero',
];

/** Root packages a misspelt first segment is compared with (`kears`, `tensorflw`). */
const ROOT_PACKAGES: readonly string[] = ['keras', 'tensorflow'];

export interface Misspelling {
  /** Index of the misspelt segment in the dotted path. */
  readonly index: number;
  readonly written: string;
  readonly suggestion: string;
}

/**
 * Finds the first segment of a dotted Keras or TensorFlow path that does not exist but is
 * close to a name that does: `keras.layer.Dense` gives `layer` → `layers`. Returns undefined
 * when every segment checked exists, or when an unknown one is close to nothing, which may
 * be a name this catalog does not list. Below TensorFlow only `keras` is checked.
 */
export function findMisspelling(path: string): Misspelling | undefined {
  const segments = path.split('.');
  const misspelling = (index: number, candidates: readonly string[]): Misspelling | undefined => {
    const written = segments[index];
    if (written === undefined || candidates.includes(written)) {
      return undefined;
    }
    // Modules and functions are lower case and classes capitalised, so `layer` is read as
    // `layers` rather than `Layer` unless no lower-case name is close.
    const isCapitalised = (name: string): boolean => /^[A-Z]/.test(name);
    const sameCase = candidates.filter((candidate) => isCapitalised(candidate) === isCapitalised(written));
    const suggestion = closestMatch(written, sameCase) ?? closestMatch(written, candidates);
    return suggestion === undefined ? undefined : { index, written, suggestion };
  };

  const root = segments[0];
  if (root !== 'keras' && root !== 'tensorflow' && root !== 'tf_keras') {
    return misspelling(0, ROOT_PACKAGES);
  }
  let kerasIndex = 0;
  if (root === 'tensorflow') {
    const found = kerasSegmentBelowTensorFlow(segments);
    if (typeof found !== 'number') {
      return found === undefined ? undefined : misspelling(found.index, ['keras']);
    }
    kerasIndex = found;
  }

  const memberIndex = kerasIndex + 1;
  const member = segments[memberIndex];
  if (member === undefined) {
    return undefined;
  }
  if (!KERAS_TOP_LEVEL.includes(member)) {
    return misspelling(memberIndex, KERAS_TOP_LEVEL);
  }
  switch (member) {
    case 'layers':
      return findLayerMisspelling(segments, memberIndex + 1, misspelling);
    case 'activations':
      return misspelling(memberIndex + 1, KERAS_ACTIVATION_NAMES);
    case 'initializers':
      return misspelling(memberIndex + 1, KERAS_INITIALIZER_NAMES);
    default:
      return undefined;
  }
}

/**
 * Returns the index of `keras` in `tensorflow.keras`, `tensorflow.python.keras` or
 * `tensorflow.compat.v1.keras`. Otherwise it returns the segment where `keras` was expected,
 * which a caller compares with `keras`, or undefined when the path ends before it.
 */
function kerasSegmentBelowTensorFlow(segments: readonly string[]): number | { readonly index: number } | undefined {
  let index = 1;
  if (segments[1] === 'python') {
    index = 2;
  } else if (segments[1] === 'compat' && (segments[2] === 'v1' || segments[2] === 'v2')) {
    index = 3;
  }
  if (segments[index] === 'keras') {
    return index;
  }
  return segments[index] === undefined ? undefined : { index };
}

function findLayerMisspelling(
  segments: readonly string[],
  index: number,
  misspelling: (index: number, candidates: readonly string[]) => Misspelling | undefined,
): Misspelling | undefined {
  const name = segments[index];
  if (name === undefined) {
    return undefined;
  }
  if (/^[A-Z]/.test(name)) {
    return misspelling(index, KERAS_LAYER_CLASS_NAMES);
  }
  if (!LAYER_SUBMODULES_AND_FUNCTIONS.includes(name)) {
    return misspelling(index, LAYER_SUBMODULES_AND_FUNCTIONS);
  }
  // A class inside a submodule: `keras.layers.core.Dense`.
  const next = segments[index + 1];
  return next !== undefined && /^[A-Z]/.test(next) ? misspelling(index + 1, KERAS_LAYER_CLASS_NAMES) : undefined;
}

/** Returns `path` with the misspelt segment replaced by the suggestion. */
export function correctedPath(path: string, misspelling: Misspelling): string {
  const segments = path.split('.');
  segments[misspelling.index] = misspelling.suggestion;
  return segments.join('.');
}
