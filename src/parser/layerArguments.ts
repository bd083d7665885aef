/**
 * Typed access to the bound arguments of one layer call: each reader evaluates an argument,
 * checks it the way the Keras 3 constructor does, and reports what is wrong at the argument.
 */
import * as l10n from '@vscode/l10n';
import type { InitializerSpec, LayerClassName, LayerSpec } from '../common/modelSpec';
import {
  evaluateArgument,
  readBooleanArgument,
  readIntegerArgument,
  readNumberArgument,
  readShapeArgument,
  type NumberBounds,
} from './argumentValues';
import { calleeOf, type CallArgument } from './callArguments';
import type { ParseContext } from './context';
import { readActivation, readInitializer } from './layerValues';
import type { Span, SyntaxNode } from './syntax';
import { formatPython, type StaticValue } from './values';

/** An activation as a Keras name, or an activation layer with settings, such as LeakyReLU(negative_slope=0.3). */
export type ActivationValue = string | { readonly class_name: string; readonly config: Readonly<Record<string, unknown>> };

export type DeclaredShape = { readonly shape: readonly number[]; readonly span: Span } | undefined;

/** Layers that Keras 3 accepts as `activation=` because a layer object is callable. */
const ACTIVATION_LAYERS: ReadonlySet<LayerClassName> = new Set(['Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax', 'PReLU']);

/** Layer names every TensorFlow flavour and Keras 3 accept; see `LayerArgumentReader.layerName`. */
const VALID_LAYER_NAME = /^[A-Za-z0-9][-A-Za-z0-9._]*$/;

export class LayerArgumentReader {
  constructor(
    readonly context: ParseContext,
    private readonly bound: ReadonlyMap<string, CallArgument>,
    readonly callee: string,
    /** Reads a layer passed as an argument, such as `activation=LeakyReLU()`, naming it as Keras would. */
    private readonly readNestedLayer: (node: SyntaxNode) => LayerSpec | undefined,
  ) {}

  argument(name: string): CallArgument | undefined {
    return this.bound.get(name);
  }

