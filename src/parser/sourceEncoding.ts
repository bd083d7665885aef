/**
 * Turns the bytes of a model file into text for the CLI, the way VS Code shows it with its
 * default settings. In the editor, VS Code has already decoded the file.
 */
import * as l10n from '@vscode/l10n';
import { TextDecoder } from 'node:util';

export interface DecodedSource {
  readonly text: string;
  /** WHATWG name of the encoding used, such as `utf-8` or `utf-16le`. */
  readonly encoding: string;
  /** Localized warning when the bytes are not what Python reads without complaint, else undefined. */
  readonly warning?: string;
  /** 0-based line the warning concerns. */
  readonly warningLine?: number;
}

/**
 * PEP 263 encoding declaration, which Python honours on the first or second line:
 * `# -*- coding: latin-1 -*-` or `# vim: set fileencoding=cp1252 :`.
 */
const CODING_DECLARATION = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

/** Python codec names that are not WHATWG encoding labels, mapped to labels that are. */
const PYTHON_ENCODING_NAMES: Readonly<Record<string, string>> = {
  'latin-1': 'latin1',
  'iso8859-15': 'iso-8859-15',
  'utf-8-sig': 'utf-8',
};

/**
 * Decodes a model file. A byte order mark selects UTF-8, UTF-16LE or UTF-16BE and is
 * dropped. Otherwise the text is UTF-8 unless a PEP 263 declaration names another encoding
 * the runtime supports. Bytes that are not valid UTF-8 become U+FFFD, as in VS Code, with a
 * warning because Python rejects such a file.
 */
export function decodeModelFile(bytes: Uint8Array): DecodedSource {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8' };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: new TextDecoder('utf-16le').decode(bytes), encoding: 'utf-16le' };
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: new TextDecoder('utf-16be').decode(bytes), encoding: 'utf-16be' };
  }

  const declared = declaredDecoder(bytes);
  if (declared) {
    return { text: declared.decode(bytes), encoding: declared.encoding };
  }

  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    if (bytes.includes(0)) {
      // Binary content: the parser reports the NUL byte, which is more precise than an encoding warning.
      return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8' };
    }
    const offset = firstInvalidUtf8Offset(bytes);
    const line = countLines(bytes, offset);
    return {
      text: new TextDecoder('utf-8').decode(bytes),
      encoding: 'utf-8',
      warningLine: line,
      warning: l10n.t({
        message:
          'This file is not valid UTF-8 (byte 0x{0} at offset {1}), so the invalid bytes are read as U+FFFD. Python raises SyntaxError for such a file unless it declares its encoding. Save the file as UTF-8, or add "# -*- coding: latin-1 -*-" as its first line.',
        args: [bytes[offset].toString(16).padStart(2, '0'), offset],
        comment: ['Keep UTF-8, U+FFFD, SyntaxError and the quoted comment untranslated.'],
      }),
    };
  }
}

/** Returns a decoder for the encoding declared on line 1 or 2, or undefined. */
function declaredDecoder(bytes: Uint8Array): TextDecoder | undefined {
  // Declarations are ASCII, so reading the first lines as Latin-1 finds them in any ASCII-compatible encoding.
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024)).split(/\r\n|\r|\n/, 2);
  for (const line of head) {
    const match = CODING_DECLARATION.exec(line);
    if (match) {
      const name = match[1].toLowerCase().replace(/_/g, '-');
      try {
        return new TextDecoder(PYTHON_ENCODING_NAMES[name] ?? name);
      } catch {
        // An encoding the runtime does not know: fall back to UTF-8, as VS Code would.
        return undefined;
      }
    }
  }
  return undefined;
}

/** Returns the offset of the first byte that does not start a valid UTF-8 sequence. */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const length = utf8SequenceLength(bytes, index);
    if (length === 0) {
      return index;
    }
    index += length;
  }
  return bytes.length - 1;
}

/** Returns the length of the valid UTF-8 sequence at `index` (RFC 3629), or 0 when it is invalid. */
function utf8SequenceLength(bytes: Uint8Array, index: number): number {
  const lead = bytes[index];
  if (lead < 0x80) {
    return 1;
  }
  // Second-byte ranges exclude overlong forms, UTF-16 surrogates and code points past U+10FFFF.
  let length: number;
  let secondMin = 0x80;
  let secondMax = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    secondMin = lead === 0xe0 ? 0xa0 : 0x80;
    secondMax = lead === 0xed ? 0x9f : 0xbf;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    secondMin = lead === 0xf0 ? 0x90 : 0x80;
    secondMax = lead === 0xf4 ? 0x8f : 0xbf;
  } else {
    return 0;
  }
  for (let offset = 1; offset < length; offset++) {
    const byte = bytes[index + offset];
    const min = offset === 1 ? secondMin : 0x80;
    const max = offset === 1 ? secondMax : 0xbf;
    if (byte === undefined || byte < min || byte > max) {
      return 0;
    }
  }
  return length;
}

function countLines(bytes: Uint8Array, end: number): number {
  let lines = 0;
  for (let index = 0; index < end; index++) {
    if (bytes[index] === 0x0a) {
      lines++;
    }
  }
  return lines;
}
