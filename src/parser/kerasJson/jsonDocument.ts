/**
 * The JSON text of a model file as a jsonc-parser tree, with the offset-to-line mapping
 * that diagnostics need, and the sink that collects the diagnostics of the JSON reader.
 */
import * as l10n from '@vscode/l10n';
import { getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { DiagnosticSeverity, ParseDiagnostic, SourceRange } from '../../common/modelSpec';
import type { ParserDiagnosticCode } from '../diagnostics';

/**
 * Diagnostic codes of the JSON reader: the Python parser's codes where the problem is the
 * same, and these for problems only a serialized model has.
 */
export type KerasJsonDiagnosticCode =
  | ParserDiagnosticCode
  /** A Functional model with more than one input. */
  | 'multiple-inputs'
  /** A Functional model with more than one output. */
  | 'multiple-outputs'
  /** A layer called more than once, which shares its weights between the calls. */
  | 'shared-layer'
  /** An inbound node that names a layer that does not come earlier in the list. */
  | 'unknown-inbound-layer'
  /** A Functional layer whose output does not reach the model output. */
  | 'unconnected-layer'
  /** Shapes that do not fit together, such as Conv2D on a flat input. */
  | 'shape-mismatch'
  /** A learning-rate schedule class that the trainer does not know. */
  | 'unsupported-schedule'
  /** The weights a tfjs model.json lists, which training does not load. */
  | 'weights-ignored';

/**
 * Longest JSON text the reader accepts, in UTF-16 code units. Keras 3 writes about 1.2 Ki
 * characters per Dense layer with to_json(indent=2), so 4 Mi characters hold some 3,500
 * layers; the whole reader took 0.3 s for that on the extension host's thread (Node 20,
 * shared 2-core Xeon).
 */
export const MAX_JSON_CHARACTERS = 4 * 1024 * 1024;

/** Deepest nesting of objects and arrays accepted; Keras model JSON nests about 10 levels. */
export const MAX_JSON_DEPTH = 256;

export class JsonDocument {
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    this.lineStarts = [0];
    for (let index = 0; index < text.length; index += 1) {
      const character = text.charCodeAt(index);
      if (character === 10 /* \n */) {
        this.lineStarts.push(index + 1);
      } else if (character === 13 /* \r */) {
        if (text.charCodeAt(index + 1) === 10) {
          index += 1;
        }
        this.lineStarts.push(index + 1);
      }
    }
  }

  /** Returns the 0-based line and UTF-16 column of `offset`. */
  positionAt(offset: number): { line: number; character: number } {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle] <= clamped) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return { line: low, character: clamped - this.lineStarts[low] };
  }

  rangeOfSpan(offset: number, length: number): SourceRange {
    const start = this.positionAt(offset);
    const end = this.positionAt(offset + length);
    return { startLine: start.line, startCharacter: start.character, endLine: end.line, endCharacter: end.character };
  }

  rangeOf(node: Node): SourceRange {
    return this.rangeOfSpan(node.offset, node.length);
  }

  /** Returns the range from the start of `node` to the end of its first line. */
  firstLineOf(node: Node): SourceRange {
    const start = this.positionAt(node.offset);
    const nextLineStart = this.lineStarts[start.line + 1] ?? this.text.length;
    const lineEnd = this.text.slice(node.offset, nextLineStart).search(/[\r\n]|$/) + node.offset;
    const end = Math.min(lineEnd, node.offset + node.length);
    return { startLine: start.line, startCharacter: start.character, endLine: start.line, endCharacter: start.character + (end - node.offset) };
  }
}

/** A diagnostic's location: a tree node, marked on its first line, or a range computed already. */
export type JsonLocation = Node | SourceRange;

export class JsonDiagnostics {
  private readonly items: ParseDiagnostic[] = [];
  private readonly seen = new Set<string>();

  constructor(readonly document: JsonDocument) {}

  error(code: KerasJsonDiagnosticCode, at: JsonLocation, message: string): void {
    this.add('error', code, at, message);
  }

