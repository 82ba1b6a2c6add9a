// The `nono` launcher (native-helper/launcher/nono.c) and the warm client the daemon keeps for
// it: a command line handed over runs exactly as the Node client would run it, signals reach
// it, and without a warm client the launcher is the Node client itself. These daemons serve no
// `nono run` themselves (launcherRuns: false), so every command line takes a warm client; the
// runs a daemon serves are in launcher-daemon-run.test.ts. As root and as an
// unprivileged user; what an attacker can do with launch.sock is in test/attacks/launcher.test.ts.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { NONO_BIN, NONO_LAUNCHER, REPO, runCli, runCommand } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';
import { signalOnceStarted } from '../support/signalled-run.js';
import type { TestWorld } from '../support/sandbox-env.js';
import { warmClients, warmClientWaiting } from '../support/warm-clients.js';
import { until } from '../support/until.js';
import { typeAcrossCtrlZ } from '../support/ctrl-z-round.js';
import { openTerminal } from '../support/real-terminal.js';

type As = { uid: number; gid: number } | undefined;

describe.each([
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser()],
] as const)('the nono launcher, as %s', (_who, as) => {
  const ctx = usePrivateDaemon({ daemon: { launcherRuns: false }, ...(as ? { world: { owner: as }, as } : {}) });
  const options = (extra: Parameters<typeof runCommand>[2] = {}) => ({ ...extra, ...(as ? { as } : {}) });

  it('runs the command line through a warm client as the Node client would: arguments, environment, directory, stdin, exit code', async () => {
    const before = await warmClientWaiting(ctx.world, as);
    const sub = join(ctx.world.work, 'sub dir');
    mkdirSync(sub);
    if (as) await runCommand(['chown', `${as.uid}:${as.gid}`, sub], ctx.world);
    const script = `echo "foo=$FOO"; pwd; umask; cat; echo "args:$#:$1"; exit 7`;
    const run = (nono: string) =>
      runCommand(['sh', '-c', `umask 027; exec ${nono} run --allow-env FOO -- sh -c '${script}' sh 'two words'`], ctx.world, options({ cwd: sub, env: { FOO: 'bar baz' }, input: 'from stdin\n' }));
    const result = await run(NONO_LAUNCHER);
    expect(result.stdout).toMatch(new RegExp(`^foo=bar baz\n${sub}\n0\\d{3}\nfrom stdin\nargs:1:two words\n$`));
    expect(result.code).toBe(7);
    const node = await run(`${process.execPath} ${NONO_BIN}`);
    expect([result.stdout, result.stderr, result.code]).toEqual([node.stdout, node.stderr, node.code]);
    expect((await warmClients(ctx.world, as)).served).toBe(before.served + 1);
  });

  it('passes a usage error and stdout/stderr apart just as the Node client does', async () => {
    await warmClientWaiting(ctx.world, as);
    const bad = await runCommand([NONO_LAUNCHER, 'run', '--no-such-flag', '--', 'true'], ctx.world, options());
    const badNode = await runCli(['run', '--no-such-flag', '--', 'true'], ctx.world, options());
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe(badNode.stderr);
    await warmClientWaiting(ctx.world, as);
    const split = await runCommand([NONO_LAUNCHER, 'run', '--', 'sh', '-c', 'echo out; echo err >&2'], ctx.world, options());
    expect([split.stdout, split.stderr.includes('err\n'), split.code]).toEqual(['out\n', true, 0]);
  });

  it('forwards a signal to the client, which hands it to the command (SIGTERM: 143)', async () => {
    await warmClientWaiting(ctx.world, as);
    const argv = [NONO_LAUNCHER, 'run', '--name', 'signalled', '--', 'sh', '-c', 'echo started; exec sleep 30'];
    const code = await signalOnceStarted(argv, ctx.world, as, 'SIGTERM');
    expect(code).toBe(143);
    const ps = await runCli(['ps', '--all'], ctx.world, options());
    expect(ps.stdout).not.toMatch(/signalled .*running/);
  });
});

