// Worker threads that copy many files into the object store at once (see
// object-writer-worker.ts for why the copying runs synchronously off the daemon's thread).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WriterReply, WriterRequest, WriterSetup, WrittenFile } from './object-writer-worker.js';

export interface PoolProgress {
  files: number;
  bytes: number;
}

export class ObjectWriterPool {
  private readonly workers: Worker[];
  private readonly done = new BigInt64Array(new SharedArrayBuffer(16));

  constructor(files: (string | Buffer)[], incomingDir: string) {
    const setup: WriterSetup = { files, incomingDir, next: new Int32Array(new SharedArrayBuffer(4)), done: this.done };
    const count = Math.max(1, Math.min(4, availableParallelism(), Math.ceil(files.length / 64)));
    // The parent's flags are not the worker's business (--input-type=module, for one, makes a
    // file-based worker fail to start).
    this.workers = Array.from({ length: count }, () => new Worker(new URL('./object-writer-worker.js', import.meta.url), { workerData: setup, execArgv: [] }));
  }

  progress(): PoolProgress {
    return { files: Number(Atomics.load(this.done, 0)), bytes: Number(Atomics.load(this.done, 1)) };
  }

  /** Copies every file; results come back in no particular order, each with its file index. */
  async write(objectsDir: string): Promise<WrittenFile[]> {
    const replies = await Promise.all(this.workers.map((worker) => ask(worker, { type: 'write', objectsDir })));
    return replies.flatMap((reply) => (reply.type === 'written' ? reply.files : []));
  }

  async rename(moves: [string, string][]): Promise<void> {
    const share = Math.ceil(moves.length / this.workers.length);
    await Promise.all(this.workers.map((worker, i) => ask(worker, { type: 'rename', moves: moves.slice(i * share, (i + 1) * share) })));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

function ask(worker: Worker, request: WriterRequest): Promise<WriterReply> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    const onMessage = (reply: WriterReply) => {
      worker.off('error', onError);
      if (reply.type !== 'failed') return resolve(reply);
      reject(Object.assign(new Error(reply.message), { code: reply.code, path: reply.path }));
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(request);
  });
}
