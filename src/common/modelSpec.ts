/**
 * The model a file describes, as the static parser reads it. The trainer builds and trains
 * exactly this; nothing from the file is ever executed.
 */

/** A span of the model file, 0-based lines and UTF-16 columns, as VS Code counts them. */
export interface SourceRange {
  readonly startLine: number;
  readonly startCharacter: number;
  readonly endLine: number;
  readonly endCharacter: number;
}

/** Keras layer class names the trainer can build. */
export type LayerClassName =
  | 'InputLayer'
  | 'Flatten'
  | 'Dense'
  | 'Activation'
  | 'Dropout'
  | 'BatchNormalization'
  | 'Conv2D'
  | 'MaxPooling2D'
  | 'AveragePooling2D'
  | 'GlobalAveragePooling2D'
  | 'GlobalMaxPooling2D'
  | 'Reshape'
  | 'LeakyReLU'
  | 'ELU'
  | 'PReLU'
  | 'ReLU'
  | 'Softmax'
  | 'SimpleRNN'
  | 'LSTM'
  | 'GRU'
  | 'Embedding'
  | 'Concatenate'
  | 'Add';

/**
 * A kernel, bias, recurrent or embeddings initializer as Keras serializes it: a string name
 * (`'he_uniform'`) or a class with its config (`{ class_name: 'RandomNormal', config: { stddev: 0.01, seed: 1 } }`).
 * Class names are Keras 3's (`HeUniform`, `GlorotUniform`, `RandomNormal`, `Orthogonal`, ...).
 */
export type InitializerSpec = string | { readonly class_name: string; readonly config: Readonly<Record<string, unknown>> };

/**
 * One layer in source order, with its Keras 3 config keys in snake_case, already
 * normalised by the parser so the trainer reads one spelling:
 *
 * - Dense: `units`, `activation`, `use_bias`, `kernel_initializer`, `bias_initializer`.
 * - Conv2D: `filters`, `kernel_size` [h, w], `strides` [h, w], `padding` ('valid' | 'same'),
 *   `data_format` ('channels_last' | 'channels_first'), `dilation_rate` [h, w], `activation`,
 *   `use_bias`, `kernel_initializer`, `bias_initializer`.
 * - MaxPooling2D, AveragePooling2D: `pool_size` [h, w], `strides` [h, w] (defaults to pool_size),
 *   `padding`, `data_format`. GlobalAveragePooling2D, GlobalMaxPooling2D: `data_format`.
 * - Reshape: `target_shape` (may hold one -1). Flatten: `data_format`.
 * - Activation: `activation`. Softmax: `axis`. ReLU: `max_value` (null), `negative_slope`, `threshold`.
 * - LeakyReLU: `negative_slope` (Keras 2 `alpha` is renamed; Keras 3 default 0.3). ELU: `alpha`.
 *   PReLU: `alpha_initializer`, `shared_axes`.
 * - SimpleRNN, LSTM, GRU: `units`, `activation`, `recurrent_activation` (LSTM, GRU), `use_bias`,
 *   `kernel_initializer`, `recurrent_initializer`, `bias_initializer`, `return_sequences`,
 *   `dropout`, `recurrent_dropout`, `unit_forget_bias` (LSTM), `reset_after` (GRU).
 * - Embedding: `input_dim`, `output_dim`, `embeddings_initializer`, `mask_zero`.
 * - Dropout: `rate`. BatchNormalization: `axis`, `momentum`, `epsilon`, `center`, `scale`.
 * - Concatenate: `axis`. Add: none.
 *
 * Every layer may also carry `name`, `trainable`, `input_shape`.
 */
export interface LayerSpec {
  readonly className: LayerClassName;
  /** Keras auto-name such as `dense_1`, or the `name=` argument from the file. */
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** The call that creates the layer, for example `Dense(units = 64, activation ='sigmoid')`. */
  readonly range: SourceRange;
  /**
   * Names of the layers whose outputs this layer takes, for models built with the
   * functional API; two or more only for Concatenate and Add. Undefined in a Sequential
   * model, where each layer takes the previous layer's output (the model input for the first).
   */
  readonly inbound?: readonly string[];
}

export type OptimizerName = 'SGD' | 'Adam' | 'RMSprop' | 'Adagrad' | 'Adadelta' | 'Nadam';

