// The terminal of a client that asked nonod to write its session's output to it directly
// (directOutput), as tmux's server writes to its clients' terminals: the output then crosses one
// process instead of two, which is most of a keystroke's echo time and of a build's scrolling.
// With directInput nonod reads the keys there too, so a key crosses no client at all.
// Both wait until the client says its terminal is ready (it may write first: the plan's
// warnings, the screen; and it sets raw mode), and both stop while the client's job does not
// hold the terminal (stopped, or in the background; looked at every POLL_MS): keys typed at the
// shell then stay the shell's, and the session neither draws over the shell's prompt nor makes
// the terminal answer a query into the shell's input. The output waits meanwhile (past a limit
// the session redraws instead). Whatever nonod sends that client is sent only once these bytes
// are in the terminal (its connection defers to written()), so the client's own writes (a
// question, the exit, the detach message) come after the output they follow.
import { closeSync, writeSync } from 'node:fs';
import tty from 'node:tty';
import type { Logger } from 'pino';
import { processStat } from '../process-stat.js';
import { loadFdPassing } from '../native/fd-passing.js';

/** How often the job holding the terminal is looked at: a shell taking it back sees at most this much more. */
const POLL_MS = 50;
/** Output handed to libuv at most: a terminal that keeps up takes it at once, so this only bounds a lagging one. */
const IN_FLIGHT_BYTES = 64 * 1024;

interface TtyHandle {
  fd: number;
  reading: boolean;
  setBlocking(on: boolean): number;
  readStart(): number;
  readStop(): number;
}

/**
 * libuv opens a pty slave again by its name, for a description of its own it can make
 * non-blocking, and leaves fd open beside it: closed here, or each attach would keep the
 * client's terminal open in nonod for good. When it could not (a pty of another devpts, as in a
 * container), it writes to fd itself and blocks, or spins, on a terminal that does not read:
 * nonod must never, so such a terminal is not taken (undefined).
 */
function reopened(stream: tty.ReadStream | tty.WriteStream, fd: number): TtyHandle | undefined {
  const handle = (stream as unknown as { _handle: TtyHandle })._handle;
  if (handle.fd === fd) {
    stream.destroy();
    return undefined;
  }
  closeSync(fd);
  return handle;
}

/**
 * Pausing a Node socket only stops handing on what it reads; libuv may go on reading into the
 * stream's buffer, which here would take keys meant for the shell. So reading stops and starts
 * where libuv reads; Node has no public call for either.
 */
function reading(stream: tty.ReadStream, on: boolean): void {
  const handle = (stream as unknown as { _handle?: TtyHandle })._handle;
  if (on) stream.resume();
  else stream.pause();
  if (!handle || handle.reading === on) return;
  handle.reading = on;
  if (on) handle.readStart();
  else handle.readStop();
}

export class ClientTerminal {
  /** Output not yet handed to the terminal: before ready, while the client's job is away, and past IN_FLIGHT_BYTES. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private isReady = false;
  /** The watched job does not hold the terminal (stopped, in the background). */
  private away = false;
  private outstanding = 0;
  private waiting: (() => void)[] = [];
  /** Set once output for the session goes back to the connection (a question to draw, a detach). */
  private retired = false;
  private ended = false;
  private keys: tty.ReadStream | undefined;
  /** nonod turned the terminal's output processing off, and turns it on again when done. */
  private madeRaw = false;
  private watch: NodeJS.Timeout | undefined;
  private readonly startTime: string | undefined;

