/**
 * Finds user-visible text that skips localization. These are places where the extension shows
 * text to the user (messages, quick picks, progress, diagnostics, webview titles, panel text)
 * and passes a string literal, or a template literal with words in it, instead of the result
 * of `l10n.t`, `vscode.l10n.t` or a `PanelStrings` field. Only literals are flagged: a variable
 * or a call is assumed to hold localized text, which keeps the check free of false alarms.
 */
import ts from 'typescript';

export interface LocalizationBypass {
  readonly file: string;
  /** 1-based line of the literal. */
  readonly line: number;
  /** Which user-visible place the literal reaches, such as `showErrorMessage` or `.textContent =`. */
  readonly place: string;
  readonly text: string;
}

/** Two letters in a row, in any script: a word a user would read. */
const WORD = /\p{L}{2,}/u;
const MESSAGE_FUNCTIONS = /^show(Information|Warning|Error)Message$/;
/** Options properties of quick picks and input boxes that the user reads. */
const PICK_OPTION_TEXT = ['title', 'placeHolder', 'prompt'];
/** Properties of quick pick items and message items that the user reads. */
const ITEM_TEXT = ['label', 'description', 'detail', 'title'];
/** DOM properties and attributes whose text is shown or read out. */
const TEXT_PROPERTIES = ['textContent', 'innerText', 'title', 'placeholder', 'ariaLabel'];
const TEXT_ATTRIBUTES = ['aria-label', 'aria-description', 'title', 'placeholder', 'alt'];

/** Returns the literal parts of `expression` that carry words, looking through `+`, `?:`, `??`, `||`, parentheses and `as`. */
function literalsWithWords(expression: ts.Expression): ts.Node[] {
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) {
    return WORD.test(expression.text) ? [expression] : [];
  }
  if (ts.isTemplateExpression(expression)) {
    const staticText = [expression.head.text, ...expression.templateSpans.map((span) => span.literal.text)].join(' ');
    return WORD.test(staticText) ? [expression] : [];
  }
  if (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression) || ts.isSatisfiesExpression(expression)) {
    return literalsWithWords(expression.expression);
  }
  if (ts.isConditionalExpression(expression)) {
    return [...literalsWithWords(expression.whenTrue), ...literalsWithWords(expression.whenFalse)];
  }
  if (ts.isBinaryExpression(expression)) {
    const operator = expression.operatorToken.kind;
    if (
      operator === ts.SyntaxKind.PlusToken ||
      operator === ts.SyntaxKind.QuestionQuestionToken ||
      operator === ts.SyntaxKind.BarBarToken
    ) {
      return [...literalsWithWords(expression.left), ...literalsWithWords(expression.right)];
    }
  }
  return [];
}

function calleeName(call: ts.CallExpression | ts.NewExpression): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) {
    return callee.text;
  }
  if (ts.isPropertyAccessExpression(callee)) {
    return callee.name.text;
  }
  return undefined;
}

/** Returns the values of the named properties of an object literal. */
function propertyValues(node: ts.Expression | undefined, names: readonly string[]): ts.Expression[] {
  if (!node || !ts.isObjectLiteralExpression(node)) {
    return [];
  }
  return node.properties.flatMap((property) =>
    ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) && names.includes(property.name.text)
      ? [property.initializer]
      : [],
  );
}

/** Texts of quick pick items: strings, or the text properties of item objects, in an array literal. */
function quickPickItemTexts(items: ts.Expression | undefined): ts.Expression[] {
  if (!items || !ts.isArrayLiteralExpression(items)) {
    return [];
  }
  return items.elements.flatMap((element) => (ts.isObjectLiteralExpression(element) ? propertyValues(element, ITEM_TEXT) : [element]));
}

/** Expressions that reach the user through `node`, with the name of the place they reach. */
function userVisibleTexts(node: ts.Node): { place: string; expression: ts.Expression }[] {
  if (ts.isCallExpression(node)) {
    const name = calleeName(node);
    const args = [...node.arguments];
    if (name && MESSAGE_FUNCTIONS.test(name)) {
      // The message, then option objects (`detail`), then the buttons as strings or message items.
      return args.flatMap((argument) =>
        ts.isObjectLiteralExpression(argument)
          ? propertyValues(argument, ['detail', ...ITEM_TEXT]).map((expression) => ({ place: name, expression }))
          : [{ place: name, expression: argument }],
      );
    }
    switch (name) {
      case 'showQuickPick':
        return [
          ...quickPickItemTexts(args[0]).map((expression) => ({ place: 'showQuickPick item', expression })),
          ...propertyValues(args[1], PICK_OPTION_TEXT).map((expression) => ({ place: 'showQuickPick options', expression })),
        ];
      case 'showInputBox':
        return propertyValues(args[0], [...PICK_OPTION_TEXT, 'value']).map((expression) => ({ place: 'showInputBox', expression }));
      case 'withProgress':
        return propertyValues(args[0], ['title']).map((expression) => ({ place: 'withProgress title', expression }));
      case 'report':
        return propertyValues(args[0], ['message']).map((expression) => ({ place: 'progress message', expression }));
      case 'createWebviewPanel':
        return args[1] ? [{ place: 'createWebviewPanel title', expression: args[1] }] : [];
      case 'setAttribute':
      case 'attr': {
        const attribute = args[0];
        return attribute && ts.isStringLiteral(attribute) && TEXT_ATTRIBUTES.includes(attribute.text) && args[1]
          ? [{ place: `${name}('${attribute.text}')`, expression: args[1] }]
          : [];
      }
      default:
        return [];
    }
  }

  if (ts.isNewExpression(node) && calleeName(node) === 'Diagnostic' && node.arguments?.[1]) {
    return [{ place: 'new Diagnostic', expression: node.arguments[1] }];
  }

  if (
    ts.isBinaryExpression(node) &&
    node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    ts.isPropertyAccessExpression(node.left) &&
    TEXT_PROPERTIES.includes(node.left.name.text)
  ) {
    return [{ place: `.${node.left.name.text} =`, expression: node.right }];
  }
  return [];
}

/** Lists the literals with words that `source` shows to the user without localizing them. */
export function findLocalizationBypasses(file: string, source: string): LocalizationBypass[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: LocalizationBypass[] = [];

  const visit = (node: ts.Node): void => {
    for (const { place, expression } of userVisibleTexts(node)) {
      for (const literal of literalsWithWords(expression)) {
        const { line } = sourceFile.getLineAndCharacterOfPosition(literal.getStart(sourceFile));
        found.push({ file, line: line + 1, place, text: literal.getText(sourceFile) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}
