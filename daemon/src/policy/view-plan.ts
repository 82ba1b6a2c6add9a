// What the helper's private filesystem view needs beyond the grants: which protected paths
// inside grants to mask, which host-exec files and git control files inside writable grants
// to write-protect (and which directories to pin around them), and which symlinks along
// granted paths to recreate so /bin/sh still resolves.
import { readdirSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PlanRule } from '@nono/shared';
import { readJsonc } from './jsonc-file.js';
import { configReferencedPaths, existingGitControl, GIT_CONTROL_ENTRIES, GIT_DIRS_MADE_BEFORE_START, gitDirsWithin } from './git-control.js';
import { lstatBytes, readlinkBytes, scanWritableTrees, type TreeInventory } from './writable-tree-scan.js';
import { HOST_EXEC_PATHS_FILE } from './policy-data.js';
import { canonicalOrLexical, isWithin, kindOf, statIfVisible } from '@nono/shared/resolve-path';

export interface Covered {
  path: string;
  source: string;
}

let hostExecNames: string[] | undefined;

/** The names in daemon/data/host-exec-paths.json, read once. */
export function hostExecPathNames(): string[] {
  hostExecNames ??= (readJsonc(HOST_EXEC_PATHS_FILE, 'the host-exec paths') as { paths: string[] }).paths;
  return hostExecNames;
}

const exists = (path: string): boolean => statIfVisible(path, false) !== undefined;
const insideSome = (path: string, outer: Covered[]): boolean => outer.some((o) => isWithin(path, o.path));

/** Protected paths strictly inside a grant that exist now; a mask inside another is redundant. */
export function planMasks(rules: PlanRule[], protect: Covered[]): Covered[] {
  const candidates = protect
    .filter((p) => rules.some((r) => r.kind === 'dir' && p.path !== r.path && isWithin(p.path, r.path)) && exists(p.path))
    .sort((a, b) => a.path.length - b.path.length);
  const masks: Covered[] = [];
  for (const { path, source } of candidates) if (!insideSome(path, masks)) masks.push({ path, source });
  return masks;
}

export interface ReadonlyEntry extends Covered {
  /** Missing now: made empty on the host before start, so the sandbox cannot create it. */
  create?: boolean;
}

export interface HostExecProtection {
  readonly: ReadonlyEntry[];
  /** What the writable trees held at start: the end-of-session sweep compares against it. */
  inventory: TreeInventory;
  /** Git control entries that exist at start; one that appears later is checked at the end. */
  gitControl: string[];
  roots: string[];
}

/** Writable directory grants worth scanning: not the scratch dirs, not device trees. */
export function writableRoots(rules: PlanRule[], tmpdir: string): string[] {
  const roots = rules
    .filter((r) => r.kind === 'dir' && r.access !== 'read' && !['/tmp', '/var/tmp', tmpdir].includes(r.path) && !isWithin(r.path, '/dev'))
    .map((r) => r.path)
    .sort((a, b) => a.length - b.length);
  return roots.filter((root, i) => !roots.slice(0, i).some((outer) => isWithin(root, outer)));
}

/**
 * What the view write-protects so nothing the host runs later can be planted: every host-exec
 * name at any depth of a writable grant, and in every git directory there the entries that
 * change what git runs or where it reads config (git-control.ts). Each directory between the
 * grant and a protected path is pinned (a mount point in the view), so renaming `.git` or
 * `.claude` aside and putting a new one in its place fails with EBUSY.
 */
export function planHostExecProtection(rules: PlanRule[], masks: Covered[], lifted: string[], tmpdir: string): HostExecProtection {
  const roots = writableRoots(rules, tmpdir);
  const hostExecNames = hostExecPathNames().filter((name) => !lifted.includes(name));
  const inventory = scanWritableTrees(roots, hostExecNames);
  const writable = (path: string): boolean => roots.some((root) => isWithin(path, root));
  const readonly: ReadonlyEntry[] = [];
  const add = (entry: ReadonlyEntry): void => {
    if (insideSome(entry.path, masks) || insideSome(entry.path, readonly)) return;
    // A grant of exactly this path is the user asking for it writable.
    if (rules.some((r) => r.path === entry.path && r.access !== 'read')) return;
    const stats = lstatBytes(entry.path);
    if (stats?.isSymbolicLink()) {
      // A link cannot be bound read-only; what it points to can, when the sandbox could
      // write there (`.git/hooks -> ../.githooks`). The sweep puts back a link that changed.
      inventory.links.push({ path: entry.path, target: readlinkBytes(entry.path) });
      const target = canonicalOrLexical(entry.path);
      if (target !== entry.path && writable(target) && lstatBytes(target) && !lstatBytes(target)!.isSymbolicLink()) add({ path: target, source: `${entry.source} (through the link ${entry.path})` });
      return;
    }
    if (!stats && !entry.create) return;
    readonly.push(entry);
  };
  for (const dotGit of inventory.dotGits) {
    for (const gitDir of gitDirsWithin(dotGit)) {
      const full = lstatBytes(join(gitDir, 'objects'))?.isDirectory() === true;
      for (const control of GIT_CONTROL_ENTRIES) {
        if (lifted.includes(control.lift)) continue;
        const path = join(gitDir, control.entry);
        const source = `host-exec protection: ${control.lift} decides what git runs on the host`;
        if (lstatBytes(path)) add({ path, source });
        else if (full && GIT_DIRS_MADE_BEFORE_START.includes(control.entry)) add({ path, source, create: true });
      }
    }
    // Files the repository's own config has git run or read (core.hooksPath = .githooks, an
    // include of a tracked file): as much host-exec as .git/hooks, wherever they live.
    if (!lifted.includes('.git/config')) {
      for (const path of configReferencedPaths(dotGit, dirname(dotGit))) {
        if (!writable(path)) continue;
        if (lstatBytes(path)) add({ path, source: `host-exec protection: ${dotGit}/config has git run or read it` });
        else inventory.referenced.push(path);
      }
    }
  }
  // A gitlink sends git elsewhere for its config and hooks: kept as it is.
  if (!lifted.includes('.git/config')) for (const { path } of inventory.gitLinks) add({ path, source: 'host-exec protection: a .git file decides where git reads its config' });
  for (const { path, name } of inventory.hostExec) add({ path, source: `host-exec protection: ${name} runs on the host later` });
  readonly.sort((a, b) => a.path.localeCompare(b.path));
  return { readonly, inventory, gitControl: existingGitControl(inventory.dotGits), roots };
}

