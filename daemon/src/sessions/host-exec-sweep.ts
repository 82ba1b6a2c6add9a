// When a session ends, finds what it left in its writable trees that the host would run or
// trust later and the view could not stop it from creating: new host-exec files (.envrc,
// .vscode, …), git control files that change what git runs (a new repository's config with
// core.fsmonitor, a hook, a commondir), and set-id files. Each is moved aside in place
// (renamed, never deleted) or, for set-id bits, stripped; the caller reports and audits them.
// Threat: the session is over, but what it planted runs as the user, outside any sandbox.
import { closeSync, constants, fstatSync, fchmodSync, openSync, readdirSync, readFileSync, renameSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { QuarantineFinding } from '@nono/shared';
import { GIT_CONTROL_ENTRIES, gitDirsWithin, gitLinkTarget, unsafeGitConfigKeys } from '../policy/git-control.js';
import { statIfVisible } from '../policy/resolve-path.js';
import { hostExecPathNames } from '../policy/view-plan.js';
import { scanWritableTrees, type TreeInventory } from '../policy/writable-tree-scan.js';

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

function quarantine(path: string, session: string): string {
  const base = `${path}.nono-quarantine-${session}`;
  for (let n = 1; ; n++) {
    const target = n === 1 ? base : `${base}-${n}`;
    if (statIfVisible(target, false)) continue;
    renameSync(path, target);
    return target;
  }
}

/**
 * Strips set-id bits through an fd opened without following links, so a path the session
 * swapped for a symlink cannot make the daemon chmod something outside the tree.
 */
function stripSetId(path: string): 'stripped' | 'linked' | 'none' {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return 'none';
  }
  try {
    const { mode, nlink } = fstatSync(fd);
    if ((mode & 0o6000) === 0) return 'none';
    // A hard link to a set-id file elsewhere (a system binary): its bits are not ours to strip.
    if (nlink > 1) return 'linked';
    fchmodSync(fd, mode & 0o1777);
    return 'stripped';
  } finally {
    closeSync(fd);
  }
}

function hookEntries(hooks: string): string[] {
  try {
    return readdirSync(hooks).filter((name) => !name.endsWith('.sample'));
  } catch {
    return [];
  }
}

/** What is wrong with a git control path that appeared during the session, or null if nothing. */
function gitControlProblem(gitDir: string, entry: string, path: string): string | null {
  if (entry === 'config' || entry === 'config.worktree') {
    const unsafe = unsafeGitConfigKeys(path);
    return unsafe.length > 0 ? `git config written in the sandbox sets ${unsafe.slice(0, 4).join(', ')}${unsafe.length > 4 ? ', …' : ''}` : null;
  }
  if (entry === 'commondir') {
    // `git worktree add` writes ../.. in the worktree's admin dir; anything else redirects git.
    const standard = basename(dirname(gitDir)) === 'worktrees' && readFileSync(path, 'latin1').trim() === '../..';
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
      findings.push({ kind, path, reason: `${reason}; could not move it aside: ${(error as Error).message}` });
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
          const watcher = watch(gitDir, { persistent: false }, (_event, name) => {
            if (typeof name !== 'string' || !WATCHED_ENTRIES.includes(name)) return;
            const path = join(gitDir, name);
            if (before.has(path) || !statIfVisible(path, false)) return;
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
  const visit = (path: string, entry: Dirent): void => {
    if (!entry.isFile() && !entry.isDirectory()) return;
    const stats = statIfVisible(path, false);
    if (stats && (stats.mode & 0o6000) !== 0 && stats.ctimeMs >= since) setIdCandidates.push(path);
  };
  const names = hostExecPathNames().filter((name) => !input.lifted.includes(name));
  const end = scanWritableTrees(input.roots, names, { visit });

  for (const path of setIdCandidates) {
    const outcome = stripSetId(path);
    if (outcome === 'stripped') findings.push({ kind: 'setid', path, reason: 'set-id bits appeared during the session; stripped' });
    else if (outcome === 'linked') moveAside('setid', path, 'a hard link to a set-id file appeared during the session; the link was moved, the file it shares left alone');
  }

  const hostExecBefore = new Set(input.inventory?.hostExec.map((h) => h.path) ?? []);
  const seen = new Set<string>();
  for (const { path, name } of end.hostExec) {
    if (hostExecBefore.has(path) || seen.has(path) || [...seen].some((s) => path.startsWith(`${s}/`))) continue;
    seen.add(path);
    moveAside('host-exec', path, `${name} was created during the session and runs on the host later`);
  }

  const gitBefore = new Set(input.gitControl);
  const gitDirsNow = new Set(end.dotGits.flatMap((dotGit) => gitDirsWithin(dotGit)));
  const linksBefore = new Set(input.inventory?.gitLinks ?? []);
  for (const link of end.gitLinks) {
    if (linksBefore.has(link)) continue;
    // A submodule or linked worktree made in the sandbox points into a git dir checked below.
    const target = gitLinkTarget(link);
    if (target !== null && gitDirsNow.has(target)) continue;
    moveAside('git', link, `.git file written in the sandbox sends git to ${target ?? 'an unreadable place'}, whose config nono did not check`);
  }
  for (const dotGit of end.dotGits) {
    for (const gitDir of gitDirsWithin(dotGit)) {
      for (const control of GIT_CONTROL_ENTRIES) {
        if (input.lifted.includes(control.lift)) continue;
        const path = join(gitDir, control.entry);
        if (!statIfVisible(path, false)) continue;
        if (control.entry === 'hooks') {
          for (const hook of hookEntries(path)) {
            const hookPath = join(path, hook);
            if ((statIfVisible(hookPath, false)?.ctimeMs ?? 0) >= since) moveAside('git', hookPath, `git hook ${hook} was written during the session`);
          }
          continue;
        }
        if (gitBefore.has(path)) continue;
        const problem = gitControlProblem(gitDir, control.entry, path);
        if (problem) moveAside('git', path, problem);
      }
    }
  }
  return findings;
}
