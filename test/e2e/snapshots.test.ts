// Snapshots around a session on a real tree: an agent deletes, rewrites, adds, chmods and
// links; session diff names exactly those changes; rollback puts the tree back bit for bit,
// except what is excluded (node_modules), which stays as the agent left it.
import { describe, expect, it, beforeEach } from 'vitest';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon();
const tree = () => join(ctx.world.work, 'repo');

/** Paths, modes, contents and link targets of the tree, node_modules left out. */
function treeDigest(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name === 'node_modules') continue;
      const path = join(dir, name);
      const stats = lstatSync(path);
      hash.update(`${path}\0${stats.mode}\0`);
      if (stats.isSymbolicLink()) hash.update(readlinkSync(path));
      else if (stats.isDirectory()) walk(path);
      else hash.update(readFileSync(path));
    }
  };
  walk(root);
  return hash.digest('hex');
}

const AGENT = 'rm a.txt; echo rewritten > b.txt; echo added > c.txt; chmod +x d.sh; ln -s b.txt link; echo agent > node_modules/x.js';

beforeEach(() => {
  rmSync(tree(), { recursive: true, force: true });
  mkdirSync(join(tree(), 'node_modules'), { recursive: true });
  writeFileSync(join(tree(), 'a.txt'), 'to be deleted\n');
  writeFileSync(join(tree(), 'b.txt'), 'original\n');
  writeFileSync(join(tree(), 'd.sh'), 'echo hi\n');
  chmodSync(join(tree(), 'd.sh'), 0o644);
  writeFileSync(join(tree(), 'node_modules', 'x.js'), 'original module\n');
});

const cli = (...args: string[]) => runCli(args, ctx.world, { cwd: tree() });

async function agentSession(name: string): Promise<void> {
  // The agent deletes and chmods: dangerous_commands refuses only the command nono launches.
  const r = await cli('run', '--name', name, '--snapshot', '--allow-cwd', '--', 'sh', '-c', AGENT);
  expect(r.code, r.stderr).toBe(0);
}

describe('session snapshots', () => {
  it('diff names exactly the five changes, and rollback restores the tree bit-identical, node_modules aside', async () => {
    const before = treeDigest(tree());
    await agentSession('agent-1');
    const diff = JSON.parse((await cli('session', 'diff', 'agent-1', '--json')).stdout) as { tree: string; changes: { kind: string; path: string }[] }[];
    expect(diff).toHaveLength(1);
    expect(diff[0]!.changes).toEqual([
      { kind: '-', path: 'a.txt' },
      { kind: '~', path: 'b.txt' },
      { kind: '+', path: 'c.txt' },
      { kind: 'p', path: 'd.sh' },
      { kind: '+', path: 'link' },
    ]);
    const human = await cli('session', 'diff', 'agent-1');
    expect(human.stdout).toMatch(/^  - a\.txt$/m);
    const dry = await cli('session', 'rollback', 'agent-1', '--dry-run');
    expect(dry.stdout).toMatch(/dry run: nothing was changed/);
    expect(treeDigest(tree())).not.toBe(before);
    const rolled = await cli('session', 'rollback', 'agent-1');
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(treeDigest(tree())).toBe(before);
    expect(readFileSync(join(tree(), 'node_modules', 'x.js'), 'utf8')).toBe('agent\n');
  });

  it('rolls back one path and leaves the rest as the agent left it', async () => {
    await agentSession('agent-2');
    const r = await cli('session', 'rollback', 'agent-2', 'b.txt');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(tree(), 'b.txt'), 'utf8')).toBe('original\n');
    expect(readFileSync(join(tree(), 'c.txt'), 'utf8')).toBe('added\n');
    expect(readdirSync(tree())).not.toContain('a.txt');
    expect(lstatSync(join(tree(), 'd.sh')).mode & 0o111).not.toBe(0);
  });

  it('leaves --snapshot-exclude paths out of the diff and untouched by rollback', async () => {
    mkdirSync(join(tree(), 'scratch'));
    writeFileSync(join(tree(), 'scratch', 'notes.txt'), 'before\n');
    const r = await cli('run', '--name', 'agent-ex', '--snapshot', '--snapshot-exclude', 'scratch/**', '--allow-cwd', '--', 'sh', '-c', 'echo agent > scratch/notes.txt; echo rewritten > b.txt');
    expect(r.code, r.stderr).toBe(0);
    const diff = JSON.parse((await cli('session', 'diff', 'agent-ex', '--json')).stdout) as { changes: { path: string }[] }[];
    expect(diff[0]!.changes.map((c) => c.path)).toEqual(['b.txt']);
    await cli('session', 'rollback', 'agent-ex');
    expect(readFileSync(join(tree(), 'b.txt'), 'utf8')).toBe('original\n');
    expect(readFileSync(join(tree(), 'scratch', 'notes.txt'), 'utf8')).toBe('agent\n');
  });

  it('verify names a corrupted object, and rollback refuses rather than write wrong bytes', async () => {
    await agentSession('agent-v');
    expect((await cli('session', 'verify', 'agent-v')).code).toBe(0);
    const objects = join(ctx.world.root, 'state', 'nono', 'snapshots', 'objects');
    const original = createHash('sha256').update('original\n').digest('hex');
    const object = join(objects, original.slice(0, 2), original.slice(2, 3), original);
    writeFileSync(object, 'tampered\n');
    const verify = await cli('session', 'verify', 'agent-v');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(new RegExp(`corrupt object ${original} \\(b\\.txt\\)`));
    const rollback = await cli('session', 'rollback', 'agent-v');
    expect(rollback.code).toBe(1);
    expect(readFileSync(join(tree(), 'b.txt'), 'utf8')).toBe('rewritten\n');
    writeFileSync(object, 'original\n');
  });

  it('answers bad input with one clear line', async () => {
    const unknown = await cli('session', 'rollback', 'no-such-session');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no session named or with id no-such-session/);
    await cli('run', '--name', 'plain', '--allow-cwd', '--', 'true');
    const none = await cli('session', 'rollback', 'plain');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/session plain has no snapshot; run it with nono run --snapshot/);
    await agentSession('agent-3');
    const outside = await cli('session', 'rollback', 'agent-3', '/etc/passwd');
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/\/etc\/passwd is outside the snapshot of session agent-3/);
    expect(outside.stderr.trim().split('\n')).toHaveLength(1);
  });
});
