// Snapshots lose nothing: names that are not UTF-8 (Latin-1, stray bytes) are listed, escaped
// for people and exact in --json, and a rollback or restore brings the tree back bit for bit,
// names, contents, modes of files and directories, owners and symlink targets included. A
// rollback of several trees is all or nothing: when the second cannot be written, the first
// is put back as the agent left it and the error names the path that stopped it.
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const ctx = usePrivateDaemon();
const tree = () => join(ctx.world.work, 'names');
const other = () => join(ctx.world.work, 'other');
const cli = (...args: string[]) => runCli(args, ctx.world, { cwd: tree() });

/** A path under `dir` whose last part is given as raw bytes. */
const raw = (dir: string, name: string) => Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(name, 'latin1')]);

/** Names (as bytes), modes, owners, contents and link targets of a tree. */
function treeDigest(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: Buffer): void => {
    for (const name of (readdirSync(dir, { encoding: 'buffer' }) as Buffer[]).sort(Buffer.compare)) {
      const path = Buffer.concat([dir, Buffer.from('/'), name]);
      const stats = lstatSync(path);
      hash.update(Buffer.concat([path, Buffer.from(`\0${stats.mode}\0${stats.uid}:${stats.gid}\0`)]));
      if (stats.isSymbolicLink()) hash.update(readlinkSync(path, { encoding: 'buffer' }));
      else if (stats.isDirectory()) walk(path);
      else hash.update(readFileSync(path));
    }
  };
  hash.update(String(lstatSync(root).mode));
  walk(Buffer.from(root));
  return hash.digest('hex');
}

function makeTree(): void {
  rmSync(tree(), { recursive: true, force: true });
  mkdirSync(join(tree(), 'sub'), { recursive: true });
  chmodSync(join(tree(), 'sub'), 0o755);
  writeFileSync(join(tree(), 'plain.txt'), 'plain\n');
  writeFileSync(raw(tree(), 'lat1-\xe9t\xe9.txt'), 'latin-1 name\n');
  writeFileSync(raw(tree(), 'bad-\xff\xfe'), 'stray bytes\n');
  writeFileSync(raw(join(tree(), 'sub'), 'inner-\xff.txt'), 'inside a directory\n');
  mkdirSync(raw(tree(), 'dir-\xfe'));
  chmodSync(raw(tree(), 'dir-\xfe'), 0o750);
  writeFileSync(Buffer.concat([raw(tree(), 'dir-\xfe'), Buffer.from('/x.txt')]), 'x\n');
  symlinkSync(Buffer.from('bad-\xff\xfe', 'latin1'), raw(tree(), 'link-\xe9'));
  mkdirSync(join(tree(), 'gone'));
  chmodSync(join(tree(), 'gone'), 0o755);
  writeFileSync(join(tree(), 'gone', 'f.txt'), 'in a directory the agent deletes\n');
  chownSync(join(tree(), 'plain.txt'), 1234, 5678);
}

// What the agent does, in bytes the shell's printf turns into those names.
const AGENT = [
  `rm "$(printf 'lat1-\\351t\\351.txt')"`,
  `echo rewritten > "$(printf 'bad-\\377\\376')"`,
  `echo changed > "$(printf 'sub/inner-\\377.txt')"`,
  `chmod 700 sub "$(printf 'dir-\\376')"`,
  `echo new > "$(printf 'new-\\200')"`,
  `rm "$(printf 'link-\\351')"`,
  `ln -s elsewhere "$(printf 'link-\\351')"`,
  'rm -r gone',
].join('; ');

interface ChangeJson {
  kind: string;
  path: string;
  pathBase64?: string;
}

const b64 = (name: string) => Buffer.from(name, 'latin1').toString('base64');

const EXPECTED: ChangeJson[] = [
  { kind: '~', path: '"bad-\\377\\376"', pathBase64: b64('bad-\xff\xfe') },
  { kind: 'p', path: '"dir-\\376"', pathBase64: b64('dir-\xfe') },
  { kind: '-', path: 'gone/f.txt' },
  { kind: '-', path: '"lat1-\\351t\\351.txt"', pathBase64: b64('lat1-\xe9t\xe9.txt') },
  { kind: '~', path: '"link-\\351"', pathBase64: b64('link-\xe9') },
  { kind: '+', path: '"new-\\200"', pathBase64: b64('new-\x80') },
  { kind: 'p', path: 'sub' },
  { kind: '~', path: '"sub/inner-\\377.txt"', pathBase64: b64('sub/inner-\xff.txt') },
];

