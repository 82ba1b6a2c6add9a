// Command blocking at two reaches. Everywhere (system_admin_commands, commands.deny,
// --block-command): each blocked name is looked up in every bin directory the sandbox can see,
// and each file found is covered in the view by a stub that refuses to run, whatever runs it
// (PATH lookup, /usr/bin/sudo, env sudo, a script) or copies it. At launch (dangerous_commands):
// only the command nono itself starts is refused, so `nono run -- rm -rf /` stops while a build's
// `make clean` inside the sandbox still deletes what the filesystem rules let it.
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import picomatch from 'picomatch';
import { NonoError, type PlanRule } from '@nono/shared';
import { canonicalOrLexical, isWithin } from '@nono/shared/resolve-path';

export interface BlockedCommand {
  name: string;
  path: string;
  source: string;
}

/** A name or glob and what asked for it (a group, commands.deny, --block-command, --allow-command). */
export interface CommandRule {
  pattern: string;
  source: string;
}

export interface CommandRules {
  /** Covered by stubs: no process of the sandbox runs them. */
  everywhere: CommandRule[];
  /** Refused as the command nono launches. */
  launch: CommandRule[];
  /** Lifted from both. */
  allow: CommandRule[];
}

// Compiling a glob took longer than the rest of the launch check, and every run asks about the
// same few patterns (the groups', the profile's, the flags'); the compiled matcher is kept.
const matchers = new Map<string, (name: string) => boolean>();
const MAX_MATCHERS = 1000;

function matcher(pattern: string): (name: string) => boolean {
  let matches = matchers.get(pattern);
  if (matches === undefined) {
    if (matchers.size >= MAX_MATCHERS) matchers.clear();
    matches = picomatch(pattern);
    matchers.set(pattern, matches);
  }
  return matches;
}

/** The first rule whose pattern matches name. */
export function ruleFor(rules: CommandRule[], name: string): CommandRule | undefined {
  return rules.find((rule) => matcher(rule.pattern)(name));
}

/**
 * Refuses to launch a command any of whose names (the word typed, each symlink on the way to
 * its file, the file) a blocking rule names and no allow lifts.
 */
export function refuseLaunch(rules: CommandRules, word: string, names: string[]): void {
  for (const name of new Set(names)) {
    if (ruleFor(rules.allow, name)) continue;
    const everywhere = ruleFor(rules.everywhere, name);
    const launch = everywhere ? undefined : ruleFor(rules.launch, name);
    const rule = everywhere ?? launch;
    if (!rule) continue;
    const reach = everywhere ? 'for every process in the sandbox' : 'as the command nono launches (processes inside may still run it)';
    const shown = basename(word) === name ? name : `${word} (${name})`;
    throw new NonoError('COMMAND_BLOCKED', `${shown} is blocked by ${rule.source} ${reach}; allow with --allow-command ${name} if you mean it`, {
      command: name,
      rule: rule.source,
      scope: everywhere ? 'everywhere' : 'launch',
    });
  }
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
  const allowed = (name: string): boolean => ruleFor(rules.allow, name) !== undefined;
  const literal = rules.everywhere.filter((r) => !/[*?[]/.test(r.pattern));
  const globs = rules.everywhere.filter((r) => /[*?[]/.test(r.pattern)).map((r) => ({ ...r, matches: matcher(r.pattern) }));
  // One file often has several names (mkfs.ext2/3/4 are mke2fs): lifting one name lifts the file.
  const allowedFiles = new Set(dirs.flatMap((dir) => rules.allow.filter((r) => !/[*?[]/.test(r.pattern)).map((r) => canonicalOrLexical(join(dir, r.pattern)))));
  // Where /bin/sh is busybox, mount is busybox too: a stub there would leave the sandbox no shell.
  const shell = canonicalOrLexical('/bin/sh');
  const blocked = new Map<string, BlockedCommand>();
  const consider = (dir: string, name: string, source: string): void => {
    if (allowed(name)) return;
    const path = canonicalOrLexical(join(dir, name));
    if (path === shell || blocked.has(path) || allowedFiles.has(path) || !isRegularFile(path)) return;
    // halt, reboot and poweroff are links to systemctl: the stub names the file's own name when that is blocked too.
    const own = basename(path);
    const named = own !== name && ruleFor(rules.everywhere, own) && !allowed(own) ? own : name;
    blocked.set(path, { name: named, path, source });
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
