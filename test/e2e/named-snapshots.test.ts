// Named and tagged snapshots, the way the articles type them: `snapshot create pre-refactor
// --tag baseline`, `run --snapshot pre-refactor -- …`, `snapshot restore pre-refactor`, and
// every snapshot command taking a name, a tag or an id prefix; on real trees, a real daemon.
import { describe, expect, it, beforeEach } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon();
const tree = () => join(ctx.world.work, 'named');
const other = () => join(ctx.world.work, 'named-other');
const cli = (...args: string[]) => runCli(args, ctx.world, { cwd: tree() });

interface SnapshotInfo {
  id: string;
  tree: string;
  name: string | null;
  tags: string[];
  session: string | null;
  role: string;
}

async function json<T>(...args: string[]): Promise<T> {
  const r = await cli(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

beforeEach(() => {
  for (const dir of [tree(), other()]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.ts'), 'original\n');
  }
});

describe('named snapshots', () => {
  it('snapshot create NAME --tag T; show, diff, verify and restore by name, by tag and by id prefix; list shows both', async () => {
    const { snapshot } = await json<{ snapshot: SnapshotInfo }>('snapshot', 'create', 'pre-refactor', '--tag', 'baseline', '--tag', 'nightly');
    expect(snapshot).toMatchObject({ tree: tree(), name: 'pre-refactor', tags: ['baseline', 'nightly'], role: 'manual' });

    const shown = await json<{ snapshot: SnapshotInfo }>('snapshot', 'show', 'baseline');
    expect(shown.snapshot.id).toBe(snapshot.id);
    expect((await json<{ snapshot: SnapshotInfo }>('snapshot', 'show', snapshot.id.slice(0, 10))).snapshot.id).toBe(snapshot.id);

    writeFileSync(join(tree(), 'main.ts'), 'refactored\n');
    const diff = await json<{ changes: { kind: string; path: string }[] }>('snapshot', 'diff', 'pre-refactor');
    expect(diff.changes).toEqual([{ kind: '~', path: 'main.ts' }]);
    expect((await cli('snapshot', 'verify', 'nightly')).code).toBe(0);

    const list = await cli('snapshot', 'list');
    expect(list.stdout).toMatch(new RegExp(`^${snapshot.id}  pre-refactor #baseline #nightly  `, 'm'));

    const restored = await cli('snapshot', 'restore', 'pre-refactor');
    expect(restored.code, restored.stderr).toBe(0);
    expect(readFileSync(join(tree(), 'main.ts'), 'utf8')).toBe('original\n');
  });

  it('a tag stands for its newest snapshot; a name is unique per directory, and may repeat in another', async () => {
    const first = await json<{ snapshot: SnapshotInfo }>('snapshot', 'create', 'v1', '--tag', 'good');
    writeFileSync(join(tree(), 'main.ts'), 'second\n');
    const second = await json<{ snapshot: SnapshotInfo }>('snapshot', 'create', 'v2', '--tag', 'good');
    expect((await json<{ snapshot: SnapshotInfo }>('snapshot', 'show', 'good')).snapshot.id).toBe(second.snapshot.id);
    expect((await json<{ snapshot: SnapshotInfo }>('snapshot', 'show', 'v1')).snapshot.id).toBe(first.snapshot.id);

    const again = await cli('snapshot', 'create', 'v1', '--json');
    expect(again.code).not.toBe(0);
    expect(JSON.parse(again.stdout || again.stderr).error.kind).toBe('SNAPSHOT_NAME_TAKEN');

    // Same name in another directory is fine; the bare name is then ambiguous and says so.
    const elsewhere = await runCli(['snapshot', 'create', 'v1', other(), '--json'], ctx.world, { cwd: tree() });
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    const ambiguous = await cli('snapshot', 'restore', 'v1');
    expect(ambiguous.code).not.toBe(0);
    expect(ambiguous.stderr).toContain(`name v1 is on snapshots of several directories`);
    expect(readFileSync(join(tree(), 'main.ts'), 'utf8')).toBe('second\n');
  });

  it('a lone word that names a directory here, or looks like a path, is still the directory', async () => {
    mkdirSync(join(tree(), 'src'));
    writeFileSync(join(tree(), 'src', 'a.txt'), 'a\n');
    const { snapshot } = await json<{ snapshot: SnapshotInfo }>('snapshot', 'create', 'src');
    expect(snapshot).toMatchObject({ tree: join(tree(), 'src'), name: null });
    const named = await json<{ snapshot: SnapshotInfo }>('snapshot', 'create', '--name', 'src', 'src');
    expect(named.snapshot).toMatchObject({ tree: join(tree(), 'src'), name: 'src' });
  });
});

describe('run --snapshot NAME', () => {
  it('names the baseline; snapshot restore NAME undoes the run, and the closing line says so', async () => {
    const r = await cli('run', '--snapshot', 'pre-agent', '--allow-cwd', '--', 'sh', '-c', 'echo agent > main.ts; echo new > added.txt');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/nono: session \S+ \(nono session diff \S+; nono snapshot restore pre-agent\)/);
    const snapshots = await json<SnapshotInfo[]>('snapshot', 'list');
    expect(snapshots.filter((s) => s.name === 'pre-agent').map((s) => s.role)).toEqual(['baseline']);

    const restored = await cli('snapshot', 'restore', 'pre-agent');
    expect(restored.code, restored.stderr).toBe(0);
    expect(readFileSync(join(tree(), 'main.ts'), 'utf8')).toBe('original\n');
    expect(() => readFileSync(join(tree(), 'added.txt'))).toThrow();

    // The name is taken now: a second run refuses before starting anything.
    const twice = await cli('run', '--snapshot=pre-agent', '--allow-cwd', '--', 'sh', '-c', 'echo again > main.ts');
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain('already named pre-agent');
    expect(readFileSync(join(tree(), 'main.ts'), 'utf8')).toBe('original\n');
  });

  it('without a --, the word after --snapshot is still the command', async () => {
    const r = await cli('run', '--snapshot', '--allow-cwd', 'sh', '-c', 'echo plain > main.ts');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(tree(), 'main.ts'), 'utf8')).toBe('plain\n');
    const bare = await cli('run', '--allow-cwd', '--snapshot', 'true');
    expect(bare.code, bare.stderr).toBe(0);
  });

  it('gc retention drops unnamed session snapshots and keeps named ones, as it keeps manual ones', async () => {
    expect((await cli('run', '--snapshot', '--allow-cwd', '--', 'true')).code).toBe(0);
    expect((await cli('run', '--snapshot=kept-by-name', '--allow-cwd', '--', 'true')).code).toBe(0);
    const config = join(ctx.world.root, 'config', 'nono', 'config.json');
    mkdirSync(join(ctx.world.root, 'config', 'nono'), { recursive: true });
    writeFileSync(config, JSON.stringify({ snapshots: { keep_sessions: 0 } }));
    try {
      const gc = await json<{ removedSnapshots: string[] }>('snapshot', 'gc');
      expect(gc.removedSnapshots.length).toBeGreaterThan(0);
      const left = await json<SnapshotInfo[]>('snapshot', 'list');
      expect(left.filter((s) => s.session !== null && s.name === null && !left.some((n) => n.session === s.session && n.name !== null))).toEqual([]);
      expect(left.filter((s) => s.name === 'kept-by-name')).toHaveLength(1);
      expect((await cli('snapshot', 'show', 'kept-by-name')).code).toBe(0);
    } finally {
      rmSync(config, { force: true });
    }
  });

  it('nono shell --snapshot NAME names it too (shell takes no command)', async () => {
    const r = await runCli(['shell', '--snapshot', 'shell-start', '--allow-cwd'], ctx.world, { cwd: tree(), env: { SHELL: '/bin/sh' } });
    expect(r.code, r.stderr).toBe(0);
    expect((await json<{ snapshot: SnapshotInfo }>('snapshot', 'show', 'shell-start')).snapshot).toMatchObject({ tree: tree(), role: 'baseline' });
  });

  it('a name on the baselines of two directories restores both together', async () => {
    const r = await cli('run', '--snapshot=two-dirs', '--allow-cwd', '--allow', other(), '--', 'sh', '-c', `echo agent > main.ts; echo agent > ${other()}/main.ts`);
    expect(r.code, r.stderr).toBe(0);
    const restored = await json<{ trees?: { tree: string }[] }>('snapshot', 'restore', 'two-dirs');
    expect(restored.trees?.map((t) => t.tree).sort()).toEqual([other(), tree()].sort());
    expect(readFileSync(join(tree(), 'main.ts'), 'utf8')).toBe('original\n');
    expect(readFileSync(join(other(), 'main.ts'), 'utf8')).toBe('original\n');
    const show = await cli('snapshot', 'show', 'two-dirs');
    expect(show.code).not.toBe(0);
    expect(show.stderr).toContain('several directories');
  });
});
