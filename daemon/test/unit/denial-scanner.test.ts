// The errors programs print, read as candidate denials: absolute, ~/ and relative spellings
// alike, lines split across chunks or coloured by a terminal, and the words before a path
// marked bare so the recorder keeps them only if such a file exists.
import { describe, expect, it } from 'vitest';
import { DenialScanner } from '../../src/sessions/denial-scanner.js';

const scan = (...chunks: string[]) => {
  const scanner = new DenialScanner();
  const found = chunks.flatMap((chunk) => scanner.feed('pty', Buffer.from(chunk)));
  return [...found, ...scanner.finish()];
};
const paths = (...chunks: string[]) => scan(...chunks).filter((c) => !c.bare).map((c) => `${c.op} ${c.path}${c.missing ? ' (missing)' : ''}`);

describe('DenialScanner', () => {
  it('reads coreutils, shell, Python and Node errors, relative paths included', () => {
    expect(paths('cat: private/p.txt: Permission denied\n')).toEqual(['read private/p.txt']);
    expect(paths('cat: ./private/p.txt: No such file or directory\n')).toEqual(['read ./private/p.txt (missing)']);
    expect(paths('sh: 1: cannot create /home/u/new.txt: Read-only file system\n')).toEqual(['write /home/u/new.txt']);
    expect(paths("ls: cannot open directory '/root/.ssh': Permission denied\n")).toEqual(['read /root/.ssh']);
    expect(paths("PermissionError: [Errno 13] Permission denied: '/etc/shadow'\n")).toEqual(['read /etc/shadow']);
    expect(paths("Error: EACCES: permission denied, open '~/.npmrc'\n")).toEqual(['read ~/.npmrc']);
  });

  it('marks the words before the path bare, and reads nothing from ordinary output', () => {
    expect(scan('cat: notes.txt: Permission denied\n').map((c) => [c.path, c.bare])).toEqual([
      ['cat', true],
      ['notes.txt', true],
    ]);
    expect(scan('compiled 12 files in /home/u/proj\n', 'all good: done\n')).toEqual([]);
  });

  it('joins a line split across chunks, drops terminal escapes, and reports each spelling once', () => {
    expect(paths('\x1b[31mcat: /home/u/.ss', 'h/id_rsa: Permission denied\x1b[0m\r\n', 'cat: /home/u/.ssh/id_rsa: Permission denied\n')).toEqual(['read /home/u/.ssh/id_rsa']);
    expect(paths('cat: /home/u/a: Permission denied')).toEqual(['read /home/u/a']);
  });

  it('finds an error that arrives one character at a time, as echoed keys do, after a long line', () => {
    const typed = `${'x'.repeat(5000)}\ncat: /home/u/b: No such file or directory\n`;
    expect(paths(...typed)).toEqual(['read /home/u/b (missing)']);
    expect(paths(...'cat: /home/u/c: Permission denied', '\r\n')).toEqual(['read /home/u/c']);
  });
});
