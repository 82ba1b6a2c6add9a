// Twenty sessions on one daemon (bench/scale-sessions.mjs runs 250 and times them): all listed
// as running, and stopping each with `nono stop` leaves no process the daemon started behind,
// neither helper nor command nor the printing loops' children. (The warm clients it keeps for the
// `nono` launcher are its children too, and stay while it runs: they are left out.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';
// @ts-expect-error: plain JavaScript shared with the scale bench, which reads the same tree.
import { descendants, survivors } from '../../bench/support/process-tree.mjs';

interface Process {
  pid: number;
  start: string;
  comm: string;
}

const ctx = usePrivateDaemon();

function isWarmClient(p: Process): boolean {
  try {
    return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes('warm-client.cjs');
  } catch {
    return false;
  }
}
const IDLE = 15;
const PRINTING = 5;

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

describe('twenty sessions', () => {
  it('all run at once, and stopping them all leaves no process behind', async () => {
    const names = [...Array.from({ length: IDLE }, (_, i) => `idle-${i}`), ...Array.from({ length: PRINTING }, (_, i) => `tick-${i}`)];
    await inBatches(names, 4, async (name) => {
      const command = name.startsWith('idle') ? ['sleep', '3600'] : ['sh', '-c', 'while :; do echo tick; sleep 0.1; done'];
      const r = await runCli(['run', '-d', '--name', name, '--', ...command], ctx.world);
      expect(r.code, r.stderr).toBe(0);
    });
    const ps = await runCli(['ps', '--json'], ctx.world);
    const running = (JSON.parse(ps.stdout) as { name: string; state: string }[]).filter((s) => s.state === 'running').map((s) => s.name);
    expect(running.sort()).toEqual([...names].sort());

    const daemonPid = ctx.daemon.process.pid!;
    const tree = (descendants(daemonPid) as Process[]).filter((p) => !isWarmClient(p));
    // At least a helper and the command per session.
    expect(tree.length).toBeGreaterThanOrEqual(2 * names.length);
    expect(tree.filter((p) => p.comm === 'sleep').length).toBeGreaterThanOrEqual(IDLE);

    await inBatches(names, 4, async (name) => {
      const r = await runCli(['stop', '--timeout', '5', name], ctx.world);
      expect(r.code, r.stderr).toBe(0);
    });
    let left: Process[] = [];
    for (let waited = 0; waited < 5_000; waited += 100) {
      left = [...(survivors(tree) as Process[]), ...(descendants(daemonPid) as Process[]).filter((p) => !isWarmClient(p))];
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toEqual([]);
  }, 90_000);
});
