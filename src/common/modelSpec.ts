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
export type LayerClassName = 'InputLayer' | 'Flatten' | 'Dense' | 'Activation' | 'Dropout' | 'BatchNormalization';

/** One layer in source order, with its Keras config keys in snake_case (`units`, `activation`). */
export interface LayerSpec {
  readonly className: LayerClassName;
  /** Keras auto-name such as `dense_1`, or the `name=` argument from the file. */
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** The call that creates the layer, for example `Dense(units = 64, activation ='sigmoid')`. */
  readonly range: SourceRange;
}

export type OptimizerName = 'SGD' | 'Adam' | 'RMSprop';

export interface OptimizerSpec {
  readonly className: OptimizerName;
  /** Keras defaults filled in: SGD 0.01, Adam and RMSprop 0.001. */
  readonly learningRate: number;
  /** SGD and RMSprop momentum; 0 unless the file sets it. */
  readonly momentum: number;
  /** SGD only. */
  readonly nesterov: boolean;
  /** Keras `clipnorm`: each gradient tensor is rescaled to at most this L2 norm; undefined when not set. */
  readonly clipnorm?: number;
  /** Keras `clipvalue`: each gradient entry is clipped to [−clipvalue, clipvalue]; undefined when not set. */
  readonly clipvalue?: number;
}

export type LossName = 'sparse_categorical_crossentropy' | 'categorical_crossentropy';

export interface CompileSpec {
  readonly optimizer: OptimizerSpec;
  readonly loss: LossName;
  /** Normalised metric names; `accuracy` and `acc` become `accuracy`. */
  readonly metrics: readonly string[];
  /** The `compile(...)` call, or undefined when the file has none and defaults apply. */
  readonly range?: SourceRange;
}

export interface FitSpec {
  readonly epochs: number;
  readonly batchSize: number;
  readonly validationSplit: number;
  /** True when the file passes `validation_data=(x_test, y_test)`. */
  readonly validationOnTest: boolean;
  readonly shuffle: boolean;
  readonly range?: SourceRange;
}

export interface DatasetSpec {
  readonly name: 'mnist';
  /** `file` when the script calls `mnist.load_data()`, `inferred` when chosen from the 28×28 input. */
  readonly origin: 'file' | 'inferred';
  /** Pixels are divided by this before training: 255 when the file scales, 1 for raw 0–255 values. */
  readonly pixelDivisor: number;
  /** True when the labels go through `to_categorical` (one-hot). */
  readonly oneHotLabels: boolean;
  readonly range?: SourceRange;
}

export interface ModelSpec {
  /** File name without folders, for titles and reports. */
  readonly fileName: string;
  /** Input shape without the batch axis, for example [28, 28]. */
  readonly inputShape: readonly number[];
  readonly layers: readonly LayerSpec[];
  readonly compile: CompileSpec;
  readonly fit: FitSpec;
  /** The `model.evaluate(...)` call, when the file has one. */
  readonly evaluateRange?: SourceRange;
  readonly dataset: DatasetSpec;
  /** The `Sequential(...)` call that creates the model. */
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
