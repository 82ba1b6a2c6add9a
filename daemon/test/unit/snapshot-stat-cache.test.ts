// When a re-snapshot may trust what it recorded before: only for a file whose device, inode,
// size, mtime and ctime are all unchanged and that was not changed just before it was read.
// Real files in temp dirs, real kernel timestamps.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../dist/snapshots/hashing.js';
import { computeRoot, takeSnapshot, type Manifest } from '../../dist/snapshots/manifest.js';
import { diffLive } from '../../dist/snapshots/diff.js';
import { comparePaths } from '../../dist/snapshots/merkle.js';
import { ObjectStore } from '../../dist/snapshots/object-store.js';
import { restoreSnapshot } from '../../dist/snapshots/restore.js';

let base: string;
let tree: string;
let store: ObjectStore;

// Past the stat cache's 50 ms racy window.
const settle = () => new Promise((resolve) => setTimeout(resolve, 120));
// A whole second in the past: utimes sets it exactly, so "same mtime" really is the same.
const pastSeconds = Math.floor(Date.now() / 1000) - 3600;

function hashOf(manifest: Manifest, path: string): string | undefined {
  const entry = manifest.entries.find((e) => e.path === path);
  return entry?.type === 'file' ? entry.hash : undefined;
}

function contentHash(text: string): string {
  return sha256(text).toString('hex');
}

function cacheFile(): string {
  const dir = join(store.root, 'stat-cache');
  return join(dir, readdirSync(dir)[0]!);
}

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'nono-stat-cache-'));
  tree = join(base, 'tree');
  store = new ObjectStore(join(base, 'store'));
  mkdirSync(join(tree, 'src'), { recursive: true });
  writeFileSync(join(tree, 'src/keep.ts'), 'unchanged\n');
});

afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('racily clean files', () => {
  it('a file changed right after a snapshot, within the same timestamp tick, is still seen as changed', async () => {
    await settle();
    writeFileSync(join(tree, 'a.txt'), 'one\n');
    utimesSync(join(tree, 'a.txt'), pastSeconds, pastSeconds);
    const first = await takeSnapshot(store, tree);
    // Same size, same mtime; the ctime may well fall in the same kernel tick as the first write.
    writeFileSync(join(tree, 'a.txt'), 'two\n');
    utimesSync(join(tree, 'a.txt'), pastSeconds, pastSeconds);
    const second = await takeSnapshot(store, tree);
    expect(hashOf(first.manifest, 'a.txt')).toBe(contentHash('one\n'));
    expect(hashOf(second.manifest, 'a.txt')).toBe(contentHash('two\n'));
    expect(second.manifest.root).not.toBe(first.manifest.root);
  });

  it('is read again by the next snapshot even when nothing changed, and cached once it is old enough', async () => {
    writeFileSync(join(tree, 'fresh.txt'), 'just written\n');
    const first = await takeSnapshot(store, tree);
    expect(first).toMatchObject({ filesHashed: 2, filesCached: 0 });
    const again = await takeSnapshot(store, tree);
    expect(again.filesHashed).toBeGreaterThanOrEqual(1);
    expect(again.manifest.root).toBe(first.manifest.root);
    await settle();
    await takeSnapshot(store, tree);
    expect(await takeSnapshot(store, tree)).toMatchObject({ filesHashed: 0, filesCached: 2 });
  });
});

