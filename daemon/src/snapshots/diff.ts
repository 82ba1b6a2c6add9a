// What changed between two snapshots, or since a snapshot: the list a user reads before
// deciding what to roll back.
import { hashFile } from './hashing.js';
import { manifestExclusions, statCacheFile, type Manifest, type ManifestEntry } from './manifest.js';
import { comparePaths } from './merkle.js';
import type { ObjectStore } from './object-store.js';
import { StatCache } from './stat-cache.js';
import { walkTree, type TreeContents } from './tree-walk.js';

/** `+` added, `~` content, target or type changed, `-` deleted, `p` only the mode changed. */
export type ChangeKind = '+' | '~' | '-' | 'p';

export interface Change {
  kind: ChangeKind;
  path: string;
}

export function diffEntries(before: ManifestEntry[], after: ManifestEntry[]): Change[] {
  const beforeByPath = new Map(before.map((entry) => [entry.path, entry]));
  const afterByPath = new Map(after.map((entry) => [entry.path, entry]));
  const changes: Change[] = [];
  for (const [path, old] of beforeByPath) {
    const now = afterByPath.get(path);
    if (!now) {
      // An empty directory that gained contents was not deleted; its new contents show as added.
      if (old.type !== 'dir' || !hasDescendant(afterByPath, path)) changes.push({ kind: '-', path });
    } else {
      const kind = compareEntry(old, now);
      if (kind) changes.push({ kind, path });
    }
  }
  for (const [path, now] of afterByPath) {
    if (beforeByPath.has(path)) continue;
    if (now.type !== 'dir' || !hasDescendant(beforeByPath, path)) changes.push({ kind: '+', path });
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
  return walkTree(
    manifest.tree,
    manifestExclusions(manifest),
    async (absPath, relPath, stats) => {
      const cached = cache.lookup(relPath, stats);
      return cached !== undefined ? { hash: cached, size: Number(stats.size) } : hashFile(absPath);
    },
    [store.root],
  );
}

function compareEntry(old: ManifestEntry, now: ManifestEntry): ChangeKind | undefined {
  if (old.type !== now.type) return '~';
  if (old.type === 'symlink') return old.target === (now as typeof old).target ? undefined : '~';
  if (old.type === 'file' && old.hash !== (now as typeof old).hash) return '~';
  return old.mode === (now as typeof old).mode ? undefined : 'p';
}

function hasDescendant(byPath: Map<string, ManifestEntry>, dir: string): boolean {
  const prefix = `${dir}/`;
  for (const path of byPath.keys()) if (path.startsWith(prefix)) return true;
  return false;
}
