/**
 * The models of a file: `Sequential([...])` and `Sequential()` followed by `model.add(...)`,
 * the records of functional models, and the model methods that matter for training
 * (`compile`, `fit`, `evaluate`).
 */
import * as l10n from '@vscode/l10n';
import { reportNotStatic } from './argumentValues';
import { bindArguments } from './callArguments';
import { readCompile, type CompileReading } from './compile';
import type { ParseContext } from './context';
import type { DatasetTracker } from './dataset';
import { readEvaluate, readFit, type EvaluateReading, type FitReading } from './fit';
import type { LayerGraph } from './functional';
import { readLayer, type LayerNamer, type LayerReading } from './layers';
import { elementsOfItem, type Item } from './objects';
import type { SyntaxNode } from './syntax';

/** One model of the file and what the file does with it, in source order. */
export class ModelRecord {
  /**
   * Layers in source order. A functional model's layers start with its `InputLayer` and
   * carry `spec.inbound`; a Sequential model's layers take the previous layer's output.
   */
  readonly layers: LayerReading[] = [];
  /** For a functional model, the name of the layer whose output is the model output. */
  outputLayer?: string;
  /** The latest `compile` before `fit`, or the latest overall when there is no `fit`. */
  compile?: CompileReading;
  /** The first `compile` that comes after `fit` when none came before. */
  compileAfterFit?: CompileReading;
  /** The first `fit`; later ones only get a warning. */
  fit?: FitReading;
  evaluate?: EvaluateReading;

  constructor(
    /** The `Sequential(...)` or `Model(...)` call. */
    readonly creation: SyntaxNode,
    readonly topology: 'sequential' | 'functional' = 'sequential',
  ) {}
}

/** Model methods that read the model or save it without changing what training does. */
const HARMLESS_METHODS = new Set([
  'summary', 'predict', 'predict_on_batch', 'save', 'save_weights', 'get_weights', 'count_params', 'to_json',
  'get_config', 'get_layer', 'export', 'get_metrics_result', 'compute_output_shape',
]);

export class ModelTracker {
  readonly models: ModelRecord[] = [];
  /** Counts model creations, layer uses and method calls, so a caller can tell whether a block touched a model. */
  activity = 0;
  /** Reads an expression with its effects; set by the statement reader. */
  read: (node: SyntaxNode) => Item = () => ({ kind: 'unknown' });
  /** Set by the layer graph, which needs the tracker in turn. */
  graph?: LayerGraph;

  constructor(
    private readonly context: ParseContext,
    private readonly dataset: DatasetTracker,
    private readonly namer: LayerNamer,
  ) {}

  /** Reads a `Sequential(...)` call and returns the new model. */
  create(call: SyntaxNode, displayName: string): ModelRecord {
    const record = this.createRecord(call, 'sequential');
    this.context.sink.withOwner(record, () => this.readLayerList(record, call, displayName));
    return record;
  }

  /** Adds an empty model record; functional models fill theirs in from the layer graph. */
  createRecord(call: SyntaxNode, topology: ModelRecord['topology']): ModelRecord {
    const record = new ModelRecord(call, topology);
    this.models.push(record);
    this.activity++;
    return record;
  }

  private readLayerList(record: ModelRecord, call: SyntaxNode, displayName: string): void {
    const bound = bindArguments(this.context, call, { displayName, positional: ['layers'], ignored: ['name', 'trainable'] });
    const layersArgument = bound.get('layers');
    if (!layersArgument) {
      return;
    }
    const list = this.read(layersArgument.value);
    if (list.kind === 'value' && list.value.kind === 'none') {
      return;
    }
    const elements = elementsOfItem(list);
    if (!elements) {
      this.reportUnreadable(list, layersArgument.value, displayName, () =>
        this.context.sink.error(
          'unknown-layer',
          layersArgument.value,
          l10n.t('Gradient Flow cannot read the layer list `{0}`. Write the layers inside Sequential([...]) or add them one by one with model.add().', this.context.snippet(layersArgument.value)),
        ),
      );
      return;
    }
    const nodes = list.kind === 'sequence' ? list.nodes : undefined;
    elements.forEach((element, index) => this.addLayer(record, element, nodes?.[index] ?? layersArgument.value, displayName));
  }

  /** Restarts the layer name counters, as `keras.backend.clear_session()` does. */
  clearSession(): void {
    this.namer.reset();
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
      case 'fit_generator':
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
    if (record.topology === 'functional') {
      this.context.sink.error(
        'unsupported-call',
        call,
        l10n.t('`{0}()` exists only on Sequential models, and Keras raises AttributeError here. A functional model takes its layers from Model(inputs, outputs), so call the new layer on the output tensor before creating the model.', displayName),
      );
      return;
    }
    const bound = bindArguments(this.context, call, { displayName, positional: ['layer'], ignored: ['rebuild'] });
    const layer = bound.get('layer');
    if (layer) {
      this.addLayer(record, this.read(layer.value), layer.value, displayName);
    } else {
      this.context.sink.error(
        'missing-argument',
        call,
        l10n.t('`{0}()` needs a layer, which is missing. Write for example {0}(Dense(units=64, activation=\'relu\')).', displayName),
      );
    }
  }

  /** Adds the layer an item holds, or reports why the item is not a layer. */
  private addLayer(record: ModelRecord, item: Item, node: SyntaxNode, displayName: string): void {
    if (item.kind === 'tensor' && item.tensor.producer.reading.isInputLayer) {
      // `Sequential([keras.Input(shape), ...])`: Keras turns the input tensor into an InputLayer.
      item = { kind: 'layer', layer: item.tensor.producer };
    }
    if (item.kind === 'layer') {
      if (this.graph?.use(item.layer, node, record)) {
        record.layers.push(item.layer.reading);
        this.activity++;
      }
      return;
    }
    this.reportUnreadable(item, node, displayName, () => {
      if (item.kind === 'model') {
        this.graph?.reportNestedModel(node);
      } else {
        // readLayer reports why `node` is not a layer call it can read.
        readLayer(this.context, node, this.namer);
      }
    });
  }

  /** Reports an item that is not what a model method expects, unless it was reported already. */
  private reportUnreadable(item: Item, node: SyntaxNode, displayName: string, report: () => void): void {
    if (item.kind === 'unknown' && item.reported) {
      return;
    }
    if (item.kind === 'uncertain') {
      reportNotStatic(this.context, { node, reason: 'uncertain-name', related: item.at }, { argument: 'layer', callee: displayName });
      return;
    }
    report();
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
