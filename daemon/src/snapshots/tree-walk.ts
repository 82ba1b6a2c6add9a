// Reads a tree into manifest entries. Symlinks are recorded, never followed: following one
// would snapshot (and later restore over) whatever an agent pointed it at. Names are read as
// bytes and carried as lossless strings (see shared/src/path-names.ts): a name that is not
// UTF-8 is recorded like any other, never skipped.
import { lstatSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { isUtf8Name, nameFromBytes, nameToBytes } from '@nono/shared';
import type { Exclusions } from './exclusions.js';
import { hashFile } from './hashing.js';
import { FILES_IN_FLIGHT, forEachInFlight } from './in-flight.js';
import type { FileEntry, ManifestEntry } from './manifest-entry.js';
import { fileKey, isRacy, type StatCache } from './stat-cache.js';

/** A path the fs calls accept: a string for UTF-8 names, the exact bytes otherwise. */
export type FsPath = string | Buffer;

/** `rel` (tree-relative, lossless string) inside `tree`, as the fs calls need it. */
export function pathIn(tree: string, rel: string): FsPath {
  if (rel === '') return tree;
  return isUtf8Name(rel) ? join(tree, rel) : Buffer.concat([Buffer.from(`${tree.replace(/\/+$/, '')}/`), nameToBytes(rel)]);
}

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

/** A file the stat cache did not know: its entry waits for a hash. */
export interface ListedFile {
  entry: FileEntry;
  absPath: FsPath;
}

/** A listed tree: entries with the hashes the stat cache knew, and the files still to hash. */
export interface TreeListing extends TreeContents {
  files: ListedFile[];
}

// The walk makes synchronous readdir, lstat and readlink calls: on 20,000 files the promise
// versions took three times as long (thread-pool hand-offs and a promise per call). It gives
// the event loop back after every SLICE calls, so the daemon's other work waits a few
// milliseconds at most.
const SLICE = 128;

interface Walk {
  exclusions: Exclusions;
  cache: StatCache;
  /** The store's own directory, if it is inside the tree (files are never in it). */
  skip: Set<string>;
  out: TreeListing;
  calls: number;
}

export async function listTree(root: string, exclusions: Exclusions, cache: StatCache, skipAbs: string[] = []): Promise<TreeListing> {
  const walk: Walk = { exclusions, cache, skip: new Set(skipAbs), out: { entries: [], dirs: [], files: [] }, calls: 0 };
  await walkDir(walk, root, '', false);
  return walk.out;
}

export function listedBytes(files: ListedFile[]): number {
  return files.reduce((sum, f) => sum + f.entry.size, 0);
}

/** Lists the tree and hashes the files the cache did not know, storing nothing. */
export async function walkTree(root: string, exclusions: Exclusions, cache: StatCache, skipAbs: string[] = []): Promise<TreeContents> {
  const { files, ...contents } = await listTree(root, exclusions, cache, skipAbs);
  await forEachInFlight(files.length, FILES_IN_FLIGHT, async (index) => {
    const file = files[index]!;
    const { hash, size } = await hashFile(file.absPath).catch(naming(file.absPath));
    file.entry.hash = hash;
    file.entry.size = size;
  });
  return contents;
}

/** `ancestorMatched`: an exclusion matched a directory above (see Exclusions.matches). */
async function walkDir(walk: Walk, dir: FsPath, rel: string, ancestorMatched: boolean): Promise<void> {
  const { exclusions, cache, out } = walk;
  const { names, allUtf8 } = namesIn(dir);
  const prefix = typeof dir === 'string' ? (dir.endsWith('/') ? dir : `${dir}/`) : undefined;
  const statTakenNs = BigInt(Date.now()) * 1_000_000n;
  for (const name of names) {
    if (++walk.calls % SLICE === 0) await yieldToLoop();
    const relPath = rel === '' ? name : `${rel}/${name}`;
    const absPath = prefix !== undefined && (allUtf8 || isUtf8Name(name)) ? prefix + name : bytePath(dir, name);
    const stat = lstatOrVanished(absPath);
    if (stat === undefined) continue;
    const uid = Number(stat.uid);
    const gid = Number(stat.gid);
    const isDir = stat.isDirectory();
    const matched = exclusions.matches(relPath, name, isDir, ancestorMatched);
    if (isDir) {
      if ((matched && exclusions.skipsWhole()) || (typeof absPath === 'string' && walk.skip.has(absPath))) continue;
      // Every directory is recorded, full or empty: its mode and owner are part of the tree.
      if (!exclusions.leavesOut(relPath, matched)) {
        out.dirs.push(relPath);
        out.entries.push({ path: relPath, type: 'dir', mode: Number(stat.mode) & 0o7777, uid, gid });
        cache.saw(relPath, 'd');
      }
      await walkDir(walk, absPath, relPath, matched);
    } else if (exclusions.leavesOut(relPath, matched)) {
      continue;
    } else if (stat.isSymbolicLink()) {
      if (typeof absPath === 'string' && walk.skip.has(absPath)) continue;
      const target = readlinkOrVanished(absPath);
      if (target === undefined) continue;
      out.entries.push({ path: relPath, type: 'symlink', target, uid, gid });
      cache.saw(relPath, `l${target}`);
    } else if (stat.isFile()) {
      const mtimeNs = String(stat.mtimeNs);
      const hash = cache.knownHash(relPath, fileKey(stat.dev, stat.ino, stat.size, mtimeNs, stat.ctimeNs));
      const entry: FileEntry = { path: relPath, type: 'file', hash: hash ?? '', size: Number(stat.size), mode: Number(stat.mode) & 0o7777, mtime_ns: mtimeNs, uid, gid };
      out.entries.push(entry);
      if (hash !== undefined) continue;
      out.files.push({ entry, absPath });
      if (isRacy(stat.mtimeNs, stat.ctimeNs, statTakenNs)) cache.distrust(relPath);
    }
    // Sockets, fifos and devices are not content; a restore could not recreate them faithfully.
  }
}

/** `name` inside `dir` as bytes, for a name (or a directory) that is not UTF-8. */
function bytePath(dir: FsPath, name: string): Buffer {
  const parent = typeof dir === 'string' ? Buffer.from(dir) : dir;
  return Buffer.concat([parent, parent.at(-1) === 0x2f ? Buffer.alloc(0) : Buffer.from('/'), nameToBytes(name)]);
}

/**
 * A directory's names, sorted. Decoding them natively is cheaper than a Buffer per name; only
 * a directory where that decoding replaced something is read again as bytes.
 */
function namesIn(dir: FsPath): { names: string[]; allUtf8: boolean } {
  try {
    const names = readdirSync(dir);
    if (!names.some((name) => name.includes('\uFFFD'))) return { names: names.sort(), allUtf8: true };
    return { names: readdirSync(dir, { encoding: 'buffer' }).map(nameFromBytes).sort(), allUtf8: false };
  } catch (err) {
    return naming(dir)(err as NodeJS.ErrnoException);
  }
}

/** A file deleted between readdir and lstat was simply not there when the snapshot was taken. */
function lstatOrVanished(path: FsPath): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch (err) {
    return naming(path)(err as NodeJS.ErrnoException);
  }
}

function readlinkOrVanished(path: FsPath): string | undefined {
  try {
    return nameFromBytes(readlinkSync(path, { encoding: 'buffer' }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return naming(path)(err as NodeJS.ErrnoException);
  }
}

/** Fs errors on byte paths carry a lossy text path; this puts the exact one on them. */
export function naming(path: FsPath): (err: NodeJS.ErrnoException) => never {
  return (err) => {
    if (typeof path !== 'string') err.path = nameFromBytes(path);
    throw err;
  };
}
