// Command blocking and delete protection, enforced by the kernel's view and Landlock rather
// than a name check: every way of reaching rm fails and the file survives; a no-delete grant
// writes and appends but never unlinks, renames over or truncates. As root and unprivileged.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { runCli, type CliOptions } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const users: [string, (() => { uid: number; gid: number }) | undefined][] = [
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser],
];

describe.each(users)('command blocking and no-delete as %s', (_label, who) => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let as: CliOptions['as'];
  const dir = () => join(world.work, 'guarded');
  const run = (args: string[], script: string) => runCli(['run', ...args, '--', 'sh', '-c', script], world, { cwd: dir(), ...(as ? { as } : {}) });
  const seed = (name: string, text: string): void => {
    writeFileSync(join(dir(), name), text);
    if (as) chownSync(join(dir(), name), as.uid, as.gid);
  };

  beforeAll(async () => {
    as = who?.();
    world = createWorld(as ? { owner: as } : {});
    daemon = await startDaemon(world, as ? { as } : {});
  });
  afterAll(async () => {
    await daemon?.stop();
    world?.cleanup();
  });
  beforeEach(() => {
    rmSync(dir(), { recursive: true, force: true });
    mkdirSync(dir());
    if (as) chownSync(dir(), as.uid, as.gid);
    seed('precious.txt', 'keep me\n');
  });

  it('refuses rm however it is reached, and the file survives', async () => {
    for (const attempt of ['rm precious.txt', '/usr/bin/rm precious.txt', '/bin/rm precious.txt', 'env rm precious.txt', "echo precious.txt | xargs rm", 'cp /usr/bin/rm ./myrm && ./myrm precious.txt']) {
      const r = await run(['--allow-cwd'], attempt);
      expect(r.code, attempt).not.toBe(0);
      expect(r.stderr, attempt).toMatch(/nono: rm is blocked by dangerous_commands \(allow with --allow-command rm\)/);
      expect(readFileSync(join(dir(), 'precious.txt'), 'utf8'), attempt).toBe('keep me\n');
    }
  });

  it('lets rm run with --allow-command rm, and blocks more with --block-command', async () => {
    const allowed = await run(['--allow-cwd', '--allow-command', 'rm'], 'rm precious.txt');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(existsSync(join(dir(), 'precious.txt'))).toBe(false);
    const extra = await run(['--allow-cwd', '--block-command', 'cat'], 'cat /etc/hostname');
    expect(extra.code).toBe(126);
    expect(extra.stderr).toMatch(/nono: cat is blocked by --block-command/);
  });

  it('nono why --command names the group, and the lift', async () => {
    const blocked = JSON.parse((await runCli(['why', '--command', 'rm', '--json'], world, as ? { as } : {})).stdout);
    expect(blocked).toMatchObject({ status: 'BLOCKED', group: 'dangerous_commands' });
    const lifted = JSON.parse((await runCli(['why', '--command', 'rm', '--allow-command', 'rm', '--json'], world, as ? { as } : {})).stdout);
    expect(lifted.status).toBe('ALLOWED');
  });

  it('under --allow-no-delete writes and appends work; rm, unlink(), rename over a file and truncate fail', async () => {
    seed('log.txt', 'one\n');
    const ok = await run(['--allow-no-delete', dir()], 'echo two >> log.txt && echo new > fresh.txt && mkdir sub && echo wrote');
    expect(ok.stdout, ok.stderr).toMatch(/wrote/);
    expect(readFileSync(join(dir(), 'log.txt'), 'utf8')).toBe('one\ntwo\n');
    expect(readFileSync(join(dir(), 'fresh.txt'), 'utf8')).toBe('new\n');

    const attacks = [
      ['rm', 'rm -f precious.txt'],
      ['unlink()', 'python3 -c "import os; os.unlink(\'precious.txt\')"'],
      ['rename over', 'mv fresh.txt precious.txt'],
      ['truncate by O_TRUNC', 'echo gone > precious.txt'],
      ['truncate()', 'python3 -c "import os; os.truncate(\'precious.txt\', 0)"'],
      ['rmdir', 'rmdir sub'],
    ];
    for (const [what, script] of attacks) {
      const r = await run(['--allow-no-delete', dir(), '--allow-command', 'rm'], script!);
      expect(r.code, what).not.toBe(0);
      expect(readFileSync(join(dir(), 'precious.txt'), 'utf8'), what).toBe('keep me\n');
    }
    expect(existsSync(join(dir(), 'sub'))).toBe(true);
  });

  it('a profile including unlink_protection keeps every writable grant from deleting', async () => {
    const profiles = join(world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'careful.json'), JSON.stringify({ extends: 'default', groups: { include: ['unlink_protection'] }, workdir: { access: 'readwrite' } }));
    if (as) for (const path of [join(world.root, 'config'), join(world.root, 'config', 'nono'), profiles, join(profiles, 'careful.json')]) chownSync(path, as.uid, as.gid);
    const r = await run(['-p', 'careful', '--workdir', dir(), '--allow-command', 'rm'], 'echo added >> precious.txt; rm precious.txt || echo refused');
    expect(r.stdout).toMatch(/refused/);
    expect(readFileSync(join(dir(), 'precious.txt'), 'utf8')).toBe('keep me\nadded\n');
  });

  // Landlock adds rights down the tree: a no-delete grant inside a wider writable one would run
  // with rm allowed. Every way of asking for that is refused before anything runs.
  it('refuses a no-delete grant inside a wider writable grant, naming both, and rm never runs', async () => {
    const profiles = join(world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'nested.json'), JSON.stringify({ extends: 'default', filesystem: { allow: [world.work], no_delete: [dir()] } }));
    writeFileSync(join(profiles, 'nested-workdir.json'), JSON.stringify({ extends: 'default', workdir: { access: 'readwrite-nodelete' } }));
    const npmPackage = join(world.home, '.npm', 'pkg');
    mkdirSync(npmPackage, { recursive: true });
    writeFileSync(join(npmPackage, 'precious.txt'), 'keep me\n');
    if (as) for (const path of [join(world.root, 'config'), join(world.root, 'config', 'nono'), profiles, join(profiles, 'nested.json'), join(profiles, 'nested-workdir.json'), join(world.home, '.npm'), npmPackage, join(npmPackage, 'precious.txt')]) chownSync(path, as.uid, as.gid);
    const attempts: [string, string[], RegExp, string][] = [
      ['--allow-no-delete in --allow', ['--allow', world.work, '--allow-no-delete', dir()], new RegExp(`--allow-no-delete ${dir()}: ${world.work} \\(--allow\\) lets the sandbox delete there.*; drop that grant, or make it write-without-delete too`), dir()],
      ['filesystem.no_delete in filesystem.allow', ['-p', 'nested'], new RegExp(`profile nested: filesystem.no_delete ${dir()}: ${world.work} \\(profile nested: filesystem.allow\\)`), dir()],
      ['workdir.access readwrite-nodelete in --allow', ['-p', 'nested-workdir', '--workdir', dir(), '--allow', world.work], new RegExp(`profile nested-workdir: workdir.access ${dir()}: ${world.work} \\(--allow\\)`), dir()],
      ['--allow-no-delete in a group\'s grant', ['-p', 'node-dev', '--allow-no-delete', npmPackage], new RegExp(`--allow-no-delete ${npmPackage}: ${join(world.home, '.npm')} \\(group node_runtime\\).*exclude group node_runtime in the profile \\(groups.exclude\\)`), npmPackage],
    ];
    for (const [what, args, message, target] of attempts) {
      const marker = join(target, 'ran');
      const r = await runCli(['run', ...args, '--allow-command', 'rm', '--', 'sh', '-c', `touch ${marker}; rm -f precious.txt`], world, { cwd: target, ...(as ? { as } : {}) });
      expect(r.code, what).toBe(125);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
      expect(existsSync(marker), what).toBe(false);
      expect(readFileSync(join(target, 'precious.txt'), 'utf8'), what).toBe('keep me\n');
      const json = await runCli(['run', ...args, '--json', '--', 'true'], world, { cwd: target, ...(as ? { as } : {}) });
      expect(json.stdout + json.stderr, what).toMatch(/NO_DELETE_OVERRIDDEN/);
    }
    // The same path granted both ways is simply write-without-delete.
    const same = await run(['--allow', dir(), '--allow-no-delete', dir(), '--allow-command', 'rm'], 'rm -f precious.txt || echo refused');
    expect(same.stdout).toMatch(/refused/);
    expect(readFileSync(join(dir(), 'precious.txt'), 'utf8')).toBe('keep me\n');
  });
});
