// nonod SIGKILLed at seeded points while `nono snapshot restore ID` and `nono session rollback
// NAME` run (planning, writing the journal, deleting, writing objects beside their targets,
// renaming them in, chmods). After a restart the tree is exactly as before, exactly as the
// snapshot had it, or (an interrupted restore, journaled) the CLI told the user to run the same
// command again, and running it again gives exactly the snapshot's tree, with no temp file left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningDaemon } from '../support/daemon-process.js';
import { startDaemon } from '../support/daemon-process.js';
import { runCli, type CliResult } from '../support/run-cli.js';
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
  snapshotStore,
  treeTemps,
  type Window,
} from './fault-support.js';

let world: TestWorld;
let daemon: RunningDaemon;
const tree = () => join(world.work, 'tree');

/**
 * What an agent might do to the tree: rewrite, delete, add, chmod files, retarget a link,
 * remove a directory. Not chmod a directory that has files: snapshots record the modes of
 * files and empty directories only (docs/snapshots.md), so no restore puts such a mode back.
 */
const AGENT_SCRIPT = [
  'for f in d0/*.txt d1/*.txt d2/*.txt d5/*.txt d8/*.txt; do echo agent >> "$f"; done',
  'rm -f d3/*.txt d4/f4.txt',
  'mkdir -p new/deeper && for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo "$i" > new/deeper/n$i; done',
  'chmod 600 d7/*.txt',
  'rm link-to-f0 && ln -s d9/f9.txt link-to-f0',
  'rmdir empty',
  'head -c 300000 /dev/urandom > big1.bin',
].join('; ');

function applyAgentChanges(dir: string): void {
  for (const d of [0, 1, 2, 5, 8]) for (const name of readdirSync(join(dir, `d${d}`))) writeFileSync(join(dir, `d${d}`, name), 'agent\n', { flag: 'a' });
  for (const name of readdirSync(join(dir, 'd3'))) rmSync(join(dir, 'd3', name));
  rmSync(join(dir, 'd4', 'f4.txt'));
  mkdirSync(join(dir, 'new', 'deeper'), { recursive: true });
  for (let i = 1; i <= 20; i++) writeFileSync(join(dir, 'new', 'deeper', `n${i}`), `${i}\n`);
  for (const name of readdirSync(join(dir, 'd7'))) chmodSync(join(dir, 'd7', name), 0o600);
  rmSync(join(dir, 'link-to-f0'));
  symlinkSync('d9/f9.txt', join(dir, 'link-to-f0'));
  rmSync(join(dir, 'empty'), { recursive: true });
  writeFileSync(join(dir, 'big1.bin'), Buffer.alloc(300_000, 'x'));
}

const journals = () => {
  const dir = join(snapshotStore(world), 'journals');
  return existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : [];
};

/**
 * The checks after a crash in a restore of the tree to `after` from `before`; `again` runs the
 * same command a second time, as the CLI tells the user to. Returns which state the crash left.
 */
async function checkRestoreCrash(cli: CliResult, before: string[], after: string[], again: () => Promise<CliResult>, command: RegExp): Promise<string> {
  const now = fingerprint(tree());
  const interrupted = journals().length > 0;
  let state = now.join('\n') === after.join('\n') ? 'after' : now.join('\n') === before.join('\n') ? 'before' : 'partial';
  // A tree in between is only ever one the journal can finish.
  if (state === 'partial') expect(interrupted, `half-restored tree with no journal:\n${now.join('\n')}`).toBe(true);
  if (cli.code !== 0) {
    const error = jsonError(cli);
    expect(error.kind).toBe('DAEMON_UNREACHABLE');
    // Where the user must act, the CLI says what to run.
    if (interrupted) expect(error.message).toMatch(command);
  } else {
    expect(interrupted).toBe(false);
    expect(state).toBe('after');
  }
  if (interrupted || state !== 'after') {
    const rerun = await again();
    expect(rerun.code, rerun.stderr).toBe(0);
    if (interrupted) state = `resumed from ${state}`;
  }
  expect(fingerprint(tree())).toEqual(after);
  expect(treeTemps(tree())).toEqual([]);
  expect(journals()).toEqual([]);
  const verify = await runCli(['snapshot', 'verify'], world);
  expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  expectWholeStore(inspectStore(world));
  return state;
}

beforeAll(async () => {
  world = createWorld();
  daemon = await startDaemon(world, { daemon: {} });
});

afterAll(() => closeWorld(world, daemon));

describe(`snapshot restore killed at seeded points (seed ${FAULT_SEED})`, () => {
  const points = killSchedule('snapshot-restore', faultPoints(5));
  let id = '';
  let after: string[] = [];
  let opWindow: Window = { fromMs: 0, toMs: 0 };

  beforeAll(async () => {
    buildTree(tree(), 'restore target');
    after = fingerprint(tree());
    const created = await runCli(['snapshot', 'create', tree(), '--json'], world);
    expect(created.code, created.stderr).toBe(0);
    id = (JSON.parse(created.stdout) as { snapshot: { id: string } }).snapshot.id;
    applyAgentChanges(tree());
    const { window: measured, result } = await calibrate(world, ['snapshot', 'restore', id, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(fingerprint(tree())).toEqual(after);
    opWindow = measured;
  });

  it.each(points.map((fraction, point) => [point, fraction] as const))('point %i: before, after, or finished by running it again', async (point, fraction) => {
    applyAgentChanges(tree());
    const before = fingerprint(tree());
    const delayMs = delayOf(fraction, opWindow);
    const cli = await crashDuring(world, daemon, ['snapshot', 'restore', id, '--json'], delayMs);
    daemon = await restartDaemon(world);
    const state = await checkRestoreCrash(cli, before, after, () => runCli(['snapshot', 'restore', id], world), new RegExp(`run nono snapshot restore ${id} again`));
    recordOutcome({ operation: 'snapshot-restore', seed: FAULT_SEED, point, delayMs, state });
  });
});

describe(`session rollback killed at seeded points (seed ${FAULT_SEED})`, () => {
  const points = killSchedule('session-rollback', faultPoints(3));
  let after: string[] = [];
  let opWindow: Window = { fromMs: 0, toMs: 0 };

  async function agentSession(name: string): Promise<void> {
    const r = await runCli(['run', '--name', name, '--snapshot', '--allow-cwd', '--', 'sh', '-c', AGENT_SCRIPT], world, { cwd: tree() });
    expect(r.code, r.stderr).toBe(0);
  }

  beforeAll(async () => {
    buildTree(tree(), 'rollback target');
    after = fingerprint(tree());
    await agentSession('calibrate');
    const { window: measured, result } = await calibrate(world, ['session', 'rollback', 'calibrate', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(fingerprint(tree())).toEqual(after);
    opWindow = measured;
  });

  it.each(points.map((fraction, point) => [point, fraction] as const))('point %i: before, after, or finished by running it again', async (point, fraction) => {
    const name = `agent-${point}`;
    await agentSession(name);
    const before = fingerprint(tree());
    const delayMs = delayOf(fraction, opWindow);
    const cli = await crashDuring(world, daemon, ['session', 'rollback', name, '--json'], delayMs);
    daemon = await restartDaemon(world);
    const state = await checkRestoreCrash(cli, before, after, () => runCli(['session', 'rollback', name], world), new RegExp(`run nono session rollback ${name} again`));
    recordOutcome({ operation: 'session-rollback', seed: FAULT_SEED, point, delayMs, state });
  });
});