  warning(code: KerasJsonDiagnosticCode, at: JsonLocation, message: string): void {
    this.add('warning', code, at, message);
  }

  information(code: KerasJsonDiagnosticCode, at: JsonLocation, message: string): void {
    this.add('information', code, at, message);
  }

  hasErrors(): boolean {
    return this.items.some((item) => item.severity === 'error');
  }

  /** The diagnostics in file order, errors first where two share a position. */
  get diagnostics(): readonly ParseDiagnostic[] {
    const rank: Record<DiagnosticSeverity, number> = { error: 0, warning: 1, information: 2 };
    return [...this.items].sort(
      (a, b) =>
        a.range.startLine - b.range.startLine ||
        a.range.startCharacter - b.range.startCharacter ||
        rank[a.severity] - rank[b.severity],
    );
  }

  private add(severity: DiagnosticSeverity, code: KerasJsonDiagnosticCode, at: JsonLocation, message: string): void {
    // A node spanning many lines (a whole layer object) is marked on its first line only.
    const range = 'type' in at ? this.document.firstLineOf(at) : at;
    const key = `${code}|${range.startLine}:${range.startCharacter}|${message}`;
    if (this.seen.has(key)) {
      return;
    }
    this.seen.add(key);
    this.items.push({ severity, code, range, message });
  }
}

/**
 * Parses `text` as strict JSON, as Python's `json.loads` reads it when Keras loads a model.
 * Returns the tree, or undefined after reporting why there is none.
 */
