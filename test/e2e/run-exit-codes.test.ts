// `nono run` passes the child's fate through: its exit code, 128+N for a signal, 127 and 126
// for a missing or non-executable command, 125 when the sandbox cannot be applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

let world: TestWorld;
let daemon: RunningDaemon;

beforeAll(async () => {
  world = createWorld();
  daemon = await startDaemon(world);
});
afterAll(async () => {
  await daemon.stop();
  world.cleanup();
});

describe('exit codes of nono run', () => {
  it('passes the exit code through', async () => {
    const r = await runCli(['run', '--', 'sh', '-c', 'exit 3'], world);
    expect(r.code).toBe(3);
  });

  it('reports death by signal N as 128+N', async () => {
    const r = await runCli(['run', '--', 'sh', '-c', 'kill -TERM $$'], world);
    expect(r.code).toBe(143);
  });

  it('gives 127 for a command that does not exist', async () => {
    const r = await runCli(['run', '--', 'no-such-command-xyz'], world);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/command not found: no-such-command-xyz/);
  });

  it('gives 126 for a file that is not executable', async () => {
    const script = join(world.work, 'not-exec.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const r = await runCli(['run', '--allow-cwd', '--', script], world);
    expect(r.code).toBe(126);
  });

  it('keeps stdout and stderr apart and forwards stdin when not on a terminal', async () => {
    const r = await runCli(['run', '--', 'sh', '-c', 'cat; echo err >&2'], world, { input: 'piped input\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('piped input\n');
    expect(r.stderr).toBe('err\n');
  });

  it('gives a one-line error naming a missing --allow path, exit 125', async () => {
    const r = await runCli(['run', '--allow', '/no/such/dir', '--', 'true'], world);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/\/no\/such\/dir does not exist/);
  });

  it('prints the resolved plan with --dry-run and runs nothing', async () => {
    const marker = join(world.work, 'dry-run-marker');
    const r = await runCli(['run', '--allow-cwd', '--net-block', '--dry-run', '--json', '--', 'touch', marker], world);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.network).toBe('block');
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: world.work, access: 'readwrite', source: '--allow-cwd' }));
    expect(plan.denied.map((d: { path: string }) => d.path)).toContain(join(world.home, '.ssh'));
    const human = await runCli(['run', '--allow-cwd', '--dry-run', '--', 'true'], world);
    expect(human.stdout).toMatch(/Grants/);
    expect(human.stdout).not.toMatch(/\x1b\[/);
  });
});

describe('a sandbox the kernel cannot give', () => {
  let oldKernelWorld: TestWorld;
  let oldKernelDaemon: RunningDaemon;
  beforeAll(async () => {
    oldKernelWorld = createWorld();
    // The helper acts as on a Landlock ABI 3 kernel, which has no TCP rules.
    oldKernelDaemon = await startDaemon(oldKernelWorld, { env: { NONO_TEST_LANDLOCK_ABI_CAP: '3' } });
  });
  afterAll(async () => {
    await oldKernelDaemon.stop();
    oldKernelWorld.cleanup();
  });

  it('refuses with 125 and says what is missing rather than run less confined', async () => {
    const marker = join(oldKernelWorld.work, 'ran');
    const r = await runCli(['run', '--allow-cwd', '--net-block', '--', 'touch', marker], oldKernelWorld);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/needs Landlock ABI 4/);
    const { existsSync } = await import('node:fs');
    expect(existsSync(marker)).toBe(false);
  });
});
