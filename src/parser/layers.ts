/**
 * Layer calls: `Dense(64, activation='relu')` and the other supported classes, read into a
 * `LayerSpec` with Keras defaults filled in and the Keras auto-name.
 */
import * as l10n from '@vscode/l10n';
import type { LayerClassName, LayerSpec } from '../common/modelSpec';
import { readIntegerArgument } from './argumentValues';
import { bindArgumentList, calleeOf, readCallArguments } from './callArguments';
import type { ParseContext } from './context';
import { canonicalPath, LAYER_ALIASES, lookupKerasSymbol, SUPPORTED_LAYERS } from './kerasApi';
import { correctedPath, findMisspelling, KERAS_LAYER_CLASS_NAMES } from './kerasCatalog';
import { LayerArgumentReader, type DeclaredShape } from './layerArguments';
import { readLayerConfig } from './layerConfigs';
import { INPUT_SIGNATURE, LAYER_SIGNATURES, noneOnlyKeywords } from './layerSignatures';
import { renameLegacyKeywords, type LegacyReading } from './legacyArguments';
import { closestMatch } from './spelling';
import type { SyntaxNode } from './syntax';

export interface LayerReading {
  readonly spec: LayerSpec;
  /** The shape this layer declares: the shape of an `InputLayer`, or its `input_shape=`. */
  readonly inputShape?: DeclaredShape;
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
    const prefix = toSnakeCase(className);
    const count = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, count + 1);
    return count === 0 ? prefix : `${prefix}_${count}`;
  }
}

/**
 * Keras 3's `to_snake_case` (keras/src/utils/naming.py), which gives `conv2d`,
 * `max_pooling2d`, `leaky_re_lu` and `simple_rnn`.
 */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

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
    reportUnknownLayer(context, callee, reportAt === call ? displayName : context.snippet(node), reportAt);
    return undefined;
  }

  const className: LayerClassName = symbol.kind === 'input' ? 'InputLayer' : symbol.className;
  const signature = { ...(symbol.kind === 'input' ? INPUT_SIGNATURE : LAYER_SIGNATURES[className]), displayName };
  const writtenClassName = context.names.qualifiedName(callee)?.split('.').pop();
  const callArguments = readCallArguments(call, (part) => context.text(part));
  const legacy = renameLegacyKeywords(context, className, callArguments, displayName, writtenClassName);
  const bound = bindArgumentList(context, legacy.arguments, signature);
  const reader = new LayerArgumentReader(context, bound, displayName, (nested) => readLayer(context, nested, namer)?.spec);

  const config = readLayerConfig(className, reader, call, legacy);
  let inputShape: DeclaredShape;
  if (className === 'InputLayer') {
    inputShape = reader.inputLayerShape(call);
  } else {
    reader.checkDtype();
    reader.noneOnly(noneOnlyKeywords(className));
    const trainable = reader.boolean('trainable');
    if (trainable !== undefined) {
      config.trainable = trainable;
    }
    inputShape = reader.declaredInputShape(className) ?? inputLengthShape(context, legacy, displayName);
  }
  if (inputShape) {
    config.input_shape = inputShape.shape;
  }

  const name = reader.layerName() ?? namer.next(className);
  return {
    spec: { className, name, config, range: context.source.rangeOf(call) },
    inputShape,
    isInputLayer: className === 'InputLayer',
  };
}

/** `Embedding(..., input_length=n)` of Keras 2 declared inputs of shape (n,). */
function inputLengthShape(context: ParseContext, legacy: LegacyReading, callee: string): DeclaredShape {
  const argument = legacy.inputLength;
  if (!argument) {
    return undefined;
  }
  const length = readIntegerArgument(context, argument, callee, 1);
  return length === undefined ? undefined : { shape: [length], span: argument.span };
}

/** Reports a callee that is no Keras layer, with the layer it most likely misspells. */
function reportUnknownLayer(context: ParseContext, callee: SyntaxNode, written: string, reportAt: SyntaxNode): void {
  const suggestion = suggestLayer(context, callee);
  if (suggestion !== undefined) {
    context.sink.error(
      'unknown-layer',
      reportAt,
      l10n.t('`{0}` does not exist in Keras, so Python stops here with an error. Did you mean `{1}`?', context.snippet(callee), suggestion),
    );
    return;
  }
  context.sink.error(
    'unknown-layer',
    reportAt,
    l10n.t('`{0}` is not a Keras layer that Gradient Flow recognises. Check its spelling and import, or use one of: {1}.', written, SUPPORTED_LAYERS.join(', ')),
  );
}

/**
 * Returns the callee as the file would spell it with the misspelling fixed: `layers.Conv2d`
 * gives `layers.Conv2D`, `Dnese` gives `Dense`. Names the file binds itself are left alone.
 */
function suggestLayer(context: ParseContext, callee: SyntaxNode): string | undefined {
  const written = context.snippet(callee);
  const path = context.names.qualifiedName(callee);
  if (path === undefined) {
    const isFreeName = callee.name === 'VariableName' && context.moduleScope.lookup(written) === undefined;
    return isFreeName ? closestMatch(written, [...SUPPORTED_LAYERS, ...Object.keys(LAYER_ALIASES), ...KERAS_LAYER_CLASS_NAMES]) : undefined;
  }

  const misspelling = findMisspelling(path);
  if (!misspelling) {
    return undefined;
  }
  const corrected = correctedPath(path, misspelling);
  const symbol = lookupKerasSymbol(canonicalPath(corrected));
  if (symbol?.kind !== 'layer' && symbol?.kind !== 'unsupported-layer' && symbol?.kind !== 'input') {
    return undefined;
  }
  const segments = written.split('.');
  const index = segments.lastIndexOf(misspelling.written);
  if (index < 0) {
    return corrected;
  }
  segments[index] = misspelling.suggestion;
  return segments.join('.');
}
