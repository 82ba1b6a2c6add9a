// File names on Linux are bytes (anything but "/" and NUL), not text. The snapshot code carries
// them in JS strings losslessly the way Python's "surrogateescape" does: valid UTF-8 decodes as
// usual and each byte that is not part of valid UTF-8 becomes the lone surrogate U+DC80+byte,
// which valid UTF-8 can never produce, so bytes -> string -> bytes is exact.

const ESCAPED_BYTE = /[\uDC80-\uDCFF]/u;
// Control characters, quote and backslash make a name ambiguous or unsafe on a terminal.
const NEEDS_QUOTING = /[\u0000-\u001F\u007F"\\\uDC80-\uDCFF]/u;

export function nameFromBytes(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('utf8');
  if (!text.includes('\uFFFD') || Buffer.from(text, 'utf8').equals(buffer)) return text;
  let out = '';
  for (let i = 0; i < buffer.length; ) {
    const length = utf8SequenceLength(buffer, i);
    if (length === 0) {
      out += String.fromCharCode(0xdc00 + buffer[i]!);
      i++;
    } else {
      out += buffer.toString('utf8', i, i + length);
      i += length;
    }
  }
  return out;
}

export function nameToBytes(name: string): Buffer {
  if (!ESCAPED_BYTE.test(name)) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  for (const char of name) {
    const code = char.charCodeAt(0);
    parts.push(char.length === 1 && code >= 0xdc80 && code <= 0xdcff ? Buffer.from([code - 0xdc00]) : Buffer.from(char, 'utf8'));
  }
  return Buffer.concat(parts);
}

/** True when the name's bytes are valid UTF-8, so the string alone says what they are. */
export function isUtf8Name(name: string): boolean {
  return !ESCAPED_BYTE.test(name);
}

/**
 * A name for people, quoted the way git quotes paths: a name with control characters, quotes,
 * backslashes or bytes that are not UTF-8 is put in double quotes with C escapes (`"bad-\377"`);
 * any other name is shown as it is.
 */
export function quoteName(name: string): string {
  if (!NEEDS_QUOTING.test(name)) return name;
  let out = '"';
  for (const char of name) {
    const code = char.codePointAt(0)!;
    if (code >= 0xdc80 && code <= 0xdcff) out += octal(code - 0xdc00);
    else if (char === '"' || char === '\\') out += `\\${char}`;
    else if (char === '\t') out += '\\t';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += octal(code);
    else out += char;
  }
  return `${out}"`;
}

/**
 * How a name goes over the wire: `path` is the text when the bytes are UTF-8, the quoted form
 * otherwise, and then `pathBase64` carries the exact bytes.
 */
export function wireName(name: string): { path: string; pathBase64?: string } {
  return isUtf8Name(name) ? { path: name } : { path: quoteName(name), pathBase64: nameToBytes(name).toString('base64') };
}

function octal(byte: number): string {
  return `\\${byte.toString(8).padStart(3, '0')}`;
}

/** Length of the valid UTF-8 sequence at `i`, or 0 when the byte there does not start one. */
function utf8SequenceLength(bytes: Buffer, i: number): number {
  const first = bytes[i]!;
  if (first < 0x80) return 1;
  let length: number;
  let min: number;
  if (first >= 0xc2 && first <= 0xdf) [length, min] = [2, 0x80];
  else if (first >= 0xe0 && first <= 0xef) [length, min] = [3, 0x800];
  else if (first >= 0xf0 && first <= 0xf4) [length, min] = [4, 0x10000];
  else return 0;
  if (i + length > bytes.length) return 0;
  let code = first & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const next = bytes[i + k]!;
    if ((next & 0xc0) !== 0x80) return 0;
    code = (code << 6) | (next & 0x3f);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}
