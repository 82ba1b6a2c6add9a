// Input to a session's PTY, written with write(2) on the spot. node-pty writes through fs.write on
// libuv's thread pool: a hand-off to a pool thread and back for every keystroke, which on a busy
// machine waits for that thread to be scheduled. The master is non-blocking, so a write that
// does not fit (a large paste) keeps its rest, in order, until the PTY has room again.
import { writeSync } from 'node:fs';

export class PtyInput {
  private readonly queue: Buffer[] = [];
  private retry: NodeJS.Immediate | undefined;
  private closed = false;

  /**
   * open: whether the master fd is still open. Threat: node-pty closes the master (EIO once the
   * session's side has closed) before it reports the exit, and a closed fd's number is soon
   * another file's (a log, a socket, another session's PTY): keys written by number then would
   * land there. node-pty's own write is a no-op from that moment; so is this.
   */
  constructor(
    private readonly fd: number,
    private readonly open: () => boolean,
  ) {}

  write(data: Buffer): void {
    if (data.length === 0 || this.closed) return;
    this.queue.push(data);
    if (this.queue.length === 1) this.drain();
  }

  /** The session ended: what was not written is dropped, and so is anything written after. */
  close(): void {
    this.closed = true;
    clearImmediate(this.retry);
    this.queue.length = 0;
  }

  private drain(): void {
    this.retry = undefined;
    if (!this.open()) this.close();
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      let written: number;
      try {
        written = writeSync(this.fd, head);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.retry = setImmediate(() => this.drain());
        } else {
          // The PTY is gone (EIO once the session's side closed): nothing will read this input.
          this.queue.length = 0;
        }
        return;
      }
      if (written < head.length) this.queue[0] = head.subarray(written);
      else this.queue.shift();
    }
  }
}
