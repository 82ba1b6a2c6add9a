// The client starts the daemon on demand; `nono daemon start|stop|status` manage it; the
// daemon leaves no socket, secret or lock behind when stopped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { runCli } from '../support/run-cli.js';

let world: TestWorld;
beforeAll(() => {
  world = createWorld();
});
afterAll(async () => {
  await runCli(['daemon', 'stop'], world);
  world.cleanup();
});

describe('daemon lifecycle', () => {
  it('reports not running before anything started it', async () => {
    const r = await runCli(['daemon', 'status'], world);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not running/);
  });

  it('is started on demand by nono run, with private runtime files', async () => {
    const r = await runCli(['run', '--', 'echo', 'started'], world);
    expect(r.stdout).toBe('started\n');
    expect(r.code).toBe(0);
    expect(statSync(world.socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(world.secretPath).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(world.socketPath)).mode & 0o777).toBe(0o700);
  });

  it('answers status in JSON with the kernel features', async () => {
    const r = await runCli(['daemon', 'status', '--json'], world);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status.sandbox.landlock.abi).toBeGreaterThanOrEqual(1);
    expect(status.socket).toBe(world.socketPath);
  });

  it('lists the sessions it ran from SQLite', async () => {
    const { NonoClient } = await import('../../client/dist/index.js');
    const client = await NonoClient.connect({ env: world.env, autoStart: false });
    const { sessions } = await client.call('session.list', {});
    client.close();
    expect(sessions[0]).toMatchObject({ argv: ['echo', 'started'], state: 'exited', exitCode: 0 });
  });

  it('recovers from a daemon killed with SIGKILL: the next run starts a fresh one', async () => {
    const before = JSON.parse((await runCli(['daemon', 'status', '--json'], world)).stdout).pid as number;
    process.kill(before, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    const r = await runCli(['run', '--', 'echo', 'again'], world);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('again\n');
    const after = JSON.parse((await runCli(['daemon', 'status', '--json'], world)).stdout).pid as number;
    expect(after).not.toBe(before);
  });

  it('stops and removes its socket and secret', async () => {
    const r = await runCli(['daemon', 'stop'], world);
    expect(r.code).toBe(0);
    expect(existsSync(world.socketPath)).toBe(false);
    expect(existsSync(world.secretPath)).toBe(false);
  });

  it('prints its version and help', async () => {
    expect((await runCli(['--version'], world)).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    for (const args of [['--help'], ['run', '--help'], ['daemon', 'start', '--help']]) {
      const r = await runCli(args, world);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: nono/);
    }
  });
});
