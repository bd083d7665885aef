/**
 * A reader for Python pickles that builds a tree of plain values and never runs anything:
 * a class or function named in the pickle becomes a `global` node, and calling it becomes a
 * `call` node that the caller interprets. It covers the opcodes of protocols 0 to 5 that
 * plain containers, numbers, strings and NumPy arrays use, which is what the CIFAR-10 batch
 * files hold. Python 2 byte strings come back as bytes, as `pickle.load(encoding='bytes')`
 * returns them.
 */

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PickleBytes
  | PickleTuple
  | PickleList
  | PickleDict
  | PickleGlobal
  | PickleCall;

export interface PickleBytes {
  readonly kind: 'bytes';
  readonly bytes: Uint8Array;
}

export interface PickleTuple {
  readonly kind: 'tuple';
  readonly items: readonly PickleValue[];
}

export interface PickleList {
  readonly kind: 'list';
  readonly items: PickleValue[];
}

export interface PickleDict {
  readonly kind: 'dict';
  readonly entries: [PickleValue, PickleValue][];
}

/** A class or function named by `GLOBAL` or `STACK_GLOBAL`, such as `numpy.dtype`. */
export interface PickleGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

/** `callable(*args)` from `REDUCE` or `NEWOBJ`, with the state a later `BUILD` gives it. */
export interface PickleCall {
  readonly kind: 'call';
  readonly callable: PickleValue;
  readonly args: readonly PickleValue[];
  state?: PickleValue;
}

/** A malformed or unsupported pickle, with the byte offset where reading stopped. */
export class PickleError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'PickleError';
  }
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Reads one pickle from the start of `data` and returns its value. */
export function readPickle(data: Uint8Array): PickleValue {
  return new PickleReader(data).read();
}

class PickleReader {
  private position = 0;
  private readonly stack: StackItem[] = [];
  private readonly memo = new Map<number, PickleValue>();
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  read(): PickleValue {
    for (;;) {
      const opcodeOffset = this.position;
      const opcode = this.byte();
      if (opcode === 0x2e /* . STOP */) {
        return this.pop(opcodeOffset);
      }
      this.execute(opcode, opcodeOffset);
    }
  }

