// When a session ends, finds what it left in its writable trees that the host would run or
// trust later and the view could not stop it from creating: new host-exec files (.envrc,
// .vscode, …), git control files that change what git runs (a new repository's config with
// core.fsmonitor, a hook, a commondir, a gitlink or `.git` symlink sending git elsewhere), and
// set-id files. Each is moved aside in place (renamed, never deleted) or, for set-id bits,
// stripped; the caller reports and audits them.
// Threat: the session is over, but what it planted runs as the user, outside any sandbox. And
// the trees are the agent's: nothing here follows a symlink, reads anything but a small regular
// file, or touches a path outside the scanned trees.
import { chmodSync, closeSync, constants, fchmodSync, fstatSync, openSync, realpathSync, renameSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { nameToBytes, type QuarantineFinding } from '@nono/shared';
import { GIT_CONTROL_ENTRIES, gitDirsWithin, gitLinkTarget, unsafeGitConfigKeys } from '../policy/git-control.js';
import { hostExecPathNames } from '../policy/view-plan.js';
import { lstatBytes, readControlFile, readdirBytes, readlinkBytes, scanWritableTrees, type TreeInventory } from '../policy/writable-tree-scan.js';

export type SweepFinding = QuarantineFinding;

export interface SweepInput {
  roots: string[];
  /** What the trees held at start; null when it was not taken (then nothing counts as new). */
  inventory: TreeInventory | null;
  /** Git control entries that existed at start. */
  gitControl: string[];
  lifted: string[];
  startedAtMs: number;
  session: string;
}

/** ctime is set by the kernel on every create and mode change; a little slack for clock granularity. */
const CTIME_SLACK_MS = 2_000;

const bytes = nameToBytes;

/**
 * Renames path aside in its own directory. A directory the session made unwritable (chmod 555
 * on `.git`, which a pin does not stop) is made writable for the rename and put back after.
 */
function quarantine(path: string, session: string): string {
  const base = `${path}.nono-quarantine-${session}`;
  let target = base;
  for (let n = 2; lstatBytes(target); n++) target = `${base}-${n}`;
  try {
    renameSync(bytes(path), bytes(target));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const parent = lstatBytes(dirname(path));
    if ((code !== 'EACCES' && code !== 'EPERM') || !parent?.isDirectory() || parent.uid !== process.getuid?.()) throw error;
    chmodSync(bytes(dirname(path)), (parent.mode & 0o7777) | 0o700);
    try {
      renameSync(bytes(path), bytes(target));
    } finally {
      chmodSync(bytes(dirname(path)), parent.mode & 0o7777);
    }
  }
  return target;
}

/**
 * Strips set-id bits through an fd opened without following links, so a path the session
 * swapped for a symlink cannot make the daemon chmod something outside the tree.
 */
function stripSetId(path: string): 'stripped' | 'linked' | 'none' {
  let fd: number;
  try {
    fd = openSync(bytes(path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return 'none';
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || (stats.mode & 0o6000) === 0) return 'none';
    // A hard link to a set-id file elsewhere (a system binary): its bits are not ours to strip.
    if (stats.nlink > 1) return 'linked';
    fchmodSync(fd, stats.mode & 0o1777);
    return 'stripped';
  } finally {
    closeSync(fd);
  }
}

const realpathOrSelf = (path: string): string => {
  try {
    return realpathSync(bytes(path), { encoding: 'buffer' }).toString('latin1');
  } catch {
    return path;
  }
};

/** What is wrong with a git control path that appeared during the session, or null if nothing. */
function gitControlProblem(gitDir: string, entry: string, path: string): string | null {
  if (lstatBytes(path)?.isSymbolicLink()) return `${entry} was made a symlink during the session, sending git elsewhere`;
  if (entry === 'config' || entry === 'config.worktree') {
    const unsafe = unsafeGitConfigKeys(path);
    return unsafe.length > 0 ? `git config written in the sandbox sets ${unsafe.slice(0, 4).join(', ')}${unsafe.length > 4 ? ', …' : ''}` : null;
  }
  if (entry === 'commondir') {
    // `git worktree add` writes ../.. in the worktree's admin dir; anything else redirects git.
    const standard = basename(dirname(gitDir)) === 'worktrees' && readControlFile(path)?.toString('latin1').trim() === '../..';
    return standard ? null : 'commondir written in the sandbox redirects where git reads its config';
  }
  if (entry === 'hooks' || entry === 'info') return null;
  return `${entry} written in the sandbox makes git read objects from elsewhere`;
}

function moveAsideInto(findings: SweepFinding[], session: string) {
  return (kind: SweepFinding['kind'], path: string, reason: string): void => {
    try {
      findings.push({ kind, path, movedTo: quarantine(path, session), reason });
    } catch (error) {
      findings.push({ kind, path, reason: `${reason}; COULD NOT MOVE IT ASIDE (${(error as Error).message}): remove it by hand before running git there` });
    }
  };
}

/** Entries that redirect git the moment they appear, so they are watched for during the session too. */
const WATCHED_ENTRIES = ['commondir', 'config.worktree'];

/**
 * Watches, for the length of a session, the git dirs it can write: a commondir or
 * config.worktree that appears is moved aside within moments (inotify), so the user's shell
 * prompt running `git status` on the host meanwhile does not read it. The end-of-session sweep
 * catches everything else, and these again if a watch missed one.
 */
export class HostExecGuard {
  private readonly findings: SweepFinding[] = [];
  private readonly watchers: FSWatcher[] = [];

  constructor(private readonly input: SweepInput) {
    const before = new Set(input.gitControl);
    const moveAside = moveAsideInto(this.findings, input.session);
    for (const dotGit of input.inventory?.dotGits ?? []) {
      for (const gitDir of gitDirsWithin(dotGit)) {
        try {
          const watcher = watch(bytes(gitDir), { persistent: false, encoding: 'buffer' }, (_event, raw) => {
            const name = raw?.toString('latin1');
            if (name === undefined || !WATCHED_ENTRIES.includes(name)) return;
            const path = join(gitDir, name);
            if (before.has(path) || !lstatBytes(path)) return;
            const problem = gitControlProblem(gitDir, name, path);
            if (problem) moveAside('git', path, problem);
          });
          watcher.on('error', () => watcher.close());
          this.watchers.push(watcher);
        } catch {
          // A git dir gone or unreadable since the plan: the end-of-session sweep still runs.
        }
      }
    }
  }

  close(): void {
    for (const watcher of this.watchers.splice(0)) watcher.close();
  }

  /** Stops watching and sweeps; what the watches moved aside comes first. */
  finish(): SweepFinding[] {
    this.close();
    return [...this.findings.splice(0), ...sweepWritableTrees(this.input)];
  }
}

export function sweepWritableTrees(input: SweepInput): SweepFinding[] {
  const findings: SweepFinding[] = [];
  const since = input.startedAtMs - CTIME_SLACK_MS;
  const moveAside = moveAsideInto(findings, input.session);
  const setIdCandidates: string[] = [];
  const visit = (path: string, entry: Dirent<Buffer>): void => {
    if (!entry.isFile()) return;
    const stats = lstatBytes(path);
    if (stats && (stats.mode & 0o6000) !== 0 && stats.ctimeMs >= since) setIdCandidates.push(path);
  };
  const names = hostExecPathNames().filter((name) => !input.lifted.includes(name));
  const end = scanWritableTrees(input.roots, names, { visit });
  const start = input.inventory;

  for (const path of setIdCandidates) {
    const outcome = stripSetId(path);
    if (outcome === 'stripped') findings.push({ kind: 'setid', path, reason: 'set-id bits appeared during the session; stripped' });
    else if (outcome === 'linked') moveAside('setid', path, 'a hard link to a set-id file appeared during the session; the link was moved, the file it shares left alone');
  }

  const hostExecBefore = new Set(start?.hostExec.map((h) => h.path) ?? []);
  const moved: string[] = [];
  for (const { path, name } of end.hostExec) {
    if (hostExecBefore.has(path) || moved.some((m) => path === m || path.startsWith(`${m}/`))) continue;
    moved.push(path);
    moveAside('host-exec', path, `${name} was created during the session and runs on the host later`);
  }

  // Protected names that were links at start: one that now points elsewhere goes aside.
  for (const { path, target } of start?.links ?? []) {
    if (lstatBytes(path) && readlinkBytes(path) !== target) moveAside('host-exec', path, 'a protected symlink was pointed elsewhere during the session');
  }
  for (const path of start?.referenced ?? []) {
    if (lstatBytes(path)) moveAside('git', path, "a file the repository's config has git run or read was created during the session");
  }

  const gitDirsNow = end.dotGits.flatMap((dotGit) => gitDirsWithin(dotGit));
  const checked = new Set(gitDirsNow.map(realpathOrSelf));
  const symlinksBefore = new Map((start?.gitSymlinks ?? []).map((l) => [l.path, l.target]));
  for (const { path, target } of end.gitSymlinks) {
    if (symlinksBefore.get(path) === target) continue;
    moveAside('git', path, `.git made a symlink to ${target} during the session, whose config nono did not check`);
  }
  // A gitlink as it was at start stays (read-only in the view; it may point outside the trees,
  // as a linked worktree's does); a new or rewritten one must point into a git dir checked here.
  const linksBefore = new Map((start?.gitLinks ?? []).map((l) => [l.path, l.content]));
  for (const { path: link, content } of end.gitLinks) {
    if (linksBefore.get(link) === content) continue;
    const target = gitLinkTarget(link);
    if (target !== null && checked.has(realpathOrSelf(target))) continue;
    moveAside('git', link, `.git file written in the sandbox sends git to ${target ?? 'an unreadable place'}, whose config nono did not check`);
  }

  const gitBefore = new Set(input.gitControl);
  for (const gitDir of gitDirsNow) {
    for (const control of GIT_CONTROL_ENTRIES) {
      if (input.lifted.includes(control.lift)) continue;
      const path = join(gitDir, control.entry);
      const stats = lstatBytes(path);
      if (!stats) continue;
      if (control.entry === 'hooks' && stats.isDirectory()) {
        for (const { name } of readdirBytes(path) ?? []) {
          if (name.endsWith('.sample')) continue;
          const hook = join(path, name);
          if ((lstatBytes(hook)?.ctimeMs ?? 0) >= since) moveAside('git', hook, `git hook ${name} was written during the session`);
        }
        continue;
      }
      if (gitBefore.has(path) && !(stats.isSymbolicLink() && stats.ctimeMs >= since)) continue;
      const problem = gitControlProblem(gitDir, control.entry, path);
      if (problem) moveAside('git', path, problem);
    }
  }
  return findings;
}