  private constructor(
    private readonly stream: tty.WriteStream,
    private readonly fd: number,
    /** The one session whose output this terminal shows. */
    readonly session: string,
    /** The process whose job must hold the terminal: the client, or the launcher it serves. */
    private readonly watched: number,
    /** The terminal's device number, as /proc/PID/stat names a controlling terminal. */
    private readonly device: number,
    private readonly log: Logger,
  ) {
    this.startTime = processStat(watched)?.startTime;
    // A terminal that hung up (EIO) is gone: its client is getting SIGHUP; what waited on it goes on.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.log.debug({ code: error.code }, 'client terminal failed');
      this.close();
    });
  }

  /** Wraps fd (a pty slave opened non-blocking for nonod alone; the caller gives it up), or undefined when nonod cannot write it safely. */
  static wrap(fd: number, device: number, session: string, watched: number, log: Logger): ClientTerminal | undefined {
    const stream = new tty.WriteStream(fd);
    const handle = reopened(stream, fd);
    if (!handle) return undefined;
    // Node makes a terminal stream blocking (its own stdout must not interleave); nonod must never
    // wait on a client's terminal, so this one queues in libuv like a socket. No public call for it.
    handle.setBlocking(false);
    return new ClientTerminal(stream, handle.fd, session, watched, device, log);
  }

  /** Reads the client's keys from fd (its stdin, the same terminal) once it is ready, passing them to onKeys; false when it cannot. */
  readKeys(fd: number, onKeys: (data: Buffer) => void): boolean {
    const stream = new tty.ReadStream(fd);
    if (!reopened(stream, fd)) return false;
    reading(stream, false);
    stream.on('data', (data: Buffer) => {
      if (this.keys === stream) onKeys(data);
    });
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.log.debug({ code: error.code }, 'client terminal stopped reading');
      this.stopKeys();
    });
    this.keys = stream;
    if (this.isReady && !this.away) reading(stream, true);
    return true;
  }

  /** From now on the client reads its own keys (a question to answer, the end): nonod stops at once. */
  stopKeys(): void {
    const keys = this.keys;
    if (!keys) return;
    this.keys = undefined;
    reading(keys, false);
    keys.destroy();
  }

  /** Closed: nothing more is written (retired and written, hung up, or its connection gone). */
  get closed(): boolean {
    return this.ended;
  }

  /** Whether the session's output goes here rather than over the connection. */
  get direct(): boolean {
    return !this.retired && !this.ended;
  }

  write(data: Buffer): void {
    if (this.ended) return;
    this.held.push(data);
    this.heldBytes += data.length;
    this.pump();
    this.settle();
  }

  /**
   * With nothing in flight, a chunk (a key's echo, most often) is written on the spot, as tmux
   * does, rather than through the stream's queue and its callbacks: what the terminal does not
   * take at once (EAGAIN, a short write) goes on through the stream, after this. Returns how
   * much was written.
   */
  private writeNow(chunk: Buffer): number {
    try {
      return writeSync(this.fd, chunk);
    } catch {
      return 0;
    }
  }

  /**
   * Hands held output on while the client's job holds the terminal: to the terminal at once when
   * nothing is in flight, else to libuv, IN_FLIGHT_BYTES at a time: what libuv has queued reaches
   * the terminal whatever happens next, so a client stopped while its terminal lags gets at most
   * that much more on the shell's screen, not the backlog.
   */
  private pump(): void {
    while (this.held.length > 0 && this.isReady && !this.away && !this.ended && this.stream.writableLength < IN_FLIGHT_BYTES) {
      let chunk = this.held.shift()!;
      this.heldBytes -= chunk.length;
      // Not once a write failed (the terminal hung up): the stream closes the fd a moment later,
      // and its number may be another file's by the next write.
      if (this.outstanding === 0 && !this.stream.errored && !this.stream.destroyed) {
        const written = this.writeNow(chunk);
        if (written === chunk.length) continue;
        chunk = chunk.subarray(written);
      }
      this.outstanding++;
      this.stream.write(chunk, () => {
        this.outstanding--;
        this.pump();
        this.settle();
      });
    }
  }

  /** The client's terminal is ready: what was held goes out, and from now on each chunk at once, while its job holds the terminal. */
  ready(): void {
    if (this.ended) return;
    // Said again: the client set its raw mode anew (a shell had put its own back while the job
    // was stopped), which may have turned OPOST back on.
    if (this.isReady) {
      // Looked at now, OPOST included: the client heard of its continuing before nonod's next look.
      this.look();
      return;
    }
    this.isReady = true;
    this.rawOutput();
    this.look();
    if (!this.away) {
      this.release();
      if (this.keys) reading(this.keys, true);
    }
    this.watch = setInterval(() => this.look(), POLL_MS);
    this.watch.unref();
  }

  /** Whether the watched job holds the terminal; stops everything for good once that process is gone. */
  private look(): void {
    const holds = this.jobHolds();
    if (holds === undefined) {
      this.stopKeys();
      this.away = true;
      return;
    }
    const away = !holds;
    if (!away && this.direct) this.keepRawOutput();
    if (away === this.away) return;
    this.away = away;
    if (this.keys) reading(this.keys, !away);
    if (!away) this.release();
  }

  /** Whether the watched job holds the terminal now (not stopped, not in the background); undefined once that process is gone. */
  private jobHolds(): boolean | undefined {
    const stat = processStat(this.watched);
    if (stat === undefined || stat.startTime !== this.startTime) return undefined;
    // Whose terminal this is not (started with setsid, stdio redirected to it) is never in its background.
    const background = stat.terminal === this.device && stat.pgrp !== stat.foregroundGroup;
    return stat.state !== 'T' && stat.state !== 't' && !background;
  }

  private release(): void {
    this.pump();
    this.settle();
  }

  /** Bytes nonod holds or has queued for this terminal: the session sends a redraw instead past a limit. */
  backlog(): number {
    return this.ended ? 0 : this.heldBytes + this.stream.writableLength;
  }

  /** Whether every byte handed to write() so far is in the terminal (or can never be). */
  written(): boolean {
    return this.ended || (this.held.length === 0 && this.outstanding === 0);
  }

  /** Runs callback once written(): at once when it already is. */
  afterWritten(callback: () => void): void {
    if (this.written()) callback();
    else this.waiting.push(callback);
  }

  /**
   * Output goes back to the connection, and the keys to the client; the terminal closes once what
   * it has is written. Held output is kept for a client that will say ready (the session ended
   * before it did: its last words; a question came first), and dropped for one that leaves.
   */
  retire(dropHeld = false): void {
    this.stopKeys();
    if (dropHeld) {
      this.held = [];
      this.heldBytes = 0;
    }
    if (!this.retired) {
      this.retired = true;
      // Ahead of whatever waits on the terminal already: the client hears of its end after this.
      if (this.written()) this.close();
      else this.waiting.unshift(() => this.close());
    }
    this.settle();
  }

  /**
   * As tmux does, the bytes reach the terminal untouched while nonod writes them: the session's
   * pty already ended its lines with \r\n. Set after the client's own raw mode (and again when
   * found on, below), and undone when nonod is done if nonod turned it off
   * (a client that restores its whole mode on leaving has then done it already).
   */
  private rawOutput(): boolean {
    try {
      const changed = loadFdPassing()?.rawOutput(this.fd, true) === true;
      if (changed) this.madeRaw = true;
      return changed;
    } catch (error) {
      this.log.debug({ code: (error as NodeJS.ErrnoException).code }, 'client terminal output mode unchanged');
      return false;
    }
  }

  /**
   * OPOST off again when found on while the client's job holds the terminal (it set its mode anew
   * after a stop, or something else did), and on again at once if the job turned out to be gone
   * meanwhile: a shell that took the terminal back sets its whole mode, before or after this, and
   * must never be left with OPOST off (its lines would step down the screen).
   */
  private keepRawOutput(): void {
    if (this.rawOutput() && this.jobHolds() !== true) this.restoreOutput();
  }

  private restoreOutput(): void {
    if (!this.madeRaw) return;
    this.madeRaw = false;
    try {
      loadFdPassing()?.rawOutput(this.fd, false);
    } catch (error) {
      this.log.debug({ code: (error as NodeJS.ErrnoException).code }, 'client terminal output mode not restored');
    }
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.restoreOutput();
    clearInterval(this.watch);
    this.stopKeys();
    this.held = [];
    this.heldBytes = 0;
    this.stream.destroy();
    this.settle();
  }

  private settle(): void {
    if (!this.written()) return;
    for (const callback of this.waiting.splice(0)) callback();
  }
}