async function agentSession(name: string, extra: string[] = [], script = AGENT): Promise<void> {
  const r = await cli('run', '--name', name, '--snapshot', '--allow-cwd', ...extra, '--allow-command', 'rm', '--allow-command', 'chmod', '--', 'sh', '-c', script);
  expect(r.code, r.stderr).toBe(0);
}

beforeEach(makeTree);

describe('names that are not UTF-8', () => {
  it('run --snapshot, session diff and session rollback: every name listed, escaped for people, exact in --json; the tree comes back bit-identical', async () => {
    const before = treeDigest(tree());
    await agentSession('latin');
    const diff = JSON.parse((await cli('session', 'diff', 'latin', '--json')).stdout) as { tree: string; changes: ChangeJson[] }[];
    expect(diff[0]!.changes).toEqual(EXPECTED);
    const human = await cli('session', 'diff', 'latin');
    expect(human.stdout).toContain('8 changes');
    expect(human.stdout).toMatch(/^ {2}- "lat1-\\351t\\351\.txt"$/m);
    expect(human.stdout).toMatch(/^ {2}~ "bad-\\377\\376"$/m);
    expect(human.stdout).toMatch(/^ {2}~ "sub\/inner-\\377\.txt"$/m);

    const rolled = await cli('session', 'rollback', 'latin');
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(treeDigest(tree())).toBe(before);
    expect(lstatSync(join(tree(), 'sub')).mode & 0o7777).toBe(0o755);
    expect(lstatSync(join(tree(), 'gone')).mode & 0o7777).toBe(0o755);
    expect(lstatSync(raw(tree(), 'dir-\xfe')).mode & 0o7777).toBe(0o750);
    expect(lstatSync(join(tree(), 'plain.txt'))).toMatchObject({ uid: 1234, gid: 5678 });
    expect(readlinkSync(raw(tree(), 'link-\xe9'), { encoding: 'buffer' })).toEqual(Buffer.from('bad-\xff\xfe', 'latin1'));
    const after = await cli('session', 'diff', 'latin', '--json');
    expect((JSON.parse(after.stdout) as { changes: unknown[] }[])[0]!.changes).toHaveLength(EXPECTED.length);
  });

  it('snapshot create, diff, restore and verify record all six files and the link, and undo the agent exactly', async () => {
    const created = await cli('snapshot', 'create', '--json');
    expect(created.code, created.stderr).toBe(0);
    const { snapshot } = JSON.parse(created.stdout) as { snapshot: { id: string; files: number } };
    expect(snapshot.files).toBe(6);
    const before = treeDigest(tree());
    execFileSync('sh', ['-c', AGENT], { cwd: tree() });

    const diff = JSON.parse((await cli('snapshot', 'diff', snapshot.id, '--json')).stdout) as { changes: ChangeJson[] };
    expect(diff.changes).toEqual(EXPECTED);
    const shown = JSON.parse((await cli('snapshot', 'show', snapshot.id, '--entries', '--json')).stdout) as { entries: { path: string; pathBase64?: string; target?: string; targetBase64?: string }[] };
    expect(shown.entries.find((e) => e.pathBase64 === b64('link-\xe9'))).toMatchObject({ path: '"link-\\351"', target: '"bad-\\377\\376"', targetBase64: b64('bad-\xff\xfe') });
    const verified = await cli('snapshot', 'verify', snapshot.id);
    expect(verified.code, verified.stdout).toBe(0);

    const restored = await cli('snapshot', 'restore', snapshot.id);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/^ {2}\+ "new-\\200"$/m);
    expect(treeDigest(tree())).toBe(before);
    const again = JSON.parse((await cli('snapshot', 'diff', snapshot.id, '--json')).stdout) as { changes: ChangeJson[] };
    expect(again.changes).toEqual([]);
  });

  it('stores the names losslessly in a version 2 manifest, base64 beside a quoted form', async () => {
    const { snapshot } = JSON.parse((await cli('snapshot', 'create', '--json')).stdout) as { snapshot: { id: string } };
    const manifest = JSON.parse(readFileSync(join(ctx.world.root, 'state', 'nono', 'snapshots', 'manifests', `${snapshot.id}.json`), 'utf8')) as {
      version: number;
      entries: { path: string; path_b64?: string }[];
    };
    expect(manifest.version).toBe(2);
    expect(manifest.entries).toContainEqual(expect.objectContaining({ path: '"bad-\\377\\376"', path_b64: b64('bad-\xff\xfe') }));
    expect(manifest.entries).toContainEqual(expect.objectContaining({ path: 'plain.txt', type: 'file' }));
  });
});

