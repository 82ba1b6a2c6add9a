// Command blocking the kernel's view enforces: each blocked name is looked up in every bin
// directory the sandbox can see, and each file found is covered by a stub that refuses to run.
// A name check at start-up would be bypassed by any child process; a covered file is not,
// whatever runs it (PATH lookup, /usr/bin/rm, env rm, xargs rm) or copies it.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import type { PlanRule } from '@nono/shared';
import { canonicalOrLexical, isWithin } from './resolve-path.js';

export interface BlockedCommand {
  name: string;
  path: string;
  source: string;
}

export interface CommandRules {
  /** Names or globs to block, each with what asked for it. */
  block: { pattern: string; source: string }[];
  /** Names lifted from the blocks (--allow-command, commands.allow). */
  allow: string[];
}

// Where executables live on Linux and macOS whatever PATH says; PATH entries are added to these.
const STANDARD_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin', '/opt/homebrew/bin'];

function binDirs(pathVariable: string | undefined): string[] {
  const fromPath = (pathVariable ?? '').split(':').filter((dir) => dir.startsWith('/'));
  return [...new Set([...STANDARD_BIN_DIRS, ...fromPath].map((dir) => canonicalOrLexical(dir)))];
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

// Listing and matching every bin directory cost ~10 ms per run; the result is kept until a
// bin directory's mtime changes (a package installed or removed) or the rules differ.
const planCache = new Map<string, { stamps: number[]; blocked: BlockedCommand[] }>();

function dirStamp(dir: string): number {
  try {
    return statSync(dir).mtimeMs;
  } catch {
    return -1;
  }
}

/** Every visible file a blocked pattern names, once per real path (bin and usr/bin alias on merged-/usr systems). */
export function planBlockedCommands(rules: CommandRules, grants: PlanRule[], pathVariable: string | undefined): BlockedCommand[] {
  const dirs = binDirs(pathVariable).filter((dir) => grants.some((rule) => rule.access !== 'write' && isWithin(dir, rule.path)));
  const key = JSON.stringify([rules, dirs]);
  const stamps = dirs.map(dirStamp);
  const cached = planCache.get(key);
  if (cached && cached.stamps.every((stamp, i) => stamp === stamps[i])) return [...cached.blocked];
  const blocked = findBlocked(rules, dirs);
  planCache.set(key, { stamps, blocked });
  return blocked;
}

function findBlocked(rules: CommandRules, dirs: string[]): BlockedCommand[] {
  const allowed = picomatch(rules.allow.length > 0 ? rules.allow : ['\0none']);
  const literal = rules.block.filter((r) => !/[*?[]/.test(r.pattern));
  const globs = rules.block.filter((r) => /[*?[]/.test(r.pattern)).map((r) => ({ ...r, matches: picomatch(r.pattern) }));
  const blocked = new Map<string, BlockedCommand>();
  const consider = (dir: string, name: string, source: string): void => {
    if (allowed(name)) return;
    const path = canonicalOrLexical(join(dir, name));
    if (blocked.has(path) || !isRegularFile(path)) return;
    blocked.set(path, { name, path, source });
  };
  for (const dir of dirs) {
    for (const { pattern, source } of literal) consider(dir, pattern, source);
    if (globs.length === 0) continue;
    for (const name of listDir(dir)) {
      for (const glob of globs) if (glob.matches(name)) consider(dir, name, glob.source);
    }
  }
  return [...blocked.values()].sort((a, b) => a.path.localeCompare(b.path));
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The line a stub prints: what was blocked, by what, and how to lift it. */
export function stubMessage(command: BlockedCommand): string {
  return `nono: ${command.name} is blocked by ${command.source} (allow with --allow-command ${command.name})`;
}
