// Finds the instruction files a policy covers. It only lists directories an include glob could
// reach and never enters heavy or .gitignore'd ones. Symlinks are followed as an agent would
// follow them (a `.claude` linked to a shared folder is still checked), except back up the tree.
import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import ignore from 'ignore';
import { NonoError } from '@nono/shared';
import { compileIncludeGlobs, type IncludeGlobs } from './include-globs.js';
import { BUNDLE_SUFFIX } from './signature-bundle.js';

/** Dependency caches, build output and VCS internals: large, and not what an agent reads as instructions. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git', 'target', 'dist', 'build', '.venv', '__pycache__', '.cache']);

/** The .gitignore rules of one directory, applied to paths relative to it. */
interface IgnoreLevel {
  prefix: string;
  rules: ignore.Ignore;
}

function isIgnored(levels: readonly IgnoreLevel[], path: string, isDir: boolean): boolean {
  let ignored = false;
  for (const { prefix, rules } of levels) {
    // Deeper files override shallower ones, and a `!pattern` re-includes, as in git.
    const result = rules.test(path.slice(prefix.length) + (isDir ? '/' : ''));
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}

type EntryKind = 'file' | 'dir' | 'other';

const kindOf = (s: { isDirectory(): boolean; isFile(): boolean }): EntryKind => (s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other');

/** `chain` holds the real paths from the workdir down to `rel`, to refuse a link back into it. */
async function scanDir(root: string, rel: string, globs: IncludeGlobs, inherited: readonly IgnoreLevel[], chain: readonly string[], found: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true });
  } catch (error) {
    // Removed while we walked: nothing there for an agent to read either.
    if (rel !== '' && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const prefix = rel === '' ? '' : `${rel}/`;
  let levels = inherited;
  if (entries.some((e) => e.name === '.gitignore' && e.isFile())) {
    const text = await readFile(join(root, prefix, '.gitignore'), 'utf8');
    levels = [...inherited, { prefix, rules: ignore().add(text) }];
  }
  const names = new Set(entries.map((e) => e.name));
  const segments = rel === '' ? [] : rel.split('/');
  const descend: Promise<void>[] = [];
  for (const entry of entries) {
    const path = prefix + entry.name;
    const reachable = !entry.isFile() && globs.mayContain([...segments, entry.name], SKIPPED_DIRS.has(entry.name));
    const matched = globs.matches(path);
    if (!reachable && !matched) continue;
    // Only a symlink the globs care about costs a stat; other entries carry their type.
    const kind = entry.isSymbolicLink() ? await stat(join(root, path)).then(kindOf, (): EntryKind => 'other') : kindOf(entry);
    if (kind === 'dir' && reachable && !isIgnored(levels, path, true)) {
      // A linked directory is followed (an agent follows it too) unless it leads back up the chain.
      const real = entry.isSymbolicLink() ? await realpath(join(root, path)) : `${chain.at(-1)}/${entry.name}`;
      if (entry.isSymbolicLink() && chain.some((c) => c === real || c.startsWith(`${real}/`))) continue;
      descend.push(scanDir(root, path, globs, levels, [...chain, real], found));
    } else if (kind === 'file' && matched && !isIgnored(levels, path, false)) {
      // A sidecar is data about its file, not an instruction; a stray .bundle with no file is checked.
      if (!(entry.name.endsWith(BUNDLE_SUFFIX) && names.has(entry.name.slice(0, -BUNDLE_SUFFIX.length)))) found.push(path);
    }
  }
  await Promise.all(descend);
}

/** Workdir-relative paths (`/` separators), sorted, of the files the include globs select. */
export async function scanInstructionFiles(workdir: string, include: readonly string[]): Promise<string[]> {
  const isDir = await stat(workdir).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new NonoError('PATH_NOT_FOUND', `${workdir}: the workdir does not exist or is not a directory; check the path`, { path: workdir });
  const found: string[] = [];
  await scanDir(workdir, '', compileIncludeGlobs(include), [], [await realpath(workdir)], found);
  return found.sort();
}
