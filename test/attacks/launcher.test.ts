// launch.sock hands whoever passes its check a nono client outside any sandbox, and run.sock has
// the daemon run a command line for it, so both are attacked as the daemon's own socket is: from
// inside the sandbox (in the view, where the runtime dir does not exist, and on Landlock alone,
// where connect() on a pathname socket is not mediated and only the secret stands), by a process
// of the same user without the secret, with garbage, and by another user squatting the path
// under /tmp. Each attempt runs nothing (the marker it asks for is never created), and the next
// real launcher is served as before.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { FORGER_BIN, NONO_LAUNCHER, runCli, runCommand } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';
import type { TestWorld } from '../support/sandbox-env.js';
import { warmClientWaiting } from '../support/warm-clients.js';

type As = { uid: number; gid: number } | undefined;

/**
 * A real launcher still gets its `nono run` run, and the count says by whom: a warm client
 * (launch.sock, on a daemon that serves no run itself) or the daemon (run.sock, none taken).
 */
async function stillServes(world: TestWorld, as: As, by: 'a warm client' | 'the daemon' = 'a warm client'): Promise<void> {
  const before = await warmClientWaiting(world, as);
  const real = await runCommand([NONO_LAUNCHER, 'run', '--', 'echo', 'real'], world, as ? { as } : {});
  expect([real.stdout, real.code]).toEqual(['real\n', 0]);
  const after = await warmClientWaiting(world, as);
  expect(after.served).toBe(before.served + (by === 'a warm client' ? 1 : 0));
}

/** Where the attacks run from: in the view or on Landlock alone, as root or not; the helper's flags for it. */
const SETTINGS = [
  ['in the view, as root', [], undefined],
  ['on Landlock alone, as root', ['--no-userns'], undefined],
  ['in the view, as an unprivileged user', [], unprivilegedUser()],
  ['on Landlock alone, as an unprivileged user', ['--no-userns'], unprivilegedUser()],
] as const;

describe.each(SETTINGS)('launch.sock %s', (_name, helperFlags, as) => {
  const ctx = usePrivateDaemon({ daemon: { helperFlags: [...helperFlags], launcherRuns: false }, ...(as ? { world: { owner: as }, as } : {}) });
  const options = as ? { as } : {};

  it('the sandbox can neither read the secret nor get a command run through a warm client', async () => {
    await warmClientWaiting(ctx.world, as);
    const launchSock = join(ctx.world.env.XDG_RUNTIME_DIR!, 'nono', 'launch.sock');
    expect(existsSync(launchSock)).toBe(true);
    const marker = join(ctx.world.root, 'ran-outside');
    const forged = (secret: string) => `${FORGER_BIN} send ${launchSock} ${secret} run --allow / -- touch ${marker}`;
    const script = `cat ${ctx.world.secretPath} 2>/dev/null && echo SECRET-READ; ${forged('"$(cat ' + ctx.world.secretPath + ' 2>/dev/null)"')}; ${forged('0000')}`;
    const run = await runCli(['run', '--read', dirname(FORGER_BIN), '--', 'sh', '-c', script], ctx.world, options);
    expect(run.stdout).not.toContain('SECRET-READ');
    const answers = run.stdout.trim().split('\n');
    expect(answers).toHaveLength(2);
    // In the view there is no such path; on Landlock alone the connection is refused its command.
    for (const answer of answers) expect(answer).toMatch(helperFlags.length === 0 ? /^refused: ENOENT$/ : /^no-exit$/);
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(marker)).toBe(false);
    await stillServes(ctx.world, as);
  });

  it('a request that trickles in is cut off at one deadline, and both warm clients serve again', async () => {
    await warmClientWaiting(ctx.world, as);
    const launchSock = join(ctx.world.env.XDG_RUNTIME_DIR!, 'nono', 'launch.sock');
    // Two at once, one per warm client; each would hold its client for 8 s if it could.
    const trickle = `${FORGER_BIN} trickle ${launchSock} 8`;
    const script = helperFlags.length === 0 ? trickle : `${trickle} & ${trickle}; wait`;
    const run = await runCli(['run', '--read', dirname(FORGER_BIN), '--', 'sh', '-c', script], ctx.world, options);
    // In the view there is no launch.sock; on Landlock alone both are cut off, not held.
    if (helperFlags.length === 0) expect(run.stdout).toBe('refused: ENOENT\n');
    else expect(run.stdout).toBe('cut off\ncut off\n');
    await stillServes(ctx.world, as);
  });

  it('a process of the same user without the secret, or with garbage, gets nothing run', async () => {
    await warmClientWaiting(ctx.world, as);
    const launchSock = join(ctx.world.env.XDG_RUNTIME_DIR!, 'nono', 'launch.sock');
    const marker = join(ctx.world.root, 'forged-outside');
    for (const secret of ['wrong', 'f'.repeat(64), '']) {
      const forged = await runCommand([FORGER_BIN, 'send', launchSock, secret, 'run', '--', 'touch', marker], ctx.world, options);
      expect(forged.stdout).toBe('no-exit\n');
    }
    await new Promise<void>((resolve) => {
      const socket = connect(launchSock, () => socket.end(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(100))));
      // Read what it says (its ready line), so its hang-up is seen.
      socket.resume();
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(marker)).toBe(false);
    await stillServes(ctx.world, as);
  });
});

