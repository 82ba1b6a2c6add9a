// SHA-256 in one place so the object store, the manifest walk and the Merkle tree agree on
// the encoding, and files are always hashed in chunks: a tree may hold multi-gigabyte files.
import { createHash, type Hash } from 'node:crypto';
import type { PathLike } from 'node:fs';
import { open } from 'node:fs/promises';

export const CHUNK_SIZE = 1 << 20;

// A fresh 1 MiB buffer per file cost an mmap and page faults for each of thousands of small
// files; buffers are reused instead, one per file being read at the time.
const freeBuffers: Buffer[] = [];

export function sha256(...parts: (string | Uint8Array)[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function isHashHex(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

/**
 * Reads `filePath` chunk by chunk into `hash`, handing each chunk to `onChunk` as well (the
 * object store copies while it hashes, so a file is read once). Returns the byte count.
 */
export async function streamFile(
  filePath: PathLike,
  hash: Hash,
  onChunk?: (chunk: Buffer) => Promise<unknown>,
): Promise<number> {
  const handle = await open(filePath, 'r');
  const buffer = freeBuffers.pop() ?? Buffer.allocUnsafeSlow(CHUNK_SIZE);
  try {
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_SIZE, null);
      if (bytesRead === 0) return size;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      if (onChunk) await onChunk(chunk);
      size += bytesRead;
    }
  } finally {
    freeBuffers.push(buffer);
    await handle.close();
  }
}

export async function hashFile(filePath: PathLike): Promise<{ hash: string; size: number }> {
  const hash = createHash('sha256');
  const size = await streamFile(filePath, hash);
  return { hash: hash.digest('hex'), size };
}
