// The terminal of a client that asked nonod to write its session's output to it directly
// (directOutput), as tmux's server writes to its clients' terminals: the output then crosses one
// process instead of two, which is most of a keystroke's echo time and of a build's scrolling.
// Keys still come through the client, so a stopped client stops them too. The output is held
// until the client says its terminal is ready (it may write first: the plan's warnings, the
// screen), and whatever nonod then sends that client is sent only once these bytes are in
// the terminal (its connection defers to written()), so the client's own writes (a question,
// the exit, the detach message) always come after the output they follow.
import { closeSync } from 'node:fs';
import tty from 'node:tty';
import type { Logger } from 'pino';

export class ClientTerminal {
  private held: Buffer[] | null = [];
  private heldBytes = 0;
  private outstanding = 0;
  private waiting: (() => void)[] = [];
  /** Set once output for the session goes back to the connection (a question to draw, a detach). */
  private retired = false;
  private ended = false;

  private constructor(
    private readonly stream: tty.WriteStream,
    /** The one session whose output this terminal shows. */
    readonly session: string,
    private readonly log: Logger,
  ) {
    // A terminal that hung up (EIO) is gone: its client is getting SIGHUP; what waited on it goes on.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.log.debug({ code: error.code }, 'client terminal failed');
      this.close();
    });
  }

  /** Wraps fd (a pty slave opened non-blocking for nonod alone); the caller gives up fd. */
  static wrap(fd: number, session: string, log: Logger): ClientTerminal {
    const stream = new tty.WriteStream(fd);
    const handle = (stream as unknown as { _handle: { fd: number; setBlocking(on: boolean): number } })._handle;
    // libuv opens a pty slave again by its name for a description of its own, and leaves fd open
    // beside it: closed here, or each attach would keep the client's terminal open for good.
    if (handle.fd !== fd) closeSync(fd);
    // Node makes a terminal stream blocking (its own stdout must not interleave); nonod must never
    // wait on a client's terminal, so this one queues in libuv like a socket. No public call for it.
    handle.setBlocking(false);
    return new ClientTerminal(stream, session, log);
  }

  /** Closed: nothing more is written (retired and written, hung up, or its connection gone). */
  get closed(): boolean {
    return this.ended;
  }

  /** Whether the session's output goes here rather than over the connection. */
  get direct(): boolean {
    return !this.retired && !this.closed;
  }

  write(data: Buffer): void {
    if (this.ended) return;
    if (this.held) {
      this.held.push(data);
      this.heldBytes += data.length;
      return;
    }
    this.outstanding++;
    this.stream.write(data, () => {
      this.outstanding--;
      this.settle();
    });
  }

  /** The client's terminal is ready: what was held goes out, and from now on each chunk at once. */
  ready(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    this.heldBytes = 0;
    for (const chunk of held) this.write(chunk);
    this.settle();
  }

  /** Bytes nonod holds or has queued for this terminal: the session sends a redraw instead past a limit. */
  backlog(): number {
    return this.closed ? 0 : this.heldBytes + this.stream.writableLength;
  }

  /** Whether every byte handed to write() so far is in the terminal (or can never be). */
  written(): boolean {
    return this.closed || (this.held === null && this.outstanding === 0);
  }

  /** Runs callback once written(): at once when it already is. */
  afterWritten(callback: () => void): void {
    if (this.written()) callback();
    else this.waiting.push(callback);
  }

  /**
   * Output goes back to the connection; the terminal closes once what it has is written, which
   * for held output is after the client said ready (a session that ended before that still
   * shows the client its last words).
   */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    this.afterWritten(() => this.close());
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.held = null;
    this.heldBytes = 0;
    this.stream.destroy();
    this.settle();
  }

  private settle(): void {
    if (!this.written()) return;
    for (const callback of this.waiting.splice(0)) callback();
  }
}
