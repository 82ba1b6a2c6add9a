// `nono run` passes the child's fate through: its exit code, 128+N for a signal, 127 and 126
// for a missing or non-executable command, 125 when the sandbox cannot be applied.
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon();

describe('exit codes of nono run', () => {
  it('passes the exit code through', async () => {
    const r = await runCli(['run', '--', 'sh', '-c', 'exit 3'], ctx.world);
    expect(r.code).toBe(3);
  });

  it('reports death by signal N as 128+N', async () => {
    const r = await runCli(['run', '--', 'sh', '-c', 'kill -TERM $$'], ctx.world);
    expect(r.code).toBe(143);
  });

  it('reports SIGKILL, which cannot be caught or re-raised by a handler, as 137 with nothing on stderr', async () => {
    const r = await runCli(['run', '--', 'sh', '-c', 'kill -KILL $$'], ctx.world);
    expect(r.code).toBe(137);
    expect(r.stderr).toBe('');
  });

  it('records 143 when nono stop ends a detached command with TERM', async () => {
    await runCli(['run', '--name', 'to-stop', '--detached', '--', 'sleep', '100'], ctx.world);
    const stopped = await runCli(['stop', 'to-stop'], ctx.world);
    expect(stopped.stdout).toMatch(/code 143/);
  });

  it('gives 125, not the argument parser 2, for a usage error of run', async () => {
    const r = await runCli(['run', '--memory', 'lots', '--', 'true'], ctx.world);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/lots is not a size/);
  });

  it('gives 127 for a command that does not exist', async () => {
    const r = await runCli(['run', '--', 'no-such-command-xyz'], ctx.world);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/command not found: no-such-command-xyz/);
  });

  it('gives 126 for a file that is not executable', async () => {
    const script = join(ctx.world.work, 'not-exec.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const r = await runCli(['run', '--allow-cwd', '--', script], ctx.world);
    expect(r.code).toBe(126);
  });

  it('keeps stdout and stderr apart and forwards stdin when not on a terminal', async () => {
    const r = await runCli(['run', '--', 'sh', '-c', 'cat; echo err >&2'], ctx.world, { input: 'piped input\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('piped input\n');
    expect(r.stderr).toBe('err\n');
  });

  it('gives a one-line error naming a missing --allow path, exit 125', async () => {
    const r = await runCli(['run', '--allow', '/no/such/dir', '--', 'true'], ctx.world);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/\/no\/such\/dir does not exist/);
  });

  it('prints the resolved plan with --dry-run and runs nothing', async () => {
    const marker = join(ctx.world.work, 'dry-run-marker');
    const r = await runCli(['run', '--allow-cwd', '--net-block', '--dry-run', '--json', '--', 'touch', marker], ctx.world);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.network).toBe('block');
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: ctx.world.work, access: 'readwrite', source: '--allow-cwd' }));
    expect(plan.denied.map((d: { path: string }) => d.path)).toContain(join(ctx.world.home, '.ssh'));
    const human = await runCli(['run', '--allow-cwd', '--dry-run', '--', 'true'], ctx.world);
    expect(human.stdout).toMatch(/Grants/);
    expect(human.stdout).not.toMatch(/\x1b\[/);
  });
});

describe('a sandbox the kernel cannot give', () => {
  // The helper acts as on a Landlock ABI 3 kernel, which has no TCP rules.
  const oldKernel = usePrivateDaemon({ daemon: { abiCap: 3 } });

  it('refuses with 125 and says what is missing rather than run less confined', async () => {
    const marker = join(oldKernel.world.work, 'ran');
    const r = await runCli(['run', '--allow-cwd', '--net-block', '--', 'touch', marker], oldKernel.world);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/needs Landlock ABI 4/);
    expect(existsSync(marker)).toBe(false);
  });
});
