// Escape attempts at the user's credentials: direct reads, symlinks and hardlinks planted in
// the workdir, /proc root magic links, `..` chains, and grants that would cover them. Each
// must fail and leave nothing behind; run as root (Landlock alone stands in the way, file
// modes do not) and as an unprivileged user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { runCli, type CliOptions } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const users: [string, (() => { uid: number; gid: number }) | undefined][] = [
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser],
];

describe.each(users)('reading credentials as %s', (_label, who) => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let as: CliOptions['as'];

  beforeAll(async () => {
    as = who?.();
    world = createWorld(as ? { owner: as } : {});
    daemon = await startDaemon(world, as ? { as } : {});
  });
  afterAll(async () => {
    await daemon.stop();
    world.cleanup();
  });

  const run = (script: string, extra: string[] = []) =>
    runCli(['run', '--allow-cwd', ...extra, '--', 'sh', '-c', script], world, as ? { as } : {});

  it('cannot cat ~/.ssh/id_rsa, while ./file.txt in the workdir reads fine', async () => {
    const denied = await run('cat ~/.ssh/id_rsa');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Permission denied|No such file/);
    expect(denied.stdout).not.toMatch(/PRIVATE KEY/);
    const allowed = await run('cat ./file.txt');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toBe('hello from the workdir\n');
  });

  it('cannot read it through a symlink planted in the workdir', async () => {
    const link = join(world.work, 'innocent-link');
    symlinkSync(join(world.home, '.ssh', 'id_rsa'), link);
    const r = await run('cat ./innocent-link');
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
  });

  it('cannot hardlink it into the workdir', async () => {
    const r = await run(`ln ${join(world.home, '.ssh', 'id_rsa')} ./stolen && cat ./stolen`);
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
    expect(existsSync(join(world.work, 'stolen'))).toBe(false);
  });

  it('cannot reach it through /proc root links or .. chains', async () => {
    for (const path of [
      `/proc/self/root${world.home}/.ssh/id_rsa`,
      `/proc/1/root${world.home}/.ssh/id_rsa`,
      '../.ssh/id_rsa',
      '../../home/.ssh/id_rsa',
      `./../.././${world.home.split('/').pop()}/.ssh/id_rsa`,
    ]) {
      const r = await run(`cat ${path}`);
      expect(r.code, path).not.toBe(0);
      expect(r.stdout, path).not.toMatch(/PRIVATE KEY/);
    }
  });

  it('cannot copy it out by renaming the directory into the workdir', async () => {
    const r = await run(`mv ${join(world.home, '.ssh')} ./ssh-moved`);
    expect(r.code).not.toBe(0);
    expect(lstatSync(join(world.home, '.ssh', 'id_rsa')).isFile()).toBe(true);
    expect(existsSync(join(world.work, 'ssh-moved'))).toBe(false);
  });

  it('refuses grants of the credentials themselves, naming the protected path; a grant around them hides them', async () => {
    const home = await runCli(['run', '--allow-cwd', '--', 'cat', '.ssh/id_rsa'], world, { cwd: world.home, ...(as ? { as } : {}) });
    expect(home.code).not.toBe(0);
    expect(home.stdout).not.toMatch(/PRIVATE KEY/);
    const inside = await runCli(['run', '--read', '~/.ssh', '--', 'true'], world, as ? { as } : {});
    expect(inside.code).toBe(125);
    expect(inside.stderr).toMatch(/deny_credentials/);
    const rc = await runCli(['run', '--allow-file', '~/.bashrc', '--', 'true'], world, as ? { as } : {});
    expect(rc.code).toBe(125);
    expect(rc.stderr).toMatch(/deny_shell_configs/);
  });
});
