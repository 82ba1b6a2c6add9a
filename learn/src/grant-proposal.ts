// Turns the ledger of touched paths into the grants that would have let the run work: system
// paths counted, existing grants honoured, bare stats of parent directories dropped (the
// sandbox shows the directories along every grant), misses kept apart, the rest collapsed.
import { dirname } from 'node:path';
import type { Access } from '@nono/shared';
import { canonicalOrLexical, isWithin, statIfVisible } from '@nono/shared/resolve-path';
import { AccessLedger, Touch } from './access-ledger.js';
import type { ExistingGrant, LearnedPath } from './learn-result.js';
import { collapseGrants, covers, sharedRoots } from './path-collapse.js';
import { isSystemPath } from './system-paths.js';

/** File timestamps come from a coarse kernel clock, a few ms behind Date.now(). */
const CLOCK_SLACK_MS = 50;

export interface ProposalContext {
  home: string;
  /** Directories of the command's PATH: a miss there is a command search, not a need. */
  pathDirs: string[];
  existing: ExistingGrant[];
  all: boolean;
  /** When the traced run started (ms since the epoch), to tell files it created from older ones. */
  startedAt?: number | undefined;
}

export interface Proposal {
  paths: LearnedPath[];
  missing: string[];
  system: number;
  covered: number;
}

/**
 * The access a path needs. A directory the command made entries in gets read and write:
 * creating files goes with stat-before-create, mkdir -p and listing what was made.
 */
function accessOf(flags: number): Access | null {
  if (flags & Touch.DIR_WRITE) return 'readwrite';
  const read = flags & (Touch.READ | Touch.LIST | Touch.META);
  const write = flags & Touch.WRITE;
  return read && write ? 'readwrite' : write ? 'write' : read ? 'read' : null;
}

/**
 * Whether an O_CREAT open made the file, so its directory needs write: yes when the file is
 * gone or was born during the run (or its birth time is unknown); in a shared directory like
 * $HOME a file that exists now gets a file grant instead, since it will exist next time.
 */
function createdByRun(path: string, roots: Set<string>, startedAt: number | undefined): boolean {
  const stats = statIfVisible(path, false);
  if (!stats) return true;
  if (roots.has(dirname(path))) return false;
  return startedAt === undefined || stats.birthtimeMs === 0 || stats.birthtimeMs >= startedAt - CLOCK_SLACK_MS;
}

/** The ledger's flags plus DIR_WRITE on every directory whose entries the run changed. */
function withDirectoryWrites(ledger: AccessLedger, roots: Set<string>, startedAt: number | undefined): Map<string, number> {
  const flags = new Map(ledger.paths);
  for (const [path, touch] of ledger.paths) {
    if (!(touch & (Touch.ENTRY | Touch.MAY_CREATE)) || isSystemPath(path)) continue;
    if (touch & Touch.ENTRY || createdByRun(path, roots, startedAt)) {
      const parent = dirname(path);
      flags.set(parent, (flags.get(parent) ?? 0) | Touch.DIR_WRITE);
    }
  }
  return flags;
}

function isCovered(need: LearnedPath, existing: ExistingGrant[]): boolean {
  return existing.some((rule) => {
    if (rule.kind === 'dir') return isWithin(need.path, rule.path) && covers(rule.access, need.access);
    // A skeleton directory is visible and listable, with only the entries the view rebuilds.
    if (rule.kind === 'skeleton') return need.path === rule.path && need.access === 'read';
    return need.path === rule.path && covers(rule.access, need.access);
  });
}

/**
 * A draft never grants a whole home directory (nor / or /home above it): a listing of ~ or a
 * lock file made and removed there would otherwise become read or write of every secret in it.
 */
function withheldBecause(path: string, isDir: boolean, homes: Set<string>): string | null {
  if (!isDir || ![...homes].some((home) => isWithin(home, path))) return null;
  return homes.has(path) ? 'the whole home directory; the entries it needs are listed instead' : `above the home directory`;
}

/** Every directory above the given paths. */
function ancestorsOf(paths: string[]): Set<string> {
  const ancestors = new Set<string>();
  for (const path of paths) {
    for (let dir = dirname(path); !ancestors.has(dir); dir = dirname(dir)) {
      ancestors.add(dir);
      if (dir === '/') break;
    }
  }
  return ancestors;
}

export function proposeGrants(ledger: AccessLedger, context: ProposalContext): Proposal {
  const roots = sharedRoots(context.home);
  let system = 0;
  const lookedFor: string[] = [];
  const canonical = new Map<string, { flags: number; system: boolean }>();
  for (const [path, flags] of withDirectoryWrites(ledger, roots, context.startedAt)) {
    if (AccessLedger.onlyMissing(flags)) {
      if (!isSystemPath(path)) lookedFor.push(path);
      continue;
    }
    const real = isSystemPath(path) ? path : canonicalOrLexical(path);
    const isSystem = isSystemPath(real);
    if (isSystem) system++;
    if (isSystem && !context.all) continue;
    const known = canonical.get(real);
    canonical.set(real, { flags: (known?.flags ?? 0) | flags, system: isSystem });
  }

  const homes = new Set([context.home, canonicalOrLexical(context.home)]);
  const needs: LearnedPath[] = [];
  for (const [path, { flags, system: isSystem }] of canonical) {
    const access = accessOf(flags);
    // Gone by the end (temporary files): the write on their directory stands for them.
    const stats = access === null ? undefined : statIfVisible(path);
    if (access === null || !stats) continue;
    const statOnly = (flags & (Touch.READ | Touch.WRITE | Touch.LIST | Touch.DIR_WRITE)) === 0;
    needs.push({ path, access, kind: stats.isDirectory() ? 'dir' : 'file', paths: 1, statOnly, system: isSystem, withheld: withheldBecause(path, stats.isDirectory(), homes) });
  }

  const ancestors = ancestorsOf([...needs.map((n) => n.path), ...context.existing.map((r) => r.path)]);
  let covered = 0;
  const grants = new Map<string, LearnedPath>();
  for (const need of needs) {
    if (need.statOnly && ancestors.has(need.path)) continue;
    if (isCovered(need, context.existing)) covered++;
    else grants.set(need.path, need);
  }
  collapseGrants(grants, roots);
  const paths = [...grants.values()].sort((a, b) => a.path.localeCompare(b.path));
  return { paths, missing: unfound(lookedFor, paths, context), system, covered };
}

/** What the run looked for in vain, minus command searches and what a grant would show anyway. */
function unfound(lookedFor: string[], paths: LearnedPath[], context: ProposalContext): string[] {
  const dirs = [...paths.filter((g) => g.kind === 'dir'), ...context.existing.filter((r) => r.kind === 'dir')].map((g) => g.path);
  const searched = new Set(context.pathDirs);
  const missing = new Set<string>();
  for (const path of lookedFor) {
    if (searched.has(dirname(path))) continue;
    const real = canonicalOrLexical(path);
    if (isSystemPath(real) || statIfVisible(real, false) || dirs.some((dir) => isWithin(real, dir))) continue;
    missing.add(real);
  }
  return [...missing].sort();
}