describe('a rollback of several trees is all or nothing', () => {
  const ro = () => join(other(), 'locked');
  let mounted = false;

  beforeEach(() => {
    rmSync(other(), { recursive: true, force: true });
    mkdirSync(ro(), { recursive: true });
    writeFileSync(join(ro(), 'file.txt'), 'other original\n');
  });

  afterEach(() => {
    if (mounted) execFileSync('umount', [ro()]);
    mounted = false;
  });

  it('when the second tree cannot be written, the first is put back as it was and the error names the path', async () => {
    await agentSession('two-trees', ['--allow', other()], `${AGENT}; echo agent > ${ro()}/file.txt`);
    const firstAfterAgent = treeDigest(tree());
    const secondAfterAgent = treeDigest(other());
    // The second tree turns read-only under the daemon (root ignores file modes, not mounts).
    execFileSync('mount', ['--bind', ro(), ro()]);
    mounted = true;
    execFileSync('mount', ['-o', 'remount,bind,ro', ro()]);

    const r = await cli('session', 'rollback', 'two-trees', '--json');
    expect(r.code).not.toBe(0);
    const error = JSON.parse(r.stdout || r.stderr) as { error: { kind: string; message: string } };
    expect(error.error.kind).toBe('READ_ONLY_FILESYSTEM');
    expect(error.error.message).toContain(`${ro()}/file.txt`);
    // The first tree was restored before the second failed, so it had to be put back.
    expect(error.error.message).toContain(`nothing was rolled back (${tree()}, ${other()} are as before)`);
    expect(error.error.message).not.toMatch(/\n/);
    expect(treeDigest(tree())).toBe(firstAfterAgent);
    expect(treeDigest(other())).toBe(secondAfterAgent);
    expect(readdirSync(join(ctx.world.root, 'state', 'nono', 'snapshots', 'journals')).filter((n) => n.startsWith('group-'))).toEqual([]);

    execFileSync('umount', [ro()]);
    mounted = false;
    const retry = await cli('session', 'rollback', 'two-trees');
    expect(retry.code, retry.stderr).toBe(0);
    expect(readFileSync(join(ro(), 'file.txt'), 'utf8')).toBe('other original\n');
    expect(readFileSync(raw(tree(), 'bad-\xff\xfe'), 'utf8')).toBe('stray bytes\n');
  });
});

describe('a rollback of several trees as an unprivileged user (root ignores a 0555 directory)', () => {
  const as = unprivilegedUser();
  const user = usePrivateDaemon({ world: { owner: as }, as });
  const first = () => join(user.world.work, 'first');
  const second = () => join(user.world.work, 'second');

  it('a second tree with a read-only directory stops it with PERMISSION_DENIED, and the first is put back', async () => {
    for (const dir of [first(), second()]) {
      mkdirSync(join(dir, 'sub'), { recursive: true });
      writeFileSync(join(dir, 'sub', 'f.txt'), 'original\n');
      writeFileSync(raw(dir, 'odd-\xff'), 'odd original\n');
      execFileSync('chown', ['-R', `${as.uid}:${as.gid}`, dir]);
    }
    const script = `echo agent > sub/f.txt; echo agent > "$(printf 'odd-\\377')"; echo agent > ${second()}/sub/f.txt`;
    const run = await runCli(['run', '--name', 'two', '--snapshot', '--allow-cwd', '--allow', second(), '--', 'sh', '-c', script], user.world, { as, cwd: first() });
    expect(run.code, run.stderr).toBe(0);
    const firstAfterAgent = treeDigest(first());
    const secondAfterAgent = treeDigest(second());
    chmodSync(join(second(), 'sub'), 0o555);
    try {
      const r = await runCli(['session', 'rollback', 'two', '--json'], user.world, { as });
      expect(r.code).not.toBe(0);
      const { error } = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { error: { kind: string; message: string } };
      expect(error.kind).toBe('PERMISSION_DENIED');
      expect(error.message).toContain(`${second()}/sub/f.txt`);
      expect(error.message).toContain(`nothing was rolled back (${first()}, ${second()} are as before)`);
      expect(treeDigest(first())).toBe(firstAfterAgent);
      chmodSync(join(second(), 'sub'), 0o755);
      expect(treeDigest(second())).toBe(secondAfterAgent);
    } finally {
      chmodSync(join(second(), 'sub'), 0o755);
    }
    const retry = await runCli(['session', 'rollback', 'two'], user.world, { as });
    expect(retry.code, retry.stderr).toBe(0);
    expect(readFileSync(raw(first(), 'odd-\xff'), 'utf8')).toBe('odd original\n');
    expect(readFileSync(join(second(), 'sub', 'f.txt'), 'utf8')).toBe('original\n');
  });
});
