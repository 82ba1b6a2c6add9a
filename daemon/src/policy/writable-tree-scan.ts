// Finds, in the trees a sandbox may write, what the host runs later: git directories and the
// host-exec names (.envrc, .vscode, .claude/settings.json, …) at any depth. Taken before the
// session, it says what the view must write-protect; taken again after, what appeared.
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { statIfVisible } from './resolve-path.js';

export interface TreeInventory {
  /** `.git` directories (not the git dirs they hold), absolute. */
  dotGits: string[];
  /** `.git` files (gitlinks: "gitdir: PATH"), absolute. */
  gitLinks: string[];
  /** Existing paths matching a host-exec name, absolute, with the name that matched. */
  hostExec: { path: string; name: string }[];
  /** Directories left unread because the budget ran out; a scan that stops early says so. */
  complete: boolean;
}

/**
 * Trees skipped: dependency caches hold thousands of directories and no file the host runs
 * on its own. A `.git` is not descended into here: git-control.ts reads its structure.
 */
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/** Directories read per scan; past it the scan reports itself incomplete rather than stall a start. */
export const SCAN_DIR_BUDGET = 20_000;

function entries(dir: string): Dirent[] | undefined {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
}

/**
 * Walks each root by readdir alone (no stat per entry), so a start pays one syscall per
 * directory. Symlinks are never followed: a link's target is outside what the walk vouches for.
 */
export function scanWritableTrees(
  roots: string[],
  hostExecNames: string[],
  options: { budget?: number; visit?: (path: string, entry: Dirent) => void } = {},
): TreeInventory {
  const budget = options.budget ?? SCAN_DIR_BUDGET;
  const inventory: TreeInventory = { dotGits: [], gitLinks: [], hostExec: [], complete: true };
  // A name like `.claude/settings.json` is matched by its first component, then looked up.
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
    for (const entry of entries(dir) ?? []) {
      const path = join(dir, entry.name);
      options.visit?.(path, entry);
      if (entry.name === '.git' && entry.isDirectory()) inventory.dotGits.push(path);
      else if (entry.name === '.git' && entry.isFile()) inventory.gitLinks.push(path);
      for (const name of byFirst.get(entry.name) ?? []) {
        const full = join(dir, name);
        if (name === entry.name || statIfVisible(full, false)) inventory.hostExec.push({ path: full, name });
      }
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) stack.push(path);
    }
  }
  return inventory;
}
