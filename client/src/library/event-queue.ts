// A push-fed async iterator: notifications go in as they arrive, a `for await` loop takes them
// out, and leaving the loop early (break, return, throw) cancels the subscription behind it.
// Items pushed before the consumer asks are kept in order; an error is thrown after them.

export class EventQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private readonly takers: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void }[] = [];
  private ended = false;
  private failure: Error | undefined;

  /** release runs once, when the queue ends either way; cancelled says the consumer ended it. */
  constructor(private readonly release: (cancelled: boolean) => void) {}

  push(item: T): void {
    if (this.ended) return;
    const taker = this.takers.shift();
    if (taker) taker.resolve({ value: item, done: false });
    else this.items.push(item);
  }

  /** The producer is finished: the consumer gets what is queued, then the end (or the error). */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.release(false);
    const takers = this.takers.splice(0);
    // Takers wait only on an empty queue, so the first of them is owed the error.
    if (error && takers.length > 0) this.failure = undefined;
    for (const [i, taker] of takers.entries()) {
      if (error && i === 0) taker.reject(error);
      else taker.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.ended) {
      const failure = this.failure;
      this.failure = undefined;
      return failure ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.takers.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.items = [];
    this.failure = undefined;
    if (!this.ended) {
      this.ended = true;
      this.release(true);
      for (const taker of this.takers.splice(0)) taker.resolve({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
