// Input to a session's PTY, written with write(2) on the spot. node-pty writes through fs.write on
// libuv's thread pool: a hand-off to a pool thread and back for every keystroke, which on a busy
// machine waits for that thread to be scheduled. The master is non-blocking, so a write that
// does not fit (a large paste) keeps its rest, in order, until the PTY has room again.
import { writeSync } from 'node:fs';

export class PtyInput {
  private readonly queue: Buffer[] = [];
  private retry: NodeJS.Immediate | undefined;

  constructor(private readonly fd: number) {}

  write(data: Buffer): void {
    if (data.length === 0) return;
    this.queue.push(data);
    if (this.queue.length === 1) this.drain();
  }

  /** The session ended: what was not written is dropped. */
  close(): void {
    clearImmediate(this.retry);
    this.queue.length = 0;
  }

  private drain(): void {
    this.retry = undefined;
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
