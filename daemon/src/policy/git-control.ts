// Which files inside a git directory decide what git runs on the host, or where it reads its
// configuration, and whether a git config file the agent wrote sets anything that runs code.
// Threat: the user's next `git status` (or shell prompt) on the host runs what the agent
// planted: core.fsmonitor, hooks, a commondir that redirects config reads, and so on.
import { execFileSync } from 'node:child_process';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { lstatBytes, readControlFile, readdirBytes } from './writable-tree-scan.js';

/**
 * Control entries of a git directory, each with the name `filesystem.allow_host_exec_paths`
 * lifts it by. Directories (hooks, info) are protected whole; files by name.
 */
export const GIT_CONTROL_ENTRIES: { entry: string; lift: string; dir: boolean }[] = [
  { entry: 'config', lift: '.git/config', dir: false },
  { entry: 'config.worktree', lift: '.git/config', dir: false },
  { entry: 'commondir', lift: '.git/commondir', dir: false },
  { entry: 'hooks', lift: '.git/hooks', dir: true },
  { entry: 'info', lift: '.git/info', dir: true },
  { entry: 'objects/info/alternates', lift: '.git/objects/info/alternates', dir: false },
  { entry: 'objects/info/http-alternates', lift: '.git/objects/info/alternates', dir: false },
];

/** Entries git creates in every repository: made (empty) before start when missing, so the agent cannot. */
export const GIT_DIRS_MADE_BEFORE_START = ['hooks', 'info'];

const looksLikeGitDir = (dir: string): boolean => lstatBytes(join(dir, 'HEAD'))?.isFile() === true && lstatBytes(join(dir, 'objects'))?.isDirectory() === true;

/** Real subdirectories (never a symlink to one). */
function subdirs(dir: string): string[] {
  return (readdirBytes(dir) ?? []).filter(({ entry }) => entry.isDirectory()).map(({ name }) => join(dir, name));
}

/**
 * The git directories a `.git` directory holds: itself, its submodules' (modules/**, which
 * nest) and its linked worktrees' administrative dirs (worktrees/*), each read by git as a
 * git directory of its own.
 */
export function gitDirsWithin(dotGit: string): string[] {
  const found = [dotGit];
  const modules = (dir: string): void => {
    for (const sub of subdirs(dir)) {
      if (looksLikeGitDir(sub)) {
        found.push(sub);
        modules(join(sub, 'modules'));
      } else {
        // Submodule names may hold slashes: modules/a/b is the git dir of submodule a/b.
        modules(sub);
      }
    }
  };
  modules(join(dotGit, 'modules'));
  for (const worktree of subdirs(join(dotGit, 'worktrees'))) found.push(worktree);
  return found;
}

/** The control entries that exist now in every git directory the `.git` directories hold. */
export function existingGitControl(dotGits: string[]): string[] {
  const paths: string[] = [];
  for (const dotGit of dotGits) {
    for (const gitDir of gitDirsWithin(dotGit)) {
      for (const { entry } of GIT_CONTROL_ENTRIES) if (lstatBytes(join(gitDir, entry))) paths.push(join(gitDir, entry));
    }
  }
  return paths;
}

/**
 * Where a `.git` file (a gitlink, as submodules and linked worktrees have) sends git, read the
 * way git reads it (read_gitfile_gently: "gitdir: " then the path, only trailing CR/LF cut, so
 * `gitdir: ../.git ` names a directory ending in a space), or null when it is not one.
 * Relative targets are relative to the file's directory.
 */
export function gitLinkTarget(file: string): string | null {
  const bytes = readControlFile(file);
  if (!bytes) return null;
  const text = bytes.toString('latin1').replace(/[\r\n]+$/, '');
  if (!text.startsWith('gitdir: ') || text.includes('\n')) return null;
  const target = text.slice('gitdir: '.length);
  return target === '' ? null : isAbsolute(target) ? target : join(dirname(file), target);
}

