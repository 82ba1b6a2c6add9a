// Content-addressed file contents. An object's name is the SHA-256 of its bytes, so equal
// files are stored once and a stored object can always be checked against its own name.
import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NonoError } from '@nono/shared';
import { hashFile, isHashHex, streamFile } from './hashing.js';
import { renameDurably, tempPathBeside, writeTemp } from './durable-files.js';

export interface StoredObject {
  hash: string;
  size: number;
}

export type ObjectState = 'ok' | 'corrupt' | 'missing';

export class ObjectStore {
  private readonly objectsDir: string;
  // Objects are written here first because their final directory depends on a hash not
  // known until the last byte is read; it is inside the store, so the rename stays atomic.
  private readonly incomingDir: string;

  constructor(readonly root: string) {
    this.objectsDir = join(root, 'objects');
    this.incomingDir = join(this.objectsDir, 'incoming');
  }

  pathOf(hash: string): string {
    if (!isHashHex(hash)) {
      throw new NonoError('PATH_INVALID', `"${hash}" is not a SHA-256 object name; pass the 64 lowercase hex digits from a manifest.`, { hash });
    }
    return join(this.objectsDir, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  async has(hash: string): Promise<boolean> {
    return stat(this.pathOf(hash)).then(() => true, () => false);
  }

  /** Copies a file into the store while hashing it; an object already stored is left as it is. */
  async put(filePath: string): Promise<StoredObject> {
    await mkdir(this.incomingDir, { recursive: true });
    const temp = tempPathBeside(join(this.incomingDir, 'object'));
    const hasher = createHash('sha256');
    let size = 0;
    await writeTemp(temp, 0o400, async (out) => {
      size = await streamFile(filePath, hasher, (chunk) => out.write(chunk));
    });
    const hash = hasher.digest('hex');
    const target = this.pathOf(hash);
    if (await this.has(hash)) {
      await unlink(temp);
      return { hash, size };
    }
    await mkdir(dirname(target), { recursive: true });
    await renameDurably(temp, target);
    return { hash, size };
  }

  open(hash: string): ReadStream {
    return createReadStream(this.pathOf(hash), { highWaterMark: 1 << 20 });
  }

  async read(hash: string): Promise<Buffer> {
    return readFile(this.pathOf(hash));
  }

  /** Re-hashes a stored object: bit rot or a stray write shows up as a name that no longer fits. */
  async verify(hash: string): Promise<ObjectState> {
    if (!(await this.has(hash))) return 'missing';
    const { hash: actual } = await hashFile(this.pathOf(hash));
    return actual === hash ? 'ok' : 'corrupt';
  }
}
