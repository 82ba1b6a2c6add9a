// Code the host runs later: an agent that cannot escape now plants what the user's next
// `git status`, shell prompt or editor runs outside any sandbox. Every attempt here either
// fails inside the sandbox or is moved aside when the session ends, and the host's git never
// runs the planted command. As root and as an unprivileged user; a control shows the planted
// config does run when nothing stops it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { runCli, runCommand, type CliOptions } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const users: [string, (() => { uid: number; gid: number }) | undefined][] = [
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser],
];

const GIT_ENV = { GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@b', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@b', GIT_CONFIG_NOSYSTEM: '1' };

describe.each(users)('side doors to the host as %s', (_label, who) => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let as: CliOptions['as'];
  const repo = () => join(world.work, 'repo');
  const marker = () => join(world.root, 'pwned');
  const own = (path: string): void => {
    if (as) chownSync(path, as.uid, as.gid);
  };
  /** The user's own git on the host, as the user (git refuses repos of other owners). */
  const hostGit = (...args: string[]) => runCommand(['git', ...args], world, { cwd: repo(), env: GIT_ENV, ...(as ? { as } : {}) });
  const inside = (script: string, flags: string[] = []) =>
    runCli(['run', '--allow-cwd', ...flags, '--', 'sh', '-c', script], world, { cwd: repo(), env: GIT_ENV, ...(as ? { as } : {}) });
  const fsmonitor = () => `[core]\n\tfsmonitor = "touch ${marker()}"\n`;

  beforeAll(async () => {
    as = who?.();
    world = createWorld(as ? { owner: as } : {});
    daemon = await startDaemon(world, as ? { as } : {});
  });
  afterAll(async () => {
    await daemon?.stop();
    world?.cleanup();
  });
  beforeEach(async () => {
    rmSync(repo(), { recursive: true, force: true });
    rmSync(marker(), { force: true });
    mkdirSync(repo());
    own(repo());
    expect((await hostGit('init', '-q', '.')).code).toBe(0);
    writeFileSync(join(repo(), 'a.txt'), 'a\n');
    own(join(repo(), 'a.txt'));
    expect((await hostGit('add', 'a.txt')).code).toBe(0);
    expect((await hostGit('commit', '-qm', 'init')).code).toBe(0);
  });

  it('control: a planted fsmonitor does run on the host when nothing stops it', async () => {
    writeFileSync(join(repo(), '.git', 'config'), fsmonitor());
    await hostGit('status');
    expect(existsSync(marker())).toBe(true);
  });

  it('cannot move .git aside and put a new one with a planted config in its place', async () => {
    const config = readFileSync(join(repo(), '.git', 'config'), 'utf8');
    const r = await inside(`mv .git .git-old && mkdir .git && cp -r .git-old/objects .git-old/refs .git-old/HEAD .git/ && printf '${fsmonitor()}' > .git/config`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/busy/i);
    expect(existsSync(join(repo(), '.git-old'))).toBe(false);
    expect(readFileSync(join(repo(), '.git', 'config'), 'utf8')).toBe(config);
    await hostGit('status');
    expect(existsSync(marker())).toBe(false);
  });

  it('cannot write git control files: config, hooks (made if missing), info', async () => {
    rmSync(join(repo(), '.git', 'hooks'), { recursive: true, force: true });
    for (const attempt of [
      `printf '${fsmonitor()}' >> .git/config`,
      `printf '#!/bin/sh\\ntouch ${marker()}\\n' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit`,
      'rm -rf .git/hooks',
      'echo x > .git/info/attributes',
    ]) {
      const r = await inside(attempt, ['--allow-command', 'chmod', '--allow-command', 'rm']);
      expect(r.code, attempt).not.toBe(0);
    }
    expect(readdirSync(join(repo(), '.git', 'hooks'))).toEqual([]);
    writeFileSync(join(repo(), 'b.txt'), 'b\n');
    own(join(repo(), 'b.txt'));
    await hostGit('add', 'b.txt');
    expect((await hostGit('commit', '-qm', 'b')).code).toBe(0);
    await hostGit('status');
    expect(existsSync(marker())).toBe(false);
  });

  it('a commondir written in the sandbox is moved aside when the session ends, and named', async () => {
    // Watched during the session as well: gone within moments, before the user's prompt runs git.
    const r = await inside(`mkdir -p .evil && printf '${fsmonitor()}' > .evil/config && echo ../.evil > .git/commondir && sleep 1 && ls .git`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/^commondir$/m);
    expect(r.stderr).toMatch(/\.git\/commondir -> .*commondir\.nono-quarantine-.*redirects where git reads its config/);
    expect(existsSync(join(repo(), '.git', 'commondir'))).toBe(false);
    await hostGit('status');
    expect(existsSync(marker())).toBe(false);
  });

  it('a new nested repository that runs commands is defused, and every such key is caught', async () => {
    const keys = [
      `core.fsmonitor "touch ${marker()}"`,
      `core.hooksPath /tmp`,
      `core.sshCommand "touch ${marker()}"`,
      `core.pager "touch ${marker()}"`,
      `alias.x "!touch ${marker()}"`,
      `filter.f.clean "touch ${marker()}"`,
      `diff.external "touch ${marker()}"`,
      `credential.helper "!touch ${marker()}"`,
    ];
    const script = keys.map((key, i) => `mkdir sub${i} && git -C sub${i} init -q . && git -C sub${i} config ${key}`).join(' && ');
    const r = await inside(script);
    expect(r.code, r.stderr).toBe(0);
    for (let i = 0; i < keys.length; i++) {
      expect(existsSync(join(repo(), `sub${i}`, '.git', 'config')), keys[i]).toBe(false);
      expect(r.stderr).toContain(`sub${i}/.git/config`);
    }
    await runCommand(['git', '-C', 'sub0', 'status'], world, { cwd: repo(), env: GIT_ENV, ...(as ? { as } : {}) });
    expect(existsSync(marker())).toBe(false);
    const audit = await runCli(['audit', 'list', '--kind', 'sandbox.quarantine', '--json'], world, as ? { as } : {});
    expect(audit.stdout).toContain('sub0/.git/config');
  });

  it('a new repository made the ordinary way (git init, commit) is left alone', async () => {
    const r = await inside('mkdir plain && cd plain && git init -q . && echo x > x && git add x && git commit -qm x');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/moved aside/);
    expect(existsSync(join(repo(), 'plain', '.git', 'config'))).toBe(true);
  });

  it('a .git file sending git elsewhere is moved aside', async () => {
    const r = await inside(`mkdir -p evilgit sub && git init -q --bare evilgit && printf '${fsmonitor()}' >> evilgit/config && echo "gitdir: ../evilgit" > sub/.git`);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(repo(), 'sub', '.git'))).toBe(false);
    await runCommand(['git', '-C', 'sub', 'status'], world, { cwd: repo(), env: GIT_ENV, ...(as ? { as } : {}) });
    expect(existsSync(marker())).toBe(false);
  });

  // Found by an attack review: each reaches the host's `git status` in the repository's root,
  // through a submodule entry in the index that makes git recurse into the planted git dir.
  const EVIL = () => `printf '[core]\\n\\tbare = false\\n\\tfsmonitor = "touch ${marker()}; false"\\n'`;
  const SUBMODULE = (dir: string) => `git update-index --add --cacheinfo "160000,$(git rev-parse HEAD),${dir}"`;
  it.each([
    ['a .git symlink to a planted git dir', () => `git init -q --bare .cache/evil && ${EVIL()} > .cache/evil/config && mkdir lib && ln -s ../.cache/evil lib/.git && ${SUBMODULE('lib')}`],
    ['a .git file whose path git reads with a trailing space', () => `git init -q --bare ".git " && ${EVIL()} > ".git /config" && mkdir lib2 && printf 'gitdir: ../.git \\n' > lib2/.git && ${SUBMODULE('lib2')}`],
    ['a repository under a name that is not UTF-8', () => `d=$(printf 'v\\377') && git init -q "$d" && ${EVIL()} >> "$d/.git/config" && ${SUBMODULE('"$d"')}`],
  ])('%s is defused before the host runs git', async (_name, script) => {
    const r = await inside(script());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/moved aside/);
    await hostGit('status');
    expect(existsSync(marker())).toBe(false);
  });

  it('an existing gitlink cannot be rewritten (a submodule or a linked worktree as the workdir)', async () => {
    mkdirSync(join(repo(), 'sub'));
    writeFileSync(join(repo(), 'sub', '.git'), 'gitdir: ../.git/modules/sub\n');
    own(join(repo(), 'sub'));
    own(join(repo(), 'sub', '.git'));
    const r = await inside(`git init -q --bare .cache/e2 && ${EVIL()} > .cache/e2/config && printf 'gitdir: ../.cache/e2\\n' > sub/.git`);
    expect(r.code).not.toBe(0);
    expect(readFileSync(join(repo(), 'sub', '.git'), 'utf8')).toBe('gitdir: ../.git/modules/sub\n');
  });

  it("a file the repository's config runs (core.hooksPath) is write-protected, and one created later is moved aside", async () => {
    mkdirSync(join(repo(), '.githooks'));
    own(join(repo(), '.githooks'));
    expect((await hostGit('config', 'core.hooksPath', '.githooks')).code).toBe(0);
    expect((await hostGit('config', 'include.path', '../.gitconfig-extra')).code).toBe(0);
    const r = await inside(`printf '#!/bin/sh\\ntouch ${marker()}\\n' > .githooks/pre-commit; ${EVIL()} > .gitconfig-extra; true`);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(repo(), '.githooks', 'pre-commit'))).toBe(false);
    expect(existsSync(join(repo(), '.gitconfig-extra'))).toBe(false);
    await hostGit('status');
    expect(existsSync(marker())).toBe(false);
  });

  it('a git dir made unwritable (chmod 555) does not keep a planted commondir from being moved aside', async () => {
    const r = await inside(
      `git init -q --bare .cache/c && ${EVIL()} > .cache/c/config && cp -r .git/refs/. .cache/c/refs/ && cp -r .git/objects/. .cache/c/objects/ && printf '../.cache/c\\n' > .git/prep && python3 -c 'import os; os.rename(".git/prep", ".git/commondir"); os.chmod(".git", 0o555)'`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(repo(), '.git', 'commondir'))).toBe(false);
    expect(statSync(join(repo(), '.git')).mode & 0o777).toBe(0o555);
    await hostGit('status');
    expect(existsSync(marker())).toBe(false);
    chmodSync(join(repo(), '.git'), 0o755);
  });

  it('a FIFO planted as a config does not hang the daemon, and what comes after it is still swept', async () => {
    const r = await inside(`mkdir -p .git/modules/a/objects && echo 'ref: refs/heads/main' > .git/modules/a/HEAD && mkfifo .git/modules/a/config; git init -q z && ${EVIL()} >> z/.git/config`);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(repo(), 'z', '.git', 'config'))).toBe(false);
    expect((await runCli(['ps'], world, as ? { as } : {})).code).toBe(0);
  });

  it('the sweep never follows a symlink out of the tree to rename what lies there', async () => {
    const outside = join(world.root, 'outside');
    mkdirSync(join(outside, 'hooks-target'), { recursive: true });
    writeFileSync(join(outside, 'settings.json'), '{}');
    for (const p of [outside, join(outside, 'hooks-target'), join(outside, 'settings.json')]) own(p);
    const r = await inside(`mkdir x && ln -s ${outside} x/.claude && mkdir -p y/.git && ln -s ${outside}/hooks-target y/.git/hooks && touch ${outside}/hooks-target/fresh 2>/dev/null; true`);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(outside).sort()).toEqual(['hooks-target', 'settings.json']);
  });

  it('a setgid directory (git init --shared) is left alone by the sweep', async () => {
    chmodSync(join(repo(), '.git'), 0o2775);
    const r = await inside('echo more >> a.txt && git add a.txt');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/moved aside/);
    expect(existsSync(join(repo(), '.git', 'HEAD'))).toBe(true);
  });

  it('host-exec names created during the session are moved aside at any depth, never deleted', async () => {
    const names = ['.envrc', '.mcp.json', '.claude/settings.json', '.vscode/tasks.json', '.husky/pre-commit', '.pre-commit-config.yaml', 'deep/dir/.envrc'];
    const r = await inside(names.map((n) => `mkdir -p "$(dirname ${n})" && echo planted > ${n}`).join(' && '));
    expect(r.code, r.stderr).toBe(0);
    for (const name of names) {
      expect(existsSync(join(repo(), name)), name).toBe(false);
      const top = name.startsWith('.vscode') || name.startsWith('.husky') ? name.split('/')[0]! : name;
      const aside = readdirSync(join(repo(), top, '..')).find((e) => e.startsWith(`${top.split('/').at(-1)}.nono-quarantine-`));
      expect(aside, name).toBeDefined();
      expect(r.stderr).toContain(join(repo(), top));
    }
  });

  it('set-id files that still appear in a writable grant are stripped at the end; older ones and shared inodes are left alone', async () => {
    // The kernel filter refuses set-id bits from inside; this is the second line, so the file is
    // made from outside while the session runs, as another process of the user could.
    const old = join(repo(), 'old-setuid');
    writeFileSync(old, '');
    own(old);
    chmodSync(old, 0o4755);
    const shared = join(world.root, 'shared-setuid');
    writeFileSync(shared, '');
    own(shared);
    chmodSync(shared, 0o4755);
    await new Promise((r) => setTimeout(r, 2_100));
    const run = inside('sleep 1.5');
    await new Promise((r) => setTimeout(r, 700));
    const fresh = join(repo(), 'fresh-setuid');
    writeFileSync(fresh, '');
    own(fresh);
    chmodSync(fresh, 0o6755);
    linkSync(shared, join(repo(), 'linked-setuid'));
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(fresh).mode & 0o7777).toBe(0o755);
    expect(statSync(old).mode & 0o7777).toBe(0o4755);
    expect(statSync(shared).mode & 0o7777).toBe(0o4755);
    expect(existsSync(join(repo(), 'linked-setuid'))).toBe(false);
    expect(r.stderr).toMatch(/fresh-setuid: set-id bits appeared during the session; stripped/);
  });

  it('nono session diff lists what was moved aside', async () => {
    const name = `sweep-${as ? 'user' : 'root'}`;
    const r = await inside('echo planted > .envrc', ['--snapshot', '--name', name]);
    expect(r.code, r.stderr).toBe(0);
    const diff = await runCli(['session', 'diff', name], world, { cwd: repo(), ...(as ? { as } : {}) });
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/\.envrc -> .*\.envrc\.nono-quarantine-.*created during the session/);
  });

  it('an existing host-exec file cannot be replaced by renaming its parent', async () => {
    mkdirSync(join(repo(), '.claude'));
    writeFileSync(join(repo(), '.claude', 'settings.json'), '{}\n');
    own(join(repo(), '.claude'));
    own(join(repo(), '.claude', 'settings.json'));
    const r = await inside(`mv .claude .claude-old && mkdir .claude && echo '{"hooks":1}' > .claude/settings.json`);
    expect(r.code).not.toBe(0);
    expect(readFileSync(join(repo(), '.claude', 'settings.json'), 'utf8')).toBe('{}\n');
    expect(existsSync(join(repo(), '.claude-old'))).toBe(false);
  });

  it('filesystem.allow_host_exec_paths lifts a name', async () => {
    const profiles = join(world.env.XDG_CONFIG_HOME!, 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'direnv.json'), JSON.stringify({ extends: 'default', filesystem: { allow_host_exec_paths: ['.envrc'] } }));
    for (const p of [join(world.env.XDG_CONFIG_HOME!, 'nono'), profiles, join(profiles, 'direnv.json')]) own(p);
    const r = await inside('echo ok > .envrc', ['-p', 'direnv']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(repo(), '.envrc'), 'utf8')).toBe('ok\n');
  });

  it('git keeps working inside: status, commit, rebase -i, stash, worktree add', async () => {
    const r = await inside(
      [
        'git status --short',
        'echo b > b.txt && git add b.txt && git commit -qm b',
        'echo c > c.txt && git add c.txt && git commit -qm c',
        'GIT_SEQUENCE_EDITOR=true git rebase -q -i HEAD~2',
        'echo d >> a.txt && git stash -q && git stash pop -q',
        'git worktree add -q wt && git -C wt status --short',
        'git commit -qam d',
      ].join(' && '),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/moved aside/);
    expect((await hostGit('log', '--oneline')).stdout.trim().split('\n')).toHaveLength(4);
    expect((await hostGit('worktree', 'list')).stdout).toMatch(/wt/);
  });
});
