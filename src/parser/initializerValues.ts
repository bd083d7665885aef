/**
 * Initializer arguments, which Keras accepts as strings (`'he_uniform'`, `'HeUniform'`), as
 * classes (`HeNormal`) and as objects with settings (`RandomNormal(stddev=0.01, seed=1)`).
 * They are read into an `InitializerSpec`: the snake-case name when every setting is a
 * default, else `{ class_name, config }` with the Keras 3 defaults filled in.
 */
import * as l10n from '@vscode/l10n';
import type { InitializerSpec } from '../common/modelSpec';
import { evaluateArgument } from './argumentValues';
import { bindArguments, calleeOf, readCallArguments, type CallArgument } from './callArguments';
import type { ParseContext } from './context';
import { SUPPORTED_INITIALIZERS } from './kerasApi';
import { KERAS_INITIALIZER_NAMES } from './kerasCatalog';
import { closestMatch } from './spelling';
import type { SyntaxNode } from './syntax';
import { formatPython, type StaticValue } from './values';

type ParameterKind = 'seed' | 'number' | 'non-negative' | 'positive' | 'mode' | 'distribution';

interface InitializerParameter {
  readonly name: string;
  readonly kind: ParameterKind;
  readonly default: number | string | null;
}

interface InitializerClass {
  readonly className: string;
  /** Constructor parameters in Keras 3's positional order. */
  readonly parameters: readonly InitializerParameter[];
}

const SEED: InitializerParameter = { name: 'seed', kind: 'seed', default: null };

/** Keras 3 initializer classes by snake-case name, with their constructor defaults. */
const INITIALIZER_CLASSES: Readonly<Record<string, InitializerClass>> = {
  glorot_uniform: { className: 'GlorotUniform', parameters: [SEED] },
  glorot_normal: { className: 'GlorotNormal', parameters: [SEED] },
  he_uniform: { className: 'HeUniform', parameters: [SEED] },
  he_normal: { className: 'HeNormal', parameters: [SEED] },
  lecun_uniform: { className: 'LecunUniform', parameters: [SEED] },
  lecun_normal: { className: 'LecunNormal', parameters: [SEED] },
  random_normal: {
    className: 'RandomNormal',
    parameters: [{ name: 'mean', kind: 'number', default: 0 }, { name: 'stddev', kind: 'non-negative', default: 0.05 }, SEED],
  },
  truncated_normal: {
    className: 'TruncatedNormal',
    parameters: [{ name: 'mean', kind: 'number', default: 0 }, { name: 'stddev', kind: 'non-negative', default: 0.05 }, SEED],
  },
  random_uniform: {
    className: 'RandomUniform',
    parameters: [{ name: 'minval', kind: 'number', default: -0.05 }, { name: 'maxval', kind: 'number', default: 0.05 }, SEED],
  },
  variance_scaling: {
    className: 'VarianceScaling',
    parameters: [
      { name: 'scale', kind: 'positive', default: 1 },
      { name: 'mode', kind: 'mode', default: 'fan_in' },
      { name: 'distribution', kind: 'distribution', default: 'truncated_normal' },
      SEED,
    ],
  },
  orthogonal: { className: 'Orthogonal', parameters: [{ name: 'gain', kind: 'number', default: 1 }, SEED] },
  identity: { className: 'Identity', parameters: [{ name: 'gain', kind: 'number', default: 1 }] },
  constant: { className: 'Constant', parameters: [{ name: 'value', kind: 'number', default: 0 }] },
  zeros: { className: 'Zeros', parameters: [] },
  ones: { className: 'Ones', parameters: [] },
};

const VARIANCE_MODES = ['fan_in', 'fan_out', 'fan_avg'];
const VARIANCE_DISTRIBUTIONS = ['truncated_normal', 'untruncated_normal', 'uniform'];

/** Reads a kernel, bias, recurrent or embeddings initializer. */
export function readInitializer(context: ParseContext, argument: CallArgument, callee: string): InitializerSpec | undefined {
  const expression = context.resolveExpression(argument.value);
  const isCall = expression.name === 'CallExpression';
  const symbol = context.names.symbolOf(isCall ? (calleeOf(expression) ?? expression) : expression);

  if (symbol?.kind === 'initializer') {
    const initializerClass = INITIALIZER_CLASSES[symbol.initializer];
    if (!initializerClass) {
      const written = context.snippet(isCall ? (calleeOf(expression) ?? expression) : expression);
      reportUnsupportedInitializer(context, argument, callee, written, written.slice(written.lastIndexOf('.') + 1));
      return undefined;
    }
    // Keras instantiates a class passed without parentheses, so `HeNormal` is `HeNormal()`.
    const hasArguments = isCall && readCallArguments(expression, (node) => context.text(node)).length > 0;
    return hasArguments ? readInitializerObject(context, expression, initializerClass) : symbol.initializer;
  }

  const value = evaluateArgument(context, argument, callee);
  if (value === undefined) {
    return undefined;
  }
  if (value.kind !== 'string') {
    reportUnsupportedInitializer(context, argument, callee, formatPython(value), formatPython(value));
    return undefined;
  }
  // Keras also accepts class names as strings, 'HeUniform' for 'he_uniform', and looks
  // names up case-sensitively, so 'Henormal' fails there.
  const written = value.value;
  const isClassName = /^[A-Z]/.test(written);
  const snakeName = isClassName ? written.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase() : written;
  const known = isClassName ? INITIALIZER_CLASSES[snakeName]?.className === written : SUPPORTED_INITIALIZERS.includes(written);
  if (!known) {
    reportUnsupportedInitializer(context, argument, callee, formatPython(value), written);
    return undefined;
  }
  return snakeName;
}

