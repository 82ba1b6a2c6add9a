// Keys written straight to a PTY master by fd number must stop once that fd is closed or the
// session has ended: the number is soon another file's, and keys written by number would land in
// it. Checked on a plain file standing in for the master, and on node-pty's own stream, whose
// destroyed flag the daemon reads to know the master is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pty from 'node-pty';
import { PtyInput } from '../../src/sessions/pty-input.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function standIn(): { fd: number; read: () => string } {
  dir = mkdtempSync(join(tmpdir(), 'nono-pty-input-'));
  const path = join(dir, 'master');
  const fd = openSync(path, 'w');
  return { fd, read: () => readFileSync(path, 'utf8') };
}

describe('PtyInput', () => {
  it('writes nothing after close, though the fd number is still open (as another file)', () => {
    const file = standIn();
    const input = new PtyInput(file.fd, () => true);
    input.write(Buffer.from('before '));
    input.close();
    input.write(Buffer.from('after'));
    expect(file.read()).toBe('before ');
    closeSync(file.fd);
  });

  it('writes nothing once the stream that owns the master says it is gone', () => {
    const file = standIn();
    let open = true;
    const input = new PtyInput(file.fd, () => open);
    input.write(Buffer.from('a'));
    open = false;
    input.write(Buffer.from('b'));
    input.write(Buffer.from('c'));
    expect(file.read()).toBe('a');
    closeSync(file.fd);
  });

  it("node-pty's stream is destroyed by the time the exit is reported", async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'exit 0'], { cols: 80, rows: 24, encoding: null } as pty.IPtyForkOptions);
    const master = term as unknown as { _socket: { destroyed: boolean } };
    expect(master._socket.destroyed).toBe(false);
    const destroyedAtExit = await new Promise<boolean>((resolve) => term.onExit(() => resolve(master._socket.destroyed)));
    expect(destroyedAtExit).toBe(true);
  });
});
