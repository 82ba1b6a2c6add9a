// File approvals on an attached terminal, as a user meets them: on Landlock alone (the helper
// forced off user namespaces), `cat ~/notes/todo.txt` outside the grants is asked about in a
// one-line prompt through a real PTY, allowed once and printed; a protected file is refused
// without a question.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { openTerminal } from '../support/real-terminal.js';
import { NONO_BIN, runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon({ daemon: { helperFlags: ['--no-userns'] } });
const nono = `${process.execPath} ${NONO_BIN}`;
const PROMPT = /\[y\] once \[s\] session \[a\] always \[n\] deny/;

describe('file approvals on a terminal (Landlock alone)', () => {
  it('asks about a file outside the grants, allows it once and prints it', async () => {
    const notes = join(ctx.world.home, 'notes');
    mkdirSync(notes, { recursive: true });
    writeFileSync(join(notes, 'todo.txt'), 'buy milk\n');
    const plan = JSON.parse((await runCli(['run', '--ask', '--dry-run', '--json', '--', 'true'], ctx.world)).stdout);
    expect(plan.approvals).toEqual({ network: true, files: true });
    const t = openTerminal(`${nono} run --ask --net-block -- sh -c 'cat ${notes}/todo.txt; echo done'`, ctx.world, { cols: 120, rows: 24 });
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
    const t = openTerminal(`${nono} run --ask --net-block -- sh -c 'cat ~/.ssh/id_rsa; echo refused:$?'`, ctx.world, { cols: 120, rows: 24 });
    try {
      await t.waitFor(/refused:1/, 20_000);
      expect(t.output()).not.toMatch(PROMPT);
      expect(t.output()).not.toContain('PRIVATE KEY');
    } finally {
      t.term.kill();
    }
  }, 60_000);
});
