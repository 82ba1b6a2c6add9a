// gc deletes objects no manifest names yet; a snapshot being taken has objects whose manifest
// is not written yet. So snapshots and restores share the store, and gc has it alone. The
// daemon is the store's only writer, so an in-process lock is enough; it is hand-written
// because it is a dozen lines and the daemon needs nothing else from a locking library.
export class ObjectStoreLock {
  private readers = 0;
  private writer: Promise<void> | undefined;
  private readonly drained: (() => void)[] = [];

  async shared<T>(work: () => Promise<T>): Promise<T> {
    while (this.writer) await this.writer;
    this.readers++;
    try {
      return await work();
    } finally {
      this.readers--;
      if (this.readers === 0) for (const wake of this.drained.splice(0)) wake();
    }
  }

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.writer) await this.writer;
    let release!: () => void;
    this.writer = new Promise((resolve) => (release = resolve));
    try {
      if (this.readers > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
      return await work();
    } finally {
      this.writer = undefined;
      release();
    }
  }
}
