/**
 * Sequential models: `Sequential([...])` and `Sequential()` followed by `model.add(...)`,
 * and the model methods that matter for training (`compile`, `fit`, `evaluate`).
 */
import * as l10n from '@vscode/l10n';
import { bindArguments } from './callArguments';
import { readCompile, type CompileReading } from './compile';
import type { ParseContext } from './context';
import type { DatasetTracker } from './dataset';
import { readEvaluate, readFit, type EvaluateReading, type FitReading } from './fit';
import { readLayer, type LayerNamer, type LayerReading } from './layers';
import { elementsOf, type SyntaxNode } from './syntax';

/** One `Sequential` model of the file and what the file does with it, in source order. */
export class ModelRecord {
  readonly layers: LayerReading[] = [];
  /** The latest `compile` before `fit`, or the latest overall when there is no `fit`. */
  compile?: CompileReading;
  /** The first `compile` that comes after `fit` when none came before. */
  compileAfterFit?: CompileReading;
  /** The first `fit`; later ones only get a warning. */
  fit?: FitReading;
  evaluate?: EvaluateReading;

  constructor(readonly creation: SyntaxNode) {}
}

/** Model methods that read the model or save it without changing what training does. */
const HARMLESS_METHODS = new Set([
  'summary', 'predict', 'predict_on_batch', 'save', 'save_weights', 'get_weights', 'count_params', 'to_json',
  'get_config', 'get_layer', 'export', 'get_metrics_result', 'compute_output_shape',
]);

export class ModelTracker {
  readonly models: ModelRecord[] = [];
  /** Counts model creations and method calls, so a caller can tell whether a block touched a model. */
  activity = 0;
  private readonly bindings = new Map<string, ModelRecord>();
  private readonly functionResults = new Map<string, ModelRecord>();

  constructor(
    private readonly context: ParseContext,
    private readonly dataset: DatasetTracker,
    private readonly namer: LayerNamer,
  ) {}

  /** Reads a `Sequential(...)` call and returns the new model. */
  create(call: SyntaxNode, displayName: string): ModelRecord {
    const record = new ModelRecord(call);
    this.models.push(record);
    this.activity++;
    this.context.sink.withOwner(record, () => this.readLayerList(record, call, displayName));
    return record;
  }

  private readLayerList(record: ModelRecord, call: SyntaxNode, displayName: string): void {
    const bound = bindArguments(this.context, call, { displayName, positional: ['layers'], ignored: ['name'] });
    const layersArgument = bound.get('layers');
    if (!layersArgument) {
      return;
    }
    const list = this.context.resolveExpression(layersArgument.value);
    if (list.name === 'None') {
      return;
    }
    if (list.name !== 'ArrayExpression' && list.name !== 'TupleExpression') {
      this.context.sink.error(
        'unknown-layer',
        layersArgument.value,
        l10n.t('Gradient Flow cannot read the layer list `{0}`. Write the layers inside Sequential([...]) or add them one by one with model.add().', this.context.snippet(layersArgument.value)),
      );
      return;
    }
    for (const element of elementsOf(list)) {
      this.addLayer(record, element);
    }
  }

  /** Restarts the layer name counters, as `keras.backend.clear_session()` does. */
  clearSession(): void {
    this.namer.reset();
  }

  modelOf(name: string): ModelRecord | undefined {
    return this.bindings.get(name);
  }

  bind(name: string, record: ModelRecord | undefined): void {
    if (record) {
      this.bindings.set(name, record);
    } else {
      this.bindings.delete(name);
    }
  }

  recordFunctionResult(functionName: string, record: ModelRecord): void {
    this.functionResults.set(functionName, record);
  }

  functionResult(functionName: string): ModelRecord | undefined {
    return this.functionResults.get(functionName);
  }

  /** Reads `model.<method>(...)`. */
  readMethodCall(record: ModelRecord, method: string, call: SyntaxNode, displayName: string): void {
    this.activity++;
    this.context.sink.withOwner(record, () => this.dispatchMethodCall(record, method, call, displayName));
  }

  private dispatchMethodCall(record: ModelRecord, method: string, call: SyntaxNode, displayName: string): void {
    switch (method) {
      case 'add':
        this.readAdd(record, call, displayName);
        return;
      case 'compile':
        this.readCompileCall(record, call, displayName);
        return;
      case 'fit':
        this.readFitCall(record, call, displayName);
        return;
      case 'evaluate':
        record.evaluate ??= readEvaluate(this.context, call, displayName, this.dataset);
        return;
      case 'pop':
        this.context.sink.error(
          'unsupported-call',
          call,
          l10n.t('`{0}()` removes the last layer, which Gradient Flow does not follow. Delete that layer from the file instead.', displayName),
        );
        return;
      default:
        if (!HARMLESS_METHODS.has(method)) {
          this.reportIgnoredCall(call, `${displayName}(...)`);
        }
    }
  }

  /** Reports an assignment such as `model.trainable = False`, which the trainer does not reproduce. */
  reportIgnoredAttributeChange(record: ModelRecord, target: SyntaxNode): void {
    this.context.sink.withOwner(record, () => this.reportIgnoredCall(target, this.context.snippet(target)));
  }

  private reportIgnoredCall(at: SyntaxNode, written: string): void {
    this.context.sink.warning(
      'unsupported-call',
      at,
      l10n.t('Gradient Flow ignores `{0}` and trains the model as the file builds it, so the results may differ from running the file in Keras.', written),
    );
  }

  private readAdd(record: ModelRecord, call: SyntaxNode, displayName: string): void {
    const bound = bindArguments(this.context, call, { displayName, positional: ['layer'], ignored: ['rebuild'] });
    const layer = bound.get('layer');
    if (layer) {
      this.addLayer(record, layer.value);
    } else {
      this.context.sink.error(
        'missing-argument',
        call,
        l10n.t('`{0}()` needs a layer, which is missing. Write for example {0}(Dense(units=64, activation=\'relu\')).', displayName),
      );
    }
  }

  private addLayer(record: ModelRecord, node: SyntaxNode): void {
    const reading = readLayer(this.context, node, this.namer);
    if (reading) {
      record.layers.push(reading);
    }
  }

  private readCompileCall(record: ModelRecord, call: SyntaxNode, displayName: string): void {
    const reading = readCompile(this.context, call, displayName);
    if (!record.fit) {
      record.compile = reading;
    } else if (!record.compile) {
      record.compileAfterFit ??= reading;
    }
  }

  private readFitCall(record: ModelRecord, call: SyntaxNode, displayName: string): void {
    if (record.fit) {
      this.context.sink.warning(
        'repeated-fit',
        call,
        l10n.t('This is a second fit() on the same model. Keras would go on training from where the first one stopped, but Gradient Flow trains only the first fit() call.'),
      );
      return;
    }
    record.fit = readFit(this.context, call, displayName, this.dataset);
  }
}
