// What changed between two snapshots, or since a snapshot: the list a user reads before
// deciding what to roll back.
import { manifestExclusions, statCacheFile, type Manifest, type ManifestEntry } from './manifest.js';
import { comparePaths } from './merkle.js';
import type { ObjectStore } from './object-store.js';
import { StatCache } from './stat-cache.js';
import { walkTree, type TreeContents } from './tree-walk.js';

/** `+` added, `~` content, target or type changed, `-` deleted, `p` only the mode or owner changed. */
export type ChangeKind = '+' | '~' | '-' | 'p';

export interface Change {
  kind: ChangeKind;
  path: string;
}

export function diffEntries(before: ManifestEntry[], after: ManifestEntry[]): Change[] {
  const beforeByPath = new Map(before.map((entry) => [entry.path, entry]));
  const afterByPath = new Map(after.map((entry) => [entry.path, entry]));
  // A directory added or deleted with its contents is shown by its contents; only an empty
  // one is a change of its own (and version 1 manifests recorded only empty ones).
  const nonEmpty = new Set([...before, ...after].flatMap((entry) => parentDirs(entry.path)));
  const changes: Change[] = [];
  for (const [path, old] of beforeByPath) {
    const now = afterByPath.get(path);
    if (!now) {
      if (old.type !== 'dir' || !nonEmpty.has(path)) changes.push({ kind: '-', path });
    } else {
      const kind = compareEntry(old, now);
      if (kind) changes.push({ kind, path });
    }
  }
  for (const [path, now] of afterByPath) {
    if (beforeByPath.has(path)) continue;
    if (now.type !== 'dir' || !nonEmpty.has(path)) changes.push({ kind: '+', path });
  }
  return changes.sort((a, b) => comparePaths(a.path, b.path));
}

export function diffManifests(before: Manifest, after: Manifest): Change[] {
  return diffEntries(before.entries, after.entries);
}

/** Changes from the snapshot to the tree as it is now, under the snapshot's own exclusions. */
export async function diffLive(store: ObjectStore, manifest: Manifest): Promise<Change[]> {
  const live = await readLiveTree(store, manifest);
  return diffEntries(manifest.entries, live.entries);
}

/** Walks the snapshot's tree as it is now without storing anything; unchanged files are not re-read. */
export async function readLiveTree(store: ObjectStore, manifest: Manifest): Promise<TreeContents> {
  const cache = await StatCache.load(statCacheFile(store, manifest.tree));
  return walkTree(manifest.tree, manifestExclusions(manifest), cache, [store.root]);
}

function compareEntry(old: ManifestEntry, now: ManifestEntry): ChangeKind | undefined {
  if (old.type !== now.type) return '~';
  if (old.type === 'symlink') return old.target === (now as typeof old).target ? undefined : '~';
  if (old.type === 'file' && old.hash !== (now as typeof old).hash) return '~';
  const modeChanged = old.mode !== (now as typeof old).mode;
  return modeChanged || ownerChanged(old, now) ? 'p' : undefined;
}

/** Version 1 manifests have no owners: nothing to compare then. */
export function ownerChanged(old: ManifestEntry, now: ManifestEntry): boolean {
  if (old.uid === undefined || now.uid === undefined) return false;
  return old.uid !== now.uid || old.gid !== now.gid;
}

/** Every directory above `path`. */
export function parentDirs(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}
