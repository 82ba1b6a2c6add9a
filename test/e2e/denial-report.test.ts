// After a run, nono names what the sandbox refused: paths a program failed on that the policy
// denies (an ungranted file is absent in the view, so "No such file" counts when the file
// exists outside), never paths that really do not exist; on a terminal it offers a draft
// profile allowing them, and never offers a protected path.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { NONO_BIN, runCli } from '../support/run-cli.js';
import { openTerminal } from '../support/real-terminal.js';

const ctx = usePrivateDaemon();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('denial reports', () => {
  it('names refused paths after the run, with the rule, and not paths that do not exist', async () => {
    writeFileSync(join(ctx.world.home, 'notes.txt'), 'private notes\n');
    const script = `cat ${ctx.world.home}/notes.txt; echo x > ${ctx.world.home}/new.txt; cat /no/such/file; cat ${ctx.world.home}/.ssh/id_rsa; true`;
    const r = await runCli(['run', '--', 'sh', '-c', script], ctx.world);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`nono: the sandbox denied read of ${ctx.world.home}/notes.txt`);
    expect(r.stderr).toContain(`nono: the sandbox denied write of ${ctx.world.home}/new.txt`);
    expect(r.stderr).toMatch(new RegExp(`nono: the sandbox denied read of ${ctx.world.home}/\\.ssh/id_rsa: .*deny_credentials`));
    expect(r.stderr).not.toMatch(/denied read of \/no\/such\/file/);
    const json = await runCli(['run', '--json', '--', 'sh', '-c', script], ctx.world);
    expect(json.stderr).not.toMatch(/nono: the sandbox denied/);
  });

  it('on a terminal offers a draft profile with the grantable paths only', async () => {
    writeFileSync(join(ctx.world.home, 'config.ini'), 'x=1\n');
    const t = openTerminal(`${process.execPath} ${NONO_BIN} run -- sh -c 'cat ${ctx.world.home}/config.ini; cat ${ctx.world.home}/.ssh/id_rsa; true'`, ctx.world, { cols: 200, rows: 30 });
    await t.waitFor(/Write a draft profile default-draft/);
    t.type('y\r');
    expect(await t.exit).toBe(0);
    const draft = join(ctx.world.root, 'config', 'nono', 'profiles', 'default-draft.json');
    expect(existsSync(draft)).toBe(true);
    const profile = JSON.parse(readFileSync(draft, 'utf8')) as { extends: string; filesystem: { read: string[] } };
    expect(profile.extends).toBe('default');
    expect(profile.filesystem.read).toEqual([join(ctx.world.home, 'config.ini')]);
  });

  it('never drafts a whole home directory, even when listing it was refused', async () => {
    writeFileSync(join(ctx.world.home, 'settings.ini'), 'x=1\n');
    const t = openTerminal(`${process.execPath} ${NONO_BIN} run -- sh -c 'ls ${ctx.world.home}; ls ~/; cat ${ctx.world.home}/settings.ini; true'`, ctx.world, { cols: 200, rows: 30 });
    await t.waitFor(/Write a draft profile default-draft/);
    // The footer names home once, with the first access recorded for it (the listing's read, or
    // seen once in CI a write); either way it is reported and never drafted.
    expect(t.output()).toMatch(new RegExp(`denied (read|write) of ${ctx.world.home}:`));
    t.type('y\r');
    expect(await t.exit).toBe(0);
    const draft = join(ctx.world.root, 'config', 'nono', 'profiles', 'default-draft.json');
    const profile = JSON.parse(readFileSync(draft, 'utf8')) as { filesystem: { read: string[] } };
    expect(profile.filesystem.read).toEqual([join(ctx.world.home, 'settings.ini')]);
  });

  it("records a detached session's denials: logs --denials, the count in ps, the audit log and stop", async () => {
    const started = await runCli(['run', '--name', 'quiet-agent', '--detached', '--', 'sh', '-c', 'cat ~/.ssh/id_rsa; cat /no/such/file; exec sleep 1000'], ctx.world);
    expect(started.code).toBe(0);
    let logs = '';
    await until(async () => {
      logs = (await runCli(['logs', 'quiet-agent', '--denials'], ctx.world)).stdout;
      return logs.includes('.ssh/id_rsa');
    }, 'the denial in logs --denials');
    expect(logs).toMatch(new RegExp(`READ +${ctx.world.home}/\\.ssh/id_rsa +.*deny_credentials`));
    expect(logs).not.toContain('/no/such/file');
    const ps = JSON.parse((await runCli(['ps', '--json'], ctx.world)).stdout) as { name: string; denials: number }[];
    expect(ps.find((s) => s.name === 'quiet-agent')?.denials).toBe(1);
    expect((await runCli(['ps'], ctx.world)).stdout).toMatch(/DENIED[\s\S]*quiet-agent .* 1 /);
    const audit = JSON.parse((await runCli(['audit', 'list', '--kind', 'fs.deny', '--session', 'quiet-agent', '--json'], ctx.world)).stdout) as { payload: Record<string, unknown> }[];
    expect(audit.map((e) => e.payload)).toEqual([expect.objectContaining({ path: `${ctx.world.home}/.ssh/id_rsa`, op: 'read', protected: true })]);
    const stopped = await runCli(['stop', 'quiet-agent', '--timeout', '1'], ctx.world);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain(`nono: the sandbox denied read of ${ctx.world.home}/.ssh/id_rsa`);
    const quiet = await runCli(['logs', 'quiet-agent', '--denials'], ctx.world);
    expect(quiet.stdout).toContain('.ssh/id_rsa');
  });

  it('reports relative and absolute spellings of a path alike, resolved against the session cwd', async () => {
    mkdirSync(join(ctx.world.work, 'private'), { recursive: true });
    writeFileSync(join(ctx.world.work, 'private', 'p.txt'), 'secret\n');
    writeFileSync(join(ctx.world.work, 'private', 'q.txt'), 'secret\n');
    const r = await runCli(['run', '--', 'sh', '-c', 'cat private/p.txt; cat ./private/q.txt; true'], ctx.world);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`nono: the sandbox denied read of ${join(ctx.world.work, 'private', 'p.txt')}`);
    expect(r.stderr).toContain(`nono: the sandbox denied read of ${join(ctx.world.work, 'private', 'q.txt')}`);
    // A word before the path ("cat: ...", "sh: 1: ...") is no denial.
    expect(r.stderr).not.toMatch(/denied read of \S*\/(cat|sh|1):/);
  });
});
