/**
 * Diagnostic codes of the model-file parser and the sink that collects them. Codes are
 * stable: tests and quick fixes match on them, so rename none.
 */
import type { DiagnosticSeverity, ParseDiagnostic, SourceRange } from '../common/modelSpec';
import type { PythonSource, Span } from './syntax';

export type ParserDiagnosticCode =
  /** Python syntax that @lezer/python could not parse. */
  | 'syntax-error'
  /** A bug in the parser itself; the file may be fine. */
  | 'internal-error'
  /** Text longer than the parser reads; see `MAX_SOURCE_CHARACTERS`. */
  | 'file-too-large'
  /** Text with a NUL character: a binary file, or UTF-16 read as UTF-8. */
  | 'binary-file'
  /** The file creates no model. */
  | 'model-missing'
  /** A subclass of `keras.Model`, or a model used as a layer of another model. */
  | 'unsupported-model'
  /** A functional model with more than one `keras.Input`. */
  | 'multiple-inputs'
  /** A functional model with more than one output tensor. */
  | 'multiple-outputs'
  /** `Model(inputs, outputs)` whose tensors cannot be traced, or whose output does not depend on the input. */
  | 'disconnected-graph'
  /** One layer object added or called twice, which would share its weights. */
  | 'shared-layer'
  /** A layer that no model uses. */
  | 'unused-layer'
  /** A call to a function of the file that does not match its parameters, or that calls itself. */
  | 'invalid-call'
  /** The model comes from a function the file defines but never calls. */
  | 'uncalled-function'
  /** A file too long to read statically: too many statements or nested calls run while reading it. */
  | 'too-complex'
  /** A layer whose input does not fit it, as Keras reports when it builds the model. */
  | 'shape-mismatch'
  /** More than one model; the note names the one that trains. */
  | 'multiple-models'
  /** A bare Keras name in a file that imports Keras but not that name. */
  | 'missing-import'
  /** A Keras layer class that the trainer cannot build, such as `Conv2D`. */
  | 'unsupported-layer'
  /** Something passed to `model.add` or `Sequential([...])` that is not a known layer call. */
  | 'unknown-layer'
  /** A keyword or positional argument that the parser does not read. */
  | 'unsupported-argument'
  /** An argument given twice, by position and by keyword or twice by keyword. */
  | 'duplicate-argument'
  /** A required argument such as the `units` of `Dense` is missing. */
  | 'missing-argument'
  /** A value that cannot be worked out without running the file. */
  | 'not-static'
  /** A value of the wrong type or out of range, such as `units=0` or `epochs=2.5`. */
  | 'invalid-value'
  /** An import of a Keras or TensorFlow module or name that does not exist but is close to one that does. */
  | 'unknown-import'
  /** A Keras 1 or 2 keyword such as `border_mode`, with the current keyword to use. */
  | 'legacy-argument'
  /** Positional arguments that Keras 1 read differently, such as `Convolution2D(32, 3, 3)`. */
  | 'legacy-positional-argument'
  | 'unsupported-activation'
  | 'unsupported-initializer'
  | 'unsupported-optimizer'
  | 'unsupported-loss'
  /** A metric other than accuracy; it is dropped. */
  | 'unsupported-metric'
  /** `lr=` used in place of `learning_rate=`. */
  | 'deprecated-argument'
  /** A fit argument that is read but has no effect here, such as `callbacks`. */
  | 'ignored-argument'
  /** No `compile` call: the defaults that apply are stated. */
  | 'compile-missing'
  /** `compile` comes only after `fit`. */
  | 'compile-after-fit'
  /** `compile` without a loss. */
  | 'missing-loss'
  /** No `fit` call: the defaults that apply are stated. */
  | 'fit-missing'
  /** A second `fit` on the same model; only the first trains. */
  | 'repeated-fit'
  /** A model method whose effect the trainer does not reproduce, such as `load_weights`. */
  | 'unsupported-call'
  /** `validation_data` other than the test split, or `validation_split` next to it. */
  | 'unsupported-validation-data'
  | 'validation-split-ignored'
  | 'empty-model'
  | 'missing-input-shape'
  /** An `InputLayer` or `Input` that is not the first layer. */
  | 'misplaced-input'
  /** A `Dense` layer that receives an input of more than one axis. */
  | 'missing-flatten'
  /** Two layers with the same name, which Keras rejects. */
  | 'duplicate-layer-name'
  /** The model output is not one score per class of the dataset. */
  | 'output-units'
  /** The last layer does not end in softmax. */
  | 'output-activation'
  /** The loss expects one-hot labels and gets class numbers, or the reverse. */
  | 'loss-label-mismatch'
  /** A dataset Gradient Flow cannot load, such as `cifar100` or a CSV file from a URL. */
  | 'unsupported-dataset'
  /** `load_data()`, a generator or `train_test_split` assigned in a form the parser cannot follow. */
  | 'unsupported-dataset-unpacking'
  /** The input shape has another number of values than one example of the dataset. */
  | 'input-shape-mismatch'
  /** The input shape has as many values as one example but another shape, which Keras rejects and the trainer reshapes. */
  | 'input-reshaped'
  /** A `reshape`, `expand_dims` or `[..., None]` whose shape does not fit the examples. */
  | 'invalid-reshape'
  /** No dataset loaded and an input shape from which no dataset can be inferred. */
  | 'unknown-dataset'
  /** No dataset loaded, so one is chosen from the input shape and the note names it. */
  | 'dataset-inferred'
  /** Pixels are not divided by 255. */
  | 'unscaled-pixels'
  /** Training and test pixels are scaled differently. */
  | 'inconsistent-scaling'
  /** A change to the data arrays other than scaling, `astype` or `reshape`. */
  | 'unsupported-data-transform'
  /** `fit` receives arrays the parser cannot trace back to `load_data()`. */
  | 'unknown-training-data'
  /** A callback Gradient Flow does not run, such as `ModelCheckpoint`; training is the same without it. */
  | 'ignored-callback'
  /** A callback whose monitored quantity `fit` does not log, or which Keras rejects at the first epoch. */
  | 'callback-monitor'
  /** An old API that Keras 3 removed, such as `fit_generator`, read as its replacement. */
  | 'deprecated-call'
  /** Labels that Keras broadcasts against the output, such as class numbers with `mse` on 10 outputs. */
  | 'label-broadcast'
  /** `from_logits=True` on an output that already applies softmax or sigmoid. */
  | 'logits-mismatch'
  /** `epochs` above the `gradientFlow.maxEpochs` setting; training stops at the setting. */
  | 'epochs-capped';

