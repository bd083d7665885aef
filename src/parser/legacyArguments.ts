/**
 * Keras 1 and 2 spellings that tutorials still carry: keywords such as `border_mode` and
 * `nb_filter`, and `Convolution2D(32, 3, 3)`. An old keyword with one current meaning is
 * renamed with a warning, so the layer reads as the author meant it. Any other old keyword
 * is an error that names the current keyword.
 */
import * as l10n from '@vscode/l10n';
import type { LayerClassName } from '../common/modelSpec';
import { evaluateArgument } from './argumentValues';
import type { CallArgument } from './callArguments';
import type { ParseContext } from './context';
import type { SyntaxNode } from './syntax';

const CONVOLUTION_AND_POOLING: readonly LayerClassName[] = ['Conv2D', 'MaxPooling2D', 'AveragePooling2D'];
const RECURRENT: readonly LayerClassName[] = ['SimpleRNN', 'LSTM', 'GRU'];
const WEIGHTED: readonly LayerClassName[] = ['Dense', 'Conv2D', ...RECURRENT];

interface LegacyKeyword {
  readonly current: string;
  readonly classes: readonly LayerClassName[];
}

/** Keras 1 keywords that Keras 3 rejects with TypeError, each with the one current keyword it became. */
const RENAMED_KEYWORDS: Readonly<Record<string, readonly LegacyKeyword[]>> = {
  border_mode: [{ current: 'padding', classes: CONVOLUTION_AND_POOLING }],
  subsample: [{ current: 'strides', classes: ['Conv2D'] }],
  nb_filter: [{ current: 'filters', classes: ['Conv2D'] }],
  dim_ordering: [{ current: 'data_format', classes: [...CONVOLUTION_AND_POOLING, 'GlobalAveragePooling2D', 'GlobalMaxPooling2D'] }],
  init: [
    { current: 'kernel_initializer', classes: WEIGHTED },
    { current: 'embeddings_initializer', classes: ['Embedding'] },
  ],
  inner_init: [{ current: 'recurrent_initializer', classes: RECURRENT }],
  inner_activation: [{ current: 'recurrent_activation', classes: ['LSTM', 'GRU'] }],
  output_dim: [{ current: 'units', classes: ['Dense', ...RECURRENT] }],
  bias: [{ current: 'use_bias', classes: WEIGHTED }],
  dropout_W: [{ current: 'dropout', classes: RECURRENT }],
  dropout_U: [{ current: 'recurrent_dropout', classes: RECURRENT }],
  p: [{ current: 'rate', classes: ['Dropout'] }],
  W_regularizer: [{ current: 'kernel_regularizer', classes: WEIGHTED }],
  b_regularizer: [{ current: 'bias_regularizer', classes: WEIGHTED }],
  U_regularizer: [{ current: 'recurrent_regularizer', classes: RECURRENT }],
  W_constraint: [{ current: 'kernel_constraint', classes: WEIGHTED }],
  b_constraint: [{ current: 'bias_constraint', classes: WEIGHTED }],
  U_constraint: [{ current: 'recurrent_constraint', classes: RECURRENT }],
};

/** Arguments of a layer call after the Keras 1 and 2 keywords are renamed or taken out. */
export interface LegacyReading {
  /** The arguments to bind, with renamed keywords under their current names. */
  readonly arguments: readonly CallArgument[];
  /** `kernel_size` from Keras 1 `nb_row=` and `nb_col=`, when both are given. */
  readonly kernelSize?: { readonly rows: CallArgument; readonly columns: CallArgument };
  /** Keras 2 `input_length=` of `Embedding`. */
  readonly inputLength?: CallArgument;
  /** The class name as the file imports it, such as `Convolution2D` for `Conv2D`; undefined when unknown. */
  readonly writtenClassName?: string;
}

/**
 * Renames Keras 1 and 2 keywords of a `className` call to their Keras 3 names, reporting
 * each, and takes out those that have no single current keyword.
 */
