// The CLI runs V8 bytecode from a cache file beside its bundle (client/bin/code-cache.cjs), and
// V8 checks only that the source has the same length: whoever writes a cache chooses the code
// that runs. A cache another user planted (an install in a world-writable sticky dir, where the
// bundle itself is safe), one others may write, or a symlink at the cache path must never run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { REPO } from '../support/run-cli.js';

const NOBODY = 65534;
let root: string;

/** A copy of bin/ and the bundle in a fresh dir, with dist/ at the given mode. */
function install(name: string, distMode: number): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist'));
  for (const file of ['nono.cjs', 'code-cache.cjs']) copyFileSync(join(REPO, 'client/bin', file), join(dir, 'bin', file));
  copyFileSync(join(REPO, 'client/dist/nono.cjs'), join(dir, 'dist', 'nono.cjs'));
  chmodSync(join(dir, 'dist'), distMode);
  return dir;
}

/**
 * A cache whose code writes marker: compiled from a source of the bundle's length, run once so
 * its inner function's bytecode is in the cache, headed with the bundle's key.
 */
function evilCache(bundle: string, marker: string): Buffer {
  const real = `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`;
  const head = `(function (exports, require, module, __filename, __dirname) {require('fs').writeFileSync(${JSON.stringify(marker)}, 'pwned');/*`;
  const tail = '*/\n})';
  const evil = head + ' '.repeat(real.length - head.length - tail.length) + tail;
  const script = new Script(evil, { filename: bundle });
  script.runInThisContext()({}, require, {}, bundle, '.');
  rmSync(marker);
  const { size, mtimeMs } = statSync(bundle);
  const header = Buffer.alloc(64, ' ');
  header.write(`nono code cache ${size} ${mtimeMs}`, 'latin1');
  return Buffer.concat([header, script.createCachedData()]);
}

const nono = (dir: string, ...args: string[]) => spawnSync(process.execPath, [join(dir, 'bin', 'nono.cjs'), ...args], { encoding: 'utf8', timeout: 30_000 });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nono-cache-attack-'));
  chmodSync(root, 0o755);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('planted CLI code caches', () => {
  it('the test cache would run when trusted: the same cache, written by the install owner, is V8-valid', () => {
    const dir = install('control', 0o755);
    const marker = join(root, 'control-ran');
    writeFileSync(join(dir, 'dist', 'nono.cjs.completion.cache'), evilCache(join(dir, 'dist', 'nono.cjs'), marker), { mode: 0o644 });
    nono(dir, 'completion', 'bash');
    // The control: an install owner can always choose the code that runs (they own the bundle).
    expect(existsSync(marker)).toBe(true);
  });

  it('never runs a cache another user planted in a world-writable sticky install dir, nor writes one there', () => {
    const dir = install('sticky', 0o1777);
    const marker = join(root, 'sticky-ran');
    const cache = join(dir, 'dist', 'nono.cjs.completion.cache');
    writeFileSync(cache, evilCache(join(dir, 'dist', 'nono.cjs'), marker), { mode: 0o644 });
    chownSync(cache, NOBODY, NOBODY);
    const r = nono(dir, 'completion', 'bash');
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    rmSync(cache);
    expect(nono(dir, 'completion', 'bash').status).toBe(0);
    expect(readdirSync(join(dir, 'dist')).filter((f) => f !== 'nono.cjs')).toEqual([]);
  });

  it('never runs a cache owned by another user, one others may write, or one behind a symlink', () => {
    const dir = install('owned', 0o755);
    const bundle = join(dir, 'dist', 'nono.cjs');
    const cache = join(dir, 'dist', 'nono.cjs.completion.cache');
    const cases: [string, () => void][] = [
      ['other owner', () => chownSync(cache, NOBODY, NOBODY)],
      ['group-writable', () => chmodSync(cache, 0o664)],
      ['world-writable', () => chmodSync(cache, 0o666)],
      ['symlink', () => {
        const elsewhere = join(root, 'elsewhere.cache');
        copyFileSync(cache, elsewhere);
        rmSync(cache);
        symlinkSync(elsewhere, cache);
      }],
    ];
    for (const [what, plant] of cases) {
      const marker = join(root, `owned-ran-${what}`);
      rmSync(cache, { force: true });
      writeFileSync(cache, evilCache(bundle, marker), { mode: 0o644 });
      plant();
      const r = nono(dir, 'completion', 'bash');
      expect(r.status, `${what}: ${r.stderr}`).toBe(0);
      expect(existsSync(marker), what).toBe(false);
    }
  });
});