  private execute(opcode: number, at: number): void {
    switch (opcode) {
      // Framing and protocol
      case 0x80 /* PROTO */:
        this.byte();
        return;
      case 0x95 /* FRAME */:
        this.take(8);
        return;

      // Stack manipulation
      case 0x28 /* ( MARK */:
        this.stack.push(MARK);
        return;
      case 0x30 /* 0 POP */:
        this.stack.pop();
        return;
      case 0x31 /* 1 POP_MARK */:
        this.popToMark(at);
        return;
      case 0x32 /* 2 DUP */:
        this.push(this.peek(at));
        return;

      // Constants and numbers
      case 0x4e /* N NONE */:
        this.push(null);
        return;
      case 0x88 /* NEWTRUE */:
        this.push(true);
        return;
      case 0x89 /* NEWFALSE */:
        this.push(false);
        return;
      case 0x49 /* I INT */:
        this.push(parseIntLine(this.line(), at, true));
        return;
      case 0x4c /* L LONG */:
        this.push(parseIntLine(this.line().replace(/L$/, ''), at, false));
        return;
      case 0x4a /* J BININT */:
        this.push(this.view.getInt32(this.advance(4), true));
        return;
      case 0x4b /* K BININT1 */:
        this.push(this.byte());
        return;
      case 0x4d /* M BININT2 */:
        this.push(this.view.getUint16(this.advance(2), true));
        return;
      case 0x8a /* LONG1 */:
        this.push(littleEndianSigned(this.take(this.byte())));
        return;
      case 0x8b /* LONG4 */:
        this.push(littleEndianSigned(this.take(this.length32(at))));
        return;
      case 0x46 /* F FLOAT */:
        this.push(Number(this.line()));
        return;
      case 0x47 /* G BINFLOAT */:
        this.push(this.view.getFloat64(this.advance(8), false));
        return;

      // Byte strings: Python 2 `str` and Python 3 `bytes`
      case 0x53 /* S STRING */:
        this.push({ kind: 'bytes', bytes: decodeStringLiteral(this.line(), at) });
        return;
      case 0x54 /* T BINSTRING */:
      case 0x42 /* B BINBYTES */:
        this.push({ kind: 'bytes', bytes: this.take(this.length32(at)) });
        return;
      case 0x55 /* U SHORT_BINSTRING */:
      case 0x43 /* C SHORT_BINBYTES */:
        this.push({ kind: 'bytes', bytes: this.take(this.byte()) });
        return;
      case 0x8e /* BINBYTES8 */:
        this.push({ kind: 'bytes', bytes: this.take(this.length64(at)) });
        return;

      // Text strings
      case 0x56 /* V UNICODE */:
        this.push(decodeRawUnicodeEscape(this.line()));
        return;
      case 0x58 /* X BINUNICODE */:
        this.push(utf8(this.take(this.length32(at))));
        return;
      case 0x8c /* SHORT_BINUNICODE */:
        this.push(utf8(this.take(this.byte())));
        return;
      case 0x8d /* BINUNICODE8 */:
        this.push(utf8(this.take(this.length64(at))));
        return;

      // Containers
      case 0x29 /* ) EMPTY_TUPLE */:
        this.push({ kind: 'tuple', items: [] });
        return;
      case 0x74 /* t TUPLE */:
        this.push({ kind: 'tuple', items: this.popToMark(at) });
        return;
      case 0x85 /* TUPLE1 */:
      case 0x86 /* TUPLE2 */:
      case 0x87 /* TUPLE3 */: {
        const size = opcode - 0x84;
        const items = Array.from({ length: size }, () => this.pop(at)).reverse();
        this.push({ kind: 'tuple', items });
        return;
      }
      case 0x5d /* ] EMPTY_LIST */:
        this.push({ kind: 'list', items: [] });
        return;
      case 0x6c /* l LIST */:
        this.push({ kind: 'list', items: this.popToMark(at) });
        return;
      case 0x61 /* a APPEND */: {
        const value = this.pop(at);
        this.listOnTop(at).items.push(value);
        return;
      }
      case 0x65 /* e APPENDS */: {
        const values = this.popToMark(at);
        this.listOnTop(at).items.push(...values);
        return;
      }
      case 0x7d /* } EMPTY_DICT */:
        this.push({ kind: 'dict', entries: [] });
        return;
      case 0x64 /* d DICT */:
        this.push({ kind: 'dict', entries: pairs(this.popToMark(at), at) });
        return;
      case 0x73 /* s SETITEM */: {
        const value = this.pop(at);
        const key = this.pop(at);
        this.dictOnTop(at).entries.push([key, value]);
        return;
      }
      case 0x75 /* u SETITEMS */: {
        const items = this.popToMark(at);
        this.dictOnTop(at).entries.push(...pairs(items, at));
        return;
      }

      // Classes, calls and object state
      case 0x63 /* c GLOBAL */: {
        const module = this.line();
        const name = this.line();
        this.push({ kind: 'global', module, name });
        return;
      }
      case 0x93 /* STACK_GLOBAL */: {
        const name = this.pop(at);
        const module = this.pop(at);
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw new PickleError('STACK_GLOBAL needs a module and a name as strings', at);
        }
        this.push({ kind: 'global', module, name });
        return;
      }
      case 0x52 /* R REDUCE */:
      case 0x81 /* NEWOBJ */: {
        const args = this.pop(at);
        const callable = this.pop(at);
        if (!isTuple(args)) {
          throw new PickleError('REDUCE needs a tuple of arguments', at);
        }
        this.push(callOf(callable, args.items));
        return;
      }
      case 0x62 /* b BUILD */: {
        const state = this.pop(at);
        const target = this.peek(at);
        if (typeof target !== 'object' || target === null || !('kind' in target) || target.kind !== 'call') {
          throw new PickleError('BUILD applies only to an object created by REDUCE', at);
        }
        target.state = state;
        return;
      }

      // Memo
      case 0x70 /* p PUT */:
        this.memo.set(parseMemoIndex(this.line(), at), this.peek(at));
        return;
      case 0x71 /* q BINPUT */:
        this.memo.set(this.byte(), this.peek(at));
        return;
      case 0x72 /* r LONG_BINPUT */:
        this.memo.set(this.length32(at), this.peek(at));
        return;
      case 0x94 /* MEMOIZE */:
        this.memo.set(this.memo.size, this.peek(at));
        return;
      case 0x67 /* g GET */:
        this.push(this.recall(parseMemoIndex(this.line(), at), at));
        return;
      case 0x68 /* h BINGET */:
        this.push(this.recall(this.byte(), at));
        return;
      case 0x6a /* j LONG_BINGET */:
        this.push(this.recall(this.length32(at), at));
        return;

      default:
        throw new PickleError(`unsupported pickle opcode 0x${opcode.toString(16).padStart(2, '0')}`, at);
    }
  }

  private push(value: PickleValue): void {
    this.stack.push(value);
  }

  private pop(at: number): PickleValue {
    const value = this.stack.pop();
    if (value === undefined || value === MARK) {
      throw new PickleError('the pickle stack is empty where a value is needed', at);
    }
    return value;
  }

  private peek(at: number): PickleValue {
    const value = this.stack[this.stack.length - 1];
    if (value === undefined || value === MARK) {
      throw new PickleError('the pickle stack is empty where a value is needed', at);
    }
    return value;
  }

  private popToMark(at: number): PickleValue[] {
    const markIndex = this.stack.lastIndexOf(MARK);
    if (markIndex < 0) {
      throw new PickleError('a MARK is missing', at);
    }
    const items = this.stack.splice(markIndex + 1) as PickleValue[];
    this.stack.pop();
    return items;
  }

  private listOnTop(at: number): PickleList {
    const target = this.peek(at);
    if (typeof target !== 'object' || target === null || !('kind' in target) || target.kind !== 'list') {
      throw new PickleError('APPEND needs a list', at);
    }
    return target;
  }

  private dictOnTop(at: number): PickleDict {
    const target = this.peek(at);
    if (typeof target !== 'object' || target === null || !('kind' in target) || target.kind !== 'dict') {
      throw new PickleError('SETITEM needs a dict', at);
    }
    return target;
  }

  private recall(index: number, at: number): PickleValue {
    const value = this.memo.get(index);
    if (value === undefined) {
      throw new PickleError(`memo entry ${index} is missing`, at);
    }
    return value;
  }

  private byte(): number {
    return this.data[this.advance(1)];
  }

  private length32(at: number): number {
    const length = this.view.getUint32(this.advance(4), true);
    return this.checkLength(length, at);
  }

  private length64(at: number): number {
    const length = Number(this.view.getBigUint64(this.advance(8), true));
    return this.checkLength(length, at);
  }

  private checkLength(length: number, at: number): number {
    if (!Number.isSafeInteger(length) || length > this.data.length - this.position) {
      throw new PickleError(`a length of ${length} bytes runs past the end of the data`, at);
    }
    return length;
  }

  /** Returns the offset of the next `count` bytes and moves past them. */
  private advance(count: number): number {
    if (this.position + count > this.data.length) {
      throw new PickleError('the pickle ends before its STOP opcode', this.position);
    }
    const start = this.position;
    this.position += count;
    return start;
  }

  private take(count: number): Uint8Array {
    const start = this.advance(count);
    return this.data.subarray(start, start + count);
  }

  /** Reads up to the next newline, which text opcodes end with. */
  private line(): string {
    const end = this.data.indexOf(0x0a, this.position);
    if (end < 0) {
      throw new PickleError('a text argument has no closing newline', this.position);
    }
    const text = latin1(this.data.subarray(this.position, end));
    this.position = end + 1;
    return text;
  }
}

