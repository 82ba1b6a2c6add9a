// nonod SIGKILLed at seeded points while `nono snapshot create` runs (listing, copying objects
// in the worker pool, the syncs, renaming objects into place, writing the manifest and the
// stat cache). After a restart the snapshot either exists whole or not at all, every stored
// object still hashes to its name, and nothing a later snapshot would trust is half written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  FAULT_SEED,
  faultPoints,
  fingerprint,
  inspectStore,
  jsonError,
  killSchedule,
  recordOutcome,
  restartDaemon,
  type Window,
} from './fault-support.js';

const POINTS = killSchedule('snapshot-create', faultPoints(6));
let world: TestWorld;
let daemon: RunningDaemon;
let opWindow: Window = { fromMs: 0, toMs: 0 };
const tree = () => join(world.work, 'tree');

async function snapshotIds(): Promise<string[]> {
  const r = await runCli(['snapshot', 'list', '--json'], world);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { id: string }[]).map((s) => s.id);
}

beforeAll(async () => {
  world = createWorld();
  daemon = await startDaemon(world, { daemon: {} });
  buildTree(tree(), 'calibration');
  const { window: measured, result } = await calibrate(world, ['snapshot', 'create', tree(), '--json']);
  expect(result.code, result.stderr).toBe(0);
  opWindow = measured;
});

afterAll(() => closeWorld(world, daemon));

describe(`snapshot create killed at seeded points (seed ${FAULT_SEED})`, () => {
  it.each(POINTS.map((fraction, point) => [point, fraction] as const))('point %i: whole snapshot or none, store clean', async (point, fraction) => {
    const delayMs = delayOf(fraction, opWindow);
    buildTree(tree(), `seed ${FAULT_SEED} point ${point}`);
    const before = fingerprint(tree());
    const idsBefore = await snapshotIds();

    const cli = await crashDuring(world, daemon, ['snapshot', 'create', tree(), '--json'], delayMs);
    daemon = await restartDaemon(world);

    // A snapshot reads the tree; it never changes it.
    expect(fingerprint(tree())).toEqual(before);
    const added = (await snapshotIds()).filter((id) => !idsBefore.includes(id));
    expect(added.length).toBeLessThanOrEqual(1);
    if (cli.code === 0) {
      // What the CLI reported as taken must have survived the crash.
      const { snapshot } = JSON.parse(cli.stdout) as { snapshot: { id: string } };
      expect(added).toEqual([snapshot.id]);
    } else {
      const error = jsonError(cli);
      expect(error.kind).toBe('DAEMON_UNREACHABLE');
      expect(error.message).toMatch(/snapshot\.create: the connection to nonod closed before it answered|nonod/);
    }
    if (added.length === 1) {
      const diff = await runCli(['snapshot', 'diff', added[0]!, '--json'], world);
      expect(diff.code, diff.stderr).toBe(0);
      expect(JSON.parse(diff.stdout).changes).toEqual([]);
    }
    const verify = await runCli(['snapshot', 'verify'], world);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const damage = inspectStore(world);
    expectWholeStore(damage);
    recordOutcome({
      operation: 'snapshot-create',
      seed: FAULT_SEED,
      point,
      delayMs,
      state: added.length === 1 ? 'after' : 'before',
      detail: `${damage.incoming.length} abandoned objects in incoming/`,
      abandonedTemps: damage.abandonedTemps,
    });
  });

  it('gc clears the copies crashed snapshots abandoned, and a new snapshot is whole', async () => {
    const gc = await runCli(['snapshot', 'gc', '--json'], world);
    expect(gc.code, gc.stderr).toBe(0);
    const damage = inspectStore(world);
    expect(damage.incoming).toEqual([]);
    expectWholeStore(damage);
    buildTree(tree(), 'after the crashes');
    const created = await runCli(['snapshot', 'create', tree(), '--json'], world);
    expect(created.code, created.stderr).toBe(0);
    expect((await runCli(['snapshot', 'verify'], world)).code).toBe(0);
  });
});
