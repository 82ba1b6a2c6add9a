// Copies files into the object store's incoming/ directory, hashing them on the way, with
// synchronous I/O in a worker thread: for thousands of small files the thread-pool round
// trips of async fs calls cost more than the copying, and the daemon's own thread stays free.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, renameSync, mkdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';

export interface WriterSetup {
  /** Byte paths (names that are not UTF-8) arrive as plain Uint8Arrays, which fs accepts too. */
  files: (string | Buffer)[];
  incomingDir: string;
  /** [0]: next file index to take; shared by all workers so big files do not pile up on one. */
  next: Int32Array;
  /** [0]: files done, [1]: bytes done; read by the main thread for progress. */
  done: BigInt64Array;
}

/** Per file: [index, hash, size, temp path or null when the object is already stored]. */
export type WrittenFile = [number, string, number, string | null];

export type WriterRequest = { type: 'write'; objectsDir: string } | { type: 'rename'; moves: [string, string][] };
export type WriterReply = { type: 'written'; files: WrittenFile[] } | { type: 'renamed' } | { type: 'failed'; message: string; code?: string; path?: string };

const CHUNK = 1 << 20;

function objectPath(objectsDir: string, hash: string): string {
  return join(objectsDir, hash.slice(0, 2), hash.slice(2, 3), hash);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function copyHashing(source: string | Buffer, temp: string, buffer: Buffer): { hash: string; size: number } {
  const input = openSync(source, 'r');
  try {
    const output = openSync(temp, 'wx', 0o400);
    try {
      const hasher = createHash('sha256');
      let size = 0;
      for (;;) {
        const read = readSync(input, buffer, 0, CHUNK, null);
        if (read === 0) break;
        hasher.update(buffer.subarray(0, read));
        for (let written = 0; written < read; ) written += writeSync(output, buffer, written, read - written);
        size += read;
      }
      return { hash: hasher.digest('hex'), size };
    } finally {
      closeSync(output);
    }
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // The temp file was never created.
    }
    throw err;
  } finally {
    closeSync(input);
  }
}

function writeFiles(setup: WriterSetup, objectsDir: string): WrittenFile[] {
  const buffer = Buffer.allocUnsafeSlow(CHUNK);
  const results: WrittenFile[] = [];
  for (;;) {
    const index = Atomics.add(setup.next, 0, 1);
    if (index >= setup.files.length) return results;
    const temp = join(setup.incomingDir, `.object.${process.pid}-${threadId}-${index}.tmp`);
    const { hash, size } = copyHashing(setup.files[index]!, temp, buffer);
    if (exists(objectPath(objectsDir, hash))) {
      unlinkSync(temp);
      results.push([index, hash, size, null]);
    } else {
      results.push([index, hash, size, temp]);
    }
    Atomics.add(setup.done, 0, 1n);
    Atomics.add(setup.done, 1, BigInt(size));
  }
}

function renameAll(moves: [string, string][]): void {
  const made = new Set<string>();
  for (const [temp, target] of moves) {
    const dir = target.slice(0, target.lastIndexOf('/'));
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    renameSync(temp, target);
  }
}

const setup = workerData as WriterSetup;
parentPort!.on('message', (request: WriterRequest) => {
  try {
    if (request.type === 'write') parentPort!.postMessage({ type: 'written', files: writeFiles(setup, request.objectsDir) } satisfies WriterReply);
    else {
      renameAll(request.moves);
      parentPort!.postMessage({ type: 'renamed' } satisfies WriterReply);
    }
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    parentPort!.postMessage({ type: 'failed', message: error.message, code: error.code, path: error.path } satisfies WriterReply);
  }
});
