// A snapshot is a manifest (paths, modes, object hashes) plus the objects it names. Manifests
// are plain JSON files beside the objects so the store can be read, copied or repaired
// without the daemon. Version 2 records every directory and the owners, and keeps a name that
// is not UTF-8 exactly: `path` (or `target`) holds its quoted display form and `path_b64` (or
// `target_b64`) its bytes. Version 1 manifests are still read.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NonoError, isUtf8Name, nameFromBytes, nameToBytes, quoteName } from '@nono/shared';
import { writeFileDurably } from './durable-files.js';
import { Exclusions, type ExclusionRules } from './exclusions.js';
import { sha256 } from './hashing.js';
import { comparePaths, entryHash, leafHash, merkleRoot } from './merkle.js';
import type { ObjectStore } from './object-store.js';
import { StatCache } from './stat-cache.js';
import type { ManifestEntry } from './manifest-entry.js';
import { listedBytes, listTree, type ListedFile, type WalkProgress } from './tree-walk.js';

export type { ManifestEntry } from './manifest-entry.js';

/** Why a snapshot exists: taken around a session, or by hand with `nono snapshot create`. */
export type SnapshotOrigin = { session: string; role: 'baseline' | 'final' } | { manual: true };

export interface Manifest extends ExclusionRules {
  version: 1 | 2;
  id: string;
  created: string;
  tree: string;
  root: string;
  label?: string;
  /** Unique per tree (the index checks before the snapshot is taken). */
  name?: string;
  tags?: string[];
  origin?: SnapshotOrigin;
  entries: ManifestEntry[];
}

export interface SnapshotOptions {
  exclude?: string[];
  include?: string[];
  label?: string;
  name?: string;
  tags?: string[];
  origin?: SnapshotOrigin;
  progress?: WalkProgress;
  /** Where to write the manifest instead of the store's manifests/ (an undo snapshot is not listed). */
  manifestFile?: string;
}

export interface SnapshotResult {
  manifest: Manifest;
  /** Files read and hashed in this run; the rest came from the stat cache. */
  filesHashed: number;
  filesCached: number;
}

// JavaScript's own string order (UTF-16 code units) is the byte order of the UTF-8 names
// unless a name holds a surrogate (an astral character, or a byte that is not UTF-8: see
// shared/src/path-names.ts) or a character from U+E000 up; only trees with such a name pay
// for comparing bytes.
const NOT_CODE_POINT_ORDERED = /[\uD800-\uFFFF]/;

