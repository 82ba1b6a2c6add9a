// The lazily parsed screen model shows what an emulator fed every byte shows: after megabytes of
// plain output (the skipped stretches), after colours, the alternate screen, a scroll region, an
// unterminated escape sequence, and across resizes; and it finds nothing to skip where it must not.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { Terminal as XtermTerminal } from '@xterm/headless';
import type { SerializeAddon as XtermSerializeAddon } from '@xterm/addon-serialize';
import { ScreenModel } from '../../src/sessions/screen-model.js';
import { findScrolledPast, MIN_SKIP_BYTES } from '../../src/sessions/scrolled-past.js';

const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as { Terminal: typeof XtermTerminal };
const { SerializeAddon } = require('@xterm/addon-serialize') as { SerializeAddon: typeof XtermSerializeAddon };

type Step = string | Buffer | { rows: number; cols: number };

/** What xterm.js shows after every byte, written the ordinary way. */
async function reference(steps: Step[], size = { rows: 24, cols: 80 }): Promise<{ data: string; alternate: boolean }> {
  const terminal = new Terminal({ ...size, scrollback: 1000, allowProposedApi: true });
  const serializer = new SerializeAddon();
  terminal.loadAddon(serializer);
  for (const step of steps) {
    if (typeof step === 'string' || Buffer.isBuffer(step)) await new Promise<void>((resolve) => terminal.write(step, resolve));
    else terminal.resize(step.cols, step.rows);
  }
  const result = { data: serializer.serialize({ scrollback: 1000 }), alternate: terminal.buffer.active.type === 'alternate' };
  terminal.dispose();
  return result;
}

function model(steps: Step[], size = { rows: 24, cols: 80 }): { data: string; alternate: boolean } {
  const screen = new ScreenModel(size);
  for (const step of steps) {
    if (typeof step === 'string' || Buffer.isBuffer(step)) screen.write(Buffer.from(step));
    else screen.resize(step);
  }
  const snapshot = screen.snapshot();
  screen.dispose();
  return snapshot;
}

/** `cat` of a text file: numbered lines, in PTY-sized chunks, CRLF as the line discipline makes them. */
function catOutput(lines: number, from = 0, width = 90): Buffer[] {
  const text = Array.from({ length: lines }, (_, i) => `${String(from + i).padStart(7, '0')} ${'the quick brown fox '.repeat(8)}`.slice(0, width) + '\r\n').join('');
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 4095) chunks.push(bytes.subarray(at, at + 4095));
  return chunks;
}

const cases: [string, Step[]][] = [
  ['a megabyte of plain lines, then a prompt', [...catOutput(12_000), '$ ']],
  ['colours set before the plain lines and kept through them', ['\x1b[1;31mred ', ...catOutput(12_000), 'still red\x1b[0m $ ']],
  ['plain lines on the alternate screen, then back', ['before\r\n\x1b[?1049h\x1b[H', ...catOutput(3_000), '\x1b[?1049l', 'after']],
  ['plain lines left on the alternate screen', ['\x1b[?1049h\x1b[2J\x1b[H', ...catOutput(3_000), '\x1b[5;10Hcursor here']],
  ['a scroll region around the plain lines', ['\x1b[1;20r\x1b[20;1H', ...catOutput(3_000), '\x1b[r\x1b[24;1Hbottom']],
  ['an unterminated OSC swallowing the plain lines', ['\x1b]0;title', ...catOutput(3_000), '\x07visible']],
  ['a CSI with a line feed inside it', ['\x1b[3\n', ...catOutput(3_000), 'tail']],
  ['lines without carriage returns (raw mode)', [Buffer.from('abc\n'.repeat(40_000)), 'x']],
  ['wide UTF-8 and a C1 control inside the lines', [Buffer.from('é漢字 line\r\n'.repeat(20_000) + '\u009b31mred\r\n' + 'ok\r\n'.repeat(3000))]],
  ['a resize in the middle', [...catOutput(6_000), { rows: 30, cols: 100 }, ...catOutput(6_000, 6_000), '$ ']],
  ['long wrapped lines', [...catOutput(3_000, 0, 400), 'end']],
  ['a little output', ['hello\r\n\x1b[32mworld\x1b[0m\r\n$ ']],
];

describe('ScreenModel', () => {
  for (const [name, steps] of cases) {
    it(`shows what an emulator fed every byte shows: ${name}`, async () => {
      expect(model(steps)).toEqual(await reference(steps));
    });
  }

  it('shows the right screen after several megabytes in many small writes', async () => {
    const steps: Step[] = ['\x1b[1;33m', ...catOutput(40_000), '\x1b[0m', '\x1b[?25l', ...catOutput(2_000, 40_000), '\x1b[?25h$ '];
    expect(model(steps)).toEqual(await reference(steps));
  });
});

describe('findScrolledPast', () => {
  const plain = (lines: number) => Buffer.from('x'.repeat(60) + '\r\n').toString().repeat(lines);

  it('skips plain lines before the kept ones, cutting between lines', () => {
    const data = Buffer.from('\x1b[31m' + plain(2000));
    const past = findScrolledPast(data, 1025)!;
    expect(past).not.toBeNull();
    expect(data[past.start - 1]).toBe(0x0a);
    expect(data.subarray(past.end - 2, past.end).toString()).toBe('\r\n');
    expect(data.subarray(past.end).toString().split('\n').length - 1).toBe(1025);
  });

  it('skips nothing when too little would be skipped or the lines hold controls', () => {
    expect(findScrolledPast(Buffer.from(plain(1100)), 1025)).toBeNull();
    expect(findScrolledPast(Buffer.from(plain(3000).replaceAll('\r\n', '\b\r\n')), 1025)).toBeNull();
    expect(MIN_SKIP_BYTES).toBeGreaterThan(0);
  });
});