  /**
   * Reads `name` when the call passes it, or returns `fallback` (the Keras default) when it
   * does not. An invalid value gives undefined, so that no default hides the error.
   */
  optional<T>(name: string, read: (argument: CallArgument) => T | undefined, fallback?: T): T | undefined {
    const argument = this.bound.get(name);
    return argument ? read(argument) : fallback;
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

  integer(name: string, minimum: number, fallback?: number): number | undefined {
    return this.optional(name, (argument) => readIntegerArgument(this.context, argument, this.callee, minimum), fallback);
  }

  requiredInteger(name: string, minimum: number, call: SyntaxNode): number | undefined {
    return this.required(name, call, (argument) => readIntegerArgument(this.context, argument, this.callee, minimum));
  }

  number(name: string, bounds: NumberBounds, fallback?: number): number | undefined {
    return this.optional(name, (argument) => readNumberArgument(this.context, argument, this.callee, bounds), fallback);
  }

  boolean(name: string, fallback?: boolean): boolean | undefined {
    return this.optional(name, (argument) => readBooleanArgument(this.context, argument, this.callee), fallback);
  }

  /** Reads an integer axis such as -1; Keras counts negative axes from the end. */
  axis(name: string, fallback: number): number | undefined {
    return this.optional(name, (argument) => {
      const value = evaluateArgument(this.context, argument, this.callee);
      if (value?.kind === 'number' && value.isInteger) {
        return value.value;
      }
      if (value !== undefined) {
        this.reportInvalid(argument, value, l10n.t('an axis is a whole number such as -1, the last axis.'));
      }
      return undefined;
    }, fallback);
  }

  /**
   * Reads a size per spatial axis as Keras 3's `standardize_tuple` does: one positive whole
   * number for both axes, or a tuple or list of two.
   */
  pair(name: string, fallback: [number, number]): [number, number] | undefined {
    return this.optional(name, (argument) => this.readPair(argument), fallback);
  }

  requiredPair(name: string, call: SyntaxNode): [number, number] | undefined {
    return this.required(name, call, (argument) => this.readPair(argument));
  }

  readPair(argument: CallArgument): [number, number] | undefined {
    const value = evaluateArgument(this.context, argument, this.callee);
    if (value === undefined) {
      return undefined;
    }
    if (isPositiveInteger(value)) {
      return [value.value, value.value];
    }
    if ((value.kind === 'tuple' || value.kind === 'list') && value.items.length === 2) {
      const [first, second] = value.items;
      if (isPositiveInteger(first) && isPositiveInteger(second)) {
        return [first.value, second.value];
      }
    }
    this.reportInvalid(argument, value, l10n.t('use a positive whole number for both axes, or a tuple of two such as (3, 3).'));
    return undefined;
  }

  /** Keras 3 lower-cases `padding`, so 'SAME' is 'same'. */
  padding(fallback: 'valid' | 'same'): 'valid' | 'same' | undefined {
    return this.optional('padding', (argument) => {
      const value = evaluateArgument(this.context, argument, this.callee);
      const padding = value?.kind === 'string' ? value.value.toLowerCase() : undefined;
      if (padding === 'valid' || padding === 'same') {
        return padding;
      }
      if (value !== undefined) {
        this.reportInvalid(argument, value, l10n.t("use 'valid' (no padding) or 'same' (pad so that stride 1 keeps the size)."));
      }
      return undefined;
    }, fallback);
  }

  /**
   * Keras 3 lower-cases `data_format`, and `None` means the `image_data_format` of the Keras
   * config, 'channels_last' unless the user changed it. The Keras 1 `dim_ordering` values
   * 'th' and 'tf' are the channels-first and channels-last orders.
   */
  dataFormat(fallback: 'channels_last' | 'channels_first'): 'channels_last' | 'channels_first' | undefined {
    return this.optional('data_format', (argument) => {
      const value = evaluateArgument(this.context, argument, this.callee);
      if (value?.kind === 'none') {
        return 'channels_last';
      }
      let format = value?.kind === 'string' ? value.value.toLowerCase() : undefined;
      if (argument.writtenKeyword === 'dim_ordering') {
        // Keras 1 spelled the formats after its backends: Theano put channels first.
        const keras1Formats: Record<string, string> = { th: 'channels_first', tf: 'channels_last' };
        format = format === undefined ? undefined : keras1Formats[format];
      }
      if (format === 'channels_last' || format === 'channels_first') {
        return format;
      }
      if (value !== undefined) {
        this.reportInvalid(argument, value, l10n.t("use 'channels_last' (height, width, channels) or 'channels_first' (channels, height, width)."));
      }
      return undefined;
    }, fallback);
  }

  /** Reads an argument that Keras accepts as anything but that only `None` leaves training unchanged. */
  noneOnly(names: readonly string[]): void {
    for (const name of names) {
      this.optional(name, (argument) => {
        const value = evaluateArgument(this.context, argument, this.callee);
        if (value !== undefined && value.kind !== 'none') {
          this.reportUnsupportedSetting(argument, name);
        }
        return undefined;
      });
    }
  }

  /** Reads a boolean whose True value changes what Gradient Flow can train, such as `stateful`. */
  falseOnly(name: string): void {
    this.optional(name, (argument) => {
      const value = readBooleanArgument(this.context, argument, this.callee);
      if (value === true) {
        this.reportUnsupportedSetting(argument, name);
      }
      return undefined;
    });
  }

  /** Reads `dtype`, which may only name float32, the type the trainer computes in. */
  checkDtype(): void {
    this.optional('dtype', (argument) => {
      const value = evaluateArgument(this.context, argument, this.callee);
      const isFloat32 = value?.kind === 'none' || (value?.kind === 'string' && value.value === 'float32');
      if (value !== undefined && !isFloat32) {
        this.reportUnsupportedSetting(argument, 'dtype');
      }
      return undefined;
    });
  }

  reportUnsupportedSetting(argument: CallArgument, name: string): void {
    this.context.sink.error(
      'unsupported-argument',
      argument.span,
      l10n.t('Gradient Flow cannot train `{0}` with `{1}` set as here, so it would not train the way Keras does. Remove `{1}` or leave it at its default.', this.callee, name),
    );
  }

  /**
   * Reads an activation: a name, a function, or an activation layer, which Keras 3 calls on
   * the outputs. A parameter-free layer becomes its name (`ReLU()` is 'relu'); one with
   * settings becomes `{ class_name, config }`.
   */
  activation(name = 'activation', fallback?: ActivationValue): ActivationValue | undefined {
    const argument = this.bound.get(name);
    if (!argument) {
      return fallback;
    }
    const expression = this.context.resolveExpression(argument.value);
    const callee = expression.name === 'CallExpression' ? calleeOf(expression) : undefined;
    const symbol = callee ? this.context.names.symbolOf(callee) : undefined;
    if (symbol?.kind !== 'layer') {
      return readActivation(this.context, argument, this.callee);
    }
    if (!ACTIVATION_LAYERS.has(symbol.className) || symbol.className === 'PReLU') {
      this.context.sink.error(
        'unsupported-activation',
        argument.value,
        symbol.className === 'PReLU'
          ? l10n.t('A PReLU layer has weights of its own, which Gradient Flow cannot train inside `{0}`. Add it as a separate layer after this one and leave `{1}` out.', this.callee, name)
          : l10n.t('`{0}` is a layer, not an activation. Pass an activation such as \'relu\' or an activation layer such as LeakyReLU().', this.context.snippet(argument.value)),
      );
      return undefined;
    }
    const spec = this.readNestedLayer(expression);
    return spec ? activationOfLayer(spec) : undefined;
  }

  initializer(name: string, fallback: InitializerSpec): InitializerSpec | undefined {
    return this.optional(name, (argument) => readInitializer(this.context, argument, this.callee), fallback);
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

  /**
   * `input_shape=` on an ordinary layer, or `input_dim=` on `Dense`, which means `(input_dim,)`.
   * The `input_dim` of `Embedding` is its vocabulary size instead.
   */
  declaredInputShape(className: LayerClassName): DeclaredShape {
    const shapeArgument = this.bound.get('input_shape');
    if (shapeArgument) {
      const shape = readShapeArgument(this.context, shapeArgument, this.callee);
      return shape ? { shape, span: shapeArgument.span } : undefined;
    }
    const dimensionArgument = className === 'Embedding' ? undefined : this.bound.get('input_dim');
    if (dimensionArgument) {
      const dimension = readIntegerArgument(this.context, dimensionArgument, this.callee, 1);
      return dimension === undefined ? undefined : { shape: [dimension], span: dimensionArgument.span };
    }
    return undefined;
  }

  /** Reads the shape of `InputLayer` or `Input`: `shape`, `input_shape`, or a batch shape without its first axis. */
  inputLayerShape(call: SyntaxNode): DeclaredShape {
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

  private batchShape(argument: CallArgument): DeclaredShape {
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

  /** Reports `name=value` as invalid, followed by `requirement`: what Keras accepts, as a clause. */
  reportInvalid(argument: CallArgument, value: StaticValue, requirement: string): void {
    this.context.sink.error(
      'invalid-value',
      argument.value,
      l10n.t('`{0}={1}` in `{2}` is invalid: {3}', argument.keyword ?? '?', formatPython(value), this.callee, requirement),
    );
  }
}

function isPositiveInteger(value: StaticValue | undefined): value is Extract<StaticValue, { kind: 'number' }> {
  return value?.kind === 'number' && value.isInteger && value.value > 0;
}

/**
 * Returns the activation that an activation layer computes, as a name when Keras has one for
 * exactly that function.
 * Activations with settings keep Keras 3's `{ class_name, config }` form. The trainer applies
 * LeakyReLU, ReLU and ELU in that form.
 * NOTE: it rejects `Softmax(axis=...)` with a non-default axis passed as `activation=`.
 */
function activationOfLayer(spec: LayerSpec): ActivationValue | undefined {
  const config = spec.config;
  switch (spec.className) {
    case 'Activation':
      return config.activation as ActivationValue | undefined;
    case 'ReLU':
      if (config.max_value === null && config.negative_slope === 0 && config.threshold === 0) {
        return 'relu';
      }
      if (config.max_value === 6 && config.negative_slope === 0 && config.threshold === 0) {
        return 'relu6';
      }
      return { class_name: 'ReLU', config: pick(config, ['max_value', 'negative_slope', 'threshold']) };
    case 'ELU':
      return config.alpha === 1 ? 'elu' : { class_name: 'ELU', config: pick(config, ['alpha']) };
    case 'Softmax':
      return config.axis === -1 ? 'softmax' : { class_name: 'Softmax', config: pick(config, ['axis']) };
    case 'LeakyReLU':
      return { class_name: 'LeakyReLU', config: pick(config, ['negative_slope']) };
    default:
      return undefined;
  }
}

function pick(config: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, config[key]]));
}

function exampleFor(name: string): string {
  switch (name) {
    case 'units':
      return 'units=64';
    case 'activation':
      return "activation='relu'";
    case 'rate':
      return 'rate=0.2';
    case 'filters':
      return 'filters=32';
    case 'kernel_size':
      return 'kernel_size=(3, 3)';
    case 'target_shape':
      return 'target_shape=(28, 28, 1)';
    case 'input_dim':
      return 'input_dim=10000';
    case 'output_dim':
      return 'output_dim=64';
    default:
      return `${name}=...`;
  }
}
