// A crash must leave either the old file or the new one, never a torn one: everything the
// snapshot store writes goes to a temp name in the target's directory (same filesystem, so
// rename is atomic), is fsynced, renamed, and the directory fsynced so the rename survives.
import { randomBytes } from 'node:crypto';
import type { PathLike } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export function tempPathBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

export async function fsyncDir(dir: PathLike): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates `temp` (flags `wx`, or `w` to overwrite one a crashed run left), lets `fill` write
 * it, and fsyncs it unless the caller syncs many files at once later. On any failure the
 * temp file is removed, so no half-written file stays.
 */
export async function writeTemp(temp: PathLike, mode: number, fill: (handle: FileHandle) => Promise<unknown>, flags: 'wx' | 'w' = 'wx', sync = true): Promise<void> {
  const handle = await open(temp, flags, mode);
  try {
    await fill(handle);
    if (sync) await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
}

export async function renameDurably(temp: PathLike, target: string | Buffer): Promise<void> {
  await rename(temp, target);
  await fsyncDir(typeof target === 'string' ? dirname(target) : target.subarray(0, Math.max(1, target.lastIndexOf('/'))));
}

export async function writeFileDurably(target: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temp = tempPathBeside(target);
  await writeTemp(temp, mode, (handle) => handle.writeFile(data));
  await renameDurably(temp, target);
}
