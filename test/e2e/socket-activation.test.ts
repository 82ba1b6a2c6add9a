// systemd socket activation, with systemd's own activator standing in for the user manager:
// the first client's connection starts nonod on the inherited socket, which nonod must serve
// as it is (same inode), and leave in place when it stops so the next client starts it again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { waitForSocket } from '../support/daemon-process.js';
import { NONOD_BIN, runCli } from '../support/run-cli.js';

let world: TestWorld;
let activator: ChildProcess;

beforeAll(async () => {
  world = createWorld();
  mkdirSync(dirname(world.socketPath), { recursive: true, mode: 0o700 });
  const pass = Object.keys(world.env).flatMap((name) => ['-E', name]);
  activator = spawn('systemd-socket-activate', [...pass, '-l', world.socketPath, process.execPath, NONOD_BIN], { env: world.env, stdio: 'ignore' });
  await waitForSocket(world.socketPath);
});
afterAll(() => {
  activator?.kill('SIGKILL');
  world?.cleanup();
});

describe('socket activation', () => {
  it('starts nonod on the first connection and serves on the inherited socket', async () => {
    const before = statSync(world.socketPath).ino;
    const r = await runCli(['run', '--', 'echo', 'activated'], world);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('activated\n');
    expect(statSync(world.socketPath).ino).toBe(before);
  });

  it('leaves the socket to systemd when it stops, but not the secret', async () => {
    const stopped = await runCli(['daemon', 'stop'], world);
    expect(stopped.code).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(world.socketPath)).toBe(true);
    expect(existsSync(world.secretPath)).toBe(false);
  });
});
