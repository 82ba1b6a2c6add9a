// Hands one connection's incoming messages to its handler a few per turn of the event loop, with
// a cap on how many are in flight at once, and stops reading from the peer while it is behind.
// Threat: a peer flooding requests or notifications would otherwise have every message of each
// 64 KiB read handled before any other connection's turn, and queue without bound; this way a
// flood costs other clients a turn's worth of waiting and the flooder's backlog waits in its
// own socket buffer, not in our memory.
import type { Duplex } from 'node:stream';

export interface InboxLimits {
  /** Messages handled per turn of the event loop before yielding to other connections. */
  perTurn: number;
  /** Messages being handled at once (slow handlers await I/O). */
  inFlight: number;
}

const DEFAULT_LIMITS: InboxLimits = { perTurn: 32, inFlight: 256 };

export class FairInbox {
  private queue: string[] = [];
  private head = 0;
  private inFlight = 0;
  private budget: number;
  private refillScheduled = false;
  private paused = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly stream: Duplex,
    private readonly handle: (json: string) => Promise<void>,
    private readonly limits: InboxLimits = DEFAULT_LIMITS,
  ) {
    this.budget = limits.perTurn;
  }

  push(json: string): void {
    if (this.closed) return;
    this.queue.push(json);
    this.pump();
  }

  /** Calls back once everything pushed so far has been handled (at once if it has). */
  whenIdle(callback: () => void): void {
    this.idleWaiters.push(callback);
    this.pump();
  }

  /** The peer is gone: what it sent and we have not started is dropped. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.head = 0;
  }

  private get waiting(): number {
    return this.queue.length - this.head;
  }

  private pump(): void {
    while (this.waiting > 0 && this.budget > 0 && this.inFlight < this.limits.inFlight) {
      this.budget--;
      this.inFlight++;
      const json = this.queue[this.head++]!;
      void this.handle(json).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    // Refilled only once spent: a refill after every message cost a keystroke an extra turn of the
    // loop, and a budget left to run down over several turns still never exceeds one turn's worth.
    if (this.budget === 0 && !this.refillScheduled) {
      this.refillScheduled = true;
      setImmediate(() => {
        this.refillScheduled = false;
        this.budget = this.limits.perTurn;
        this.pump();
      });
    }
    this.flow();
    if (this.waiting === 0 && this.inFlight === 0) for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  /** Reading pauses while a backlog waits and resumes once it is down to a turn's worth. */
  private flow(): void {
    if (this.closed) return;
    const saturated = this.inFlight >= this.limits.inFlight;
    if (!this.paused && (saturated || this.waiting > this.limits.perTurn * 8)) {
      this.paused = true;
      this.stream.pause();
    } else if (this.paused && !saturated && this.waiting <= this.limits.perTurn) {
      this.paused = false;
      this.stream.resume();
    }
  }
}