describe('the nono launcher under job control', () => {
  const ctx = usePrivateDaemon({ daemon: { launcherRuns: false } });
  const shell = () => openTerminal('exec bash --norc --noprofile -i', ctx.world, { cols: 160, rows: 30 });
  const contents = (name: string) => (existsSync(join(ctx.world.work, name)) ? readFileSync(join(ctx.world.work, name), 'utf8') : '');

  it('Ctrl-Z stops the warm client with the job: what the user types at the shell stays with the shell', async () => {
    const before = await warmClientWaiting(ctx.world);
    const t = shell();
    expect(await typeAcrossCtrlZ(t, ctx.world, 'typed-a')).toBe('first\nsecond\n');
    t.type('exit\r');
    await t.exit;
    expect(contents('typed-a')).toBe('first\nsecond\n');
    expect((await warmClients(ctx.world)).served).toBeGreaterThan(before.served);
  });

  const running = async (name: string) =>
    (JSON.parse((await runCli(['ps', '--json'], ctx.world)).stdout) as { name: string; state: string }[]).some((s) => s.name === name && s.state === 'running');
  const launcherPid = (marker: string) => {
    const launcher = realpathSync(NONO_LAUNCHER);
    const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/exe`) === launcher && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    });
    expect(pids).toHaveLength(1);
    return Number(pids[0]);
  };
  async function ends(name: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (await running(name)) {
      if (Date.now() > deadline) throw new Error(`session ${name} still running`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('a stopped job still ends: kill %1, kill -9 of the launcher, and a shell that exits with it stopped', async () => {
    await warmClientWaiting(ctx.world);
    const t = shell();
    // kill %1: SIGTERM, then SIGCONT, to the job; the client must take the SIGTERM, not stop again.
    t.type(`${NONO_LAUNCHER} run --name stop-term -- sleep 1000 | cat\r`);
    await until(() => existsSync(join(ctx.world.work)), 'the shell');
    await new Promise((r) => setTimeout(r, 1000));
    t.type('\x1a');
    await t.waitFor(/Stopped/);
    t.type('kill %1; sleep 1; jobs; echo JOBS-LISTED\r');
    await t.waitFor(/JOBS-LISTED\r?\n/);
    await ends('stop-term');
    // kill -9 of a stopped launcher: nothing but the daemon can tell its stopped client.
    await warmClientWaiting(ctx.world);
    t.type(`${NONO_LAUNCHER} run --name stop-kill -- sleep 1000 | cat\r`);
    await new Promise((r) => setTimeout(r, 1000));
    t.type('\x1a');
    await t.waitFor(/Stopped[^\n]*stop-kill/);
    // Its client (titled `nono run`, the daemon's child) ends; the session goes on, as it does
    // when a Node client is killed, until stopped.
    const daemonPid = ctx.daemon.process.pid!;
    const takenClients = () =>
      readdirSync('/proc').filter((pid) => {
        try {
          return /^nono run/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')) && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(daemonPid);
        } catch {
          return false;
        }
      });
    expect(takenClients()).toHaveLength(1);
    process.kill(launcherPid('stop-kill'), 'SIGKILL');
    await until(() => takenClients().length === 0, 'the stopped client to end');
    await runCli(['stop', 'stop-kill'], ctx.world);
    // The job's cat is stopped still.
    t.type('kill -9 %1 2>/dev/null; sleep 0.2; exit\r');
    await t.exit;
    // A shell that exits with the job stopped: the orphaned job gets SIGHUP and SIGCONT.
    await warmClientWaiting(ctx.world);
    const u = shell();
    u.type(`bash --norc --noprofile -i\r`);
    await new Promise((r) => setTimeout(r, 300));
    u.type(`${NONO_LAUNCHER} run --name stop-hup -- sleep 1000 | cat\r`);
    await new Promise((r) => setTimeout(r, 1000));
    u.type('\x1a');
    await u.waitFor(/Stopped[^\n]*stop-hup/);
    u.type('exit\r');
    await new Promise((r) => setTimeout(r, 300));
    u.type('exit\r');
    await ends('stop-hup');
    u.type('exit\r');
    await u.exit;
  });

  it('a launcher stopped by SIGSTOP (which it cannot catch) has its client stopped too: the shell keeps what is typed', async () => {
    await warmClientWaiting(ctx.world);
    const t = shell();
    t.type(`${NONO_LAUNCHER} run --allow-cwd -- sh -c 'cat > typed-c' > out-c\r`);
    await until(() => existsSync(join(ctx.world.work, 'typed-c')), 'the sandboxed cat');
    t.type('first\r');
    await until(() => contents('typed-c') === 'first\n', 'the first line');
    const launcher = launcherPid('typed-c');
    process.kill(launcher, 'SIGSTOP');
    await t.waitFor(/Stopped/);
    // The daemon looks every 200 ms.
    await new Promise((r) => setTimeout(r, 600));
    t.type('echo SHELL-$((40+2))\r');
    await t.waitFor(/SHELL-42/);
    // Killed here rather than with the shell's `kill -9 %1`: typed on a loaded machine, the shell
    // could still count the job as stopped when it came to `exit`, and refuse to leave.
    process.kill(launcher, 'SIGKILL');
    await until(() => !existsSync(`/proc/${launcher}`), 'the shell to reap the killed launcher');
    t.type('exit\r');
    await t.exit;
    expect(contents('typed-c')).toBe('first\n');
  });

  it('a launcher killed mid-session takes its warm client with it: the shell gets the terminal back', async () => {
    const before = await warmClientWaiting(ctx.world);
    const t = shell();
    t.type(`${NONO_LAUNCHER} run --allow-cwd -- sh -c 'cat > typed-b'\r`);
    await until(() => existsSync(join(ctx.world.work, 'typed-b')), 'the sandboxed cat');
    t.type('before\r');
    await until(() => contents('typed-b').includes('before'), 'the first line');
    const launcher = realpathSync(NONO_LAUNCHER);
    const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/exe`) === launcher && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('typed-b');
      } catch {
        return false;
      }
    });
    expect(pids).toHaveLength(1);
    process.kill(Number(pids[0]), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    t.type('echo SHELL-$((40+2))\r');
    await t.waitFor(/SHELL-42/);
    t.type('exit\r');
    await t.exit;
    expect(contents('typed-b')).not.toContain('SHELL');
    expect((await warmClients(ctx.world)).served).toBeGreaterThan(before.served);
  });
});

