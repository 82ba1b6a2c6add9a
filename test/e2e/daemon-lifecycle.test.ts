// The client starts the daemon on demand; `nono daemon start|stop|status` manage it; the
// daemon leaves no socket, secret or lock behind when stopped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { NONOD_BIN, runCli } from '../support/run-cli.js';

/** Exited, even if nobody has reaped it yet (the CLI that started it is gone). */
const zombie = (pid: number): boolean => {
  try {
    return / [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').slice(-200).replace(/^.*\)/, ''));
  } catch {
    return true;
  }
};
async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (!zombie(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return zombie(pid);
}

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

  it('binds its socket again when someone removes it, keeping its sessions; daemon stop still stops it', async () => {
    await runCli(['run', '--name', 'survivor', '--detached', '--', 'sleep', '1000'], world);
    const pid = JSON.parse((await runCli(['daemon', 'status', '--json'], world)).stdout).pid as number;
    rmSync(world.socketPath);
    const started = Date.now();
    const ps = await runCli(['ps'], world);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(ps.stdout).toMatch(/survivor .*running/);
    expect(JSON.parse((await runCli(['daemon', 'status', '--json'], world)).stdout).pid).toBe(pid);
    // The whole runtime dir, secret and lock included: put back, same secret, no second daemon.
    rmSync(dirname(world.socketPath), { recursive: true });
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await runCli(['ps'], world)).stdout).toMatch(/survivor .*running/);
    expect(JSON.parse((await runCli(['daemon', 'status', '--json'], world)).stdout).pid).toBe(pid);
    const stop = await runCli(['daemon', 'stop'], world);
    expect(stop.code, stop.stderr).toBe(0);
    expect(await gone(pid)).toBe(true);
  });

  it('waits for a daemon that is slow to start instead of giving up at 10 s, and leaves one daemon', async () => {
    const slow = join(world.root, 'slow-nonod.mjs');
    writeFileSync(slow, `await new Promise((r) => setTimeout(r, 11_000));\nawait import(${JSON.stringify(NONOD_BIN)});\n`);
    const clients = await Promise.all([1, 2].map(() => runCli(['ps'], world, { env: { NONO_DAEMON_BIN: slow }, timeoutMs: 40_000 })));
    for (const r of clients) expect(r.code, r.stderr).toBe(0);
    // Both clients may have started one; the one that lost the lock says so and exits.
    const deadline = Date.now() + 5_000;
    let alive: string[] = [];
    do {
      await new Promise((r) => setTimeout(r, 100));
      alive = execFileSync('pgrep', ['-f', slow], { encoding: 'utf8' }).trim().split('\n').filter((pid) => !zombie(Number(pid)));
    } while (alive.length > 1 && Date.now() < deadline);
    expect(alive).toHaveLength(1);
    await runCli(['daemon', 'stop'], world);
  }, 60_000);

  it.each([
    ['truncated', (db: string) => truncateSync(db, 100)],
    ['foreign', (db: string) => {
      rmSync(db);
      execFileSync('sqlite3', [db, 'CREATE TABLE recipes (name TEXT);']);
    }],
  ])('names a %s nono.db (DATABASE_CORRUPT) and moves it aside on request, never deleting it', async (_what, damage) => {
    await runCli(['daemon', 'stop'], world);
    const db = join(world.env.XDG_STATE_HOME!, 'nono', 'nono.db');
    for (const suffix of ['-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
    damage(db);
    const r = await runCli(['ps', '--json'], world);
    expect(r.code).not.toBe(0);
    expect(JSON.parse(r.stderr.trim()).error).toMatchObject({ kind: 'DATABASE_CORRUPT', message: expect.stringContaining(db) });
    const doctor = await runCli(['doctor'], world);
    expect(doctor.stderr).toMatch(/nono doctor --move-database/);
    const moved = await runCli(['doctor', '--move-database', '--json'], world);
    expect(moved.code, moved.stderr).toBe(0);
    const [aside] = JSON.parse(moved.stdout).moved as string[];
    expect(existsSync(aside!)).toBe(true);
    expect((await runCli(['ps'], world)).code).toBe(0);
  });

  it('stops and removes its socket and secret', async () => {
    await runCli(['daemon', 'start'], world);
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