function readInitializerObject(context: ParseContext, call: SyntaxNode, initializerClass: InitializerClass): InitializerSpec | undefined {
  const displayName = context.snippet(calleeOf(call) ?? call);
  const bound = bindArguments(context, call, { displayName, positional: initializerClass.parameters.map((parameter) => parameter.name) });
  const config: Record<string, unknown> = {};
  let valid = true;
  for (const parameter of initializerClass.parameters) {
    const argument = bound.get(parameter.name);
    if (!argument) {
      config[parameter.name] = parameter.default;
      continue;
    }
    const value = readParameter(context, argument, displayName, parameter);
    valid &&= value !== undefined;
    config[parameter.name] = value;
  }
  return valid ? { class_name: initializerClass.className, config } : undefined;
}

function readParameter(
  context: ParseContext,
  argument: CallArgument,
  callee: string,
  parameter: InitializerParameter,
): number | string | null | undefined {
  const value = evaluateArgument(context, argument, callee);
  if (value === undefined) {
    return undefined;
  }
  const accepted = acceptedValue(value, parameter.kind);
  if (accepted !== undefined) {
    return accepted;
  }
  context.sink.error(
    'invalid-value',
    argument.value,
    l10n.t('`{0}={1}` in `{2}` is invalid: {3}', parameter.name, formatPython(value), callee, requirementOf(parameter.kind)),
  );
  return undefined;
}

/** Returns the value Keras 3 stores for `value`, or undefined when Keras rejects it or it is not a plain number. */
function acceptedValue(value: StaticValue, kind: ParameterKind): number | string | null | undefined {
  switch (kind) {
    case 'seed':
      if (value.kind === 'none') {
        return null;
      }
      return value.kind === 'number' && value.isInteger && Number.isSafeInteger(value.value) ? value.value : undefined;
    case 'number':
      return value.kind === 'number' && Number.isFinite(value.value) ? value.value : undefined;
    case 'non-negative':
      return value.kind === 'number' && Number.isFinite(value.value) && value.value >= 0 ? value.value : undefined;
    case 'positive':
      return value.kind === 'number' && Number.isFinite(value.value) && value.value > 0 ? value.value : undefined;
    case 'mode':
      return value.kind === 'string' && VARIANCE_MODES.includes(value.value) ? value.value : undefined;
    case 'distribution': {
      // Keras 3 lower-cases the distribution and reads 'normal' as 'truncated_normal'.
      const distribution = value.kind === 'string' ? value.value.toLowerCase() : '';
      const normalised = distribution === 'normal' ? 'truncated_normal' : distribution;
      return VARIANCE_DISTRIBUTIONS.includes(normalised) ? normalised : undefined;
    }
  }
}

function requirementOf(kind: ParameterKind): string {
  switch (kind) {
    case 'seed':
      return l10n.t('a seed must be a whole number or None.');
    case 'number':
      return l10n.t('it must be a number.');
    case 'non-negative':
      return l10n.t('it must be a number of at least 0.');
    case 'positive':
      return l10n.t('it must be a number greater than 0.');
    case 'mode':
      return l10n.t('use one of {0}.', VARIANCE_MODES.map((mode) => `'${mode}'`).join(', '));
    case 'distribution':
      return l10n.t('use one of {0}.', VARIANCE_DISTRIBUTIONS.map((distribution) => `'${distribution}'`).join(', '));
  }
}

function reportUnsupportedInitializer(context: ParseContext, argument: CallArgument, callee: string, written: string, name: string): void {
  const classNames = Object.values(INITIALIZER_CLASSES).map((entry) => entry.className);
  const suggestion = KERAS_INITIALIZER_NAMES.includes(name) ? undefined : closestMatch(name, [...SUPPORTED_INITIALIZERS, ...classNames]);
  const supported = SUPPORTED_INITIALIZERS.join(', ');
  if (suggestion !== undefined) {
    context.sink.error(
      'unsupported-initializer',
      argument.value,
      l10n.t('`{0}` in `{1}` is not a Keras initializer. Did you mean `{2}`? Gradient Flow supports: {3}.', written, callee, suggestion, supported),
    );
    return;
  }
  context.sink.error(
    'unsupported-initializer',
    argument.value,
    l10n.t({
      message: '`{0}` in `{1}` is not an initializer that Gradient Flow supports. Use one of: {2}.',
      args: [written, callee, supported],
      comment: ['{2} is a comma-separated list of initializer names.'],
    }),
  );
}
