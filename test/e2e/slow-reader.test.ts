// A `nono run` on pipes whose reader is slower than its command (`nono run -- yes | less`):
// the command waits for the reader, as under any pipe, instead of nonod holding its output
// (it held all of it: ~120 MB a second here, through the launcher without bound, through the
// Node client until the connection's 64 MiB limit dropped it and hung the session up). Every
// byte still arrives, in order, once the reader reads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { NONO_BIN, NONO_LAUNCHER, runCommand } from '../support/run-cli.js';

const ctx = usePrivateDaemon();
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe.each([
  ['the launcher (nonod serves the run)', NONO_LAUNCHER],
  ['the Node client', `${process.execPath} ${NONO_BIN}`],
])('a slow reader of a nono run through %s', (_how, nono) => {
  it('holds the command back rather than its output in nonod, and loses no byte', async () => {
    await runCommand([...nono.split(' '), 'run', '--', 'true'], ctx.world);
    const pid = ctx.daemon.process.pid!;
    const before = rssMb(pid);
    // 100 MB the reader leaves unread for 3 s, then counts; nonod is weighed meanwhile.
    const run = runCommand(['bash', '-c', `${nono} run -- sh -c 'yes | head -c 100000000' | (sleep 3; wc -c)`], ctx.world, { timeoutMs: 60_000 });
    let peak = before;
    const deadline = Date.now() + 2500;
    while (Date.now() < deadline) {
      peak = Math.max(peak, rssMb(pid));
      await new Promise((r) => setTimeout(r, 100));
    }
    const result = await run;
    expect(result.stdout.trim()).toBe('100000000');
    expect(result.code).toBe(0);
    expect(peak - before).toBeLessThan(40);
  }, 90_000);
});

describe('a paced run that is detached', () => {
  it('lets the command go on to its log once no client is left to pace it', async () => {
    // run.sock listens from the command line's first connection on: this run goes through it.
    await runCommand([NONO_LAUNCHER, 'run', '--', 'true'], ctx.world);
    // Named, so it outlives its client; its reader never reads, so the command is held back.
    const reader = runCommand(['bash', '-c', `${NONO_LAUNCHER} run --name paced -- sh -c 'yes | head -c 20000000' | sleep 25`], ctx.world, { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 2000));
    const state = async () => (JSON.parse((await runCommand([NONO_LAUNCHER, 'ps', '--json', '--all'], ctx.world)).stdout) as { name: string; state: string }[]).find((s) => s.name === 'paced')?.state;
    expect(await state()).toBe('running');
    expect((await runCommand([NONO_LAUNCHER, 'detach', 'paced'], ctx.world)).code).toBe(0);
    // Well before its reader (and so its launcher) ends: the detach itself lets it go on.
    const deadline = Date.now() + 10_000;
    while ((await state()) === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await state()).toBe('exited');
    await reader;
  }, 60_000);
});