describe.each(SETTINGS)('run.sock %s', (_name, helperFlags, as) => {
  const ctx = usePrivateDaemon({ daemon: { helperFlags: [...helperFlags] }, ...(as ? { world: { owner: as }, as } : {}) });
  const options = as ? { as } : {};
  const runSock = () => join(ctx.world.env.XDG_RUNTIME_DIR!, 'nono', 'run.sock');

  it('the sandbox can neither read the secret nor get the daemon to run a command for it, nor send input first', async () => {
    await warmClientWaiting(ctx.world, as);
    expect(existsSync(runSock())).toBe(true);
    const marker = join(ctx.world.root, 'ran-outside');
    const forged = (mode: string, secret: string) => `${FORGER_BIN} ${mode} ${runSock()} ${secret} run --allow / -- touch ${marker}`;
    const stolen = `"$(cat ${ctx.world.secretPath} 2>/dev/null)"`;
    const script = `cat ${ctx.world.secretPath} 2>/dev/null && echo SECRET-READ; ${forged('run', stolen)}; ${forged('run', '0000')}; ${forged('run-eager', '0000')}`;
    const run = await runCli(['run', '--read', dirname(FORGER_BIN), '--', 'sh', '-c', script], ctx.world, options);
    expect(run.stdout).not.toContain('SECRET-READ');
    // In the view there is no such path; on Landlock alone the request is turned down, and one
    // that sends input before an answer is hung up on unread.
    const expected = helperFlags.length === 0 ? ['refused: ENOENT', 'refused: ENOENT', 'refused: ENOENT'] : ['answer N', 'answer N', 'closed'];
    expect(run.stdout.trim().split('\n')).toEqual(expected);
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(marker)).toBe(false);
    if (helperFlags.length > 0) {
      const audit = await runCli(['audit', 'list', '--kind', 'rpc.auth_failure', '--json'], ctx.world, options);
      expect(audit.stdout).toContain('nono launcher');
    }
    await stillServes(ctx.world, as, 'the daemon');
  });

  it('a process without the secret, with garbage, with a huge or a trickling request gets nothing run, and the daemon serves on', async () => {
    await warmClientWaiting(ctx.world, as);
    const marker = join(ctx.world.root, 'forged-outside');
    for (const secret of ['wrong', 'f'.repeat(64), '']) {
      const forged = await runCommand([FORGER_BIN, 'run', runSock(), secret, 'run', '--', 'touch', marker], ctx.world, options);
      expect(forged.stdout).toBe('answer N\n');
    }
    const huge = await runCommand([FORGER_BIN, 'run-huge', runSock()], ctx.world, options);
    expect(huge.stdout).toBe('closed\n');
    /** Connects, sends each of `chunks` `every` ms apart (keeping its end open), and resolves with when the daemon hung up. */
    const hungUp = (chunks: Buffer[], every = 0) =>
      new Promise<number>((resolve) => {
        const started = Date.now();
        const socket = connect(runSock(), () => {
          let sent = 0;
          const next = (): void => {
            if (sent < chunks.length && !socket.destroyed) socket.write(chunks[sent++]!);
            if (sent < chunks.length) setTimeout(next, every);
          };
          next();
        });
        socket.resume();
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(Date.now() - started));
      });
    await hungUp([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(100))]);
    // Announced and never finished, or dripped a byte every 0.5 s: cut off 2 s after the connect either way.
    expect(await hungUp([Buffer.from([0x71, 0x00, 0x01, 0x00, 0x00, 0x01])])).toBeLessThan(5000);
    expect(await hungUp([...Buffer.from([0x71, 0x00, 0x01, 0x00, 0x00])].map((b) => Buffer.from([b])).concat(Array.from({ length: 20 }, () => Buffer.from('k'))), 500)).toBeLessThan(5000);
    // Turned down (a wrong secret) and left open by the attacker: the daemon hangs up, holding nothing.
    const body = Buffer.concat([Buffer.from([1, 0]), Buffer.from('wrong\0/\x000\0')]);
    const header = Buffer.alloc(5);
    header.write('q');
    header.writeUInt32LE(body.length, 1);
    expect(await hungUp([Buffer.concat([header, body])])).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(marker)).toBe(false);
    await stillServes(ctx.world, as, 'the daemon');
  });
});