/**
 * Paths the repository's own config makes git run or read as config (core.hooksPath, a
 * core.fsmonitor script, include.path, includeIf.*.path), resolved the way git resolves them:
 * hooksPath and fsmonitor relative to the work tree, includes relative to the config file.
 * Read with git itself: the config is the user's, from before any session touched it.
 */
export function configReferencedPaths(gitDir: string, workTree: string): string[] {
  let out: string;
  try {
    out = execFileSync('git', ['config', '--file', join(gitDir, 'config'), '--no-includes', '--null', '--get-regexp', '^(core\\.hookspath|core\\.fsmonitor|include\\.path|includeif\\..+\\.path)$'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    });
  } catch {
    return [];
  }
  const paths: string[] = [];
  for (const record of out.split('\0').filter(Boolean)) {
    const [key = '', value = ''] = record.split('\n');
    if (value === '' || value === 'true' || value === 'false') continue;
    const expanded = value.startsWith('~/') ? join(process.env.HOME ?? '/', value.slice(2)) : value;
    const base = key.startsWith('core.') ? workTree : gitDir;
    // fsmonitor holds a command; only a path-looking first word names a file to protect.
    const file = key === 'core.fsmonitor' ? expanded.split(/\s+/)[0]! : expanded;
    if (key === 'core.fsmonitor' && !file.includes('/')) continue;
    paths.push(isAbsolute(file) ? file : resolve(base, file));
  }
  return paths;
}

/**
 * Keys a git config written inside the sandbox may set without running anything on the host:
 * what `git init`, `git clone`, `git submodule` and `git worktree` write. Every other key
 * (core.fsmonitor, core.hooksPath, core.sshCommand, core.pager, alias.*, filter.*, diff.*,
 * credential.*, include.path, …) makes the file unsafe. An allowlist, so a key git adds
 * later is unsafe until someone reads what it does.
 */
const SAFE_KEYS = new Set([
  'core.repositoryformatversion',
  'core.filemode',
  'core.bare',
  'core.logallrefupdates',
  'core.ignorecase',
  'core.precomposeunicode',
  'core.symlinks',
  'core.autocrlf',
  'core.eol',
  'core.worktree',
  'init.defaultbranch',
  'user.name',
  'user.email',
  'remote.*.url',
  'remote.*.pushurl',
  'remote.*.fetch',
  'remote.*.tagopt',
  'branch.*.remote',
  'branch.*.merge',
  'branch.*.rebase',
  'submodule.*.url',
  'submodule.*.active',
  'extensions.objectformat',
  'extensions.refstorage',
  'extensions.worktreeconfig',
]);

/**
 * Section.key names in a git config text, over-approximated: every line that looks like a
 * section header starts one (even inside what git would read as a continued value), and a
 * header may carry a key on the same line as git allows. Reading more keys than git does only
 * ever makes a file look less safe, which is the side to err on. Hand-written because git's
 * own parser would have to be run on the attacker's file, and no maintained library reads
 * git config the way git does.
 */
export function gitConfigKeys(text: string): string[] {
  const keys: string[] = [];
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    const header = /^\[\s*([A-Za-z0-9.-]*)\s*(?:"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (header) {
      const [name, ...dotted] = header[1]!.split('.');
      section = header[2] !== undefined || dotted.length > 0 ? `${name!.toLowerCase()}.*` : name!.toLowerCase();
      line = line.slice(header[0].length).trim();
    } else if (line.startsWith('[')) {
      // A header this reader cannot parse: nothing after it can be attributed safely.
      section = '?';
      continue;
    }
    const key = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=|$|[#;])/.exec(line);
    if (key) keys.push(`${section}.${key[1]!.toLowerCase()}`);
  }
  return keys;
}

/** The keys of a git config file that could run code on the host; unreadable counts as unsafe. */
export function unsafeGitConfigKeys(file: string): string[] {
  const bytes = readControlFile(file);
  if (!bytes) return ['(not a readable regular file)'];
  return [...new Set(gitConfigKeys(bytes.toString('latin1')).filter((key) => !SAFE_KEYS.has(key)))];
}