describe('what the stat cache compares', () => {
  beforeEach(async () => {
    writeFileSync(join(tree, 'a.txt'), 'one\n');
    utimesSync(join(tree, 'a.txt'), pastSeconds, pastSeconds);
    await settle();
    expect(await takeSnapshot(store, tree)).toMatchObject({ filesHashed: 2 });
  });

  it('re-reads a file rewritten with the same size and mtime: its ctime moved', async () => {
    const before = statSync(join(tree, 'a.txt'), { bigint: true });
    writeFileSync(join(tree, 'a.txt'), 'two\n');
    utimesSync(join(tree, 'a.txt'), pastSeconds, pastSeconds);
    const after = statSync(join(tree, 'a.txt'), { bigint: true });
    expect([after.size, after.mtimeNs, after.ino]).toEqual([before.size, before.mtimeNs, before.ino]);
    await settle();
    const snapshot = await takeSnapshot(store, tree);
    expect(snapshot).toMatchObject({ filesHashed: 1, filesCached: 1 });
    expect(hashOf(snapshot.manifest, 'a.txt')).toBe(contentHash('two\n'));
    expect(snapshot.manifest.root).toBe(computeRoot(snapshot.manifest.entries));
  });

  it('re-reads a file replaced by another of the same size and mtime: its inode changed', async () => {
    writeFileSync(join(tree, 'b.tmp'), 'two\n');
    utimesSync(join(tree, 'b.tmp'), pastSeconds, pastSeconds);
    renameSync(join(tree, 'b.tmp'), join(tree, 'a.txt'));
    await settle();
    const snapshot = await takeSnapshot(store, tree);
    expect(snapshot).toMatchObject({ filesHashed: 1, filesCached: 1 });
    expect(hashOf(snapshot.manifest, 'a.txt')).toBe(contentHash('two\n'));
  });

  it('reuses the root and leaves the cache file alone when nothing changed; a new directory changes both', async () => {
    const first = await takeSnapshot(store, tree);
    const cached = statSync(cacheFile(), { bigint: true });
    const again = await takeSnapshot(store, tree);
    expect(again).toMatchObject({ filesHashed: 0, filesCached: 2 });
    expect(again.manifest.root).toBe(first.manifest.root);
    expect(statSync(cacheFile(), { bigint: true }).mtimeNs).toBe(cached.mtimeNs);

    mkdirSync(join(tree, 'empty'));
    const third = await takeSnapshot(store, tree);
    expect(third.manifest.root).not.toBe(first.manifest.root);
    expect(third.manifest.entries.map((e) => `${e.type} ${e.path}`)).toContain('dir empty');
    expect(JSON.parse(readFileSync(cacheFile(), 'utf8'))).toMatchObject({ version: 2, root: third.manifest.root });
    expect(third.manifest.root).toBe(computeRoot(third.manifest.entries));
  });

  it('computes the root a verify recomputes when files change, come and go, from the tree it cached', async () => {
    for (let i = 0; i < 40; i++) writeFileSync(join(tree, `src/f${i}.ts`), `file ${i}\n`);
    await settle();
    const roots = [];
    for (const step of [() => writeFileSync(join(tree, 'src/f7.ts'), 'seven\n'), () => rmSync(join(tree, 'src/f3.ts')), () => writeFileSync(join(tree, 'src/g.ts'), 'g\n'), () => undefined]) {
      step();
      await settle();
      const { manifest } = await takeSnapshot(store, tree);
      expect(manifest.root).toBe(computeRoot(manifest.entries));
      roots.push(manifest.root);
    }
    expect(new Set(roots).size).toBe(3);
  });
});

describe('a damaged cache', () => {
  beforeEach(async () => {
    for (let i = 0; i < 8; i++) writeFileSync(join(tree, `src/f${i}.ts`), `file ${i}\n`);
    await settle();
    await takeSnapshot(store, tree);
  });

  it('lends no node from a cached tree that is not the one written, so the root stays right', async () => {
    const cached = JSON.parse(readFileSync(cacheFile(), 'utf8')) as { levels: string };
    const levels = Buffer.from(cached.levels, 'base64');
    // Leaves in path order: src, src/f0.ts, src/f1.ts, src/f2.ts…; f2's leaf pairs with f1's.
    levels[3 * 32 + 8] = levels[3 * 32 + 8]! ^ 0xff;
    writeFileSync(cacheFile(), JSON.stringify({ ...cached, levels: levels.toString('base64') }));
    writeFileSync(join(tree, 'src/f1.ts'), 'changed\n');
    await settle();
    const { manifest } = await takeSnapshot(store, tree);
    expect(manifest.root).toBe(computeRoot(manifest.entries));
  });

  it('costs a re-read of the tree and nothing else', async () => {
    writeFileSync(cacheFile(), '{"version":2,"root":"x","entries":["src/f1.ts"]}');
    const snapshot = await takeSnapshot(store, tree);
    expect(snapshot).toMatchObject({ filesHashed: 9, filesCached: 0 });
    expect(snapshot.manifest.root).toBe(computeRoot(snapshot.manifest.entries));
  });
});

describe('names', () => {
  it('walks into a directory whose name is not UTF-8, sorts entries by their bytes, and caches them', async () => {
    const odd = Buffer.concat([Buffer.from(`${tree}/`), Buffer.from('dir-\xff', 'latin1')]);
    mkdirSync(odd);
    writeFileSync(Buffer.concat([odd, Buffer.from('/inside.txt')]), 'inside\n');
    for (const name of ['z', 'é', '\u{1F600}', '\uFF21', 'rep\uFFFDlaced']) writeFileSync(join(tree, name), `${name}\n`);
    await settle();
    const first = await takeSnapshot(store, tree);
    const paths = first.manifest.entries.map((e) => e.path);
    expect(paths).toEqual([...paths].sort(comparePaths));
    expect(paths).toHaveLength(9);
    const again = await takeSnapshot(store, tree);
    expect(again).toMatchObject({ filesHashed: 0, filesCached: 7 });
    expect(again.manifest.root).toBe(first.manifest.root);

    writeFileSync(Buffer.concat([odd, Buffer.from('/inside.txt')]), 'changed\n');
    expect((await diffLive(store, first.manifest)).map((c) => c.kind)).toEqual(['~']);
    await restoreSnapshot(store, first.manifest);
    expect(readFileSync(Buffer.concat([odd, Buffer.from('/inside.txt')]), 'utf8')).toBe('inside\n');
  });
});
