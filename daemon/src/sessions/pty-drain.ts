// What a PTY master still holds when a read of it returned 0, for node-pty's users: nonod's
// sessions, and the tests' own terminals.
import { readSync } from 'node:fs';

/** A read returning nothing this many times in a row while the session's side is still open is taken as the end. */
const EMPTY_READS_AT_END = 16;

/**
 * What the master still holds when a read of it returned 0. Linux (6.x here) sometimes answers a
 * master read with 0 as the session's side closes, while the last output is still buffered;
 * libuv takes that for the end of the stream and node-pty closes the master, dropping those
 * bytes (a command's last lines, at random). Read by hand, the master gives them, then EIO.
 */
export function drainMaster(fd: number, deliver: (data: Buffer) => void): void {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (let empty = 0; empty < EMPTY_READS_AT_END; ) {
    let n: number;
    try {
      n = readSync(fd, buffer);
    } catch {
      // EIO: the session's side is closed and everything is read; EAGAIN: it is still open, and
      // what it writes later has no reader once node-pty closes the master, as before.
      return;
    }
    if (n === 0) empty++;
    else {
      empty = 0;
      deliver(Buffer.from(buffer.subarray(0, n)));
    }
  }
}