export function sortEntries(entries: ManifestEntry[]): ManifestEntry[] {
  const byBytes = entries.some((entry) => NOT_CODE_POINT_ORDERED.test(entry.path));
  return [...entries].sort(byBytes ? (a, b) => comparePaths(a.path, b.path) : (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function computeRoot(entries: ManifestEntry[]): string {
  return merkleRoot(sortEntries(entries).map((entry) => leafHash(entry.path, entryHash(entry))));
}

export function manifestExclusions(manifest: ExclusionRules): Exclusions {
  return new Exclusions({ exclude: manifest.exclude, include: manifest.include });
}

export function statCacheFile(store: ObjectStore, tree: string): string {
  return join(store.root, 'stat-cache', `${sha256(tree).toString('hex')}.json`);
}

export async function resolveTree(tree: string): Promise<string> {
  return realpath(tree).catch(() => {
    throw new NonoError('PATH_NOT_FOUND', `Tree ${tree} does not exist; pass the directory to snapshot.`, { path: tree });
  });
}

export async function takeSnapshot(store: ObjectStore, treePath: string, options: SnapshotOptions = {}): Promise<SnapshotResult> {
  const tree = await resolveTree(treePath);
  const rules: ExclusionRules = { exclude: options.exclude ?? [], include: options.include ?? [] };
  const cache = await StatCache.load(statCacheFile(store, tree));
  // gc drops the stat caches whenever it deletes objects, so a cached hash names an object
  // that is still stored: no stat per file to check it.
  const { entries, files } = await listTree(tree, new Exclusions(rules), cache, [store.root]);
  options.progress?.listed?.(files.length, listedBytes(files));
  if (files.length > 0) await storeFiles(store, files, options.progress);
  const sorted = sortEntries(entries);
  const { root, levels } = cache.merkleTree(sorted);
  const manifest: Manifest = {
    version: 2,
    id: `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
    created: new Date().toISOString(),
    tree,
    root,
    ...rules,
    ...(options.label !== undefined ? { label: options.label } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.tags !== undefined && options.tags.length > 0 ? { tags: options.tags } : {}),
    ...(options.origin !== undefined ? { origin: options.origin } : {}),
    entries: sorted,
  };
  await writeManifest(store, manifest, options.manifestFile);
  await cache.save(sorted, levels);
  const filesListed = entries.reduce((count, entry) => (entry.type === 'file' ? count + 1 : count), 0);
  return { manifest, filesHashed: files.length, filesCached: filesListed - files.length };
}

/** Copies the files the stat cache did not know into the store, filling in their hashes. */
async function storeFiles(store: ObjectStore, files: ListedFile[], progress: WalkProgress | undefined): Promise<void> {
  const batch = store.batch();
  try {
    const stored = await batch.putMany(
      files.map((file) => file.absPath),
      (done) => progress?.read?.(done.files, done.bytes),
    );
    for (const [index, file] of files.entries()) {
      file.entry.hash = stored[index]!.hash;
      file.entry.size = stored[index]!.size;
    }
    await batch.commit();
  } catch (err) {
    await batch.abandon();
    throw err;
  }
}

function manifestPath(store: ObjectStore, id: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) {
    throw new NonoError('PATH_INVALID', `"${id}" is not a snapshot id; ids are letters, digits, "-" and "_".`, { id });
  }
  return join(store.root, 'manifests', `${id}.json`);
}

export async function writeManifest(store: ObjectStore, manifest: Manifest, file = manifestPath(store, manifest.id)): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileDurably(file, `${JSON.stringify({ ...manifest, entries: manifest.entries.map(storedEntry) }, null, 1)}\n`);
}

/** An entry as the manifest file holds it: names that are not UTF-8 also as base64 bytes. */
type StoredEntry = ManifestEntry & { path_b64?: string; target_b64?: string };

function storedEntry(entry: ManifestEntry): StoredEntry {
  if (isUtf8Name(entry.path) && (entry.type !== 'symlink' || isUtf8Name(entry.target))) return entry;
  const stored: StoredEntry = { ...entry };
  if (!isUtf8Name(entry.path)) Object.assign(stored, { path: quoteName(entry.path), path_b64: nameToBytes(entry.path).toString('base64') });
  if (entry.type === 'symlink' && !isUtf8Name(entry.target)) Object.assign(stored, { target: quoteName(entry.target), target_b64: nameToBytes(entry.target).toString('base64') });
  return stored;
}

function loadedEntry(stored: StoredEntry): ManifestEntry {
  const { path_b64, target_b64, ...entry } = stored;
  if (path_b64 !== undefined) entry.path = nameFromBytes(Buffer.from(path_b64, 'base64'));
  if (target_b64 !== undefined && entry.type === 'symlink') entry.target = nameFromBytes(Buffer.from(target_b64, 'base64'));
  return entry;
}

export async function readManifest(store: ObjectStore, id: string): Promise<Manifest> {
  return readManifestFile(manifestPath(store, id), id);
}

export async function readManifestFile(file: string, id: string): Promise<Manifest> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new NonoError('SNAPSHOT_NOT_FOUND', `Snapshot manifest ${file} does not exist; nono snapshot list shows the snapshots there are.`, { path: file, id });
  });
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch {
    manifest = {} as Manifest;
  }
  if ((manifest.version !== 1 && manifest.version !== 2) || !Array.isArray(manifest.entries) || typeof manifest.tree !== 'string') {
    throw new NonoError('SNAPSHOT_CORRUPT', `Snapshot manifest ${file} is not a version 1 or 2 manifest; restore it from a backup or take a new snapshot.`, { path: file, id });
  }
  return { ...manifest, entries: (manifest.entries as StoredEntry[]).map(loadedEntry) };
}