export function parseJsonText(document: JsonDocument, sink: JsonDiagnostics): Node | undefined {
  const text = document.text;
  if (text.length > MAX_JSON_CHARACTERS) {
    sink.error(
      'file-too-large',
      document.rangeOfSpan(0, 0),
      l10n.t('This JSON file has {0} characters, more than the {1} that Gradient Flow reads, so it is not parsed. A Keras model description is far smaller; open the file that model.to_json() wrote.', text.length, MAX_JSON_CHARACTERS),
    );
    return undefined;
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    sink.error(
      'binary-file',
      document.rangeOfSpan(nul, 1),
      l10n.t({
        message: 'This file contains a NUL byte here, so it is a binary file or a text file in an encoding such as UTF-16 that was read as UTF-8. Open the JSON model file itself, saved as UTF-8.',
        comment: ['NUL is the character with code 0. Keep "UTF-16", "UTF-8" and "JSON" untranslated.'],
      }),
    );
    return undefined;
  }
  const tooDeep = findTooDeepNesting(text);
  if (tooDeep !== undefined) {
    sink.error(
      'syntax-error',
      document.rangeOfSpan(tooDeep, 1),
      l10n.t('Objects and arrays are nested more than {0} levels deep here, far deeper than any Keras model description. Check that this is the file model.to_json() wrote.', MAX_JSON_DEPTH),
    );
    return undefined;
  }

  // A byte order mark is not JSON whitespace for jsonc-parser; a space keeps the offsets.
  const parsable = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const errors: ParseError[] = [];
  const root = parseTree(parsable, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  // Later errors are mostly consequences of the first one, so only the first is reported.
  const first = errors[0];
  if (first) {
    const code = printParseErrorCode(first.error);
    const offset = code === 'PropertyNameExpected' || code === 'ValueExpected' ? trailingCommaBefore(text, first.offset) ?? first.offset : first.offset;
    sink.error('syntax-error', document.rangeOfSpan(offset, Math.max(offset === first.offset ? first.length : 1, 1)), describeSyntaxError(code));
    return undefined;
  }
  return root;
}

/**
 * Returns the offset of the comma that makes a closing bracket at `offset` an error, such
 * as `[1, 2,]`, so the diagnostic marks the comma rather than the bracket on the next line.
 */
function trailingCommaBefore(text: string, offset: number): number | undefined {
  if (text[offset] !== '}' && text[offset] !== ']') {
    return undefined;
  }
  let index = offset - 1;
  while (index >= 0 && /\s/.test(text[index])) {
    index -= 1;
  }
  return text[index] === ',' ? index : undefined;
}

function describeSyntaxError(code: ReturnType<typeof printParseErrorCode>): string {
  const fix = l10n.t('Keras reads model files with json.loads, which accepts only strict JSON; correct the file here.');
  switch (code) {
    case 'InvalidSymbol':
    case 'InvalidCharacter':
      return l10n.t('Invalid JSON: this text is not a JSON value (NaN, Infinity, single quotes and Python literals such as None or True are not JSON). {0}', fix);
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return l10n.t('Invalid JSON: this number is malformed. {0}', fix);
    case 'PropertyNameExpected':
      return l10n.t('Invalid JSON: a property name in double quotes is expected here, or a trailing comma must go. {0}', fix);
    case 'ValueExpected':
      return l10n.t('Invalid JSON: a value is expected here, or a trailing comma must go. {0}', fix);
    case 'ColonExpected':
      return l10n.t('Invalid JSON: a colon is expected here, after the property name. {0}', fix);
    case 'CommaExpected':
      return l10n.t('Invalid JSON: a comma is expected here, between two values or properties. {0}', fix);
    case 'CloseBraceExpected':
      return l10n.t('Invalid JSON: a closing brace } is missing here. {0}', fix);
    case 'CloseBracketExpected':
      return l10n.t('Invalid JSON: a closing bracket ] is missing here. {0}', fix);
    case 'EndOfFileExpected':
      return l10n.t('Invalid JSON: the model object has ended, but more text follows here. {0}', fix);
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return l10n.t('Invalid JSON: comments are not allowed in JSON. {0}', fix);
    case 'UnexpectedEndOfString':
      return l10n.t('Invalid JSON: this string has no closing double quote. {0}', fix);
    case 'InvalidUnicode':
    case 'InvalidEscapeCharacter':
      return l10n.t('Invalid JSON: this string has an invalid escape sequence. {0}', fix);
    default:
      return l10n.t('Invalid JSON here. {0}', fix);
  }
}

/** Returns the offset of the bracket that opens level MAX_JSON_DEPTH + 1, or undefined. */
function findTooDeepNesting(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (inString) {
      if (character === '\\') {
        index += 1;
      } else if (character === '"') {
        inString = false;
      }
    } else if (character === '"') {
      inString = true;
    } else if (character === '{' || character === '[') {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) {
        return index;
      }
    } else if (character === '}' || character === ']') {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/** Returns the value node of property `key` of an object node. */
export function propertyValue(object: Node | undefined, key: string): Node | undefined {
  return propertyNode(object, key)?.children?.[1];
}

/** Returns the property node (key and value) of `key` in an object node; the last one when the key repeats, as json.loads keeps it. */
export function propertyNode(object: Node | undefined, key: string): Node | undefined {
  if (object?.type !== 'object' || !object.children) {
    return undefined;
  }
  for (let index = object.children.length - 1; index >= 0; index -= 1) {
    const property = object.children[index];
    if (property.children?.[0]?.value === key) {
      return property;
    }
  }
  return undefined;
}

/** Returns the keys of an object node in file order, each once. */
export function propertyKeys(object: Node | undefined): string[] {
  if (object?.type !== 'object' || !object.children) {
    return [];
  }
  const keys = object.children.map((property) => String(property.children?.[0]?.value));
  return [...new Set(keys)];
}

/** Returns the plain value of a node: objects, arrays, strings, numbers, booleans or null. */
export function plainValue(node: Node | undefined): unknown {
  return node ? (getNodeValue(node) as unknown) : undefined;
}

export function isObjectNode(node: Node | undefined): node is Node & { readonly type: 'object' } {
  return node?.type === 'object';
}

export function stringProperty(object: Node | undefined, key: string): string | undefined {
  const value = propertyValue(object, key);
  return value?.type === 'string' ? (value.value as string) : undefined;
}

/** Formats a JSON value for a message, shortened when long. */
export function formatJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
