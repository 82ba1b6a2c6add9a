// Sessions a user can find again, against a real daemon: a one-shot --snapshot run names its
// session; session diff|rollback|verify default to the last session with snapshots started in
// this directory; `ps` shows what is alive and what ended in the last hour, one line each
// whatever the argv; and config.json's sessions.prune_after_hours prunes on a schedule.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

interface Listed {
  name: string;
  id: string;
  state: string;
}

describe('one-shot runs and the session commands without a name', () => {
  const ctx = usePrivateDaemon();
  const project = () => join(ctx.world.work, 'repo');
  const elsewhere = () => join(ctx.world.work, 'elsewhere');
  const cli = (args: string[], cwd = project()) => runCli(args, ctx.world, { cwd, timeoutMs: 60_000 });

  it('a foreground --snapshot run prints its session name at the end; a run that keeps no snapshot does not', async () => {
    mkdirSync(project(), { recursive: true });
    mkdirSync(elsewhere(), { recursive: true });
    writeFileSync(join(project(), 'a.txt'), 'one\n');
    const run = await cli(['run', '--snapshot', '--allow-cwd', '--', 'sh', '-c', 'echo two > a.txt; echo new > b.txt']);
    expect(run.code, run.stderr).toBe(0);
    const named = /^nono: session (\S+) \(nono session diff \1\)$/m.exec(run.stderr);
    expect(named, run.stderr).not.toBeNull();
    const plain = await cli(['run', '--allow-cwd', '--', 'true']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toMatch(/nono: session/);

    // The later run without snapshots is not "the last session with snapshots".
    const diff = await cli(['session', 'diff', '--json']);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stderr).toMatch(new RegExp(`nono: session ${named![1]} \\(`));
    const trees = JSON.parse(diff.stdout) as { changes: { path: string; kind: string }[] }[];
    expect(trees.flatMap((t) => t.changes.map((c) => c.path)).sort()).toEqual(['a.txt', 'b.txt']);
    expect((await cli(['session', 'verify'])).code).toBe(0);

    const rollback = await cli(['session', 'rollback']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(readFileSync(join(project(), 'a.txt'), 'utf8')).toBe('one\n');

    const none = await cli(['session', 'diff'], elsewhere());
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no session with snapshots was started in .*elsewhere/);
  });
});

describe('nono ps', () => {
  const ctx = usePrivateDaemon();
  const cli = (...args: string[]) => runCli(args, ctx.world, { timeoutMs: 60_000 });
  const listed = async (...args: string[]): Promise<Listed[]> => JSON.parse((await cli('ps', '--json', ...args)).stdout) as Listed[];

  it('shows running and recently ended sessions, one line each whatever the argv; older ones only with --all', async () => {
    expect((await cli('run', '--name', 'alive', '--detached', '--', 'sleep', '60')).code).toBe(0);
    expect((await cli('run', '--name', 'lines', '--', 'sh', '-c', 'true', 'first\nsecond\u001b[2J', 'x'.repeat(200))).code).toBe(0);
    expect((await cli('run', '--name', 'old', '--', 'true')).code).toBe(0);
    const ps = await cli('ps');
    expect(ps.code, ps.stderr).toBe(0);
    const rows = ps.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(4);
    const lines = rows.find((r) => r.startsWith('lines '))!;
    expect(lines).toContain("'first\\nsecond\\x1b[2J'");
    expect(lines).not.toContain('\u001b');
    expect(lines.endsWith('…')).toBe(true);

    // Ended two hours ago, as far as the store knows: written while the daemon is down, since
    // a running daemon answers from the rows it keeps in memory. The daemon's restart leaves
    // `alive` lost (its processes died with the daemon), ended just now.
    const old = (await listed()).find((s) => s.name === 'old')!;
    await ctx.daemon.stop();
    const db = new Database(join(ctx.world.root, 'state', 'nono', 'nono.db'));
    db.prepare('UPDATE sessions SET ended_at = ? WHERE id = ?').run(new Date(Date.now() - 2 * 3_600_000).toISOString(), old.id);
    db.close();
    ctx.daemon = await startDaemon(ctx.world);
    expect((await listed()).map((s) => s.name).sort()).toEqual(['alive', 'lines']);
    expect((await listed('--all')).map((s) => s.name).sort()).toEqual(['alive', 'lines', 'old']);
  });
});

describe('sessions.prune_after_hours', () => {
  const ctx = usePrivateDaemon({ daemon: { housekeepingMs: 300 } });
  const cli = (...args: string[]) => runCli(args, ctx.world, { timeoutMs: 60_000 });

  it('the daemon prunes ended sessions on its schedule and keeps running ones', async () => {
    expect((await cli('run', '--name', 'ended', '--', 'true')).code).toBe(0);
    expect((await cli('run', '--name', 'running', '--detached', '--', 'sleep', '60')).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // No key: nothing is pruned.
    const before = JSON.parse((await cli('ps', '--all', '--json')).stdout) as Listed[];
    expect(before.map((s) => s.name).sort()).toEqual(['ended', 'running']);
    mkdirSync(join(ctx.world.root, 'config', 'nono'), { recursive: true });
    writeFileSync(join(ctx.world.root, 'config', 'nono', 'config.json'), JSON.stringify({ sessions: { prune_after_hours: 0 } }));
    let after: Listed[] = before;
    for (let i = 0; i < 20 && after.length > 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = JSON.parse((await cli('ps', '--all', '--json')).stdout) as Listed[];
    }
    expect(after.map((s) => s.name)).toEqual(['running']);
    expect((await cli('logs', 'ended')).code).not.toBe(0);
    await cli('stop', 'running', '--force');
  });
});
