// Content-addressed file contents. An object's name is the SHA-256 of its bytes, so equal
// files are stored once and a stored object can always be checked against its own name.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { NonoError } from '@nono/shared';
import { hashFile, isHashHex, streamFile } from './hashing.js';
import { tempPathBeside, writeTemp } from './durable-files.js';
import { FILES_IN_FLIGHT, forEachInFlight } from './in-flight.js';
import { ObjectWriterPool, type PoolProgress } from './object-writer-pool.js';
import { naming, type FsPath } from './tree-walk.js';

export interface StoredObject {
  hash: string;
  size: number;
}

export type ObjectState = 'ok' | 'corrupt' | 'missing';

export class ObjectStore {
  readonly objectsDir: string;
  // Objects are written here first because their final directory depends on a hash not
  // known until the last byte is read; it is inside the store, so the rename stays atomic.
  readonly incomingDir: string;

  constructor(readonly root: string) {
    this.objectsDir = join(root, 'objects');
    this.incomingDir = join(this.objectsDir, 'incoming');
  }

  pathOf(hash: string): string {
    if (!isHashHex(hash)) {
      throw new NonoError('PATH_INVALID', `"${hash}" is not a SHA-256 object name; pass the 64 lowercase hex digits from a manifest.`, { hash });
    }
    return join(this.objectsDir, hash.slice(0, 2), hash.slice(2, 3), hash);
  }

  async has(hash: string): Promise<boolean> {
    return stat(this.pathOf(hash)).then(() => true, () => false);
  }

  batch(): ObjectBatch {
    return new ObjectBatch(this);
  }

  open(hash: string): ReadStream {
    return createReadStream(this.pathOf(hash), { highWaterMark: 1 << 20 });
  }

  /** Re-hashes a stored object: bit rot or a stray write shows up as a name that no longer fits. */
  async verify(hash: string): Promise<ObjectState> {
    if (!(await this.has(hash))) return 'missing';
    const { hash: actual } = await hashFile(this.pathOf(hash));
    return actual === hash ? 'ok' : 'corrupt';
  }
}

/**
 * New objects of one snapshot. An fsync per object made a 20,000-file baseline seven times
 * slower than `git add`, so objects are written to incoming/ unsynced and `commit` makes them
 * durable with one filesystem sync before renaming them to their names, then syncs again for
 * the renames. An object under its final name is therefore always complete on disk; a crash
 * before commit leaves only temp files in incoming/, which gc removes.
 */
export class ObjectBatch {
  private readonly pending = new Map<string, string>();
  private readonly madeDirs = new Set<string>();
  private pool: ObjectWriterPool | undefined;

  constructor(private readonly store: ObjectStore) {}

  /**
   * Copies many files into the batch, in worker threads when there are enough of them to pay
   * for starting the threads. `onProgress` is called from time to time while they work.
   */
  async putMany(files: FsPath[], onProgress?: (done: PoolProgress) => void): Promise<StoredObject[]> {
    if (files.length < PARALLEL_FROM) {
      const stored: StoredObject[] = new Array(files.length);
      const done = { files: 0, bytes: 0 };
      await forEachInFlight(files.length, FILES_IN_FLIGHT, async (index) => {
        stored[index] = await this.put(files[index]!);
        done.files++;
        done.bytes += stored[index]!.size;
        onProgress?.(done);
      });
      return stored;
    }
    await this.ensureDir(this.store.incomingDir);
    const pool = new ObjectWriterPool(files, this.store.incomingDir);
    this.pool = pool;
    const writeback = new EarlyWriteback(this.store.incomingDir);
    const ticker = setInterval(() => {
      const done = pool.progress();
      writeback.written(done.bytes);
      onProgress?.(done);
    }, 100);
    try {
      const stored: StoredObject[] = new Array(files.length);
      const written = await pool.write(this.store.objectsDir);
      for (const [index, hash, size, temp] of written) {
        stored[index] = { hash, size };
        if (temp === null) continue;
        // Two workers may have copied equal files; one copy is enough.
        if (this.pending.has(hash)) await unlink(temp);
        else this.pending.set(hash, temp);
      }
      onProgress?.(pool.progress());
      return stored;
    } finally {
      clearInterval(ticker);
      await writeback.settled();
    }
  }

