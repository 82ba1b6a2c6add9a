// What the daemon says of the warm clients it keeps for the `nono` launcher (daemon.status).
import { expect } from 'vitest';
import { runCli } from './run-cli.js';
import type { TestWorld } from './sandbox-env.js';

export interface WarmClientCounts {
  starting: number;
  waiting: number;
  served: number;
}

export async function warmClients(world: TestWorld, as?: { uid: number; gid: number }): Promise<WarmClientCounts> {
  const status = await runCli(['daemon', 'status', '--json'], world, as ? { as } : {});
  expect(status.code, status.stderr).toBe(0);
  return (JSON.parse(status.stdout) as { warmClients: WarmClientCounts }).warmClients;
}

/** The command line's connection starts one: waits until it is there to take the launcher's next command. */
export async function warmClientWaiting(world: TestWorld, as?: { uid: number; gid: number }): Promise<WarmClientCounts> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const counts = await warmClients(world, as);
    if (counts.waiting > 0) return counts;
    if (Date.now() > deadline) throw new Error('no warm client started');
    await new Promise((r) => setTimeout(r, 100));
  }
}
