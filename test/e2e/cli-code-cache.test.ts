// The CLI runs from a V8 code cache per command (client/bin/code-cache.cjs): a command's first run
// writes its cache beside the bundle, later runs use it and print the same, a rebuilt bundle never
// runs from an old cache, and words that name no command leave nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../support/run-cli.js';

let install: string;

/** A copy of bin/ and the bundle, so this test's caches are its own. */
beforeAll(() => {
  install = mkdtempSync(join(tmpdir(), 'nono-code-cache-'));
  mkdirSync(join(install, 'bin'));
  mkdirSync(join(install, 'dist'));
  for (const file of ['nono.cjs', 'code-cache.cjs']) copyFileSync(join(REPO, 'client/bin', file), join(install, 'bin', file));
  copyFileSync(join(REPO, 'client/dist/nono.cjs'), join(install, 'dist', 'nono.cjs'));
});

afterAll(() => rmSync(install, { recursive: true, force: true }));

const nono = (...args: string[]) => spawnSync(process.execPath, [join(install, 'bin', 'nono.cjs'), ...args], { encoding: 'utf8', timeout: 30_000 });
const caches = () => readdirSync(join(install, 'dist')).filter((f) => f.endsWith('.cache')).sort();
const header = (name: string) => readFileSync(join(install, 'dist', name)).subarray(0, 64).toString('latin1').trimEnd();

describe('the CLI code cache', () => {
  it('writes the cache of a command on its first run, and prints the same from it', () => {
    const first = nono('completion', 'bash');
    expect(first.status, first.stderr).toBe(0);
    expect(caches()).toEqual(['nono.cjs.completion.cache']);
    const again = nono('completion', 'bash');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toBe(first.stdout);
  });

  it('writes nothing for words that name no command', () => {
    expect(nono('--version').status).toBe(0);
    expect(nono('rnu').status).toBe(2);
    expect(caches()).toEqual(['nono.cjs.completion.cache']);
  });

  it('never runs a rebuilt bundle from the old cache: the cache is written again for it', () => {
    const before = header('nono.cjs.completion.cache');
    utimesSync(join(install, 'dist', 'nono.cjs'), new Date(), new Date(Date.now() + 5_000));
    const r = nono('completion', 'bash');
    expect(r.status, r.stderr).toBe(0);
    expect(header('nono.cjs.completion.cache')).not.toBe(before);
  });
});
