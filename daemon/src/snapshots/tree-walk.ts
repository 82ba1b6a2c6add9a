// Reads a tree into manifest entries. Symlinks are recorded, never followed: following one
// would snapshot (and later restore over) whatever an agent pointed it at. Names are read as
// bytes and carried as lossless strings (see shared/src/path-names.ts): a name that is not
// UTF-8 is recorded like any other, never skipped.
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isUtf8Name, nameFromBytes, nameToBytes } from '@nono/shared';
import type { Exclusions } from './exclusions.js';

/** Owner of an entry; restored where the daemon is allowed to (root, or its own files). */
export interface Owner {
  uid?: number;
  gid?: number;
}

export type ManifestEntry =
  | ({ path: string; type: 'file'; hash: string; size: number; mode: number; mtime_ns: string } & Owner)
  | ({ path: string; type: 'symlink'; target: string } & Owner)
  | ({ path: string; type: 'dir'; mode: number } & Owner);

/** A path the fs calls accept: a string for UTF-8 names, the exact bytes otherwise. */
export type FsPath = string | Buffer;

/** `rel` (tree-relative, lossless string) inside `tree`, as the fs calls need it. */
export function pathIn(tree: string, rel: string): FsPath {
  if (rel === '') return tree;
  return isUtf8Name(rel) ? join(tree, rel) : Buffer.concat([Buffer.from(`${tree.replace(/\/+$/, '')}/`), nameToBytes(rel)]);
}

/** What the stat cache compares; a full BigIntStats per file would cost kilobytes each. */
export interface FileStat {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** Gives the content hash of a regular file; the snapshot stores it, a live diff only hashes it. */
export type FileHasher = (absPath: FsPath, relPath: string, stats: FileStat, statTakenNs: bigint) => Promise<{ hash: string; size: number }>;

export interface TreeContents {
  /** Files, symlinks and directories (each with its mode), in walk order. */
  entries: ManifestEntry[];
  /** Every directory that was walked, empty or not (restore removes the ones a snapshot lacks). */
  dirs: string[];
}

export interface WalkProgress {
  /** Called once the tree has been listed, before any file is read. */
  listed?(files: number, bytes: number): void;
  /** Called now and then with the files and bytes read so far. */
  read?(files: number, bytes: number): void;
}

export interface ListedFile {
  entry: Extract<ManifestEntry, { type: 'file' }>;
  absPath: FsPath;
  stats: FileStat;
  statTakenNs: bigint;
}

/** A listed tree: entries whose file hashes are still empty, and the files to fill them from. */
export interface TreeListing extends TreeContents {
  files: ListedFile[];
}

// Reading and hashing files one at a time leaves the disk and the thread pool idle between
// them; a few in flight keep both busy without holding many 1 MiB buffers.
const FILES_IN_FLIGHT = 8;

export async function listTree(root: string, exclusions: Exclusions, skipAbs: string[] = []): Promise<TreeListing> {
  const listing: TreeListing = { entries: [], dirs: [], files: [] };
  await walkDir(root, '', exclusions, new Set(skipAbs), listing, listing.files);
  return listing;
}

export function listedBytes(files: ListedFile[]): number {
  return files.reduce((sum, f) => sum + Number(f.stats.size), 0);
}

export async function walkTree(root: string, exclusions: Exclusions, hashFile: FileHasher, skipAbs: string[] = [], progress: WalkProgress = {}): Promise<TreeContents> {
  const { files, ...contents } = await listTree(root, exclusions, skipAbs);
  progress.listed?.(files.length, listedBytes(files));
  let next = 0;
  const done = { files: 0, bytes: 0 };
  // A fixed set of workers pulling the next index: bounded concurrency without a queue library.
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      const { hash, size } = await hashFile(file.absPath, file.entry.path, file.stats, file.statTakenNs);
      file.entry.hash = hash;
      file.entry.size = size;
      done.files++;
      done.bytes += size;
      progress.read?.(done.files, done.bytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILES_IN_FLIGHT, files.length) }, worker));
  return contents;
}

async function walkDir(root: string, rel: string, exclusions: Exclusions, skip: Set<string>, out: TreeContents, files: ListedFile[]): Promise<void> {
  const dir = pathIn(root, rel);
  const names = (await readdir(dir, { encoding: 'buffer' }).catch(naming(dir))).map(nameFromBytes).sort();
  const statTakenNs = BigInt(Date.now()) * 1_000_000n;
  const stats = await Promise.all(
    names.map((name) => {
      const abs = pathIn(root, rel === '' ? name : `${rel}/${name}`);
      return lstat(abs, { bigint: true }).catch(vanished).catch(naming(abs));
    }),
  );
  for (const [index, name] of names.entries()) {
    const relPath = rel === '' ? name : `${rel}/${name}`;
    const absPath = pathIn(root, relPath);
    const stat = stats[index];
    if (stat === undefined || (typeof absPath === 'string' && skip.has(absPath))) continue;
    const owner = { uid: Number(stat.uid), gid: Number(stat.gid) };
    if (stat.isDirectory()) {
      if (exclusions.canSkipWhole(relPath)) continue;
      // Every directory is recorded, full or empty: its mode and owner are part of the tree.
      if (!exclusions.excludes(relPath, true)) {
        out.dirs.push(relPath);
        out.entries.push({ path: relPath, type: 'dir', mode: Number(stat.mode & 0o7777n), ...owner });
      }
      await walkDir(root, relPath, exclusions, skip, out, files);
    } else if (exclusions.excludes(relPath, false)) {
      continue;
    } else if (stat.isSymbolicLink()) {
      const target = await readlink(absPath, { encoding: 'buffer' }).catch(vanished).catch(naming(absPath));
      if (target === undefined) continue;
      out.entries.push({ path: relPath, type: 'symlink', target: nameFromBytes(target), ...owner });
    } else if (stat.isFile()) {
      const entry = { path: relPath, type: 'file' as const, hash: '', size: 0, mode: Number(stat.mode & 0o7777n), mtime_ns: String(stat.mtimeNs), ...owner };
      out.entries.push(entry);
      files.push({ entry, absPath, stats: { ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs }, statTakenNs });
    }
    // Sockets, fifos and devices are not content; a restore could not recreate them faithfully.
  }
}

/** A file deleted between readdir and lstat was simply not there when the snapshot was taken. */
function vanished(err: NodeJS.ErrnoException): undefined {
  if (err.code === 'ENOENT') return undefined;
  throw err;
}

/** Fs errors on byte paths carry a lossy text path; this puts the exact one on them. */
export function naming(path: FsPath): (err: NodeJS.ErrnoException) => never {
  return (err) => {
    if (typeof path !== 'string') err.path = nameFromBytes(path);
    throw err;
  };
}
