/**
 * Layer calls: `Dense(64, activation='relu')` and the other supported classes, read into a
 * `LayerSpec` with Keras defaults filled in and the Keras auto-name.
 */
import * as l10n from '@vscode/l10n';
import type { LayerClassName, LayerSpec } from '../common/modelSpec';
import {
  evaluateArgument,
  readBooleanArgument,
  readIntegerArgument,
  readNumberArgument,
  readShapeArgument,
} from './argumentValues';
import { bindArguments, calleeOf, type CallArgument, type Signature } from './callArguments';
import type { ParseContext } from './context';
import { SUPPORTED_LAYERS } from './kerasApi';
import { readActivation, readInitializer } from './layerValues';
import type { Span, SyntaxNode } from './syntax';
import { formatPython } from './values';

export interface LayerReading {
  readonly spec: LayerSpec;
  /** The shape this layer declares: the shape of an `InputLayer`, or its `input_shape=`. */
  readonly inputShape?: { readonly shape: readonly number[]; readonly span: Span };
  /** True for `InputLayer(...)` and `Input(...)`. */
  readonly isInputLayer: boolean;
}

/**
 * Keras 3 layer names: the class name in snake case, numbered from the second layer of a
 * class on (`dense`, `dense_1`, ...). Keras counts per Python process until
 * `clear_session()`, so the counters run across every model in the file. Layers with
 * `name=` do not advance the counter.
 */
export class LayerNamer {
  private readonly counts = new Map<string, number>();

  reset(): void {
    this.counts.clear();
  }

  next(className: LayerClassName): string {
    const prefix = className.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();
    const count = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, count + 1);
    return count === 0 ? prefix : `${prefix}_${count}`;
  }
}

/** Arguments every layer other than `InputLayer` accepts. */
const BASE_KEYWORDS = ['name', 'input_shape'];

/** Layer names every TensorFlow flavour and Keras 3 accept; see `LayerArgumentReader.layerName`. */
const VALID_LAYER_NAME = /^[A-Za-z0-9][-A-Za-z0-9._]*$/;

