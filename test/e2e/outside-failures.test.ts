// Failures from outside nono (a full disk under its state dir) get their own error kind and one
// line naming the path, never "internal error"; the daemon keeps serving, and works again once
// the user has made room.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

let world: TestWorld;
let daemon: RunningDaemon;
let state: string;

beforeAll(async () => {
  world = createWorld();
  state = world.env.XDG_STATE_HOME!;
  mkdirSync(state, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', state]);
  daemon = await startDaemon(world);
});
afterAll(async () => {
  await daemon?.stop();
  await runCli(['daemon', 'stop'], world);
  for (let i = 0; i < 20; i++) {
    try {
      execFileSync('umount', [state], { stdio: 'ignore' });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  world?.cleanup();
});

describe('a full disk under the state dir', () => {
  it('fails nono run with DISK_FULL naming the path, keeps the daemon serving, and recovers once there is room', async () => {
    expect((await runCli(['run', '--', 'true'], world)).code).toBe(0);
    const filler = join(state, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M', 'count=16'], { stdio: 'ignore' });
    } catch {
      // dd stops at the full disk, which is the point.
    }
    const full = await runCli(['run', '--json', '--', 'sh', '-c', 'echo hi'], world);
    expect(full.code).toBe(125);
    const { error } = JSON.parse(full.stderr.trim());
    expect(error.kind).toBe('DISK_FULL');
    expect(error.message).toContain(state);
    expect((await runCli(['ps'], world)).code).toBe(0);
    // Its own log cannot be written either: it must still stop when asked, not spin on that.
    expect((await runCli(['daemon', 'stop'], world)).code).toBe(0);
    const deadline = Date.now() + 5_000;
    while (daemon.process.exitCode === null && daemon.process.signalCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(daemon.process.exitCode).toBe(0);
    rmSync(filler);
    writeFileSync(join(state, 'room'), '');
    const again = await runCli(['run', '--', 'sh', '-c', 'echo hi'], world);
    expect(again.stdout).toBe('hi\n');
  });
});
