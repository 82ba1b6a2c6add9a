// Snapshots on a generated tree of 20,000 files / ~500 MB with a realistic size mix, side by
// side with `git add -A` into a fresh repository of the same tree: the baseline snapshot, a
// re-snapshot with nothing changed, and one after 1% of the files changed, plus the peak RSS
// of the snapshotting process.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { single } from './support/stats.mjs';

const FILES = 20_000;
const TOTAL_MB = 500;

/** Mostly small source files, some medium, a few large: about TOTAL_MB in all. */
function generateTree(root, files, totalMb) {
  const sizes = [];
  for (let i = 0; i < files; i++) {
    const r = (i * 7919) % 1000;
    sizes.push(r < 900 ? 2_000 + (r % 20) * 300 : r < 995 ? 60_000 + r * 40 : 0);
  }
  const small = sizes.reduce((a, b) => a + b, 0);
  const bigCount = sizes.filter((s) => s === 0).length;
  const big = Math.max(0, Math.floor((totalMb * 1048576 - small) / Math.max(1, bigCount)));
  for (let i = 0; i < files; i++) {
    const dir = join(root, `pkg${i % 50}`, `mod${i % 17}`);
    mkdirSync(dir, { recursive: true });
    const size = sizes[i] || big;
    const line = `// file ${i} ${'x'.repeat(60)}\n`;
    writeFileSync(join(dir, `f${i}.ts`), line.repeat(Math.ceil(size / line.length)).slice(0, size));
  }
}

/** Runs a snapshot in a child so its peak RSS is its own; returns {ms, rssMb}. */
function snapshotChild(repo, store, tree) {
  const script = `
    import { ObjectStore, takeSnapshot } from '${join(repo, 'daemon/dist/snapshots/index.js')}';
    const t0 = performance.now();
    const r = await takeSnapshot(new ObjectStore(${JSON.stringify(store)}), ${JSON.stringify(tree)});
    console.log(JSON.stringify({ ms: performance.now() - t0, hashed: r.filesHashed, id: r.manifest.id }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'RSS %M', process.execPath, '--input-type=module', '-e', script]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`snapshot failed: ${err.trim()}`));
      const result = JSON.parse(out);
      resolve({ ...result, rssMb: Number(/RSS (\d+)/.exec(err)?.[1] ?? 0) / 1024 });
    });
  });
}

/** Rolls the tree back to a snapshot in a child, as `nono session rollback` does; returns {ms, performed}. */
function restoreChild(repo, store, id) {
  const script = `
    import { ObjectStore, readManifest, restoreSnapshot } from '${join(repo, 'daemon/dist/snapshots/index.js')}';
    const store = new ObjectStore(${JSON.stringify(store)});
    const manifest = await readManifest(store, ${JSON.stringify(id)});
    const t0 = performance.now();
    const r = await restoreSnapshot(store, manifest);
    console.log(JSON.stringify({ ms: performance.now() - t0, performed: r.performed }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`restore failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

/**
 * Writes back every dirty page first, untimed: a snapshot's syncfs would otherwise also flush
 * the generator's 500 MB and git's objects, and git, which never syncs, would pay for nothing.
 */
function settle() {
  spawnSync('sync');
}

function timeGitAdd(tree) {
  spawnSync('git', ['init', '-q'], { cwd: tree });
  const t0 = performance.now();
  const r = spawnSync('git', ['add', '-A'], { cwd: tree });
  if (r.status !== 0) throw new Error(`git add -A failed: ${r.stderr}`);
  const ms = performance.now() - t0;
  rmSync(join(tree, '.git'), { recursive: true, force: true });
  return ms;
}

export default async function snapshots({ repo, scale, progress }) {
  const root = mkdtempSync(join(tmpdir(), 'nono-bench-snap-'));
  try {
    const files = Math.max(2000, Math.round(FILES * scale));
    const megabytes = Math.max(50, Math.round(TOTAL_MB * scale));
    const tree = join(root, 'tree');
    const store = join(root, 'store');
    progress(`snapshots: generating ${files} files`);
    generateTree(tree, files, megabytes);
    progress('snapshots: git add -A');
    settle();
    const git = timeGitAdd(tree);
    progress('snapshots: baseline');
    settle();
    const baseline = await snapshotChild(repo, store, tree);
    progress('snapshots: unchanged re-snapshot');
    const again = await snapshotChild(repo, store, tree);
    for (let i = 0; i < files; i += 100) writeFileSync(join(tree, `pkg${i % 50}`, `mod${i % 17}`, `f${i}.ts`), `// changed ${i}\n`);
    progress('snapshots: after 1% changed');
    const changed = await snapshotChild(repo, store, tree);
    progress('snapshots: rollback of the 1%');
    const rollback = restoreChild(repo, store, baseline.id);
    return [
      {
        name: `baseline snapshot, ${files} files / ${megabytes} MB`,
        measured: single(baseline.ms),
        baseline: single(git),
        baselineLabel: 'git add -A, fresh repository',
        deltaMs: baseline.ms - git,
        ratio: baseline.ms / git,
        target: 'ratio ≤ 1.0',
        status: baseline.ms <= git ? 'pass' : 'fail',
        note: `${baseline.hashed} files hashed and stored`,
      },
      {
        name: 're-snapshot, nothing changed',
        measured: single(again.ms),
        baseline: single(baseline.ms),
        baselineLabel: 'the baseline snapshot',
        deltaMs: again.ms - baseline.ms,
        ratio: again.ms / baseline.ms,
        target: 'ratio ≤ 0.10',
        status: again.ms / baseline.ms <= 0.1 ? 'pass' : 'fail',
        note: `${again.hashed} files re-hashed (the stat cache served the rest)`,
      },
      {
        name: 're-snapshot after 1% of files changed',
        measured: single(changed.ms),
        baseline: single(baseline.ms),
        baselineLabel: 'the baseline snapshot',
        deltaMs: changed.ms - baseline.ms,
        ratio: changed.ms / baseline.ms,
        target: 'ratio ≤ 0.15',
        status: changed.ms / baseline.ms <= 0.15 ? 'pass' : 'fail',
        note: `${changed.hashed} files re-hashed`,
      },
      {
        name: 'rollback of the 1% changed files',
        measured: single(rollback.ms),
        baseline: single(baseline.ms),
        baselineLabel: 'the baseline snapshot',
        deltaMs: rollback.ms - baseline.ms,
        ratio: rollback.ms / baseline.ms,
        target: 'report',
        status: 'pass',
        note: `${rollback.performed} restore operations (journaled, each file fsynced)`,
      },
      {
        name: 'peak RSS of the baseline snapshot (MB)',
        measured: single(baseline.rssMb),
        unit: 'MB',
        target: '≤ 200 MB',
        status: baseline.rssMb <= 200 ? 'pass' : 'fail',
      },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
