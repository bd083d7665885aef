/**
 * Quick fixes on the optimizer of `compile(...)`: change the learning rate tenfold, or add
 * gradient clipping with `clipnorm=1.0`. An optimizer given as a string such as `'SGD'`
 * becomes an optimizer object, `SGD(learning_rate=0.001)`, with its import added where the
 * file imports its layers.
 */
import type { OptimizerName } from '../../common/modelSpec';
import type { CallArgument } from '../../parser/callArguments';
import type { SyntaxNode } from '../../parser/syntax';
import { kerasClassReference } from './kerasReferences';
import { pythonFloat, type ModelSource } from './modelSource';
import { insertAt, replaceSpan, type FixEdit } from './sourceEdit';

/** Factor by which the learning-rate fixes lower or raise the rate. */
export const LEARNING_RATE_FACTOR = 10;
/** The `clipnorm` the clipping fix sets: a common starting point that leaves typical gradients alone. */
export const CLIPNORM = 1.0;

type OptimizerTarget =
  /** `compile` has no optimizer argument, so Keras uses 'rmsprop'. */
  | { readonly kind: 'missing'; readonly compileCall: SyntaxNode; readonly className: OptimizerName }
  | { readonly kind: 'string'; readonly node: SyntaxNode; readonly className: OptimizerName }
  | { readonly kind: 'object'; readonly call: SyntaxNode };

export function lowerLearningRateFix(model: ModelSource): FixEdit | undefined {
  return setLearningRate(model, model.spec.compile.optimizer.learningRate / LEARNING_RATE_FACTOR);
}

export function raiseLearningRateFix(model: ModelSource): FixEdit | undefined {
  return setLearningRate(model, model.spec.compile.optimizer.learningRate * LEARNING_RATE_FACTOR);
}

export function addGradientClippingFix(model: ModelSource): FixEdit | undefined {
  const target = optimizerTarget(model);
  const value = pythonFloat(CLIPNORM);
  if (!target) {
    return undefined;
  }
  if (target.kind !== 'object') {
    return optimizerObject(model, target, `clipnorm=${value}`);
  }

  const clipnorm = model.argument(target.call, ['clipnorm']);
  if (clipnorm) {
    return { edits: [replaceSpan(clipnorm.value, value)] };
  }
  // Keras accepts only one of clipnorm and clipvalue, so clipnorm replaces clipvalue.
  const clipvalue = model.argument(target.call, ['clipvalue']);
  if (clipvalue) {
    return { edits: [replaceSpan(clipvalue.span, model.keywordArgument('clipnorm', value, clipvalue))] };
  }
  const edit = model.appendArgument(target.call, model.keywordArgument('clipnorm', value, firstKeyword(model, target.call)));
  return edit ? { edits: [edit] } : undefined;
}

function setLearningRate(model: ModelSource, rate: number): FixEdit | undefined {
  const target = optimizerTarget(model);
  const value = pythonFloat(rate);
  if (!target || !(rate > 0) || !Number.isFinite(rate)) {
    return undefined;
  }
  if (target.kind !== 'object') {
    return optimizerObject(model, target, `learning_rate=${value}`);
  }

  // Keras reads the first positional argument of every supported optimizer as the learning rate.
  const existing = model.argument(target.call, ['learning_rate', 'lr'], 0);
  if (existing) {
    return { edits: [replaceSpan(existing.value, value)] };
  }
  const edit = model.appendArgument(target.call, model.keywordArgument('learning_rate', value, firstKeyword(model, target.call)));
  return edit ? { edits: [edit] } : undefined;
}

/** Replaces a string optimizer, or fills in a missing one, with `ClassName(argument)`. */
function optimizerObject(model: ModelSource, target: Exclude<OptimizerTarget, { kind: 'object' }>, argument: string): FixEdit | undefined {
  const reference = kerasClassReference(model, 'optimizers', target.className);
  if (!reference) {
    return undefined;
  }
  const object = `${reference.text}(${argument})`;
  if (target.kind === 'string') {
    return { edits: [...reference.edits, replaceSpan(target.node, object)] };
  }

  // Without an optimizer argument every argument is a keyword, so it can go first.
  const first = model.argumentsOf(target.compileCall)[0];
  const written = model.keywordArgument('optimizer', object, first);
  const edit = first ? insertAt(first.span.from, `${written}, `) : model.appendArgument(target.compileCall, written);
  return edit ? { edits: [...reference.edits, edit] } : undefined;
}

/** Finds what `compile` passes as its optimizer, following a name assigned once (`opt = SGD()`). */
function optimizerTarget(model: ModelSource): OptimizerTarget | undefined {
  const compileCall = model.compileCall();
  if (!compileCall) {
    return undefined;
  }
  const className = model.spec.compile.optimizer.className;
  const argument = model.argument(compileCall, ['optimizer'], 0);
  if (!argument) {
    return { kind: 'missing', compileCall, className };
  }
  const value = model.context.resolveExpression(argument.value);
  if (value.name === 'String') {
    return { kind: 'string', node: value, className };
  }
  return value.name === 'CallExpression' ? { kind: 'object', call: value } : undefined;
}

function firstKeyword(model: ModelSource, call: SyntaxNode): CallArgument | undefined {
  return model.argumentsOf(call).find((argument) => argument.keyword !== undefined);
}