/** Every directory strictly between a read-only path and the writable grant it lies in. */
export function pinsFor(readonly: Covered[], rules: PlanRule[]): Covered[] {
  const pins = new Map<string, string>();
  for (const entry of readonly) {
    const grant = rules
      .filter((r) => r.access !== 'read' && (r.kind === 'dir' || r.kind === 'skeleton') && r.path !== entry.path && isWithin(entry.path, r.path))
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (!grant) continue;
    for (let dir = dirname(entry.path); dir !== grant.path && isWithin(dir, grant.path); dir = dirname(dir)) {
      if (!pins.has(dir)) pins.set(dir, `keeps ${entry.path} in place (${entry.source})`);
    }
  }
  return [...pins].map(([path, source]) => ({ path, source })).sort((a, b) => a.path.localeCompare(b.path));
}

/** Every symlink met walking each lexical path from /, so the view can recreate it. */
export function planSymlinks(lexicalPaths: string[]): { path: string; target: string }[] {
  const links = new Map<string, string>();
  // Grants share most of their prefixes (/usr, /home/u): each is looked at once.
  const visible = new Map<string, boolean>();
  for (const lexical of lexicalPaths) {
    let prefix = '';
    for (const part of lexical.split('/').filter(Boolean)) {
      prefix = `${prefix}/${part}`;
      let seen = visible.get(prefix);
      if (seen === undefined) {
        const stats = statIfVisible(prefix, false);
        seen = stats !== undefined;
        visible.set(prefix, seen);
        if (stats?.isSymbolicLink()) links.set(prefix, readlinkSync(prefix));
      }
      if (!seen) break;
    }
  }
  return [...links].map(([path, target]) => ({ path, target })).sort((a, b) => a.path.localeCompare(b.path));
}

/** A directory with more entries than this is masked in place rather than rebuilt. */
const MAX_REBUILT_ENTRIES = 256;

export interface RebuiltView {
  rules: PlanRule[];
  symlinks: { path: string; target: string }[];
  /** Masks still needed: those inside directories too large to rebuild. */
  masks: Covered[];
  notes: string[];
}

function listIfVisible(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

/**
 * A granted directory that holds hidden paths is rebuilt in the view rather than bound whole:
 * a read-only skeleton directory holding the grant's other entries, each bound with the
 * grant's access. So `ls -a ~` under `--allow ~` does not even list .ssh, at the price that
 * new entries cannot be created directly in the rebuilt directory (the skeleton is read-only).
 * Only directories in the home are rebuilt: in shared ones like /tmp, creating entries matters
 * more than hiding names, so their protected entries are masked (shown empty) instead.
 * Symlinks among the entries are recreated, never bound, so a link cannot pull its target in.
 */
export function rebuildAroundMasks(rules: PlanRule[], masks: Covered[], rebuildable: (dir: string) => boolean): RebuiltView {
  const out = new Map<string, PlanRule>();
  const symlinks: { path: string; target: string }[] = [];
  const kept: Covered[] = [];
  const notes: string[] = [];
  const add = (rule: PlanRule): void => {
    const existing = out.get(rule.path);
    if (!existing) out.set(rule.path, rule);
    else if (existing.kind !== 'skeleton' && existing.access !== rule.access) existing.access = 'readwrite';
  };
  const hiddenInside = (dir: string): Covered[] => masks.filter((m) => m.path !== dir && isWithin(m.path, dir));

  const rebuild = (dir: string, grant: PlanRule): void => {
    const hidden = hiddenInside(dir);
    const entries = listIfVisible(dir);
    if (!rebuildable(dir) || !entries || entries.length > MAX_REBUILT_ENTRIES) {
      if (rebuildable(dir)) notes.push(`${dir} cannot be listed or has too many entries to rebuild: its protected entries are shown empty instead of hidden`);
      add({ ...grant, path: dir });
      kept.push(...hidden);
      return;
    }
    add({ path: dir, access: grant.access, kind: 'skeleton', source: `${grant.source} (rebuilt without its protected entries)` });
    for (const name of entries) {
      const path = join(dir, name);
      if (hidden.some((m) => m.path === path)) continue;
      const stats = statIfVisible(path, false);
      if (!stats) continue;
      if (stats.isSymbolicLink()) symlinks.push({ path, target: readlinkSync(path) });
      else if (stats.isDirectory() && hidden.some((m) => isWithin(m.path, path))) rebuild(path, grant);
      else add({ path, access: grant.access, kind: kindOf(stats), source: grant.source });
    }
  };

  for (const rule of rules) {
    if (rule.kind === 'dir' && hiddenInside(rule.path).length > 0) rebuild(rule.path, rule);
    else add({ ...rule });
  }
  return { rules: [...out.values()].sort((a, b) => a.path.localeCompare(b.path)), symlinks, masks: kept, notes };
}
