// Failures that come from outside nono are not bugs: a full disk during a snapshot, a directory
// the daemon may not read, a workdir deleted before a diff. Each ends with its own error kind
// and one line naming the path, nothing half-written stays behind, and the daemon goes on
// serving. "internal error" is kept for real bugs.
import { describe, expect, it, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon, type PrivateDaemon } from '../support/daemon-process.js';
import { runCli, type CliOptions } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

interface ErrorJson {
  error: { kind: string; message: string };
}

async function failure(ctx: PrivateDaemon, args: string[], options: CliOptions = {}): Promise<ErrorJson['error']> {
  const r = await runCli([...args, '--json'], ctx.world, options);
  expect(r.code, r.stdout).not.toBe(0);
  const { error } = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as ErrorJson;
  expect(error.message).not.toMatch(/\n|internal error/);
  return error;
}

async function stillServing(ctx: PrivateDaemon, options: CliOptions = {}): Promise<void> {
  const r = await runCli(['snapshot', 'list', '--json'], ctx.world, options);
  expect(r.code, r.stderr).toBe(0);
}

describe('as root', () => {
  const ctx = usePrivateDaemon();
  const store = () => join(ctx.world.root, 'state', 'nono', 'snapshots');
  let mounted: string | undefined;

  afterEach(() => {
    if (mounted) execFileSync('umount', [mounted]);
    mounted = undefined;
  });

  it('a full disk during snapshot create is DISK_FULL naming the store, and leaves no temp file', async () => {
    const tree = join(ctx.world.work, 'big');
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, 'large.bin'), randomBytes(3 << 20));
    writeFileSync(join(tree, 'small.txt'), 'small\n');
    mkdirSync(store(), { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', store()]);
    mounted = store();

    const error = await failure(ctx, ['snapshot', 'create', tree]);
    expect(error.kind).toBe('DISK_FULL');
    expect(error.message).toContain(store());
    expect(error.message).toMatch(/no space left/);
    const incoming = join(store(), 'objects', 'incoming');
    expect(existsSync(incoming) ? readdirSync(incoming) : []).toEqual([]);
    expect(existsSync(join(store(), 'manifests')) ? readdirSync(join(store(), 'manifests')) : []).toEqual([]);
    await stillServing(ctx);
  });

  it('a workdir deleted under a running session is PATH_NOT_FOUND naming it for session diff and rollback', async () => {
    const tree = join(ctx.world.work, 'doomed');
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, 'a.txt'), 'a\n');
    const run = await runCli(['run', '--detached', '--name', 'doomed', '--snapshot', '--allow-cwd', '--', 'sleep', '30'], ctx.world, { cwd: tree });
    expect(run.code, run.stderr).toBe(0);
    try {
      rmSync(tree, { recursive: true });
      // Running, so the diff is against the tree as it is now.
      const diff = await failure(ctx, ['session', 'diff', 'doomed']);
      expect(diff.kind).toBe('PATH_NOT_FOUND');
      expect(diff.message).toContain(tree);
    } finally {
      await runCli(['stop', 'doomed', '--force'], ctx.world);
    }
    // Stopped: the diff comes from the two snapshots, but a rollback needs the tree.
    const rollback = await failure(ctx, ['session', 'rollback', 'doomed']);
    expect(rollback.kind).toBe('PATH_NOT_FOUND');
    expect(rollback.message).toContain(tree);
    await stillServing(ctx);
  });
});

describe('as an unprivileged user (root reads a 000 directory anyway)', () => {
  const as = unprivilegedUser();
  const ctx = usePrivateDaemon({ world: { owner: as }, as });

  it('an unreadable subtree is PERMISSION_DENIED naming it, for create and for a diff against the live tree', async () => {
    const tree = join(ctx.world.work, 'locked-tree');
    mkdirSync(join(tree, 'open'), { recursive: true });
    writeFileSync(join(tree, 'open', 'a.txt'), 'a\n');
    for (const path of [tree, join(tree, 'open'), join(tree, 'open', 'a.txt')]) chownSync(path, as.uid, as.gid);
    const created = await runCli(['snapshot', 'create', tree, '--json'], ctx.world, { as });
    expect(created.code, created.stderr).toBe(0);
    const { snapshot } = JSON.parse(created.stdout) as { snapshot: { id: string } };

    const locked = join(tree, 'locked');
    mkdirSync(locked);
    chownSync(locked, as.uid, as.gid);
    chmodSync(locked, 0o000);
    try {
      const error = await failure(ctx, ['snapshot', 'create', tree], { as });
      expect(error.kind).toBe('PERMISSION_DENIED');
      expect(error.message).toContain(locked);
      const diff = await failure(ctx, ['snapshot', 'diff', snapshot.id], { as });
      expect(diff.kind).toBe('PERMISSION_DENIED');
      expect(diff.message).toContain(locked);
      await stillServing(ctx, { as });
    } finally {
      chmodSync(locked, 0o755);
    }
  });
});

describe('out of file descriptors', () => {
  const ctx = usePrivateDaemon();

  it('a snapshot that hits the open-file limit is TOO_MANY_OPEN_FILES, and the daemon serves again once it is raised', async () => {
    const tree = join(ctx.world.work, 'fds');
    mkdirSync(tree, { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(join(tree, `f${i}.txt`), `file ${i}\n`);
    const pid = String(ctx.daemon.process.pid);
    // The fewest of a few counts: an fd the daemon holds for a moment (a /proc read of its usage
    // sampler) would otherwise leave the snapshot room to succeed.
    let open = Infinity;
    for (let i = 0; i < 5; i++) {
      open = Math.min(open, readdirSync(`/proc/${pid}/fd`).length);
      await new Promise((r) => setTimeout(r, 50));
    }
    const [soft, hard] = execFileSync('prlimit', ['--pid', pid, '--nofile', '--output=SOFT,HARD', '--noheadings'], { encoding: 'utf8' }).trim().split(/\s+/);
    // Room for the client's connection and nothing more.
    // Only the soft limit moves: raising it back needs no privilege.
    execFileSync('prlimit', ['--pid', pid, `--nofile=${open + 1}:${hard}`]);
    try {
      const error = await failure(ctx, ['snapshot', 'create', tree]);
      expect(error.kind).toBe('TOO_MANY_OPEN_FILES');
      expect(error.message).toMatch(/open-file limit/);
      expect(error.message).toContain(tree);
    } finally {
      execFileSync('prlimit', ['--pid', pid, `--nofile=${soft}:${hard}`]);
    }
    await stillServing(ctx);
    expect((await runCli(['snapshot', 'create', tree, '--json'], ctx.world)).code).toBe(0);
  });
});