export class DiagnosticSink {
  private items: ParseDiagnostic[] = [];
  private readonly seen = new Set<string>();
  /** The model each diagnostic was reported while reading, if any. */
  private readonly owners = new Map<ParseDiagnostic, object>();
  private owner?: object;

  constructor(private readonly source: PythonSource) {}

  /** Runs `read` with every diagnostic it reports attributed to `owner`. */
  withOwner<T>(owner: object, read: () => T): T {
    const previous = this.owner;
    this.owner = owner;
    try {
      return read();
    } finally {
      this.owner = previous;
    }
  }

  /**
   * Turns the errors of every owner except `kept` into warnings: a model that is not
   * trained must not stop the one that is.
   */
  downgradeErrorsExcept(kept: object): void {
    this.items = this.items.map((item) => {
      const owner = this.owners.get(item);
      if (owner === undefined || owner === kept || item.severity !== 'error') {
        return item;
      }
      const downgraded: ParseDiagnostic = { ...item, severity: 'warning' };
      this.owners.set(downgraded, owner);
      return downgraded;
    });
  }

  error(code: ParserDiagnosticCode, at: Span | SourceRange, message: string): void {
    this.add('error', code, at, message);
  }

  warning(code: ParserDiagnosticCode, at: Span | SourceRange, message: string): void {
    this.add('warning', code, at, message);
  }

  information(code: ParserDiagnosticCode, at: Span | SourceRange, message: string): void {
    this.add('information', code, at, message);
  }

  hasErrors(): boolean {
    return this.items.some((item) => item.severity === 'error');
  }

  /** The diagnostics in source order, errors first where two share a position. */
  get diagnostics(): readonly ParseDiagnostic[] {
    const rank: Record<DiagnosticSeverity, number> = { error: 0, warning: 1, information: 2 };
    return [...this.items].sort(
      (a, b) =>
        a.range.startLine - b.range.startLine ||
        a.range.startCharacter - b.range.startCharacter ||
        rank[a.severity] - rank[b.severity],
    );
  }

  private add(severity: DiagnosticSeverity, code: ParserDiagnosticCode, at: Span | SourceRange, message: string): void {
    const range = 'from' in at ? this.source.rangeOf(at) : at;
    const key = `${code}|${range.startLine}:${range.startCharacter}-${range.endLine}:${range.endCharacter}|${message}`;
    if (this.seen.has(key)) {
      return;
    }
    this.seen.add(key);
    const item: ParseDiagnostic = { severity, code, range, message };
    this.items.push(item);
    if (this.owner) {
      this.owners.set(item, this.owner);
    }
  }
}
