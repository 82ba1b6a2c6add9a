// Writing, deleting, truncating or renaming a file outside the grants fails, and the file is
// byte-for-byte unchanged afterwards; a read-only grant allows no writes either.
// Not covered here: metadata (chmod, chown, xattrs, times) is not mediated by Landlock; the
// filesystem-view work (read-only bind mounts in a private mount namespace) closes that.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli, PROBE_BIN } from '../support/run-cli.js';

const ctx = usePrivateDaemon();
let outside: string;
let readOnlyDir: string;
const ORIGINAL = 'do not touch\n';

beforeAll(async () => {
  outside = join(ctx.world.home, 'outside.txt');
  readOnlyDir = join(ctx.world.home, 'docs');
  mkdirSync(readOnlyDir);
  writeFileSync(join(readOnlyDir, 'ro.txt'), ORIGINAL);
});

const attempts = (target: string): [string, string][] => [
  ['overwrite', `echo pwned > ${target}`],
  ['append', `echo pwned >> ${target}`],
  ['truncate', `truncate -s 0 ${target}`],
  ['truncate via probe', `${PROBE_BIN} truncate ${target}`],
  ['delete', `rm ${target}`],
  ['rename away', `mv ${target} ${target}.moved`],
  ['replace by rename', `echo pwned > ./x && mv ./x ${target}`],
];

describe('writes outside the grants', () => {
  it.each(attempts('OUTSIDE'))('%s of a file outside every grant fails and leaves it unchanged', async (_name, template) => {
    writeFileSync(outside, ORIGINAL);
    const r = await runCli(
      ['run', '--allow-cwd', '--read', join(PROBE_BIN, '..'), '--', 'sh', '-c', template.replace('OUTSIDE', outside)],
      ctx.world,
    );
    expect(r.code).not.toBe(0);
    expect(readFileSync(outside, 'utf8')).toBe(ORIGINAL);
    expect(existsSync(`${outside}.moved`)).toBe(false);
  });

  it.each(attempts('RO'))('%s inside a --read grant fails and leaves the file unchanged', async (_name, template) => {
    const target = join(readOnlyDir, 'ro.txt');
    const r = await runCli(['run', '--allow-cwd', '--read', readOnlyDir, '--read', join(PROBE_BIN, '..'), '--', 'sh', '-c', template.replace('RO', target)], ctx.world);
    expect(r.code).not.toBe(0);
    expect(readFileSync(target, 'utf8')).toBe(ORIGINAL);
  });

  it('cannot create new files next to a read-only grant', async () => {
    const r = await runCli(['run', '--read', readOnlyDir, '--', 'sh', '-c', `echo x > ${readOnlyDir}/new.txt; mkdir ${readOnlyDir}/newdir; ln -s /etc ${readOnlyDir}/link`], ctx.world);
    expect(r.code).not.toBe(0);
    expect(existsSync(join(readOnlyDir, 'new.txt'))).toBe(false);
    expect(existsSync(join(readOnlyDir, 'newdir'))).toBe(false);
    expect(existsSync(join(readOnlyDir, 'link'))).toBe(false);
  });

  it('writes inside the granted workdir do land on disk', async () => {
    const r = await runCli(['run', '--allow-cwd', '--allow-command', 'truncate', '--', 'sh', '-c', 'echo made > ./made.txt && truncate -s 2 ./made.txt'], ctx.world);
    expect(r.code).toBe(0);
    expect(readFileSync(join(ctx.world.work, 'made.txt'), 'utf8')).toBe('ma');
  });
});
