// nono learn across processes under real strace: pipelines, a child that changes directory
// and reads relative paths, and make running recipes in the directory -C gave it. Every path
// must come back absolute and in the right place, whichever process touched it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { learn } from '../../src/index.js';

let world: string;
const env = () => ({ PATH: '/usr/bin:/bin', HOME: join(world, 'home') });
const grants = (paths: { path: string; access: string; kind: string }[]) => paths.map(({ path, access, kind }) => ({ path, access, kind }));

beforeAll(() => {
  world = realpathSync(mkdtempSync('/var/tmp/nono-learn-proc-'));
  for (const dir of ['sub', 'out', 'home', 'proj/build', 'shared', 'other']) mkdirSync(join(world, dir), { recursive: true });
  writeFileSync(join(world, 'a.txt'), 'x1\nx2\ny\n');
  writeFileSync(join(world, 'sub', 'rel.txt'), 'relative\n');
  writeFileSync(join(world, 'shared', 'input.txt'), 'input\n');
  writeFileSync(join(world, 'other', 'extra.txt'), 'extra\n');
  writeFileSync(join(world, 'proj', 'Makefile'), 'build/result.txt: ../shared/input.txt\n\tcat ../shared/input.txt ../other/extra.txt > build/result.txt\n');
});
afterAll(() => rmSync(world, { recursive: true, force: true }));

describe('learn across processes', () => {
  it('resolves relative paths of every process in a pipeline and after cd', async () => {
    const result = await learn(['sh', '-c', 'cat a.txt | grep x | wc -l > out/count.txt; cd sub && cat rel.txt | wc -c'], { cwd: world, env: env(), noRdns: true });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(world, 'out', 'count.txt'), 'utf8').trim()).toBe('2');
    expect(grants(result.paths)).toEqual([
      { path: join(world, 'a.txt'), access: 'read', kind: 'file' },
      { path: join(world, 'out'), access: 'readwrite', kind: 'dir' },
      { path: join(world, 'sub/rel.txt'), access: 'read', kind: 'file' },
    ]);
    expect(result.counts.processes).toBeGreaterThanOrEqual(5);
  });

  it('follows make -C into its directory and into the recipe shell', async () => {
    const result = await learn(['make', '-s', '-C', 'proj'], { cwd: world, env: env(), noRdns: true });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(world, 'proj', 'build', 'result.txt'), 'utf8')).toBe('input\nextra\n');
    // make lists its directory and its prerequisites' (so those directories are the grants);
    // the recipe's shell, forked after -C, reads ../other and writes build/ relative to proj.
    expect(grants(result.paths)).toEqual([
      { path: join(world, 'other/extra.txt'), access: 'read', kind: 'file' },
      { path: join(world, 'proj'), access: 'read', kind: 'dir' },
      { path: join(world, 'proj/build'), access: 'readwrite', kind: 'dir' },
      { path: join(world, 'shared'), access: 'read', kind: 'dir' },
    ]);
  });

  it('collapses many files read in one directory to the directory', async () => {
    for (const name of ['one', 'two', 'three', 'four']) writeFileSync(join(world, 'sub', `${name}.txt`), name);
    const result = await learn(['sh', '-c', 'cat sub/one.txt sub/two.txt sub/three.txt sub/four.txt > /dev/null'], { cwd: world, env: env(), noRdns: true });
    expect(grants(result.paths)).toEqual([{ path: join(world, 'sub'), access: 'read', kind: 'dir' }]);
    expect(result.paths[0]!.paths).toBe(4);
  });
});
