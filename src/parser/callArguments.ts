/**
 * Call arguments: splitting an argument list into positional and keyword arguments, and
 * binding them to the parameters of a Keras signature the way Python would.
 */
import * as l10n from '@vscode/l10n';
import type { ParseContext } from './context';
import { childrenOf, splitAtCommas, type Span, type SyntaxNode } from './syntax';

export interface CallArgument {
  /** The parameter name for keyword arguments, and after binding for positional ones too. */
  readonly keyword?: string;
  readonly value: SyntaxNode;
  /** The whole argument, `units = 64` or `64`. */
  readonly span: Span;
  /** `*args` or `**kwargs` unpacking. */
  readonly unpacking?: '*' | '**';
  /** True when the file passes the argument by position; set by binding. */
  readonly positional?: boolean;
  /** The keyword as the file spells it when that is an old name, such as `border_mode` for `padding`. */
  readonly writtenKeyword?: string;
}

export interface Signature {
  /** The callee as the file spells it, for messages: `Dense`, `model.fit`. */
  readonly displayName: string;
  /** Parameters the parser reads, in Python's positional order. */
  readonly positional: readonly string[];
  /** Further parameters the parser reads that are passed by keyword. */
  readonly keywords?: readonly string[];
  /** Parameters accepted without effect on training, such as `verbose`. */
  readonly ignored?: readonly string[];
}

export function calleeOf(call: SyntaxNode): SyntaxNode | undefined {
  const first = childrenOf(call)[0];
  return first && first.name !== 'ArgList' ? first : undefined;
}

/** Reads the arguments of a `CallExpression` in source order. */
export function readCallArguments(call: SyntaxNode, keywordOf: (node: SyntaxNode) => string): CallArgument[] {
  const argumentList = call.getChild('ArgList');
  if (!argumentList) {
    return [];
  }
  const inner = childrenOf(argumentList).filter((child) => child.name !== '(' && child.name !== ')');
  const result: CallArgument[] = [];
  for (const group of splitAtCommas(inner)) {
    const span = { from: group[0].from, to: group[group.length - 1].to };
    const [first, second, third] = group;
    if ((first.name === '*' || first.name === '**') && second) {
      result.push({ value: second, span, unpacking: first.name });
    } else if (first.name === 'VariableName' && second?.name === 'AssignOp' && third) {
      result.push({ keyword: keywordOf(first), value: third, span });
    } else {
      result.push({ value: group.length === 1 ? first : argumentList, span });
    }
  }
  return result;
}

/**
 * Binds arguments to the signature's parameters by name. Arguments the parser does not
 * read become `unsupported-argument` errors; ignored parameters are bound but carry no
 * meaning for training.
 */
export function bindArguments(
  context: ParseContext,
  call: SyntaxNode,
  signature: Signature,
): Map<string, CallArgument> {
  return bindArgumentList(context, readCallArguments(call, (node) => context.text(node)), signature);
}

/** Binds arguments that the caller has already read, and perhaps renamed, as `bindArguments` does. */
export function bindArgumentList(
  context: ParseContext,
  callArguments: readonly CallArgument[],
  signature: Signature,
): Map<string, CallArgument> {
  const bound = new Map<string, CallArgument>();
  const known = new Set([...signature.positional, ...(signature.keywords ?? []), ...(signature.ignored ?? [])]);
  let positionIndex = 0;

  for (const argument of callArguments) {
    if (argument.unpacking) {
      reportUnpacking(context, argument, signature);
      continue;
    }

    let name = argument.keyword;
    if (name === undefined) {
      name = signature.positional[positionIndex];
      positionIndex++;
      if (name === undefined) {
        reportExtraPositional(context, argument, signature, positionIndex);
        continue;
      }
    } else if (!known.has(name)) {
      reportUnsupportedKeyword(context, argument, signature, name);
      continue;
    }

    if (bound.has(name)) {
      context.sink.error(
        'duplicate-argument',
        argument.span,
        l10n.t('`{0}` receives the argument `{1}` twice, which Python rejects with TypeError. Remove one of them.', signature.displayName, name),
      );
      continue;
    }
    bound.set(name, { ...argument, keyword: name, positional: argument.keyword === undefined });
  }
  return bound;
}

function reportUnpacking(context: ParseContext, argument: CallArgument, signature: Signature): void {
  context.sink.error(
    'unsupported-argument',
    argument.span,
    l10n.t({
      message: 'Gradient Flow cannot read `{0}` in `{1}`, because unpacked arguments are only known when the file runs. Write each argument out, such as units=64.',
      args: [context.snippet(argument.span), signature.displayName],
      comment: ['{0} is `*args` or `**kwargs` as written in the file, {1} the called function.'],
    }),
  );
}

function reportExtraPositional(context: ParseContext, argument: CallArgument, signature: Signature, position: number): void {
  context.sink.error(
    'unsupported-argument',
    argument.span,
    l10n.t({
      message: 'Gradient Flow reads only the first {0} positional arguments of `{1}` ({2}), but `{3}` is argument number {4}. Pass it by keyword, or remove it if Gradient Flow does not support it.',
      args: [signature.positional.length, signature.displayName, signature.positional.join(', '), context.snippet(argument.span), position],
      comment: ['{2} is a comma-separated list of parameter names.'],
    }),
  );
}

function reportUnsupportedKeyword(context: ParseContext, argument: CallArgument, signature: Signature, name: string): void {
  const supported = [...signature.positional, ...(signature.keywords ?? [])];
  context.sink.error(
    'unsupported-argument',
    argument.span,
    l10n.t({
      message: 'Gradient Flow does not support the argument `{0}` of `{1}`, so it cannot train this the way Keras would. Remove it; the arguments Gradient Flow reads are: {2}.',
      args: [name, signature.displayName, supported.join(', ')],
      comment: ['{2} is a comma-separated list of parameter names.'],
    }),
  );
}