describe.each(['launch.sock', 'run.sock'])('a %s squatted by another user', (socketName) => {
  it('gets no byte of the secret: the launcher checks who listens before it says anything', async () => {
    const other = unprivilegedUser();
    const root = join('/tmp', `nono-squat-${process.pid}`);
    const runtime = join(root, 'nono');
    const open = join(root, 'open');
    mkdirSync(runtime, { recursive: true, mode: 0o700 });
    mkdirSync(open, { recursive: true });
    try {
      chmodSync(root, 0o755);
      chmodSync(open, 0o777);
      // Our runtime dir and secret, as the launcher wants them (ours, 0700); the socket in it is
      // the other user's (bound elsewhere and moved in: they could not create it there).
      writeFileSync(join(runtime, 'secret'), `${'a'.repeat(64)}\n`, { mode: 0o600 });
      chownSync(join(runtime, 'secret'), 0, 0);
      const counted = join(open, 'bytes-received');
      const squatter = spawn('setpriv', [`--reuid=${other.uid}`, `--regid=${other.gid}`, '--clear-groups', '--', FORGER_BIN, 'listen', join(open, socketName), counted], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => squatter.stdout.once('data', () => resolve()));
      renameSync(join(open, socketName), join(runtime, socketName));
      const env = { PATH: process.env.PATH!, HOME: root, XDG_RUNTIME_DIR: root, XDG_STATE_HOME: join(root, 'state'), XDG_CONFIG_HOME: join(root, 'config'), NONO_DAEMON_BIN: '/nonexistent' };
      // The launcher finds no warm client of ours and becomes the Node client, which finds no daemon.
      const launcher = spawn(NONO_LAUNCHER, ['run', '--', 'true'], { cwd: root, env, stdio: 'ignore' });
      // The squatter writes what it got once the launcher has hung up on it.
      const killer = setTimeout(() => squatter.kill('SIGKILL'), 25_000);
      await new Promise((resolve) => squatter.on('close', resolve));
      clearTimeout(killer);
      launcher.kill('SIGKILL');
      expect(readFileSync(counted, 'utf8').trim()).toBe('0');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
