// Reads a tree into manifest entries. Symlinks are recorded, never followed: following one
// would snapshot (and later restore over) whatever an agent pointed it at.
import type { BigIntStats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Exclusions } from './exclusions.js';

export type ManifestEntry =
  | { path: string; type: 'file'; hash: string; size: number; mode: number; mtime_ns: string }
  | { path: string; type: 'symlink'; target: string }
  | { path: string; type: 'dir'; mode: number };

/** Gives the content hash of a regular file; the snapshot stores it, a live diff only hashes it. */
export type FileHasher = (absPath: string, relPath: string, stats: BigIntStats, statTakenNs: bigint) => Promise<{ hash: string; size: number }>;

export interface TreeContents {
  /** Files, symlinks and empty directories, in walk order. */
  entries: ManifestEntry[];
  /** Every directory that was walked, empty or not (restore removes the ones a snapshot lacks). */
  dirs: string[];
}

export async function walkTree(root: string, exclusions: Exclusions, hashFile: FileHasher, skipAbs: string[] = []): Promise<TreeContents> {
  const contents: TreeContents = { entries: [], dirs: [] };
  await walkDir(root, '', exclusions, hashFile, new Set(skipAbs), contents);
  return contents;
}

/** Returns how many entries the directory contributed, so an empty one can be recorded. */
async function walkDir(root: string, rel: string, exclusions: Exclusions, hashFile: FileHasher, skip: Set<string>, out: TreeContents): Promise<number> {
  const names = (await readdir(join(root, rel))).sort();
  let recorded = 0;
  for (const name of names) {
    const relPath = rel === '' ? name : `${rel}/${name}`;
    const absPath = join(root, relPath);
    if (skip.has(absPath)) continue;
    const statTakenNs = BigInt(Date.now()) * 1_000_000n;
    const stats = await lstat(absPath, { bigint: true });
    if (stats.isDirectory()) {
      if (exclusions.canSkipWhole(relPath)) continue;
      const dirExcluded = exclusions.excludes(relPath, true);
      const before = out.entries.length;
      if (!dirExcluded) out.dirs.push(relPath);
      const inside = await walkDir(root, relPath, exclusions, hashFile, skip, out);
      if (inside === 0 && !dirExcluded) out.entries.splice(before, 0, { path: relPath, type: 'dir', mode: Number(stats.mode & 0o7777n) });
      recorded += out.entries.length - before;
    } else if (exclusions.excludes(relPath, false)) {
      continue;
    } else if (stats.isSymbolicLink()) {
      out.entries.push({ path: relPath, type: 'symlink', target: await readlink(absPath) });
      recorded++;
    } else if (stats.isFile()) {
      const { hash, size } = await hashFile(absPath, relPath, stats, statTakenNs);
      out.entries.push({ path: relPath, type: 'file', hash, size, mode: Number(stats.mode & 0o7777n), mtime_ns: String(stats.mtimeNs) });
      recorded++;
    }
    // Sockets, fifos and devices are not content; a restore could not recreate them faithfully.
  }
  return recorded;
}
