// The private filesystem view (user, mount and pid namespaces under Landlock): deny inside
// allow, host unix sockets out of reach, nono's own files invisible, host-exec files
// write-protected, and the escapes a patient agent would try. Run as root and as an
// unprivileged user; every attack must fail and leave nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { PROBE_BIN, runCli, type CliOptions } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const users: [string, (() => { uid: number; gid: number }) | undefined][] = [
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser],
];

function listen(path: string): Promise<{ server: Server; accepted: () => number }> {
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  return new Promise((resolve) => server.listen(path, () => resolve({ server, accepted: () => accepted })));
}

describe.each(users)('the filesystem view as %s', (_label, who) => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let as: CliOptions['as'];
  let bus: Awaited<ReturnType<typeof listen>>;
  let docker: Awaited<ReturnType<typeof listen>>;
  const own = (path: string): void => {
    if (as) chownSync(path, as.uid, as.gid);
  };

  beforeAll(async () => {
    as = who?.();
    world = createWorld(as ? { owner: as } : {});
    writeFileSync(join(world.home, 'notes.txt'), 'my notes\n');
    mkdirSync(join(world.home, '.aws'));
    writeFileSync(join(world.home, '.aws', 'credentials'), 'aws_secret_access_key = SECRET\n');
    for (const path of [join(world.home, 'notes.txt'), join(world.home, '.aws'), join(world.home, '.aws', 'credentials')]) own(path);
    mkdirSync(join(world.root, 'var-run'));
    own(join(world.root, 'var-run'));
    bus = await listen(join(world.root, 'run', 'bus'));
    docker = await listen(join(world.root, 'var-run', 'docker.sock'));
    if (as) for (const s of [join(world.root, 'run', 'bus'), join(world.root, 'var-run', 'docker.sock')]) own(s);
    daemon = await startDaemon(world, as ? { as } : {});
  });
  afterAll(async () => {
    bus?.server.close();
    docker?.server.close();
    await daemon?.stop();
    world?.cleanup();
  });

  const run = (args: string[], script: string, options: CliOptions = {}) =>
    runCli(['run', ...args, '--', 'sh', '-c', script], world, { ...(as ? { as } : {}), ...options });

  it('runs in the view, not on Landlock alone', async () => {
    const plan = JSON.parse((await runCli(['run', '--dry-run', '--json', '--allow-cwd', '--', 'true'], world, as ? { as } : {})).stdout);
    expect(plan.isolation.mode).toBe('view');
  });

  it('--allow ~ gives the home without ~/.ssh: the key is unreadable, notes read, ls -a does not list .ssh', async () => {
    const key = await run(['--allow', '~'], 'cat ~/.ssh/id_rsa');
    expect(key.code).not.toBe(0);
    expect(key.stdout).not.toMatch(/PRIVATE KEY/);
    const notes = await run(['--allow', '~'], 'cat ~/notes.txt');
    expect(notes.stdout).toBe('my notes\n');
    expect(notes.code).toBe(0);
    const listing = await run(['--allow', '~'], 'ls -a ~');
    expect(listing.code).toBe(0);
    const names = listing.stdout.trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['notes.txt', 'project']));
    for (const hidden of ['.ssh', '.aws', '.bashrc']) expect(names).not.toContain(hidden);
  });

  it('--allow ~ lets writes inside granted entries land on disk, and refuses planting a shell rc', async () => {
    const r = await run(['--allow', '~'], 'echo kept > ~/project/kept.txt; echo evil > ~/.bashrc; echo evil > ~/.bash_profile; true');
    expect(r.code).toBe(0);
    expect(readFileSync(join(world.home, 'project', 'kept.txt'), 'utf8')).toBe('kept\n');
    expect(readFileSync(join(world.home, '.bashrc'), 'utf8')).toBe('# rc\n');
    expect(existsSync(join(world.home, '.bash_profile'))).toBe(false);
  });

  it('cannot reach the session bus, a Docker socket or the daemon, whatever --allow of their directories says', async () => {
    // The daemon itself talks to the session bus (its keychain holds the audit key), so only
    // connections made while the sandbox runs count.
    const [busBefore, dockerBefore] = [bus.accepted(), docker.accepted()];
    const probe = `${PROBE_BIN} unix-connect`;
    const r = await run(
      ['--allow', join(world.root, 'run'), '--allow', join(world.root, 'var-run'), '--read', PROBE_BIN],
      `${probe} ${join(world.root, 'run', 'bus')}; ${probe} ${join(world.root, 'var-run', 'docker.sock')}; ${probe} ${world.socketPath}; ls ${join(world.root, 'run', 'nono')} 2>&1 | head -c 200; true`,
    );
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 3).every((l) => l.startsWith('denied')), r.stdout + r.stderr).toBe(true);
    expect(r.stdout).not.toMatch(/nono\.sock|secret/);
    expect(bus.accepted()).toBe(busBefore);
    expect(docker.accepted()).toBe(dockerBefore);
  });

  it('hides nono\'s config dir, so an agent cannot widen its next sandbox by editing a profile', async () => {
    const profiles = join(world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    own(join(world.root, 'config', 'nono'));
    own(profiles);
    const r = await run(['--allow', world.root], `echo '{"filesystem":{"allow":["/"]}}' > ${profiles}/default.json && echo WROTE; ls -a ${join(world.root, 'config', 'nono')}; true`);
    expect(r.stdout).not.toMatch(/WROTE|profiles/);
    expect(existsSync(join(profiles, 'default.json'))).toBe(false);
  });

  it('drops SSH_AUTH_SOCK, DOCKER_HOST and the session bus address from the environment', async () => {
    const r = await run([], 'env', {
      env: { SSH_AUTH_SOCK: '/tmp/ssh-x/agent.1', DOCKER_HOST: `unix://${join(world.root, 'var-run', 'docker.sock')}`, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(world.root, 'run', 'bus')}` },
    });
    expect(r.stdout).not.toMatch(/SSH_AUTH_SOCK|DOCKER_HOST|DBUS_SESSION_BUS_ADDRESS/);
  });

  it('lets a granted socket through, and keeps its variable', async () => {
    const socket = join(world.root, 'var-run', 'docker.sock');
    const r = await run(['--allow-unix-socket', socket, '--read', PROBE_BIN], `${PROBE_BIN} unix-connect "$DOCKER_HOST_PATH"; echo "$DOCKER_HOST"`, {
      env: { DOCKER_HOST: `unix://${socket}`, DOCKER_HOST_PATH: socket },
    });
    expect(r.stdout).toBe(`ok\nunix://${socket}\n`);
    expect(docker.accepted()).toBe(1);
  });

  it('cannot plant a git hook or edit .git/config in its own workdir, yet commits there', async () => {
    const repo = join(world.home, 'project');
    const git = (...args: string[]) => execFileSync('git', ['-c', 'safe.directory=*', '-C', repo, ...args], { env: { ...process.env, HOME: world.home } });
    if (!existsSync(join(repo, '.git'))) {
      git('init', '-q');
      if (as) execFileSync('chown', ['-R', `${as.uid}:${as.gid}`, join(repo, '.git')]);
    }
    const r = await run(
      ['--allow-cwd'],
      [
        'echo "#!/bin/sh" > .git/hooks/pre-commit && echo PLANTED',
        'git config core.hooksPath /tmp/evil && echo CONFIGURED',
        'echo change > tracked.txt && git add tracked.txt && git -c user.name=a -c user.email=a@b commit -qm sandboxed && echo COMMITTED',
      ].join('; '),
    );
    expect(r.stdout).not.toMatch(/PLANTED|CONFIGURED/);
    expect(r.stdout, r.stderr).toMatch(/COMMITTED/);
    expect(existsSync(join(repo, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(readFileSync(join(repo, '.git', 'config'), 'utf8')).not.toMatch(/hooksPath/);
    expect(git('log', '--format=%s').toString()).toMatch(/sandboxed/);
  });

  it('nono why names the write protection and the hidden socket', async () => {
    const why = async (...args: string[]) => JSON.parse((await runCli(['why', ...args, '--json'], world, as ? { as } : {})).stdout);
    const hook = await why(join(world.home, 'project', '.git', 'hooks', 'pre-commit'), '--op', 'write', '--allow-cwd');
    expect(hook.status).toBe('BLOCKED');
    expect(hook.reason).toMatch(/write-protected \(host-exec protection: \.git\/hooks.*allow_host_exec_paths/);
    const socket = await why(join(world.root, 'var-run', 'docker.sock'), '--allow', join(world.root, 'var-run'));
    expect(socket.status).toBe('BLOCKED');
    expect(socket.reason).toMatch(/hidden in the sandbox's view: a host unix socket/);
    const ssh = await why('~/.ssh/id_rsa', '--allow', '~');
    expect(ssh).toMatchObject({ status: 'BLOCKED', group: 'deny_credentials' });
  });

  it('fails every escape: /proc root links, planted symlinks and hardlinks, .. chains, mount, umount, unshare', async () => {
    const key = join(world.home, '.ssh', 'id_rsa');
    const link = join(world.work, 'key-link');
    if (!existsSync(link)) symlinkSync(key, link);
    const attempts = [
      `cat /proc/self/root${key}`,
      `cat /proc/1/root${key}`,
      'cat ./key-link',
      `ln ${key} ./hard && cat ./hard`,
      `cat ./../../${world.home.split('/').pop()}/.ssh/id_rsa`,
      'mkdir -p m && mount -t tmpfs none m && echo MOUNTED',
      `umount ${world.work} && echo UNMOUNTED`,
      'unshare -rm sh -c "mount -t tmpfs none /tmp && echo REMOUNTED"',
    ];
    for (const attempt of attempts) {
      const r = await run(['--allow-cwd'], attempt);
      expect(r.stdout, attempt).not.toMatch(/PRIVATE KEY|MOUNTED|REMOUNTED/);
    }
    expect(existsSync(join(world.work, 'hard'))).toBe(false);
  });

  it('shows only the sandbox\'s own processes in /proc', async () => {
    const r = await run([], 'ls /proc | grep -E "^[0-9]+$" | wc -l; cat /proc/1/cmdline | tr "\\0" " "');
    const [count] = r.stdout.trim().split('\n');
    expect(Number(count)).toBeLessThan(10);
    expect(r.stdout).not.toMatch(/nonod|systemd|init/);
    const daemonPid = String(daemon.process.pid);
    const seen = await run([], `test -e /proc/${daemonPid} && echo VISIBLE; true`);
    expect(seen.stdout).not.toMatch(/VISIBLE/);
  });
});

describe('/tmp in the view, with the runtime dir under /tmp (XDG_RUNTIME_DIR unset)', () => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  beforeAll(async () => {
    world = createWorld({ noRuntimeDir: true });
    daemon = await startDaemon(world);
  });
  afterAll(async () => {
    await daemon?.stop();
    world?.cleanup();
  });
  const runtimeDir = `/tmp/nono-${process.getuid!()}`;

  it('gives each session a private /tmp that is gone afterwards', async () => {
    const r = await runCli(['run', '--', 'sh', '-c', `echo scratch > /tmp/x && cat /tmp/x && echo "$TMPDIR"; ls ${runtimeDir} && echo LISTED; true`], world);
    expect(r.stdout).toBe('scratch\n/tmp\n');
  });

  it('with --allow /tmp, shows the host /tmp without the daemon\'s socket and secret', async () => {
    const r = await runCli(['run', '--allow', '/tmp', '--', 'sh', '-c', `ls -a ${runtimeDir}; cat ${runtimeDir}/secret && echo READ; true`], world);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/nono\.sock|secret|READ/);
  });
});
