// The reader that decides whether a git config the sandbox wrote is safe for the host: it must
// see every key git would see (and may see more), in every spelling git accepts.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitConfigKeys, gitDirsWithin, unsafeGitConfigKeys } from '../../src/policy/git-control.js';

const root = mkdtempSync(join(tmpdir(), 'nono-git-control-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const scratch = (prefix: string): string => mkdtempSync(join(root, prefix));

const unsafe = (text: string): string[] => {
  const file = join(scratch('cfg-'), 'config');
  writeFileSync(file, text);
  return unsafeGitConfigKeys(file);
};

describe('git config safety', () => {
  it('passes what git init and git clone write', () => {
    const dir = scratch('init-');
    execFileSync('git', ['init', '-q', dir]);
    execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', 'https://example.invalid/x.git']);
    execFileSync('git', ['-C', dir, 'config', 'branch.main.remote', 'origin']);
    execFileSync('git', ['-C', dir, 'config', 'branch.main.merge', 'refs/heads/main']);
    expect(unsafeGitConfigKeys(join(dir, '.git', 'config'))).toEqual([]);
  });

  it.each([
    ['[core]\n\tfsmonitor = touch /tmp/x\n', 'core.fsmonitor'],
    ['[core] fsmonitor = touch /tmp/x\n', 'core.fsmonitor'],
    ['[CORE]\n  HooksPath = .h\n', 'core.hookspath'],
    ['[core]\n sshCommand = evil\n', 'core.sshcommand'],
    ['[core]\npager = evil\n', 'core.pager'],
    ['[alias]\n  x = !sh -c evil\n', 'alias.x'],
    ['[filter "lfs"]\n clean = evil %f\n', 'filter.*.clean'],
    ['[diff]\n external = evil\n', 'diff.external'],
    ['[credential]\n helper = !evil\n', 'credential.helper'],
    ['[include]\n path = ../evil\n', 'include.path'],
    ['[includeIf "gitdir:/"]\n path = ../evil\n', 'includeif.*.path'],
    ['[core.x]\n fsmonitor = evil\n', 'core.*.fsmonitor'],
  ])('flags %j', (text, key) => {
    expect(unsafe(text)).toContain(key);
  });

  it('reads a key hidden after a continued value (git may read it in another section: both are unsafe)', () => {
    expect(unsafe('[user]\n name = a\\\n[core]\n fsmonitor = evil\n')).toContain('core.fsmonitor');
  });

  it('treats a header it cannot parse, and what follows, as unsafe', () => {
    expect(unsafe('[core "unterminated\n fsmonitor = evil\n')).toContain('?.fsmonitor');
  });

  it('an unreadable file is unsafe', () => {
    expect(unsafeGitConfigKeys('/nonexistent/config')).toEqual(['(not a readable regular file)']);
  });

  it('a bare key is a key', () => {
    expect(gitConfigKeys('[core]\n\tbare\n')).toEqual(['core.bare']);
  });
});

describe('git directories', () => {
  it('finds submodule (nested) and worktree git dirs inside .git', () => {
    const repo = scratch('dirs-');
    execFileSync('git', ['init', '-q', repo]);
    const dotGit = join(repo, '.git');
    for (const name of ['modules/a', 'modules/a/modules/b', 'modules/x/y']) {
      execFileSync('git', ['init', '-q', '--bare', join(dotGit, name)]);
    }
    execFileSync('mkdir', ['-p', join(dotGit, 'worktrees', 'wt')]);
    expect(gitDirsWithin(dotGit).sort()).toEqual(
      [dotGit, join(dotGit, 'modules/a'), join(dotGit, 'modules/a/modules/b'), join(dotGit, 'modules/x/y'), join(dotGit, 'worktrees/wt')].sort(),
    );
  });
});
