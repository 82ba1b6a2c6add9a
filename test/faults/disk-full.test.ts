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

/**
 * DISK_FULL is being added to the snapshot code. Until a full disk reaches the user as that,
 * it arrives as INTERNAL with the generic line, which is pinned here so that either change
 * shows up in this file; once DISK_FULL exists, INTERNAL should be dropped from the list.
 */
function expectDiskFull(error: { kind: string; message: string }): void {
  expect(['DISK_FULL', 'INTERNAL']).toContain(error.kind);
  if (error.kind === 'DISK_FULL') expect(error.message).toMatch(NO_SPACE);
  else expect(error.message).toBe('internal error in nonod; see the daemon log (nonod.log in the state dir)');
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

  it('sessions run while the state dir is full lose no audit event once space is freed, and the chain verifies', async () => {
    const filler = fill(state(), 16);
    const results = [];
    for (const n of [1, 2, 3]) results.push(await runCli(['run', '--json', '--name', `full-${n}`, '--', 'true'], world, { cwd: world.work }));
    // Each either ran (SQLite had a page to spare) or said why in one line with a kind.
    for (const r of results) if (r.code !== 0) expectDiskFull(jsonError(r));
    rmSync(filler);
    const started = results.filter((r) => r.code === 0).length;
    // A batch that failed to flush stays queued and is retried; give it a few intervals to land.
    let exits = 0;
    for (let tries = 0; tries < 20; tries++) {
      exits = (JSON.parse((await runCli(['audit', 'list', '--json', '--kind', 'session.exit'], world)).stdout) as unknown[]).length;
      if (exits >= started) break;
      await sleep(100);
    }
    expect(exits).toBeGreaterThanOrEqual(started);
    const verify = await runCli(['audit', 'verify', '--json'], world);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout).ok).toBe(true);
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
