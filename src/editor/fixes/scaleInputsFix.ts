/**
 * Quick fix "divide the images by 255": after `(x_train, y_train), (x_test, y_test) =
 * mnist.load_data()` come `x_train = x_train / 255.0` and `x_test = x_test / 255.0`, so the
 * pixels lie between 0 and 1.
 */
import { childrenOf, splitAtCommas, unparenthesize, elementsOf, type SyntaxNode } from '../../parser/syntax';
import type { ModelSource } from './modelSource';
import type { FixEdit } from './sourceEdit';

export function scaleInputsFix(model: ModelSource): FixEdit | undefined {
  const dataset = model.spec.dataset;
  if (dataset.origin !== 'file' || dataset.pixelDivisor !== 1 || !dataset.range) {
    return undefined;
  }
  const load = model.callAt(dataset.range);
  const statement = load ? model.statementOf(load) : undefined;
  const images = statement ? imageNames(model, statement, load as SyntaxNode) : undefined;
  if (!statement || !images) {
    return undefined;
  }
  return { edits: [model.insertLinesAfter(statement, images.map((name) => `${name} = ${name} / 255.0`))] };
}

/**
 * Reads the training and test image names from `(x_train, y_train), (x_test, y_test) =
 * load_data()`; undefined for any other form, such as `data = load_data()`.
 */
function imageNames(model: ModelSource, statement: SyntaxNode, load: SyntaxNode): string[] | undefined {
  if (statement.name !== 'AssignStatement') {
    return undefined;
  }
  const children = childrenOf(statement);
  const assign = children.findIndex((child) => child.name === 'AssignOp');
  if (assign < 0 || children[children.length - 1].from !== load.from) {
    return undefined;
  }

  let pairs = splitAtCommas(children.slice(0, assign)).map((group) => group[0]);
  if (pairs.length === 1) {
    pairs = elementsOf(unparenthesize(pairs[0]));
  }
  const names = pairs.map((pair) => {
    const items = pair.name === 'TupleExpression' || pair.name === 'ArrayExpression' ? elementsOf(pair) : [];
    return items.length === 2 && items[0].name === 'VariableName' ? model.textOf(items[0]) : undefined;
  });
  return names.length === 2 && names.every((name) => name !== undefined) ? (names as string[]) : undefined;
}
