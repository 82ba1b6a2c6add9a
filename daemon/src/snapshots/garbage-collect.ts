// Deletes what no snapshot needs any more: objects no remaining manifest names, and temp files
// of snapshots that never finished. Objects are reference-counted across manifests so that
// dropping snapshots to meet a size limit knows exactly which bytes that frees.
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isHashHex } from './hashing.js';
import { readManifest } from './manifest.js';
import type { ObjectStore } from './object-store.js';

export interface ObjectCensus {
  /** Every stored object and its size on disk. */
  sizes: Map<string, number>;
  /** How many manifest entries name each object. */
  refs: Map<string, number>;
}

export async function takeCensus(store: ObjectStore, manifestIds: string[]): Promise<ObjectCensus> {
  const sizes = new Map<string, number>();
  for (const top of await listDir(store.objectsDir)) {
    if (!/^[0-9a-f]{2}$/.test(top)) continue;
    for (const second of await listDir(join(store.objectsDir, top))) {
      const dir = join(store.objectsDir, top, second);
      for (const name of await listDir(dir)) if (isHashHex(name)) sizes.set(name, (await stat(join(dir, name))).size);
    }
  }
  const refs = new Map<string, number>();
  for (const id of manifestIds) await countReferences(store, id, refs, +1);
  return { sizes, refs };
}

/** Adds (+1) or removes (-1) one manifest's references; returns the bytes that became unreferenced. */
export async function countReferences(store: ObjectStore, id: string, refs: Map<string, number>, delta: 1 | -1, sizes?: Map<string, number>): Promise<number> {
  const manifest = await readManifest(store, id);
  let freed = 0;
  for (const entry of manifest.entries) {
    if (entry.type !== 'file') continue;
    const count = (refs.get(entry.hash) ?? 0) + delta;
    if (count > 0) refs.set(entry.hash, count);
    else {
      refs.delete(entry.hash);
      freed += sizes?.get(entry.hash) ?? 0;
    }
  }
  return freed;
}

export function referencedBytes(census: ObjectCensus): number {
  let bytes = 0;
  for (const hash of census.refs.keys()) bytes += census.sizes.get(hash) ?? 0;
  return bytes;
}

export interface SweepResult {
  removedObjects: number;
  freedBytes: number;
  keptObjects: number;
  keptBytes: number;
}

/** Must run with the store to itself: every temp file in incoming/ is taken to be abandoned. */
export async function sweep(store: ObjectStore, census: ObjectCensus, dryRun: boolean): Promise<SweepResult> {
  const result: SweepResult = { removedObjects: 0, freedBytes: 0, keptObjects: 0, keptBytes: 0 };
  for (const [hash, size] of census.sizes) {
    if (census.refs.has(hash)) {
      result.keptObjects++;
      result.keptBytes += size;
      continue;
    }
    result.removedObjects++;
    result.freedBytes += size;
    if (!dryRun) await unlink(store.pathOf(hash)).catch(() => undefined);
  }
  if (!dryRun) for (const temp of await listDir(store.incomingDir)) await unlink(join(store.incomingDir, temp)).catch(() => undefined);
  // Snapshots trust the stat caches' hashes without checking the objects exist; once objects
  // are gone, the caches go too (the next snapshot of each tree re-reads it once).
  if (!dryRun && result.removedObjects > 0) {
    const caches = join(store.root, 'stat-cache');
    for (const file of await listDir(caches)) await unlink(join(caches, file)).catch(() => undefined);
  }
  return result;
}

async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
