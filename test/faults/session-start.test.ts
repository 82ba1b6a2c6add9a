// nonod SIGKILLed at seeded points while `nono run -d` starts a session (policy, baseline
// snapshot with --snapshot, spec file, helper, namespaces, exec). After a restart no process
// of the session survives (helper, command), the store names the session lost or never had
// it, the CLI either reported the start or said in one line that nonod went away, and the
// snapshot store is as whole as after any other crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningDaemon } from '../support/daemon-process.js';
import { startDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import {
  buildTree,
  calibrate,
  closeWorld,
  crashDuring,
  expectWholeStore,
  delayOf,
  eventually,
  FAULT_SEED,
  faultPoints,
  inspectStore,
  jsonError,
  killSchedule,
  processesWith,
  recordOutcome,
  restartDaemon,
  type Window,
} from './fault-support.js';

const POINTS = killSchedule('session-start', faultPoints(6));
let world: TestWorld;
let daemon: RunningDaemon;
let opWindow: Window = { fromMs: 0, toMs: 0 };
const tree = () => join(world.work, 'tree');
// GNU sleep takes a fraction: a duration no other process on the machine has in its argv.
const marker = (point: number) => `3599.${String(FAULT_SEED % 100_000).padStart(5, '0')}${String(point).padStart(3, '0')}`;
const runArgs = (point: number) => ['run', '--name', `start-${point}`, '-d', '--json', '--allow-cwd', ...(point % 2 === 1 ? ['--snapshot'] : []), '--', 'sleep', marker(point)];

interface SessionRow {
  name: string | null;
  state: string;
}

beforeAll(async () => {
  world = createWorld();
  daemon = await startDaemon(world, { daemon: {} });
  buildTree(tree(), 'session start');
  expect((await runCli(['run', '--snapshot', '--allow-cwd', '--', 'true'], world, { cwd: tree() })).code).toBe(0);
  buildTree(tree(), 'calibration');
  const { window: measured, result } = await calibrate(world, ['run', '--name', 'calibrate', '-d', '--json', '--allow-cwd', '--snapshot', '--', 'true'], tree());
  expect(result.code, result.stderr).toBe(0);
  opWindow = measured;
});

afterAll(() => closeWorld(world, daemon));

describe(`session start killed at seeded points (seed ${FAULT_SEED})`, () => {
  it.each(POINTS.map((fraction, point) => [point, fraction] as const))('point %i: no process survives, the session is lost or absent', async (point, fraction) => {
    const delayMs = delayOf(fraction, opWindow);
    // New bytes each point, so a --snapshot start has a real baseline to take.
    buildTree(tree(), `seed ${FAULT_SEED} point ${point}`);
    const cli = await crashDuring(world, daemon, runArgs(point), delayMs, tree());
    const restarted = await restartDaemon(world);
    daemon = restarted;
    const rowsNamed = async () => {
      const ps = await runCli(['ps', '--all', '--json'], world);
      expect(ps.code, ps.stderr).toBe(0);
      return (JSON.parse(ps.stdout) as SessionRow[]).filter((s) => s.name === `start-${point}`);
    };
    let rows = await rowsNamed();
    const ranAfterRestart = rows.some((r) => r.state === 'running');
    if (ranAfterRestart) {
      // Killed before the CLI connected: it started nonod itself, as for any user, and the
      // session runs there. Only that can make it run; stopping it must leave nothing.
      expect(restarted.adopted, 'a session runs that no live daemon was asked to start').toBe(true);
      expect(cli.code, cli.stderr).toBe(0);
      expect((await runCli(['stop', `start-${point}`], world)).code).toBe(0);
      rows = await rowsNamed();
    }

    // The helper dies with nonod (PR_SET_PDEATHSIG) and the command with the helper's pid namespace.
    expect(await eventually(() => processesWith(marker(point)), (pids) => pids.length === 0)).toEqual([]);
    expect(await eventually(() => processesWith(world.root), (pids) => pids.length === 0)).toEqual([]);
    // No spec file is left for a session that no longer exists.
    expect(readdirSync(join(world.root, 'run', 'nono')).filter((n) => n.startsWith('spec-'))).toEqual([]);

    let state: string;
    if (ranAfterRestart) state = 'after, on the daemon the CLI started';
    else if (cli.code === 0) {
      // It was started, so the store must remember it, and as lost: its processes died with nonod.
      expect(rows.map((r) => r.state)).toEqual(['lost']);
      state = 'after';
    } else {
      const error = jsonError(cli);
      expect(error.kind).toBe('DAEMON_UNREACHABLE');
      expect(rows.every((r) => r.state === 'lost')).toBe(true);
      state = rows.length === 0 ? 'before' : 'lost while starting';
    }
    // A crash during the baseline snapshot leaves the store as whole as any other crash.
    const damage = inspectStore(world);
    expectWholeStore(damage);
    const verify = await runCli(['snapshot', 'verify'], world);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    // The name is free again: a lost session does not hold it.
    const again = await runCli(['run', '--name', `start-${point}`, '--allow-cwd', '--', 'true'], world, { cwd: tree() });
    expect(again.code, again.stderr).toBe(0);
    recordOutcome({ operation: 'session-start', seed: FAULT_SEED, point, delayMs, state, abandonedTemps: damage.abandonedTemps });
  });
});