export function renameLegacyKeywords(
  context: ParseContext,
  className: LayerClassName,
  callArguments: readonly CallArgument[],
  callee: string,
  writtenClassName: string | undefined,
): LegacyReading {
  const kept: CallArgument[] = [];
  let rows: CallArgument | undefined;
  let columns: CallArgument | undefined;
  let inputLength: CallArgument | undefined;

  for (const argument of callArguments) {
    const keyword = argument.keyword;
    const renamed = keyword === undefined ? undefined : RENAMED_KEYWORDS[keyword]?.find((entry) => entry.classes.includes(className));
    if (keyword === undefined) {
      kept.push(argument);
    } else if (renamed) {
      reportRenamed(context, argument, keyword, renamed.current, callee);
      kept.push({ ...argument, keyword: renamed.current, writtenKeyword: keyword });
    } else if (className === 'LeakyReLU' && keyword === 'alpha') {
      context.sink.warning(
        'legacy-argument',
        argument.span,
        l10n.t('Keras 3 still accepts `alpha` in `{0}` but warns that it is deprecated. Rename it: negative_slope={1}.', callee, context.snippet(argument.value)),
      );
      kept.push({ ...argument, keyword: 'negative_slope', writtenKeyword: keyword });
    } else if (className === 'Conv2D' && (keyword === 'nb_row' || keyword === 'nb_col')) {
      if (keyword === 'nb_row') {
        rows = argument;
      } else {
        columns = argument;
      }
    } else if (className === 'Embedding' && keyword === 'input_length') {
      inputLength = argument;
      context.sink.warning(
        'legacy-argument',
        argument.span,
        l10n.t('Keras 3 ignores `input_length` in `{0}` and warns that it is deprecated. Gradient Flow takes it as the input shape ({1},); write input_shape=({1},) instead, or start the model with keras.Input(shape=({1},)).', callee, context.snippet(argument.value)),
      );
    } else if (className === 'LSTM' && keyword === 'forget_bias_init') {
      context.sink.error(
        'legacy-argument',
        argument.span,
        l10n.t('`forget_bias_init` is a Keras 1 argument that Keras 3 rejects with TypeError. Its current form is unit_forget_bias, which takes True or False: remove `forget_bias_init` and keep unit_forget_bias=True (the default) to start the forget gate bias at 1.'),
      );
    } else {
      kept.push(argument);
    }
  }

  const kernelSize = readKernelRowsAndColumns(context, rows, columns, callee);
  return { arguments: kept, kernelSize, inputLength, writtenClassName };
}

function reportRenamed(context: ParseContext, argument: CallArgument, keyword: string, current: string, callee: string): void {
  let value = context.snippet(argument.value);
  if (keyword === 'dim_ordering') {
    const written = evaluateArgument(context, argument, callee);
    if (written?.kind === 'string' && (written.value === 'th' || written.value === 'tf')) {
      value = written.value === 'th' ? "'channels_first'" : "'channels_last'";
    }
  }
  context.sink.warning(
    'legacy-argument',
    argument.span,
    l10n.t('`{0}` is the Keras 1 name of `{1}`, and Keras 3 rejects it with TypeError. Gradient Flow reads it as `{1}`; rename it: {1}={2}.', keyword, current, value),
  );
}

function readKernelRowsAndColumns(
  context: ParseContext,
  rows: CallArgument | undefined,
  columns: CallArgument | undefined,
  callee: string,
): LegacyReading['kernelSize'] {
  if (rows && columns) {
    context.sink.warning(
      'legacy-argument',
      { from: Math.min(rows.span.from, columns.span.from), to: Math.max(rows.span.to, columns.span.to) },
      l10n.t('`nb_row` and `nb_col` are the Keras 1 names of the kernel size, and Keras 3 rejects them with TypeError. Gradient Flow reads them as kernel_size=({0}, {1}); write that instead.', context.snippet(rows.value), context.snippet(columns.value)),
    );
    return { rows, columns };
  }
  const single = rows ?? columns;
  if (single) {
    context.sink.error(
      'legacy-argument',
      single.span,
      l10n.t('`{0}` is half of the Keras 1 kernel size (nb_row, nb_col), and Keras 3 rejects it with TypeError. Write kernel_size=(rows, columns) in `{1}` instead.', single.keyword ?? '?', callee),
    );
  }
  return undefined;
}

/**
 * Warns about `Convolution2D(32, 3, 3)`: Keras 1 read the numbers as filters, kernel rows and
 * kernel columns, while Keras 2 and 3 read the third as `strides`. The parser follows Keras 3.
 */
export function checkKeras1Convolution(
  context: ParseContext,
  call: SyntaxNode,
  callee: string,
  writtenClassName: string | undefined,
  positionalArguments: { readonly filters?: CallArgument; readonly kernelSize?: CallArgument; readonly strides?: CallArgument },
): void {
  const { filters, kernelSize, strides } = positionalArguments;
  if (writtenClassName !== 'Convolution2D' || !kernelSize?.positional || !strides?.positional) {
    return;
  }
  const rows = evaluateArgument(context, kernelSize, callee);
  const columns = evaluateArgument(context, strides, callee);
  if (rows?.kind !== 'number' || !rows.isInteger || columns?.kind !== 'number' || !columns.isInteger) {
    return;
  }
  context.sink.warning(
    'legacy-positional-argument',
    call,
    l10n.t(
      'In Keras 1, `{0}({1}, {2}, {3})` meant {1} filters of {2}×{3}. Keras 2 and 3 read the third number as strides, so this is a {2}×{2} kernel that moves {3} pixels at a time, and Gradient Flow trains that. For a {2}×{3} kernel with stride 1, write Conv2D({1}, ({2}, {3})).',
      callee,
      filters ? context.snippet(filters.value) : 'filters',
      rows.value,
      columns.value,
    ),
  );
}
