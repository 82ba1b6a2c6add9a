// Snapshot, let an "agent" damage a real tree, then diff, restore (whole, partial, after a
// crash) and verify against the snapshot. Everything runs on real files in temp dirs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NonoError } from '@nono/shared';
import { diffLive } from '../../dist/snapshots/diff.js';
import { computeRoot, readManifest, takeSnapshot, type Manifest } from '../../dist/snapshots/manifest.js';
import { ObjectStore } from '../../dist/snapshots/object-store.js';
import { journalFile, newGroupFile, pendingGroups, writeGroup, type GroupPlan } from '../../dist/snapshots/restore-journal.js';
import { recoverGroups, restoreSnapshot, restoreTogether } from '../../dist/snapshots/restore.js';
import { verifySnapshot } from '../../dist/snapshots/verify.js';

const DAEMON_DIR = fileURLToPath(new URL('../../', import.meta.url));

let base: string;
let tree: string;
let store: ObjectStore;

function write(path: string, content: string, mode = 0o644): void {
  mkdirSync(join(tree, path, '..'), { recursive: true });
  writeFileSync(join(tree, path), content);
  chmodSync(join(tree, path), mode);
}

/** Everything a restore must bring back (paths, types, modes, bytes, link targets), outside node_modules. */
function treeDigest(dir = tree, rel = ''): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    const stats = lstatSync(path);
    const relPath = `${rel}/${name}`;
    hash.update(`${relPath}\0${stats.mode}\0`);
    if (stats.isSymbolicLink()) hash.update(readlinkSync(path));
    else if (stats.isDirectory()) hash.update(treeDigest(path, relPath));
    else hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

/** Deletes, rewrites, adds, chmods, links, and writes into an excluded node_modules. */
function actLikeAnAgent(): void {
  unlinkSync(join(tree, 'a.txt'));
  writeFileSync(join(tree, 'src/b.ts'), 'export const b = "broken";\n');
  write('new.txt', 'added by the agent\n');
  chmodSync(join(tree, 'src/c.sh'), 0o644);
  symlinkSync('/etc', join(tree, 'evil'));
  write('node_modules/pkg/agent.js', 'installed by the agent\n');
}

beforeEach(async () => {
  base = mkdtempSync(join(tmpdir(), 'nono-snap-'));
  tree = join(base, 'tree');
  store = new ObjectStore(join(base, 'store'));
  write('a.txt', 'alpha\n');
  write('src/b.ts', 'export const b = 1;\n');
  write('src/c.sh', '#!/bin/sh\necho c\n', 0o755);
  write('docs/keep.md', 'unchanged\n');
  write('.git/HEAD', 'ref: refs/heads/main\n');
  write('node_modules/pkg/index.js', 'module.exports = 1;\n');
  symlinkSync('src/b.ts', join(tree, 'link-to-b'));
  mkdirSync(join(tree, 'empty'));
  // Files changed within the stat cache's racy window are re-read by design; let it pass.
  await new Promise((resolve) => setTimeout(resolve, 120));
});

afterEach(() => rmSync(base, { recursive: true, force: true }));

async function snapshotAndAct(): Promise<{ manifest: Manifest; before: string }> {
  const { manifest } = await takeSnapshot(store, tree);
  const before = treeDigest();
  actLikeAnAgent();
  return { manifest, before };
}

describe('snapshot', () => {
  it('records files, symlinks, every dir and .git, and leaves node_modules out', async () => {
    const { manifest } = await takeSnapshot(store, tree);
    expect(manifest.entries.map((entry) => `${entry.type} ${entry.path}`)).toEqual([
      'dir .git',
      'file .git/HEAD',
      'file a.txt',
      'dir docs',
      'file docs/keep.md',
      'dir empty',
      'symlink link-to-b',
      'dir src',
      'file src/b.ts',
      'file src/c.sh',
    ]);
    expect(existsSync(join(store.root, 'manifests', `${manifest.id}.json`))).toBe(true);
  });

  it('re-snapshots an unchanged tree without reading a file, and re-reads only what changed', async () => {
    const first = await takeSnapshot(store, tree);
    expect(first.filesHashed).toBe(5);
    const again = await takeSnapshot(store, tree);
    expect(again).toMatchObject({ filesHashed: 0, filesCached: 5 });
    expect(again.manifest.root).toBe(first.manifest.root);
    writeFileSync(join(tree, 'docs/keep.md'), 'changed\n');
    const third = await takeSnapshot(store, tree);
    expect(third).toMatchObject({ filesHashed: 1, filesCached: 4 });
    expect(third.manifest.root).not.toBe(first.manifest.root);
  });
});

