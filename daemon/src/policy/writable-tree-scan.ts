// Finds, in the trees a sandbox may write, what the host runs later: git directories, gitlinks
// and the host-exec names (.envrc, .vscode, .claude/settings.json, …) at any depth. Taken
// before the session, it says what the view must write-protect; taken again after, what appeared.
// Threat: the agent shapes these trees, so the walk never follows a symlink (a link's target is
// not what the walk vouches for) and reads names as bytes (a name that is not UTF-8 must not
// hide what lies below it).
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Dirent, type Stats } from 'node:fs';
import { join } from 'node:path';
import { nameFromBytes, nameToBytes } from '@nono/shared';

export interface TreeInventory {
  /** `.git` directories (not the git dirs they hold), absolute. */
  dotGits: string[];
  /** `.git` files (gitlinks: "gitdir: PATH"), absolute, with their bytes (latin1) as read. */
  gitLinks: { path: string; content: string }[];
  /** `.git` symlinks, absolute, with where they point. */
  gitSymlinks: { path: string; target: string }[];
  /** Existing paths matching a host-exec name, absolute, with the name that matched. */
  hostExec: { path: string; name: string }[];
  /** False when the budget ran out before every directory was read. */
  complete: boolean;
  /** Protected names that are symlinks, with their targets (as readlinkBytes gives them): a link that changed is put aside. */
  links: { path: string; target: string }[];
  /** Missing files a repository's config has git run or read (core.hooksPath, includes): created later, they are put aside. */
  referenced: string[];
}

/**
 * Trees skipped: dependency caches hold thousands of directories and no file the host runs
 * on its own. A `.git` is not descended into here: git-control.ts reads its structure.
 */
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/** Directories read per scan; past it the scan reports itself incomplete rather than stall a start. */
export const SCAN_DIR_BUDGET = 20_000;

/** lstat of a path that may hold bytes that are not UTF-8 (carried as in path-names.ts). */
export function lstatBytes(path: string): Stats | undefined {
  try {
    return lstatSync(nameToBytes(path), { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

export function readdirBytes(dir: string): { name: string; entry: Dirent<Buffer> }[] | undefined {
  try {
    return readdirSync(nameToBytes(dir), { withFileTypes: true, encoding: 'buffer' }).map((entry) => ({ name: nameFromBytes(entry.name), entry }));
  } catch {
    return undefined;
  }
}

export interface ScanOptions {
  budget?: number;
  /** Called for every entry met (not followed), for the end-of-session sweep's own checks. */
  visit?: (path: string, entry: Dirent<Buffer>) => void;
}

/**
 * Walks each root by readdir alone (no stat per entry but for multi-part host-exec names), so
 * a start pays about one syscall per directory.
 */
export function scanWritableTrees(roots: string[], hostExecNames: string[], options: ScanOptions = {}): TreeInventory {
  const budget = options.budget ?? SCAN_DIR_BUDGET;
  const inventory: TreeInventory = { dotGits: [], gitLinks: [], gitSymlinks: [], hostExec: [], complete: true, links: [], referenced: [] };
  // A name like `.claude/settings.json` is matched by its first component, then looked up
  // through real directories only: a `.claude` that is a symlink leads somewhere else.
  const byFirst = new Map<string, string[]>();
  for (const name of hostExecNames) {
    const first = name.split('/')[0]!;
    byFirst.set(first, [...(byFirst.get(first) ?? []), name]);
  }
  const seen = new Set<string>();
  const stack = [...roots];
  let read = 0;
  while (stack.length > 0) {
    const dir = stack.pop()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    if (++read > budget) {
      inventory.complete = false;
      break;
    }
    for (const { name, entry } of readdirBytes(dir) ?? []) {
      const path = join(dir, name);
      options.visit?.(path, entry);
      if (name === '.git') {
        if (entry.isDirectory()) inventory.dotGits.push(path);
        else if (entry.isFile()) inventory.gitLinks.push({ path, content: readControlFile(path)?.toString('latin1') ?? '' });
        else if (entry.isSymbolicLink()) inventory.gitSymlinks.push({ path, target: readlinkBytes(path) });
      }
      for (const hostExec of byFirst.get(name) ?? []) {
        if (hostExec === name) inventory.hostExec.push({ path, name: hostExec });
        else if (entry.isDirectory() && throughRealDirs(dir, hostExec)) inventory.hostExec.push({ path: join(dir, hostExec), name: hostExec });
      }
      if (entry.isDirectory() && !SKIPPED_DIRS.has(name)) stack.push(path);
    }
  }
  return inventory;
}

/** Largest control file read; git's own are a few kilobytes. */
const MAX_CONTROL_BYTES = 1024 * 1024;

/**
 * A small regular file's bytes, or undefined for anything else: opened without following a
 * link and without blocking, so a FIFO or a device planted as `config` cannot hang the daemon.
 */
export function readControlFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(nameToBytes(path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size > MAX_CONTROL_BYTES) return undefined;
    const buffer = Buffer.alloc(stats.size);
    let done = 0;
    while (done < buffer.length) {
      const n = readSync(fd, buffer, done, buffer.length - done, done);
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Where a symlink points, its bytes carried as in path-names.ts; '' when it cannot be read. */
export function readlinkBytes(path: string): string {
  try {
    return nameFromBytes(readlinkSync(nameToBytes(path), { encoding: 'buffer' }));
  } catch {
    return '';
  }
}

/** Whether dir/a/b/c exists with a and b real directories (c itself may be anything but missing). */
function throughRealDirs(dir: string, relative: string): boolean {
  const parts = relative.split('/');
  let current = dir;
  for (let i = 0; i < parts.length; i++) {
    current = join(current, parts[i]!);
    const stats = lstatBytes(current);
    if (!stats) return false;
    if (i < parts.length - 1 && !stats.isDirectory()) return false;
  }
  return true;
}
