// Works out the smallest set of filesystem operations that turns the live tree back into a
// snapshot (or the part of it asked for). Only paths the snapshot's rules include are ever
// touched: anything excluded is invisible to the live walk and so to the plan.
import { isAbsolute, posix, relative, sep } from 'node:path';
import { NonoError } from '@nono/shared';
import { ownerChanged, parentDirs, readLiveTree } from './diff.js';
import type { Manifest, ManifestEntry } from './manifest.js';
import type { ObjectStore } from './object-store.js';

/** Owner to give back; absent in journals and manifests of version 1. */
interface OwnerOp {
  uid?: number;
  gid?: number;
}

export type Operation =
  | { op: 'delete'; path: string }
  | { op: 'rmdir'; path: string }
  | ({ op: 'mkdir'; path: string; mode: number } & OwnerOp)
  | ({ op: 'write'; path: string; hash: string; mode: number; mtime_ns?: string } & OwnerOp)
  | ({ op: 'symlink'; path: string; target: string } & OwnerOp)
  | ({ op: 'chmod'; path: string; mode: number } & OwnerOp);

/** Tree-relative paths to restore; empty means the whole tree. */
export function resolveScope(manifest: Manifest, paths: string[]): string[] {
  return paths.map((given) => {
    const rel = (isAbsolute(given) ? relative(manifest.tree, given) : posix.normalize(given)).split(sep).join('/').replace(/\/+$/, '');
    if (rel === '' || rel === '.') return '';
    if (rel === '..' || rel.startsWith('../') || posix.isAbsolute(rel)) {
      throw new NonoError('PATH_INVALID', `${given} is outside the snapshot's tree ${manifest.tree}; pass a path inside it.`, { path: given });
    }
    if (!manifest.entries.some((entry) => within(entry.path, [rel]))) {
      throw new NonoError('PATH_NOT_FOUND', `${given} is not in snapshot ${manifest.id} of ${manifest.tree}; diff the snapshot to see the paths it holds.`, { path: given });
    }
    return rel;
  });
}

export async function planRestore(store: ObjectStore, manifest: Manifest, scope: string[]): Promise<Operation[]> {
  const inScope = (path: string): boolean => scope.length === 0 || scope.includes('') || within(path, scope);
  const wanted = new Map(manifest.entries.filter((entry) => inScope(entry.path)).map((entry) => [entry.path, entry]));
  const neededDirs = new Set<string>();
  for (const entry of manifest.entries) {
    for (const dir of parentDirs(entry.path)) neededDirs.add(dir);
    if (entry.type === 'dir') neededDirs.add(entry.path);
  }
  // A file or symlink standing where a restored path needs a directory must go even when it
  // is outside the scope; a symlink there would send the restore's writes out of the tree.
  const wantedParents = new Set([...wanted.keys()].flatMap(parentDirs));

  const live = await readLiveTree(store, manifest);
  const liveByPath = new Map(live.entries.map((entry) => [entry.path, entry]));
  const liveDirs = new Set(live.dirs);

  const deletes: Operation[] = [];
  for (const entry of live.entries) {
    if (entry.type === 'dir') continue;
    const target = wanted.get(entry.path);
    const replaceable = target !== undefined && target.type !== 'dir';
    if ((inScope(entry.path) && !replaceable) || wantedParents.has(entry.path)) deletes.push({ op: 'delete', path: entry.path });
  }
  const rmdirs: Operation[] = live.dirs
    .filter((dir) => inScope(dir) && !neededDirs.has(dir))
    .sort((a, b) => depth(b) - depth(a))
    .map((path) => ({ op: 'rmdir', path }));

  const creates: Operation[] = [];
  const chmods: Operation[] = [];
  for (const entry of wanted.values()) {
    const now = liveByPath.get(entry.path);
    planEntry(entry, now, liveDirs.has(entry.path), creates, chmods);
  }
  // Modes last and deepest first: a read-only directory is made so only once what goes in it is in.
  chmods.sort((a, b) => depth(b.path) - depth(a.path));
  return [...deletes, ...rmdirs, ...creates, ...chmods];
}

function planEntry(entry: ManifestEntry, now: ManifestEntry | undefined, liveIsDir: boolean, creates: Operation[], chmods: Operation[]): void {
  const owner = entry.uid !== undefined ? { uid: entry.uid, gid: entry.gid } : {};
  if (entry.type === 'dir') {
    if (!liveIsDir) creates.push({ op: 'mkdir', path: entry.path, mode: entry.mode, ...owner });
    if (!liveIsDir || (now?.type === 'dir' && (now.mode !== entry.mode || ownerChanged(entry, now)))) chmods.push({ op: 'chmod', path: entry.path, mode: entry.mode, ...owner });
  } else if (entry.type === 'symlink') {
    if (now?.type !== 'symlink' || now.target !== entry.target || ownerChanged(entry, now)) creates.push({ op: 'symlink', path: entry.path, target: entry.target, ...owner });
  } else if (now?.type !== 'file' || now.hash !== entry.hash) {
    creates.push({ op: 'write', path: entry.path, hash: entry.hash, mode: entry.mode, mtime_ns: entry.mtime_ns, ...owner });
  } else if (now.mode !== entry.mode || ownerChanged(entry, now)) {
    chmods.push({ op: 'chmod', path: entry.path, mode: entry.mode, ...owner });
  }
}

function within(path: string, scope: string[]): boolean {
  return scope.some((s) => path === s || path.startsWith(`${s}/`));
}

function depth(path: string): number {
  return path.split('/').length;
}
