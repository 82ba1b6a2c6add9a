// Writes failing with ENOSPC: the state dir on a small tmpfs (snapshot objects, SQLite, audit)
// and, separately, the tree being restored on one. Each failure is one line with a kind, the
// store and the tree hold nothing half written, nonod keeps answering, and once space is
// freed the same command succeeds (a restore finishing the journaled plan).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { expectWholeStore, fingerprint, inspectStore, jsonError, snapshotStore, sleep, treeTemps } from './fault-support.js';

const NO_SPACE = /ENOSPC|no space|disk is full/i;

/** A full disk reaches the user as DISK_FULL with a line naming it, never as an internal error. */
function expectDiskFull(error: { kind: string; message: string }): void {
  expect(error.kind).toBe('DISK_FULL');
  expect(error.message).toMatch(NO_SPACE);
}

function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
}

function unmount(dir: string): void {
  if (existsSync(dir)) execFileSync('umount', ['-l', dir]);
}

/** Fills what is left of the filesystem holding `dir`, leaving about `leaveKb` free. */
function fill(dir: string, leaveKb: number): string {
  const free = Number(execFileSync('df', ['--output=avail', '-k', dir], { encoding: 'utf8' }).trim().split('\n')[1]);
  const filler = join(dir, 'filler.bin');
  writeFileSync(filler, Buffer.alloc(Math.max(0, free - leaveKb) * 1024, 1));
  return filler;
}

describe('the state dir on a full filesystem', () => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  const state = () => join(world.root, 'state');
  const tree = () => join(world.work, 'big');

  beforeAll(async () => {
    world = createWorld();
    mountTmpfs(state(), '4m');
    daemon = await startDaemon(world, { daemon: {} });
  });

  afterAll(async () => {
    await daemon?.stop();
    if (world) unmount(state());
    world?.cleanup();
  });

  it('snapshot create fails in one line with a kind, leaves no object or temp file, and works once there is room', async () => {
    mkdirSync(tree(), { recursive: true });
    for (let i = 0; i < 6; i++) writeFileSync(join(tree(), `blob${i}.bin`), randomBytes(1024 * 1024));
    writeFileSync(join(tree(), 'small.txt'), 'small\n');
    const before = fingerprint(tree());

    const r = await runCli(['snapshot', 'create', tree(), '--json'], world);
    expect(r.code).toBe(1);
    expectDiskFull(jsonError(r));
    expect(fingerprint(tree())).toEqual(before);
    const damage = inspectStore(world);
    expect(damage.incoming).toEqual([]);
    expectWholeStore(damage);
    expect(JSON.parse((await runCli(['snapshot', 'list', '--json'], world)).stdout)).toEqual([]);
    expect((await runCli(['daemon', 'status', '--json'], world)).code).toBe(0);

    for (let i = 1; i < 6; i++) rmSync(join(tree(), `blob${i}.bin`));
    const again = await runCli(['snapshot', 'create', tree(), '--json'], world);
    expect(again.code, again.stderr).toBe(0);
    expect((await runCli(['snapshot', 'verify'], world)).code).toBe(0);
  });

  it('a session that ends while the state dir is full has its exit in the log once space is freed; one started then is refused in one line', async () => {
    const started = await runCli(['run', '-d', '--json', '--name', 'ends-while-full', '--', 'sleep', '3600'], world, { cwd: world.work });
    expect(started.code, started.stderr).toBe(0);
    const filler = fill(state(), 16);
    // Its end cannot be stored and its session.exit is appended while SQLite has no room (the
    // batch fails and stays queued); the stop must still be answered, not hang.
    const stop = await runCli(['stop', '--json', '--timeout', '2', 'ends-while-full'], world, { timeoutMs: 10_000 });
    expect(stop.code, stop.stderr).toBe(0);
    const refused = await runCli(['run', '--json', '--name', 'while-full', '--', 'true'], world, { cwd: world.work });
    expect(refused.code).not.toBe(0);
    expectDiskFull(jsonError(refused));
    rmSync(filler);

    let exits: unknown[] = [];
    for (let tries = 0; tries < 30 && exits.length === 0; tries++) {
      await sleep(100);
      const listed = await runCli(['audit', 'list', '--json', '--kind', 'session.exit', '--session', 'ends-while-full'], world);
      expect(listed.code, listed.stderr).toBe(0);
      exits = JSON.parse(listed.stdout) as unknown[];
    }
    expect(exits).toHaveLength(1);
    const verify = await runCli(['audit', 'verify', '--json'], world);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout).ok).toBe(true);
    const ps = JSON.parse((await runCli(['ps', '--all', '--json'], world)).stdout) as { name: string; state: string }[];
    expect(ps.find((s) => s.name === 'ends-while-full')?.state).not.toBe('running');
  });
});

describe('the tree being restored on a full filesystem', () => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  const disk = () => join(world.root, 'small-disk');
  const tree = () => join(disk(), 'tree');

  beforeAll(async () => {
    world = createWorld();
    mountTmpfs(disk(), '3m');
    daemon = await startDaemon(world, { daemon: {} });
  });

  afterAll(async () => {
    await daemon?.stop();
    if (world) unmount(disk());
    world?.cleanup();
  });

  it('restore stops in one line with a kind, leaves no temp file and a journal, and finishes once there is room', async () => {
    mkdirSync(join(tree(), 'src'), { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(join(tree(), 'src', `f${i}.txt`), `file ${i}\n`);
    writeFileSync(join(tree(), 'large.bin'), randomBytes(1024 * 1024));
    const after = fingerprint(tree());
    const created = await runCli(['snapshot', 'create', tree(), '--json'], world);
    expect(created.code, created.stderr).toBe(0);
    const id = (JSON.parse(created.stdout) as { snapshot: { id: string } }).snapshot.id;

    rmSync(join(tree(), 'large.bin'));
    for (let i = 0; i < 20; i += 2) writeFileSync(join(tree(), 'src', `f${i}.txt`), 'changed\n');
    // Outside the tree, so the restore cannot free it by deleting it.
    const filler = fill(disk(), 64);
    const before = fingerprint(tree());

    const r = await runCli(['snapshot', 'restore', id, '--json'], world);
    expect(r.code).toBe(1);
    expectDiskFull(jsonError(r));
    expect(treeTemps(tree())).toEqual([]);
    const journals = readdirSync(join(snapshotStore(world), 'journals'));
    const now = fingerprint(tree());
    // Not half old, half new with nothing to finish it: either untouched or journaled.
    if (now.join('\n') !== before.join('\n')) expect(journals).toHaveLength(1);
    expect((await runCli(['daemon', 'status', '--json'], world)).code).toBe(0);

    rmSync(filler);
    const again = await runCli(['snapshot', 'restore', id], world);
    expect(again.code, again.stderr).toBe(0);
    expect(fingerprint(tree())).toEqual(after);
    expect(readdirSync(join(snapshotStore(world), 'journals'))).toEqual([]);
    expect((await runCli(['snapshot', 'verify'], world)).code).toBe(0);
  });
});