describe('diff and restore', () => {
  it('lists exactly what the agent changed, with its marker', async () => {
    const { manifest } = await snapshotAndAct();
    expect(await diffLive(store, manifest)).toEqual([
      { kind: '-', path: 'a.txt' },
      { kind: '+', path: 'evil' },
      { kind: '+', path: 'new.txt' },
      { kind: '~', path: 'src/b.ts' },
      { kind: 'p', path: 'src/c.sh' },
    ]);
  });

  it('restores the whole tree bit for bit and leaves node_modules as the agent left it', async () => {
    const { manifest, before } = await snapshotAndAct();
    const result = await restoreSnapshot(store, manifest);
    expect(result.performed).toBe(5);
    expect(treeDigest()).toBe(before);
    expect(readFileSync(join(tree, 'node_modules/pkg/agent.js'), 'utf8')).toBe('installed by the agent\n');
    expect(await diffLive(store, manifest)).toEqual([]);
    expect(existsSync(journalFile(store, manifest.tree))).toBe(false);
  });

  it('restores one path and leaves the others as the agent left them', async () => {
    const { manifest } = await snapshotAndAct();
    await restoreSnapshot(store, manifest, { paths: ['src/b.ts'] });
    expect(readFileSync(join(tree, 'src/b.ts'), 'utf8')).toBe('export const b = 1;\n');
    expect((await diffLive(store, manifest)).map((change) => `${change.kind} ${change.path}`)).toEqual(['- a.txt', '+ evil', '+ new.txt', 'p src/c.sh']);
  });

  it('rejects a path outside the tree or not in the snapshot, naming it', async () => {
    const { manifest } = await snapshotAndAct();
    await expect(restoreSnapshot(store, manifest, { paths: ['../elsewhere'] })).rejects.toMatchObject({ kind: 'PATH_INVALID', message: expect.stringContaining('../elsewhere') });
    await expect(restoreSnapshot(store, manifest, { paths: ['new.txt'] })).rejects.toMatchObject({ kind: 'PATH_NOT_FOUND', message: expect.stringContaining('new.txt') });
    expect(existsSync(join(tree, 'new.txt'))).toBe(true);
  });
});

describe('crash safety', () => {
  beforeAll(() => {
    const build = spawnSync('npx', ['tsc', '-b', '.'], { cwd: DAEMON_DIR, encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).toBe(0);
  }, 120_000);

  it('finishes a restore killed half-way when it is run again', async () => {
    const { manifest, before } = await snapshotAndAct();
    const script = `
      const { ObjectStore, readManifest, restoreSnapshot } = await import(${JSON.stringify(join(DAEMON_DIR, 'dist/snapshots/index.js'))});
      const store = new ObjectStore(process.env.STORE);
      await restoreSnapshot(store, await readManifest(store, process.env.MANIFEST), { crashAfter: 2 });`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, STORE: store.root, MANIFEST: manifest.id },
      encoding: 'utf8',
    });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    expect(existsSync(journalFile(store, manifest.tree))).toBe(true);
    expect(treeDigest()).not.toBe(before);

    const result = await restoreSnapshot(store, manifest);
    expect(result).toEqual({ resumed: 3, performed: 0 });
    expect(treeDigest()).toBe(before);
    expect(existsSync(journalFile(store, manifest.tree))).toBe(false);
  });
});

describe('names that are not UTF-8', () => {
  it('go through the worker threads of a large snapshot and come back exactly', async () => {
    // 256 new files or more are copied by worker threads, which get the byte paths cloned.
    for (let i = 0; i < 300; i++) write(`many/f${i}.txt`, `file ${i}\n`);
    const odd = Buffer.concat([Buffer.from(`${tree}/many/`), Buffer.from('x-\xff\xfe.txt', 'latin1')]);
    writeFileSync(odd, 'odd name\n');
    const { manifest } = await takeSnapshot(store, tree);
    expect(manifest.entries.filter((e) => e.type === 'file')).toHaveLength(306);
    unlinkSync(odd);
    await restoreSnapshot(store, manifest);
    expect(readFileSync(odd, 'utf8')).toBe('odd name\n');
  });
});