export interface OptimizerSpec {
  readonly className: OptimizerName;
  /**
   * The initial learning rate with Keras defaults filled in: SGD 0.01, Adam, RMSprop, Adagrad,
   * Nadam 0.001, Adadelta 0.001 (Keras 3).
   */
  readonly learningRate: number;
  /** SGD and RMSprop momentum; 0 unless the file sets it. */
  readonly momentum: number;
  /** SGD only. */
  readonly nesterov: boolean;
  /** Keras `clipnorm`: each gradient tensor is rescaled to at most this L2 norm; undefined when not set. */
  readonly clipnorm?: number;
  /** Keras `clipvalue`: each gradient entry is clipped to [−clipvalue, clipvalue]; undefined when not set. */
  readonly clipvalue?: number;
  /**
   * Other Keras constructor arguments the file sets, by their Keras 3 names: `beta_1`,
   * `beta_2`, `epsilon`, `rho`, `initial_accumulator_value`, `amsgrad`, `centered`.
   * Keys the file leaves out take Keras defaults in the trainer.
   */
  readonly options?: Readonly<Record<string, number | boolean>>;
  /** A `keras.optimizers.schedules` object passed as `learning_rate`, when the file uses one. */
  readonly schedule?: LearningRateScheduleSpec;
}

/** `ExponentialDecay`, `InverseTimeDecay`, `PiecewiseConstantDecay`, `CosineDecay` with their Keras config. */
export interface LearningRateScheduleSpec {
  readonly className: 'ExponentialDecay' | 'InverseTimeDecay' | 'PiecewiseConstantDecay' | 'CosineDecay';
  readonly config: Readonly<Record<string, unknown>>;
}

export type LossName =
  | 'sparse_categorical_crossentropy'
  | 'categorical_crossentropy'
  | 'binary_crossentropy'
  | 'mean_squared_error'
  | 'mean_absolute_error';

export interface CompileSpec {
  readonly optimizer: OptimizerSpec;
  /** `mse` and `mae` are normalised to their long names. */
  readonly loss: LossName;
  /** True for a loss object built with `from_logits=True`: the model output is taken as logits. */
  readonly fromLogits?: boolean;
  /** Normalised metric names; `accuracy` and `acc` become `accuracy`. */
  readonly metrics: readonly string[];
  /** The `compile(...)` call, or undefined when the file has none and defaults apply. */
  readonly range?: SourceRange;
}

/** A Keras callback that changes what trains, with its Keras 3 config (defaults filled in). */
export type CallbackSpec =
  | {
      readonly className: 'EarlyStopping';
      /** `monitor`, `min_delta`, `patience`, `mode`, `restore_best_weights`, `baseline`, `start_from_epoch`. */
      readonly config: Readonly<Record<string, unknown>>;
      readonly range: SourceRange;
    }
  | {
      readonly className: 'ReduceLROnPlateau';
      /** `monitor`, `factor`, `patience`, `min_delta`, `cooldown`, `min_lr`, `mode`. */
      readonly config: Readonly<Record<string, unknown>>;
      readonly range: SourceRange;
    }
  | {
      /**
       * `LearningRateScheduler` whose schedule the parser could read statically: a list of
       * learning rates per epoch, derived from a simple `lambda epoch: ...` or `def`.
       */
      readonly className: 'LearningRateScheduler';
      readonly config: { readonly rates: readonly number[] };
      readonly range: SourceRange;
    };

export interface FitSpec {
  readonly epochs: number;
  readonly batchSize: number;
  readonly validationSplit: number;
  /** True when the file passes `validation_data=(x_test, y_test)`. */
  readonly validationOnTest: boolean;
  readonly shuffle: boolean;
  /** Keras `class_weight`: loss weight per class index; undefined when not set. */
  readonly classWeight?: Readonly<Record<number, number>>;
  /** Callbacks that change training, in the order the file lists them. */
  readonly callbacks?: readonly CallbackSpec[];
  readonly range?: SourceRange;
}

/**
 * Source of the examples. Image datasets give pixels in 0–255 that the trainer divides by
 * `pixelDivisor`. It then reshapes each example to the model's input shape, and the parser
 * checks that the element counts match.
 */