  /** Copies a file into the batch while hashing it; an object already stored is not copied again. */
  async put(filePath: FsPath): Promise<StoredObject> {
    await this.ensureDir(this.store.incomingDir);
    const temp = tempPathBeside(join(this.store.incomingDir, 'object'));
    const hasher = createHash('sha256');
    let size = 0;
    await writeTemp(temp, 0o400, async (out) => {
      size = await streamFile(filePath, hasher, (chunk) => out.write(chunk)).catch(naming(filePath));
    }, 'wx', false);
    const hash = hasher.digest('hex');
    // Checked after the await, so two copies of equal files in flight cannot both be kept.
    const stored = await this.store.has(hash);
    if (stored || this.pending.has(hash)) await unlink(temp);
    else this.pending.set(hash, temp);
    return { hash, size };
  }

  async commit(): Promise<void> {
    if (this.pending.size === 0) return this.closePool();
    try {
      await syncFilesystem(this.store.incomingDir, [...this.pending.values()]);
      const moves = [...this.pending].map(([hash, temp]): [string, string] => [temp, this.store.pathOf(hash)]);
      if (this.pool) await this.pool.rename(moves);
      else {
        // After a first snapshot most of the 4,096 fan-out directories exist: rename first,
        // and make the directory only when it is missing.
        await forEachInFlight(moves.length, FILES_IN_FLIGHT, async (index) => {
          const [temp, target] = moves[index]!;
          await rename(temp, target).catch(async (err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT') throw err;
            await this.ensureDir(dirname(target));
            await rename(temp, target);
          });
        });
      }
      await syncFilesystem(this.store.objectsDir, [...new Set(moves.map(([, target]) => dirname(target)))]);
      this.pending.clear();
    } finally {
      await this.closePool();
    }
  }

  /** Removes the batch's temp files after a failed snapshot. */
  async abandon(): Promise<void> {
    await this.closePool();
    for (const temp of this.pending.values()) await unlink(temp).catch(() => undefined);
    this.pending.clear();
  }

  private async closePool(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }
}

const execFileAsync = promisify(execFile);

/**
 * The kernel starts writing dirty pages back only after about 30 s, so left alone the whole
 * snapshot would sit in memory until the final syncfs and the disk would idle while files are
 * hashed. Kicking a syncfs off every WRITEBACK_STEP bytes overlaps the writeback with the
 * copying, and the final sync finds little left to do. It is only a head start: durability
 * still comes from the syncfs in commit.
 */
const WRITEBACK_STEP = 64 << 20;

class EarlyWriteback {
  private kickedAt = 0;
  private inFlight: Promise<unknown> | undefined;

  constructor(private readonly dir: string) {}

  written(bytes: number): void {
    if (this.inFlight || bytes - this.kickedAt < WRITEBACK_STEP) return;
    this.kickedAt = bytes;
    this.inFlight = execFileAsync('sync', ['-f', this.dir])
      .catch(() => undefined)
      .finally(() => (this.inFlight = undefined));
  }

  async settled(): Promise<void> {
    await this.inFlight;
  }
}

// Below this many files, starting worker threads costs more than it saves.
const PARALLEL_FROM = 256;

/**
 * syncfs(2) through coreutils' `sync -f`, as Node has no binding for it. Where that is not
 * available (macOS's sync has no -f) each listed file or directory, and `dir`, is fsynced instead.
 */
async function syncFilesystem(dir: string, files: string[]): Promise<void> {
  try {
    await execFileAsync('sync', ['-f', dir]);
    return;
  } catch {
    for (const file of [...files, dir]) {
      const handle = await open(file, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }
}
