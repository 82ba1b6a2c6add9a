// Canonical paths for policy decisions, and for learn's grant proposals that must match them.
// Landlock acts on the inode a path resolves to, so every grant and every protected path is
// compared after symlinks are resolved.
import { existsSync, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import type { PlanRule } from './protocol/schemas.js';
import { dirname, basename, join, isAbsolute, resolve } from 'node:path';

/**
 * Lookups remembered for the length of one synchronous pass (a plan compile), never longer: the
 * compile asks about the same directories hundreds of times (each protected path under the home
 * that does not exist walks up to the home and resolves it again: about 500 of a run's 1,000
 * system calls), while a path that appears or a symlink that moves between two runs must change
 * the next plan. One pass then also sees one state of the file system.
 */
let pass: { exists: Map<string, boolean>; real: Map<string, string> } | undefined;

export function withPathLookups<T>(compile: () => T): T {
  if (pass) return compile();
  pass = { exists: new Map(), real: new Map() };
  try {
    return compile();
  } finally {
    pass = undefined;
  }
}

function exists(path: string): boolean {
  let found = pass?.exists.get(path);
  if (found === undefined) {
    found = existsSync(path);
    pass?.exists.set(path, found);
  }
  return found;
}

function realpathOf(path: string): string {
  let real = pass?.real.get(path);
  if (real === undefined) {
    real = realpathSync.native(path);
    pass?.real.set(path, real);
  }
  return real;
}

/**
 * realpath of the path, or of its deepest existing ancestor joined with the missing rest.
 * Probes with existsSync rather than catching realpath's errors: most protected paths do not
 * exist, and a thrown error per probe dominated the cost of compiling a plan.
 */
export function canonicalOrLexical(path: string): string {
  const missing: string[] = [];
  let current = resolve(path);
  while (!exists(current)) {
    const parent = dirname(current);
    if (parent === current) return resolve(path);
    missing.push(basename(current));
    current = parent;
  }
  try {
    return join(realpathOf(current), ...missing.reverse());
  } catch {
    return resolve(path);
  }
}

export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

export function toAbsolute(path: string, cwd: string, home: string): string {
  const expanded = expandHome(path, home);
  return isAbsolute(expanded) ? resolve(expanded) : resolve(cwd, expanded);
}

/** True when `inner` is `outer` or lies beneath it. */
export function isWithin(inner: string, outer: string): boolean {
  if (outer === '/') return true;
  return inner === outer || inner.startsWith(`${outer}/`);
}

/**
 * stat (or lstat) that answers undefined for a path the daemon cannot see, for whatever
 * reason (missing, EACCES on a parent, a loop): the sandbox, running as the same user, could
 * not reach it either, and a policy decision must never die of one unreadable path.
 */
export function statIfVisible(path: string, follow = true): Stats | undefined {
  try {
    return (follow ? statSync : lstatSync)(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** What kind of grant a path makes, from its (not followed) stats. */
export function kindOf(stats: Stats): PlanRule['kind'] {
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'device';
  if (stats.isSocket()) return 'socket';
  return stats.isDirectory() ? 'dir' : 'file';
}
