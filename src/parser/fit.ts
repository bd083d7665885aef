/** `model.fit(...)` and `model.evaluate(...)`, with the Keras defaults for what the file leaves out. */
import * as l10n from '@vscode/l10n';
import { evaluateArgument, readBooleanArgument, readIntegerArgument, readNumberArgument } from './argumentValues';
import { bindArguments, type CallArgument } from './callArguments';
import type { ParseContext } from './context';
import type { DataLookup, DatasetTracker } from './dataset';
import { elementsOf, unparenthesize, type SyntaxNode } from './syntax';

/** Keras 3 `Model.fit` defaults. */
export const FIT_DEFAULTS = { epochs: 1, batchSize: 32, validationSplit: 0, shuffle: true } as const;

export interface FitReading {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly validationSplit?: number;
  readonly validationOnTest: boolean;
  readonly shuffle?: boolean;
  readonly call: SyntaxNode;
  /** Dataset content of `x` and `y` at the time `fit` runs. */
  readonly images?: DataLookup;
  readonly imagesNode?: SyntaxNode;
  readonly labels?: DataLookup;
  readonly labelsNode?: SyntaxNode;
  readonly validationImages?: DataLookup;
}

export interface EvaluateReading {
  readonly call: SyntaxNode;
  readonly images?: DataLookup;
}

export function readFit(context: ParseContext, call: SyntaxNode, displayName: string, dataset: DatasetTracker): FitReading {
  const bound = bindArguments(context, call, {
    displayName,
    positional: ['x', 'y', 'batch_size', 'epochs', 'verbose', 'callbacks', 'validation_split', 'validation_data', 'shuffle'],
    ignored: ['verbose', 'workers', 'use_multiprocessing', 'max_queue_size'],
  });
  const optional = <T>(name: string, read: (argument: CallArgument) => T | undefined): T | undefined => {
    const argument = bound.get(name);
    return argument ? read(argument) : undefined;
  };

  const epochs = optional('epochs', (argument) => readIntegerArgument(context, argument, displayName, 1));
  const batchSize = optional('batch_size', (argument) => readBatchSize(context, argument, displayName));
  const shuffle = optional('shuffle', (argument) => readBooleanArgument(context, argument, displayName));
  let validationSplit = optional('validation_split', (argument) =>
    readNumberArgument(context, argument, displayName, { minimum: 0, exclusiveMaximum: 1 }),
  );

  const callbacks = bound.get('callbacks');
  if (callbacks) {
    context.sink.warning(
      'ignored-argument',
      callbacks.span,
      l10n.t('Gradient Flow ignores `callbacks`, so training runs every epoch without them; early stopping and learning-rate schedules do not apply.'),
    );
  }

  const validationData = bound.get('validation_data');
  const validation = validationData ? readValidationData(context, validationData, dataset) : undefined;
  if (validation?.onTest && validationSplit !== undefined && validationSplit > 0) {
    const splitArgument = bound.get('validation_split') as CallArgument;
    context.sink.information(
      'validation-split-ignored',
      splitArgument.span,
      l10n.t('Keras ignores validation_split when validation_data is given, so Gradient Flow validates on validation_data only.'),
    );
    validationSplit = 0;
  }

  const x = bound.get('x');
  const y = bound.get('y');
  return {
    epochs,
    batchSize,
    validationSplit,
    validationOnTest: validation?.onTest ?? false,
    shuffle,
    call,
    images: x ? dataset.lookup(x.value) : undefined,
    imagesNode: x?.value,
    labels: y ? dataset.lookup(y.value) : undefined,
    labelsNode: y?.value,
    validationImages: validation?.images,
  };
}

export function readEvaluate(context: ParseContext, call: SyntaxNode, displayName: string, dataset: DatasetTracker): EvaluateReading {
  const bound = bindArguments(context, call, {
    displayName,
    positional: ['x', 'y', 'batch_size', 'verbose'],
    ignored: ['batch_size', 'verbose', 'return_dict', 'callbacks'],
  });
  const x = bound.get('x');
  return { call, images: x ? dataset.lookup(x.value) : undefined };
}

function readBatchSize(context: ParseContext, argument: CallArgument, displayName: string): number | undefined {
  const value = evaluateArgument(context, argument, displayName);
  if (value?.kind === 'none') {
    return undefined;
  }
  return value === undefined ? undefined : readIntegerArgument(context, argument, displayName, 1);
}

/**
 * Reads `validation_data=(x_test, y_test)`. When the file loads MNIST, both arrays must come
 * from its test split. In a file without a dataset, the pair is taken to be the test split.
 */
function readValidationData(
  context: ParseContext,
  argument: CallArgument,
  dataset: DatasetTracker,
): { onTest: boolean; images?: DataLookup } | undefined {
  const inner = unparenthesize(context.resolveExpression(argument.value));
  const elements = inner.name === 'TupleExpression' || inner.name === 'ArrayExpression' ? elementsOf(inner) : [];
  if (elements.length === 2) {
    if (!dataset.loaded) {
      return { onTest: true };
    }
    const images = dataset.lookup(elements[0]);
    const labels = dataset.lookup(elements[1]);
    const isTest = (lookup: DataLookup, role: 'images' | 'labels'): boolean =>
      lookup.kind === 'data' && lookup.value.kind === 'array' && lookup.value.split === 'test' && lookup.value.role === role;
    if (isTest(images, 'images') && isTest(labels, 'labels')) {
      return { onTest: true, images };
    }
  }
  context.sink.error(
    'unsupported-validation-data',
    argument.value,
    l10n.t('Gradient Flow can validate only on the MNIST test split, so it cannot use `{0}`. Write validation_data=(x_test, y_test) with the arrays from load_data(), or use validation_split=0.2.', context.snippet(argument.value)),
  );
  return undefined;
}
