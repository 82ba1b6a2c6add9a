// File names are bytes: every byte string (but "/" and NUL) survives the trip through a JS
// string, and people see a quoted, escaped form of the ones that are not plain text.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { isUtf8Name, nameFromBytes, nameToBytes, quoteName, wireName } from '@nono/shared';

const bytes = (...values: number[]) => Buffer.from(values);

describe('path names', () => {
  it('round-trips any bytes exactly, valid UTF-8 or not', () => {
    const samples = [
      Buffer.from('plain.txt'),
      Buffer.from('lat1-\xe9t\xe9.txt', 'latin1'),
      Buffer.from('bad-\xff\xfe', 'latin1'),
      Buffer.from('émoji-😀-ok'),
      bytes(0xc0, 0x80), // overlong NUL
      bytes(0xed, 0xa0, 0x80), // an encoded surrogate
      bytes(0xf4, 0x90, 0x80, 0x80), // past U+10FFFF
      bytes(0xe2, 0x82), // truncated sequence
      bytes(0xef, 0xbf, 0xbd), // a real U+FFFD
    ];
    for (let i = 0; i < 200; i++) samples.push(randomBytes(1 + (i % 24)));
    for (const sample of samples) expect(nameToBytes(nameFromBytes(sample)).equals(sample), sample.toString('hex')).toBe(true);
  });

  it('says whether the string alone is the name', () => {
    expect(isUtf8Name(nameFromBytes(Buffer.from('émoji-😀')))).toBe(true);
    expect(isUtf8Name(nameFromBytes(Buffer.from('\ufffd')))).toBe(true);
    expect(isUtf8Name(nameFromBytes(bytes(0x61, 0xff)))).toBe(false);
  });

  it('quotes like git: octal for stray bytes, C escapes for controls, plain names untouched', () => {
    expect(quoteName(nameFromBytes(Buffer.from('bad-\xff\xfe', 'latin1')))).toBe('"bad-\\377\\376"');
    expect(quoteName('line\nbreak\t"q"\\')).toBe('"line\\nbreak\\t\\"q\\"\\\\"');
    expect(quoteName('café/ok file.txt')).toBe('café/ok file.txt');
  });

  it('puts the exact bytes on the wire only when the text cannot carry them', () => {
    expect(wireName('ok.txt')).toEqual({ path: 'ok.txt' });
    const name = nameFromBytes(Buffer.from('x\xe9', 'latin1'));
    expect(wireName(name)).toEqual({ path: '"x\\351"', pathBase64: Buffer.from('x\xe9', 'latin1').toString('base64') });
  });
});