export type DatasetName =
  | 'mnist'
  | 'fashion_mnist'
  | 'cifar10'
  | 'make_moons'
  | 'make_circles'
  | 'make_blobs'
  | 'csv';

export interface DatasetSpec {
  readonly name: DatasetName;
  /** `file` when the script loads the data, `inferred` when chosen from the model's input shape. */
  readonly origin: 'file' | 'inferred';
  /** Inputs are divided by this before training: 255 when the file scales, 1 otherwise. */
  readonly pixelDivisor: number;
  /** True when the labels go through `to_categorical` (one-hot). */
  readonly oneHotLabels: boolean;
  /**
   * The shape the file gives one example with `reshape`, without the batch axis, for
   * example [28, 28, 1]; undefined when the file keeps the dataset's own shape.
   */
  readonly exampleShape?: readonly number[];
  /**
   * For the sklearn generators: their keyword arguments as the file passes them
   * (`n_samples`, `noise`, `factor`, `centers`, `n_features`, `cluster_std`, `random_state`,
   * `shuffle`), plus `test_size` when the file splits with `train_test_split`, and that call's
   * `random_state` and `shuffle` as `split_random_state` and `split_shuffle`.
   */
  readonly generator?: Readonly<Record<string, unknown>>;
  /** For `csv`: the file and how to read it. */
  readonly csv?: CsvSource;
  readonly range?: SourceRange;
}

export interface CsvSource {
  /** The path as written in the model file; the host resolves it inside the workspace or rejects it. */
  readonly path: string;
  readonly delimiter: string;
  /** Lines to skip before the data: `skiprows`, or 1 for a pandas header row. */
  readonly skipRows: number;
  /** Column holding the label: an index (negative counts from the end) or a header name. */
  readonly labelColumn: number | string;
  /** Columns holding the features; undefined means every column except the label. */
  readonly featureColumns?: readonly (number | string)[];
  /** Fraction held out as the test set (`train_test_split`'s `test_size`); 0 when the file never splits, and the test set is then the training data. */
  readonly testFraction: number;
  /**
   * Columns the features leave out when `featureColumns` is undefined, if not the label column
   * alone: `df.drop(['id', 'label'], axis=1)` gives ['id', 'label'], and `data[:, :-1]` with a
   * label named by header gives [-1].
   */
  readonly dropColumns?: readonly (number | string)[];
  /** `train_test_split`'s `random_state`; undefined lets the run seed choose the split. */
  readonly randomState?: number;
}

export interface ModelSpec {
  /** File name without folders, for titles and reports. */
  readonly fileName: string;
  /** Input shape without the batch axis, for example [28, 28]. */
  readonly inputShape: readonly number[];
  /** Layers in source order; a functional model's layers link through `LayerSpec.inbound`. */
  readonly layers: readonly LayerSpec[];
  /**
   * For a functional model, the name of the layer whose output is the model output; undefined
   * for Sequential, where it is the last layer.
   */
  readonly outputLayer?: string;
  /** `sequential` unless the file builds the model with `Model(inputs=..., outputs=...)`. */
  readonly topology?: 'sequential' | 'functional';
  /** `python` for Python scripts (also when undefined), `keras-json` for `model.to_json()` output, `tfjs` for a TensorFlow.js model.json. */
  readonly sourceFormat?: 'python' | 'keras-json' | 'tfjs';
  readonly compile: CompileSpec;
  readonly fit: FitSpec;
  /** The `model.evaluate(...)` call, when the file has one. */
  readonly evaluateRange?: SourceRange;
  readonly dataset: DatasetSpec;
  /** The `Sequential(...)` or `Model(...)` call that creates the model. */
  readonly modelRange?: SourceRange;
}

export type DiagnosticSeverity = 'error' | 'warning' | 'information';

/** A problem or note about the file, already localized, at the line it concerns. */
export interface ParseDiagnostic {
  readonly severity: DiagnosticSeverity;
  readonly message: string;
  readonly range: SourceRange;
  /** Stable identifier for tests and quick fixes, for example `unsupported-layer`. */
  readonly code: string;
}

export interface ParseResult {
  /** Undefined when an error diagnostic prevents building a model. */
  readonly spec?: ModelSpec;
  readonly diagnostics: readonly ParseDiagnostic[];
}