// A copy of the client of its own, so that "reinstalling" it leaves other tests' warm clients be.
const INSTALL = mkdtempSync(join(tmpdir(), 'nono-install-'));
for (const file of ['bin/nono', 'bin/nono.cjs', 'bin/code-cache.cjs', 'bin/warm-client.cjs', 'dist/nono.cjs']) {
  mkdirSync(dirname(join(INSTALL, 'client', file)), { recursive: true });
  copyFileSync(join(REPO, 'client', file), join(INSTALL, 'client', file));
}
chmodSync(join(INSTALL, 'client/bin/nono'), 0o755);
chmodSync(join(INSTALL, 'client/bin/nono.cjs'), 0o755);

describe('the nono launcher after nono was rebuilt or reinstalled', () => {
  const ctx = usePrivateDaemon({ daemon: { launcherRuns: false, warmClientScript: join(INSTALL, 'client/bin/warm-client.cjs') } });
  const launcher = join(INSTALL, 'client/bin/nono');
  afterAll(() => rmSync(INSTALL, { recursive: true, force: true }));

  it('runs the command the slow way when the warm client loaded an older bundle, and the next warm client is fresh', async () => {
    const bundle = join(INSTALL, 'client/dist/nono.cjs');
    const before = await warmClientWaiting(ctx.world);
    const { atime, mtime } = statSync(bundle);
    utimesSync(bundle, atime, new Date(mtime.getTime() + 1000));
    const result = await runCommand([launcher, 'run', '--', 'sh', '-c', 'echo ran once; exit 4'], ctx.world);
    expect([result.stdout, result.stderr, result.code]).toEqual(['ran once\n', '', 4]);
    // The Node client ran it; the stale warm client ran nothing.
    expect((await warmClientWaiting(ctx.world)).served).toBe(before.served);
    const fresh = await runCommand([launcher, 'run', '--', 'echo', 'fresh'], ctx.world);
    expect([fresh.stdout, fresh.code]).toEqual(['fresh\n', 0]);
    expect((await warmClients(ctx.world)).served).toBe(before.served + 1);
  });
});

describe('the nono command npm links', () => {
  it('is the launcher (client/package.json bin, built by the client package preinstall before npm links it)', () => {
    expect(realpathSync(join(REPO, 'node_modules/.bin/nono'))).toBe(realpathSync(NONO_LAUNCHER));
  });
});

describe('the nono launcher without warm clients', () => {
  const ctx = usePrivateDaemon({ daemon: { launcherRuns: false, warmClients: 0 } });

  it('is the Node client itself: the same command, the same result', async () => {
    await runCli(['ps'], ctx.world);
    const result = await runCommand([NONO_LAUNCHER, 'run', '--', 'sh', '-c', 'echo slow way; exit 3'], ctx.world);
    expect([result.stdout, result.code]).toEqual(['slow way\n', 3]);
    expect(await warmClients(ctx.world, undefined)).toEqual({ starting: 0, waiting: 0, served: 0 });
  });
});