const SIGNATURES: Readonly<Record<LayerClassName, Omit<Signature, 'displayName'>>> = {
  InputLayer: { positional: ['shape'], keywords: ['input_shape', 'batch_shape', 'batch_input_shape', 'name'], ignored: ['batch_size'] },
  Flatten: { positional: ['data_format'], keywords: BASE_KEYWORDS },
  Dense: {
    positional: ['units', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer'],
    keywords: [...BASE_KEYWORDS, 'input_dim'],
  },
  Activation: { positional: ['activation'], keywords: BASE_KEYWORDS },
  Dropout: { positional: ['rate'], keywords: [...BASE_KEYWORDS, 'seed'] },
  BatchNormalization: { positional: ['axis', 'momentum', 'epsilon', 'center', 'scale'], keywords: BASE_KEYWORDS },
};

/** `keras.Input(shape, batch_size, dtype, sparse, batch_shape, name)`; dtype and sparse are not read. */
const INPUT_SIGNATURE: Omit<Signature, 'displayName'> = {
  positional: ['shape', 'batch_size'],
  keywords: ['batch_shape', 'name'],
  ignored: ['batch_size'],
};

/** Reads the layer that `node` builds; reports and returns undefined when it cannot. */
export function readLayer(context: ParseContext, node: SyntaxNode, namer: LayerNamer): LayerReading | undefined {
  const call = context.resolveExpression(node);
  const callee = call.name === 'CallExpression' ? calleeOf(call) : undefined;
  if (!callee) {
    context.sink.error(
      'unknown-layer',
      node,
      l10n.t('`{0}` is not a layer call that Gradient Flow can read. Pass a layer directly, such as Dense(units=64, activation=\'relu\').', context.snippet(node)),
    );
    return undefined;
  }

  // Problems are reported where the layer is used: `model.add(block)` marks `block`, not
  // the line where `block` was assigned.
  const symbol = context.names.symbolOf(callee);
  const displayName = context.snippet(callee);
  const reportAt = call.from >= node.from && call.to <= node.to ? call : node;
  if (symbol?.kind === 'unsupported-layer') {
    context.sink.error(
      'unsupported-layer',
      reportAt,
      l10n.t({
        message: 'Gradient Flow cannot train `{0}` layers; it supports {1}. Replace or remove this layer.',
        args: [symbol.className, SUPPORTED_LAYERS.join(', ')],
        comment: ['{1} is a comma-separated list of Keras layer class names.'],
      }),
    );
    return undefined;
  }
  if (symbol?.kind !== 'layer' && symbol?.kind !== 'input') {
    context.sink.error(
      'unknown-layer',
      reportAt,
      l10n.t('`{0}` is not a Keras layer that Gradient Flow recognises. Check its spelling and import, or use one of: {1}.', reportAt === call ? displayName : context.snippet(node), SUPPORTED_LAYERS.join(', ')),
    );
    return undefined;
  }

  const className: LayerClassName = symbol.kind === 'input' ? 'InputLayer' : symbol.className;
  const signature = { ...(symbol.kind === 'input' ? INPUT_SIGNATURE : SIGNATURES[className]), displayName };
  const bound = bindArguments(context, call, signature);
  const reader = new LayerArgumentReader(context, bound, displayName);

  const config = readConfig(className, reader, call);
  const inputShape = className === 'InputLayer' ? reader.inputLayerShape(call) : reader.declaredInputShape();
  if (inputShape) {
    config.input_shape = inputShape.shape;
  }

  // NOTE: Keras names a layer when its constructor runs, but this names it when it is added,
  // so a layer built into a variable before other layers may be numbered differently.
  const name = reader.layerName() ?? namer.next(className);
  return {
    spec: { className, name, config, range: context.source.rangeOf(call) },
    inputShape,
    isInputLayer: className === 'InputLayer',
  };
}

function readConfig(className: LayerClassName, reader: LayerArgumentReader, call: SyntaxNode): Record<string, unknown> {
  switch (className) {
    case 'InputLayer':
      return {};
    case 'Flatten':
      reader.checkDataFormat();
      return {};
    case 'Dense':
      return {
        units: reader.required('units', call, (argument) => readIntegerArgument(reader.context, argument, reader.callee, 1)),
        activation: reader.activation() ?? 'linear',
        use_bias: reader.optional('use_bias', (argument) => readBooleanArgument(reader.context, argument, reader.callee)) ?? true,
        kernel_initializer: reader.initializer('kernel_initializer') ?? 'glorot_uniform',
        bias_initializer: reader.initializer('bias_initializer') ?? 'zeros',
      };
    case 'Activation':
      return { activation: reader.required('activation', call, () => reader.activation()) };
    case 'Dropout': {
      const config: Record<string, unknown> = {
        rate: reader.required('rate', call, (argument) =>
          readNumberArgument(reader.context, argument, reader.callee, { minimum: 0, exclusiveMaximum: 1 }),
        ),
      };
      const seed = reader.optional('seed', (argument) => readIntegerArgument(reader.context, argument, reader.callee, 0));
      if (seed !== undefined) {
        config.seed = seed;
      }
      return config;
    }
    case 'BatchNormalization':
      return readBatchNormalizationConfig(reader);
  }
}

/** Keras 3 `BatchNormalization` defaults: axis −1, momentum 0.99, epsilon 0.001, center and scale on. */
function readBatchNormalizationConfig(reader: LayerArgumentReader): Record<string, unknown> {
  const { context, callee } = reader;
  reader.checkLastAxis();
  return {
    axis: -1,
    momentum: reader.optional('momentum', (argument) => readNumberArgument(context, argument, callee, { minimum: 0, maximum: 1 })) ?? 0.99,
    epsilon:
      reader.optional('epsilon', (argument) => readNumberArgument(context, argument, callee, { minimum: 0, exclusiveMinimum: true })) ?? 0.001,
    center: reader.optional('center', (argument) => readBooleanArgument(context, argument, callee)) ?? true,
    scale: reader.optional('scale', (argument) => readBooleanArgument(context, argument, callee)) ?? true,
  };
}

/** Typed access to the bound arguments of one layer call. */
class LayerArgumentReader {
  constructor(
    readonly context: ParseContext,
    private readonly bound: ReadonlyMap<string, CallArgument>,
    readonly callee: string,
  ) {}

  optional<T>(name: string, read: (argument: CallArgument) => T | undefined): T | undefined {
    const argument = this.bound.get(name);
    return argument ? read(argument) : undefined;
  }

  required<T>(name: string, call: SyntaxNode, read: (argument: CallArgument) => T | undefined): T | undefined {
    const argument = this.bound.get(name);
    if (!argument) {
      this.context.sink.error(
        'missing-argument',
        call,
        l10n.t('`{0}` needs the argument `{1}`, which is missing. Add it, for example {2}.', this.callee, name, exampleFor(name)),
      );
      return undefined;
    }
    return read(argument);
  }

  activation(): string | undefined {
    return this.optional('activation', (argument) => readActivation(this.context, argument, this.callee));
  }

  initializer(name: string): string | undefined {
    return this.optional(name, (argument) => readInitializer(this.context, argument, this.callee));
  }

  string(name: string): string | undefined {
    return this.optional(name, (argument) => {
      const value = evaluateArgument(this.context, argument, this.callee);
      if (value?.kind === 'string' && value.value.length > 0) {
        return value.value;
      }
      if (value !== undefined) {
        this.context.sink.error(
          'invalid-value',
          argument.value,
          l10n.t('`{0}={1}` in `{2}` is invalid: `{0}` must be a non-empty string.', name, formatPython(value), this.callee),
        );
      }
      return undefined;
    });
  }

  /**
   * Reads `name=`, which must be a valid TensorFlow name (`[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*`
   * in TensorFlow 2, `[A-Za-z0-9][-A-Za-z0-9._/]*` in TensorFlow.js). Keras 3 also
   * rejects `/`, so the rule here is the intersection of the three.
   */
  layerName(): string | undefined {
    const name = this.string('name');
    if (name === undefined || VALID_LAYER_NAME.test(name)) {
      return name;
    }
    const argument = this.bound.get('name') as CallArgument;
    const suggestion = name.replace(/[^-A-Za-z0-9._]+/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'layer';
    this.context.sink.error(
      'invalid-value',
      argument.value,
      l10n.t(
        '`name={0}` in `{1}` is not a valid layer name: TensorFlow accepts letters, digits, `.`, `_` and `-`, starting with a letter or digit. Rename the layer, for example name={2}.',
        formatPython({ kind: 'string', value: name }),
        this.callee,
        formatPython({ kind: 'string', value: suggestion }),
      ),
    );
    return undefined;
  }

  /** `Flatten` flattens in the same order for `None` and `'channels_last'`, the only supported values. */
  checkDataFormat(): void {
    this.optional('data_format', (argument) => {
      const value = evaluateArgument(this.context, argument, this.callee);
      const supported = value?.kind === 'none' || (value?.kind === 'string' && value.value === 'channels_last');
      if (value !== undefined && !supported) {
        this.context.sink.error(
          'invalid-value',
          argument.value,
          l10n.t('`data_format={0}` in `{1}` is not supported. Remove it; Gradient Flow flattens with the default channels_last order.', formatPython(value), this.callee),
        );
      }
      return undefined;
    });
  }

  /** `BatchNormalization` normalizes the last axis only, which is what `axis=-1`, the Keras default, means. */
  checkLastAxis(): void {
    this.optional('axis', (argument) => {
      const value = evaluateArgument(this.context, argument, this.callee);
      if (value !== undefined && !(value.kind === 'number' && value.value === -1)) {
        this.context.sink.error(
          'invalid-value',
          argument.value,
          l10n.t('`axis={0}` in `{1}` is not supported. Remove it; Gradient Flow normalizes the last axis, the Keras default axis=-1.', formatPython(value), this.callee),
        );
      }
      return undefined;
    });
  }

  /** `input_shape=` on an ordinary layer, or `input_dim=` on `Dense`, which means `(input_dim,)`. */
  declaredInputShape(): LayerReading['inputShape'] {
    const shapeArgument = this.bound.get('input_shape');
    if (shapeArgument) {
      const shape = readShapeArgument(this.context, shapeArgument, this.callee);
      return shape ? { shape, span: shapeArgument.span } : undefined;
    }
    const dimensionArgument = this.bound.get('input_dim');
    if (dimensionArgument) {
      const dimension = readIntegerArgument(this.context, dimensionArgument, this.callee, 1);
      return dimension === undefined ? undefined : { shape: [dimension], span: dimensionArgument.span };
    }
    return undefined;
  }

  /** Reads the shape of `InputLayer` or `Input`: `shape`, `input_shape`, or a batch shape without its first axis. */
  inputLayerShape(call: SyntaxNode): LayerReading['inputShape'] {
    const shapeArguments = ['shape', 'input_shape', 'batch_shape', 'batch_input_shape'].filter((name) => this.bound.has(name));
    if (shapeArguments.length === 0) {
      this.context.sink.error(
        'missing-input-shape',
        call,
        l10n.t('`{0}` needs the shape of one example, which is missing. Add it, for example shape=(28, 28).', this.callee),
      );
      return undefined;
    }
    if (shapeArguments.length > 1) {
      this.context.sink.error(
        'duplicate-argument',
        call,
        l10n.t('`{0}` receives both `{1}` and `{2}`, which Keras rejects. Keep one of them.', this.callee, shapeArguments[0], shapeArguments[1]),
      );
      return undefined;
    }
    const argument = this.bound.get(shapeArguments[0]) as CallArgument;
    if (shapeArguments[0].startsWith('batch')) {
      return this.batchShape(argument);
    }
    const shape = readShapeArgument(this.context, argument, this.callee);
    return shape ? { shape, span: argument.span } : undefined;
  }

  private batchShape(argument: CallArgument): LayerReading['inputShape'] {
    const value = evaluateArgument(this.context, argument, this.callee);
    if (value === undefined) {
      return undefined;
    }
    const items = value.kind === 'tuple' || value.kind === 'list' ? value.items : [];
    const batchAxisValid = items[0]?.kind === 'none' || (items[0]?.kind === 'number' && items[0].isInteger && items[0].value > 0);
    const rest = items.slice(1);
    const restValid = rest.length > 0 && rest.every((item) => item.kind === 'number' && item.isInteger && item.value > 0);
    if (!batchAxisValid || !restValid) {
      this.context.sink.error(
        'invalid-value',
        argument.value,
        l10n.t('`{0}={1}` in `{2}` is invalid: a batch shape starts with the batch size or None, followed by positive whole numbers, such as (None, 28, 28).', argument.keyword ?? '?', formatPython(value), this.callee),
      );
      return undefined;
    }
    return { shape: rest.map((item) => (item.kind === 'number' ? item.value : 0)), span: argument.span };
  }
}

function exampleFor(name: string): string {
  switch (name) {
    case 'units':
      return 'units=64';
    case 'activation':
      return "activation='relu'";
    case 'rate':
      return 'rate=0.2';
    default:
      return `${name}=...`;
  }
}
