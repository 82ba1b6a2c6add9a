// File approvals on an attached terminal in both modes: in the private view (the default, where
// the name is not even shown), as root and as an unprivileged user, and on Landlock alone,
// `cat ~/notes/todo.txt` outside the grants is asked about in a one-line prompt through a real
// PTY, allowed once and printed; a protected file is refused without a question.
// approvals-files.test.ts has the rest of the terminal flow on Landlock alone.
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { openTerminal } from '../support/real-terminal.js';
import { NONO_BIN, runCli } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const nono = `${process.execPath} ${NONO_BIN}`;
// Wide enough that the prompt never shortens the test's long temp paths.
const PROMPT = /\[y\] once \[s\] session \[a\] always \[n\] deny/;

const isRoot = process.getuid?.() === 0;
const user = isRoot ? unprivilegedUser() : undefined;

describe.each([
  ['on Landlock alone', 'landlock', ['--no-userns'], undefined],
  ['in the view', 'view', [] as string[], undefined],
  ...(user ? [['in the view, as an unprivileged user', 'view', [] as string[], user] as const] : []),
])('file approvals on a terminal (%s)', (_name, mode, helperFlags, as) => {
  const ctx = usePrivateDaemon({ ...(helperFlags.length > 0 ? { daemon: { helperFlags } } : {}), ...(as ? { world: { owner: as }, as } : {}) });
  it('asks about a file outside the grants, allows it once and prints it', async () => {
    const notes = join(ctx.world.home, 'notes');
    mkdirSync(notes, { recursive: true });
    writeFileSync(join(notes, 'todo.txt'), 'buy milk\n');
    if (as) for (const p of [notes, join(notes, 'todo.txt')]) chownSync(p, as.uid, as.gid);
    const plan = JSON.parse((await runCli(['run', '--ask', '--dry-run', '--json', '--', 'true'], ctx.world, { as })).stdout);
    expect(plan.approvals).toEqual({ network: true, files: true });
    expect(plan.isolation.mode).toBe(mode);
    const t = openTerminal(`${nono} run --ask --net-block -- sh -c 'cat ${notes}/todo.txt; echo done'`, ctx.world, { cols: 160, rows: 24 }, as ? { as } : {});
    try {
      await t.waitFor(PROMPT, 20_000);
      expect(t.output()).toContain(`asks to read ${notes}/todo.txt`);
      t.type('y');
      await t.waitFor(/buy milk[\s\S]*done/, 20_000);
    } finally {
      t.term.kill();
    }
  }, 60_000);

  it('refuses a protected file without asking', async () => {
    const t = openTerminal(`${nono} run --ask --net-block -- sh -c 'cat ~/.ssh/id_rsa; echo refused:$?'`, ctx.world, { cols: 160, rows: 24 }, as ? { as } : {});
    try {
      await t.waitFor(/refused:1/, 20_000);
      expect(t.output()).not.toMatch(PROMPT);
      expect(t.output()).not.toContain('PRIVATE KEY');
    } finally {
      t.term.kill();
    }
  }, 60_000);
});