function isTuple(value: PickleValue): value is PickleTuple {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'tuple';
}

/**
 * Python 3 pickles bytes for protocols 0 to 2 as `_codecs.encode(text, 'latin1')`; that call
 * is turned back into the bytes. Every other call stays a `call` node.
 */
function callOf(callable: PickleValue, args: readonly PickleValue[]): PickleValue {
  const isEncode =
    typeof callable === 'object' && callable !== null && 'kind' in callable && callable.kind === 'global' &&
    callable.module === '_codecs' && callable.name === 'encode';
  if (isEncode && typeof args[0] === 'string' && args[1] === 'latin1') {
    return { kind: 'bytes', bytes: Uint8Array.from(args[0], (character) => character.charCodeAt(0)) };
  }
  return { kind: 'call', callable, args };
}

function pairs(items: readonly PickleValue[], at: number): [PickleValue, PickleValue][] {
  if (items.length % 2 !== 0) {
    throw new PickleError('a dict needs as many values as keys', at);
  }
  const result: [PickleValue, PickleValue][] = [];
  for (let i = 0; i < items.length; i += 2) {
    result.push([items[i], items[i + 1]]);
  }
  return result;
}

/** Protocol 0 writes True and False as `I01` and `I00`. */
function parseIntLine(text: string, at: number, booleans: boolean): number | bigint | boolean {
  if (booleans && text === '01') {
    return true;
  }
  if (booleans && text === '00') {
    return false;
  }
  if (!/^[+-]?\d+$/.test(text)) {
    throw new PickleError(`"${text}" is not an integer`, at);
  }
  const value = BigInt(text);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function parseMemoIndex(text: string, at: number): number {
  if (!/^\d+$/.test(text)) {
    throw new PickleError(`"${text}" is not a memo index`, at);
  }
  return Number(text);
}

/** Decodes a two's complement little-endian integer, as LONG1 and LONG4 store it. */
function littleEndianSigned(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) {
    return 0;
  }
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) {
    value = (value << 8n) | BigInt(bytes[i]);
  }
  if (bytes[bytes.length - 1] & 0x80) {
    value -= 1n << BigInt(bytes.length * 8);
  }
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  '\\': 0x5c, "'": 0x27, '"': 0x22, a: 0x07, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b,
};

