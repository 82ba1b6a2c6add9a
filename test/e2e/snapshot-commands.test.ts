// `nono snapshot …` outside sessions, diff detail, retention and gc, and the profile's rollback
// section, on real trees with a real daemon.
import { describe, expect, it, beforeEach } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon();
const tree = () => join(ctx.world.work, 'project');
const configDir = () => join(ctx.world.root, 'config', 'nono');
const storeDir = () => join(ctx.world.root, 'state', 'nono', 'snapshots');
const cli = (...args: string[]) => runCli(args, ctx.world, { cwd: tree() });

interface SnapshotInfo {
  id: string;
  tree: string;
  session: string | null;
  role: string;
  files: number;
  label: string | null;
}

async function json<T>(...args: string[]): Promise<T> {
  const r = await cli(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

function objectCount(): number {
  const objects = join(storeDir(), 'objects');
  let count = 0;
  for (const top of readdirSync(objects).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
    for (const second of readdirSync(join(objects, top))) count += readdirSync(join(objects, top, second)).length;
  }
  return count;
}

beforeEach(() => {
  rmSync(tree(), { recursive: true, force: true });
  mkdirSync(join(tree(), 'src'), { recursive: true });
  writeFileSync(join(tree(), 'src', 'main.ts'), 'one\ntwo\nthree\n');
  writeFileSync(join(tree(), 'notes.md'), 'keep me\n');
  writeFileSync(join(tree(), 'blob.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));
  rmSync(join(configDir(), 'config.json'), { force: true });
});

describe('nono snapshot', () => {
  it('creates, lists, shows, diffs with --stat and --patch, restores bytes, modes and mtimes, and verifies', async () => {
    utimesSync(join(tree(), 'src', 'main.ts'), 1_600_000_000, 1_600_000_000);
    const created = await json<{ snapshot: SnapshotInfo; filesHashed: number }>('snapshot', 'create', '--label', 'before refactor');
    expect(created.snapshot).toMatchObject({ tree: tree(), role: 'manual', session: null, files: 3, label: 'before refactor' });
    const id = created.snapshot.id;

    const listed = await json<SnapshotInfo[]>('snapshot', 'list', '--dir', tree());
    expect(listed.map((s) => s.id)).toContain(id);
    const shown = await json<{ entries: { path: string; type: string }[] }>('snapshot', 'show', id.slice(0, 10), '--entries');
    expect(shown.entries.map((e) => e.path)).toEqual(['blob.bin', 'notes.md', 'src', 'src/main.ts']);

    writeFileSync(join(tree(), 'src', 'main.ts'), 'one\nTWO\nthree\nfour\n');
    writeFileSync(join(tree(), 'blob.bin'), Buffer.from([9, 0, 9]));
    rmSync(join(tree(), 'notes.md'));
    chmodSync(join(tree(), 'src'), 0o700);

    const stat = await json<{ changes: { kind: string; path: string; added?: number; removed?: number; binary?: boolean }[] }>('snapshot', 'diff', id, '--stat');
    expect(stat.changes).toEqual([
      { kind: '~', path: 'blob.bin', binary: true },
      { kind: '-', path: 'notes.md', added: 0, removed: 1 },
      { kind: 'p', path: 'src' },
      { kind: '~', path: 'src/main.ts', added: 2, removed: 1 },
    ]);
    const patch = await cli('snapshot', 'diff', id, '--patch');
    expect(patch.stdout).toContain('--- a/src/main.ts\n+++ b/src/main.ts\n@@ -1,3 +1,4 @@\n one\n-two\n+TWO\n three\n+four\n');

    const dry = await cli('snapshot', 'restore', id, '--dry-run');
    expect(dry.stdout).toMatch(/dry run: nothing was changed/);
    expect(existsSync(join(tree(), 'notes.md'))).toBe(false);

    const restored = await cli('snapshot', 'restore', id);
    expect(restored.code, restored.stderr).toBe(0);
    expect(readFileSync(join(tree(), 'src', 'main.ts'), 'utf8')).toBe('one\ntwo\nthree\n');
    expect(readFileSync(join(tree(), 'notes.md'), 'utf8')).toBe('keep me\n');
    expect([...readFileSync(join(tree(), 'blob.bin'))]).toEqual([0, 1, 2, 3, 0, 255]);
    expect(statSync(join(tree(), 'src', 'main.ts')).mtimeMs).toBe(1_600_000_000_000);
    expect(statSync(join(tree(), 'src')).mode & 0o7777).toBe(0o755);
    expect((await json<{ changes: unknown[] }>('snapshot', 'diff', id)).changes).toEqual([]);

    const verify = await cli('snapshot', 'verify', id);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/: ok$/m);
  });

  it('restores one path only, and refuses paths outside the snapshot', async () => {
    const { snapshot } = await json<{ snapshot: SnapshotInfo }>('snapshot', 'create');
    writeFileSync(join(tree(), 'notes.md'), 'agent\n');
    writeFileSync(join(tree(), 'src', 'main.ts'), 'agent\n');
    expect((await cli('snapshot', 'restore', snapshot.id, join(tree(), 'notes.md'))).code).toBe(0);
    expect(readFileSync(join(tree(), 'notes.md'), 'utf8')).toBe('keep me\n');
    expect(readFileSync(join(tree(), 'src', 'main.ts'), 'utf8')).toBe('agent\n');
    const outside = await cli('snapshot', 'restore', snapshot.id, '/etc/passwd');
    expect(outside.code).toBe(1);
    expect(outside.stderr.trim()).toMatch(/^nono: \/etc\/passwd is outside the snapshot's tree/);
  });

  it('gc keeps the newest sessions per config.json, never manual snapshots, and frees only unreferenced objects', async () => {
    const manual = await json<{ snapshot: SnapshotInfo }>('snapshot', 'create');
    for (const n of [1, 2, 3]) {
      const r = await cli('run', '--name', `s${n}`, '--snapshot', '--allow-cwd', '--', 'sh', '-c', `echo unique-${n} > scratch.txt`);
      expect(r.code, r.stderr).toBe(0);
    }
    const sessions = (await json<SnapshotInfo[]>('snapshot', 'list')).filter((s) => s.session !== null);
    expect(sessions).toHaveLength(6);
    mkdirSync(configDir(), { recursive: true });
    writeFileSync(join(configDir(), 'config.json'), JSON.stringify({ snapshots: { keep_sessions: 1 } }));
    const before = objectCount();
    const dry = await json<{ removedSnapshots: string[]; removedObjects: number }>('snapshot', 'gc', '--dry-run');
    expect(dry.removedSnapshots).toHaveLength(4);
    expect(objectCount()).toBe(before);

    const gc = await json<{ removedSnapshots: string[]; removedObjects: number }>('snapshot', 'gc');
    expect(gc.removedSnapshots.sort()).toEqual(dry.removedSnapshots.sort());
    const left = await json<SnapshotInfo[]>('snapshot', 'list');
    expect(left.map((s) => s.id)).toContain(manual.snapshot.id);
    expect(left.filter((s) => s.session !== null)).toHaveLength(2);
    expect((await cli('session', 'diff', 's3')).code).toBe(0);
    const gone = await cli('session', 'diff', 's1');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/session s1 has no snapshot/);
    // unique-1 was only in s1's final and s2's baseline, so its object goes; unique-2 is in
    // s3's baseline and stays. Nothing a remaining manifest names may be missing.
    expect((await cli('snapshot', 'verify')).code).toBe(0);
    expect(objectCount()).toBe(before - gc.removedObjects);
    // Objects went, so the stat caches did too: the next snapshot re-reads rather than naming
    // an object that is gone.
    expect(gc.removedObjects).toBeGreaterThan(0);
    expect(readdirSync(join(storeDir(), 'stat-cache'))).toEqual([]);
    const again = await json<{ snapshot: SnapshotInfo; filesHashed: number }>('snapshot', 'create');
    expect(again.filesHashed).toBe(again.snapshot.files);
    expect((await cli('snapshot', 'verify', again.snapshot.id)).code).toBe(0);
  });

  it('a profile rollback section snapshots without --snapshot and leaves exclude_patterns alone', async () => {
    mkdirSync(join(configDir(), 'profiles'), { recursive: true });
    writeFileSync(
      join(configDir(), 'profiles', 'undoable.json'),
      JSON.stringify({ extends: 'default', rollback: { enabled: true, exclude_patterns: ['generated'] } }),
    );
    mkdirSync(join(tree(), 'src', 'generated'), { recursive: true });
    writeFileSync(join(tree(), 'src', 'generated', 'out.js'), 'old output\n');
    const r = await cli('run', '--name', 'undo', '--profile', 'undoable', '--allow-cwd', '--', 'sh', '-c', 'echo new > src/generated/out.js; echo changed > notes.md');
    expect(r.code, r.stderr).toBe(0);
    const diff = await json<{ changes: { kind: string; path: string }[] }[]>('session', 'diff', 'undo');
    expect(diff[0]!.changes).toEqual([{ kind: '~', path: 'notes.md' }]);
    expect((await cli('session', 'rollback', 'undo')).code).toBe(0);
    expect(readFileSync(join(tree(), 'notes.md'), 'utf8')).toBe('keep me\n');
    expect(readFileSync(join(tree(), 'src', 'generated', 'out.js'), 'utf8')).toBe('new\n');
  });

  it('answers bad input with one clear line and a stable kind', async () => {
    const unknown = await cli('snapshot', 'restore', 'zzzz', '--json');
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout || unknown.stderr).error.kind).toBe('SNAPSHOT_NOT_FOUND');
    const missing = await cli('snapshot', 'create', join(tree(), 'no-such-dir'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/no-such-dir does not exist/);
    const badId = await cli('snapshot', 'show', '../etc');
    expect(badId.code).toBe(1);
    expect(badId.stderr.trim().split('\n')).toHaveLength(1);
    mkdirSync(configDir(), { recursive: true });
    writeFileSync(join(configDir(), 'config.json'), JSON.stringify({ snapshots: { max_size: 'lots' } }));
    const badConfig = await cli('snapshot', 'gc');
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toMatch(/snapshots\.max_size must be a byte count or a size like "10G"/);
  });

  it('refuses to restore a directory a running session can write', async () => {
    const { snapshot } = await json<{ snapshot: SnapshotInfo }>('snapshot', 'create');
    expect((await cli('run', '--name', 'writer', '-d', '--allow-cwd', '--', 'sleep', '30')).code).toBe(0);
    try {
      const r = await cli('snapshot', 'restore', snapshot.id);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/session writer can still write .*project; nono stop writer first/);
    } finally {
      await cli('stop', 'writer', '--force');
    }
  });
});
