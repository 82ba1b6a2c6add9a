// A sandboxed process cannot signal or ptrace a process outside, nor connect to an abstract
// unix socket created outside (Landlock ABI 6 scoping plus its ptrace rules). Controls show
// the same probes succeed unsandboxed, so the denials are the sandbox's doing. Nor can it
// ptrace or stop the sandbox's own init, as root or as an unprivileged user, so `nono stop`
// still ends it with TERM, promptly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli, PROBE_BIN } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const ctx = usePrivateDaemon();
let victim: ChildProcess;
let abstract: Server;
let abstractConnections = 0;
const abstractName = `nono-test-${process.pid}`;

beforeAll(async () => {
  victim = spawn('sleep', ['1000'], { stdio: 'ignore' });
  abstract = createServer((s) => {
    abstractConnections++;
    s.destroy();
  });
  await new Promise<void>((resolve) => abstract.listen(`\0${abstractName}`, () => resolve()));
});
afterAll(async () => {
  victim.kill('SIGKILL');
  abstract.close();
});

const inside = (...args: string[]) => runCli(['run', '--read', join(PROBE_BIN, '..'), '--', PROBE_BIN, ...args], ctx.world);
const alive = (pid: number) => spawnSync('kill', ['-0', String(pid)]).status === 0;

describe('process boundary', () => {
  it('control: unsandboxed, the probe can signal and connect', () => {
    expect(spawnSync(PROBE_BIN, ['kill', String(victim.pid), '0']).status).toBe(0);
    expect(spawnSync(PROBE_BIN, ['abstract-connect', abstractName]).status).toBe(0);
  });

  it('cannot signal a process outside, which keeps running', async () => {
    const r = await inside('kill', String(victim.pid), '15');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/denied/);
    const shell = await runCli(['run', '--', 'sh', '-c', `kill -KILL ${victim.pid}`], ctx.world);
    expect(shell.code).not.toBe(0);
    expect(alive(victim.pid!)).toBe(true);
  });

  it('cannot signal the daemon', async () => {
    const r = await inside('kill', String(ctx.daemon.process.pid), '9');
    expect(r.code).toBe(1);
    expect(alive(ctx.daemon.process.pid!)).toBe(true);
  });

  it('cannot ptrace a process outside', async () => {
    const r = await inside('ptrace-attach', String(victim.pid));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/denied/);
    const status = spawnSync('grep', ['TracerPid', `/proc/${victim.pid}/status`], { encoding: 'utf8' }).stdout;
    expect(status).toMatch(/TracerPid:\s+0/);
  });

  // /proc/PID/environ and maps of a same-uid process outside stay readable on this kernel despite
  // Landlock's ptrace rules; only a private /proc in a PID namespace hides it (not built yet).
  it('cannot read the memory, fds or cwd of a process outside through /proc', async () => {
    for (const path of ['mem', 'fd/0', 'cwd/.', 'root/etc/hostname']) {
      const r = await inside('read-file', `/proc/${victim.pid}/${path}`);
      expect(r.code, path).toBe(1);
    }
  });

  it('cannot connect to an abstract unix socket created outside', async () => {
    const before = abstractConnections;
    const r = await inside('abstract-connect', abstractName);
    expect(r.code).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(abstractConnections).toBe(before);
  });

  it('can still signal its own children', async () => {
    const r = await runCli(['run', '--', 'sh', '-c', 'sleep 100 & kill $!; wait $!; echo status=$?'], ctx.world);
    expect(r.stdout).toBe('status=143\n');
  });

  it('cannot push keystrokes into its terminal (TIOCSTI)', async () => {
    const r = await inside('tiocsti');
    expect(r.code).toBe(1);
  });
});

// Init forwards the signals that stop a session; frozen under ptrace, it would forward none.
describe.each([
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser],
] as const)('the sandbox\'s init, as %s', (_label, who) => {
  const as = who?.();
  const own = usePrivateDaemon(as ? { as, world: { owner: as } } : {});
  const cli = (...args: string[]) => runCli(args, own.world, as ? { as } : {});
  const probe = (...args: string[]) => cli('run', '--read', dirname(PROBE_BIN), '--', PROBE_BIN, ...args);

  it('cannot be ptraced from inside', async () => {
    const r = await probe('ptrace-attach', '1');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/denied/);
  });

  it('cannot be signalled to a stop from inside, and the command still ends normally', async () => {
    const r = await probe('kill', '1', '19');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/denied/);
    const shell = await cli('run', '--', 'sh', '-c', 'kill -STOP 1; echo after=$?');
    expect(shell.code).toBe(0);
    expect(shell.stdout).toMatch(/^after=[1-9]/);
  });

  it('still ends with TERM on nono stop after the command tried to freeze it', async () => {
    const name = `freeze-${as ? 'user' : 'root'}`;
    await cli('run', '--name', name, '--detached', '--read', dirname(PROBE_BIN), '--', 'sh', '-c', `${PROBE_BIN} ptrace-hold 1 & ${PROBE_BIN} kill 1 19; exec sleep 1000`);
    const deadline = Date.now() + 10_000;
    let attempts: string[] = [];
    while (attempts.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      attempts = (await cli('logs', name)).stdout.split(/\r?\n/).filter((l) => /^(ok|denied)/.test(l));
    }
    expect(attempts).toHaveLength(2);
    expect(attempts.every((l) => l.startsWith('denied')), attempts.join('; ')).toBe(true);
    const started = Date.now();
    const stopped = await cli('stop', name, '--timeout', '5');
    // stop sends TERM, which init forwards (143). A frozen init would forward nothing, and only
    // the KILL after the timeout would end the command (137).
    expect(stopped.stdout).toMatch(/code 143\)/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