describe('manifest versions', () => {
  it('still reads, verifies and restores a version 1 manifest (only empty dirs, no owners)', async () => {
    const { manifest } = await takeSnapshot(store, tree);
    const parents = new Set(manifest.entries.flatMap((e) => e.path.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
    const entries = manifest.entries
      .filter((e) => e.type !== 'dir' || !parents.has(e.path))
      .map(({ uid: _uid, gid: _gid, ...rest }) => rest as Manifest['entries'][number]);
    const v1 = { ...manifest, version: 1, entries, root: computeRoot(entries) };
    writeFileSync(join(store.root, 'manifests', `${manifest.id}.json`), JSON.stringify(v1));
    const before = treeDigest();
    actLikeAnAgent();

    const read = await readManifest(store, manifest.id);
    expect(read.version).toBe(1);
    expect(await verifySnapshot(store, read)).toMatchObject({ ok: true });
    expect((await diffLive(store, read)).map((c) => `${c.kind} ${c.path}`)).toEqual(['- a.txt', '+ evil', '+ new.txt', '~ src/b.ts', 'p src/c.sh']);
    await restoreSnapshot(store, read);
    expect(treeDigest()).toBe(before);
  });
});

describe('several trees at once', () => {
  let second: string;

  beforeEach(() => {
    second = join(base, 'second');
    mkdirSync(join(second, 'sub'), { recursive: true });
    writeFileSync(join(second, 'sub', 'f.txt'), 'second original\n');
  });

  const secondDigest = () => treeDigest(second);

  it('restores both when both can be written', async () => {
    const { manifest, before } = await snapshotAndAct();
    const { manifest: other } = await takeSnapshot(store, second);
    const otherBefore = secondDigest();
    writeFileSync(join(second, 'sub', 'f.txt'), 'agent\n');
    await restoreTogether(store, [{ manifest, paths: [] }, { manifest: other, paths: [] }]);
    expect(treeDigest()).toBe(before);
    expect(secondDigest()).toBe(otherBefore);
    expect(await pendingGroups(store)).toEqual([]);
    expect(readdirSync(join(store.root, 'journals'))).toEqual([]);
  });

  it('undoes a group the daemon died in: the tree already restored goes back to how the agent left it', async () => {
    const { manifest } = await snapshotAndAct();
    const { manifest: other } = await takeSnapshot(store, second);
    writeFileSync(join(second, 'sub', 'f.txt'), 'agent\n');
    const agentFirst = treeDigest();
    const agentSecond = secondDigest();
    // What restoreTogether has done when it dies between the two trees.
    const file = newGroupFile(store);
    const plan: GroupPlan = { version: 1, state: 'forward', trees: [] };
    for (const [index, m] of [manifest, other].entries()) {
      const undo = `${file.slice(0, -5)}-undo-${index}.json`;
      plan.trees.push({ tree: m.tree, manifest: m.id, undo });
      await takeSnapshot(store, m.tree, { manifestFile: undo });
    }
    await writeGroup(file, plan);
    await restoreSnapshot(store, manifest);
    expect(treeDigest()).not.toBe(agentFirst);

    await recoverGroups(store);
    expect(treeDigest()).toBe(agentFirst);
    expect(secondDigest()).toBe(agentSecond);
    expect(readdirSync(join(store.root, 'journals'))).toEqual([]);
  });
});

describe('verify', () => {
  it('passes an intact snapshot', async () => {
    const { manifest } = await takeSnapshot(store, tree);
    expect(await verifySnapshot(store, manifest)).toEqual({ ok: true, rootMatches: true, problems: [] });
  });

  it('names a corrupted object by hash and path, and restore refuses to write from it', async () => {
    const { manifest } = await snapshotAndAct();
    const entry = manifest.entries.find((e) => e.path === 'src/b.ts');
    if (entry?.type !== 'file') throw new Error('src/b.ts missing from the manifest');
    const objectPath = store.pathOf(entry.hash);
    const bytes = readFileSync(objectPath);
    bytes[0] = bytes[0]! ^ 0xff;
    chmodSync(objectPath, 0o600);
    writeFileSync(objectPath, bytes);

    expect(await verifySnapshot(store, manifest)).toEqual({ ok: false, rootMatches: true, problems: [{ hash: entry.hash, path: 'src/b.ts', state: 'corrupt' }] });
    const refusal = await restoreSnapshot(store, manifest, { paths: ['src/b.ts'] }).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(NonoError);
    expect((refusal as NonoError).message).toContain(entry.hash);
    expect(readFileSync(join(tree, 'src/b.ts'), 'utf8')).toBe('export const b = "broken";\n');
    expect(readdirSync(join(tree, 'src')).sort()).toEqual(['b.ts', 'c.sh']);
  });
});