/** Decodes the quoted Python 2 string literal that protocol 0's STRING opcode carries. */
function decodeStringLiteral(literal: string, at: number): Uint8Array {
  const quote = literal[0];
  if (literal.length < 2 || (quote !== "'" && quote !== '"') || literal[literal.length - 1] !== quote) {
    throw new PickleError('a STRING argument is not a quoted literal', at);
  }
  const body = literal.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const character = body[i];
    if (character !== '\\') {
      bytes.push(character.charCodeAt(0) & 0xff);
      continue;
    }
    const next = body[++i];
    if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (next !== undefined && /[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(body.slice(i))?.[0] ?? next;
      bytes.push(parseInt(octal, 8) & 0xff);
      i += octal.length - 1;
    } else if (next !== undefined && next in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[next]);
    } else {
      // Python keeps an unknown escape as written, backslash included.
      bytes.push(0x5c);
      if (next !== undefined) {
        bytes.push(next.charCodeAt(0) & 0xff);
      }
    }
  }
  return Uint8Array.from(bytes);
}

/** Decodes protocol 0's UNICODE argument: Latin-1 text with `\uXXXX` and `\UXXXXXXXX` escapes. */
function decodeRawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_match, short: string | undefined, long: string | undefined) =>
    String.fromCodePoint(parseInt(short ?? long ?? '0', 16)),
  );
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
