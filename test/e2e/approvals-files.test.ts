// File approvals on an attached terminal, as a user meets them, on Landlock alone (the helper
// forced off user namespaces; the first question and a protected file are in
// approvals-files-modes.test.ts, for both modes): a write is asked again after a read was
// allowed, and a read-only answer refuses it; allow-once asks again next time, allow-session only for that path, deny is
// EACCES; keys typed before the prompt was on screen neither answer it nor reach the agent; a
// question whose process exits is withdrawn and its prompt cleared.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { openTerminal, type RealTerminal, type TerminalOptions } from '../support/real-terminal.js';
import { NONO_BIN, runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon({ daemon: { helperFlags: ['--no-userns'] } });
const nono = `${process.execPath} ${NONO_BIN}`;
const PROMPT = /\[y\] once \[s\] session \[a\] always \[n\] deny/;

/** A fresh directory of notes under the test home: outside every grant, each test its own. */
function notesDir(name: string, files: Record<string, string>): string {
  const dir = join(ctx.world.home, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

interface Listed {
  id: string;
  subject: string;
  answer: string | null;
  by: string | null;
  outcome?: string;
  readOnly?: boolean;
}

async function approvals(): Promise<Listed[]> {
  return JSON.parse((await runCli(['approvals', '--json'], ctx.world)).stdout) as Listed[];
}

/** The approval requests for paths under dir, oldest first. */
async function asked(dir: string): Promise<Listed[]> {
  return (await approvals()).filter((r) => r.subject.startsWith(`${dir}/`) || r.subject === dir).reverse();
}

/** Waits for the nth question (1-based) about paths under dir to be pending. */
async function nthPending(dir: string, n: number): Promise<Listed> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const list = await asked(dir);
    const found = list.length >= n && list[n - 1]!.answer === null ? list[n - 1] : undefined;
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no question ${n} about ${dir}: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(script: string, options: TerminalOptions = {}): RealTerminal {
  return openTerminal(`${nono} run --ask --net-block -- sh -c '${script}'`, ctx.world, { cols: 160, rows: 24 }, options);
}

describe('file approvals on a terminal (Landlock alone)', () => {
  it('asks again for a write after an allowed read, and a read-only answer refuses the write but lets reading go on unasked', async () => {
    const dir = notesDir('ro-notes', { 'todo.txt': 'buy milk\n' });
    const todo = join(dir, 'todo.txt');
    const t = run(`cat ${todo}; echo x >> ${todo}; echo write:$?; cat ${todo}; echo done`);
    try {
      await nthPending(dir, 1);
      t.type('y');
      const write = await nthPending(dir, 2);
      await t.waitFor(new RegExp(`asks to write ${todo}  \\[y\\] once \\[s\\] session \\[a\\] always \\[n\\] deny \\[r\\] read only \\(session\\)`));
      expect(write).toMatchObject({ subject: todo });
      t.type('r');
      await t.waitFor(/Permission denied[\s\S]*write:[1-9][\s\S]*buy milk[\s\S]*done/, 20_000);
      expect(t.output().match(/buy milk/g)).toHaveLength(2);
      // The run's footer reports the refused write as a denial, as any other.
      await t.waitFor(/the sandbox denied write of/);
      expect(readFileSync(todo, 'utf8')).toBe('buy milk\n');
      expect((await asked(dir)).map((r) => [r.answer, r.readOnly ?? false])).toEqual([
        ['allow-once', false],
        ['allow-session', true],
      ]);
      const audit = JSON.parse((await runCli(['audit', 'list', '--kind', 'approval', '--json'], ctx.world)).stdout) as { payload: Record<string, unknown> }[];
      const decisions = audit.filter((e) => e.payload.subject === todo && typeof e.payload.answer === 'string').map((e) => e.payload);
      expect(decisions).toEqual([
        expect.objectContaining({ access: 'read', answer: 'allow-once', grant: 'once', by: expect.stringMatching(/^nono .*\(root\)$/) }),
        expect.objectContaining({ access: 'write', answer: 'allow-session', readOnly: true, grant: 'session', by: expect.stringMatching(/^nono .*\(root\)$/) }),
      ]);
      expect((await runCli(['audit', 'verify'], ctx.world)).code).toBe(0);
    } finally {
      t.term.kill();
    }
  }, 60_000);

  it('asks again after allow-once, stops asking after allow-session for that path only, and a deny is EACCES', async () => {
    const dir = notesDir('session-notes', { 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const t = run(`cat ${dir}/a.txt; cat ${dir}/a.txt; cat ${dir}/a.txt; cat ${dir}/b.txt; echo b:$?`);
    try {
      await nthPending(dir, 1);
      t.type('y');
      await nthPending(dir, 2);
      t.type('s');
      const third = await nthPending(dir, 3);
      expect(third.subject).toBe(`${dir}/b.txt`);
      t.type('n');
      await t.waitFor(/Permission denied[\s\S]*b:1/, 20_000);
      expect(t.output().match(/alpha/g)).toHaveLength(3);
      expect(t.output()).not.toContain('beta');
      expect((await asked(dir)).map((r) => `${r.answer} ${r.subject.slice(dir.length + 1)}`)).toEqual(['allow-once a.txt', 'allow-session a.txt', 'deny b.txt']);
    } finally {
      t.term.kill();
    }
  }, 60_000);

  it('takes no answer from keys sent before the prompt was on screen, and lets no answer key reach the agent', async () => {
    const dir = notesDir('race-notes', { 'c.txt': 'gamma\n' });
    let typedEarly = false;
    // The user's y leaves the terminal before the terminal has shown the prompt that just arrived.
    const t = run(`cat ${dir}/c.txt; echo cat:$?; read -r line; echo "agent-got:[$line]"`, {
      beforeShown: (data) => {
        if (!typedEarly && data.includes('[y] once')) {
          typedEarly = true;
          t.type('y');
        }
      },
    });
    try {
      const question = await nthPending(dir, 1);
      await t.waitFor(PROMPT);
      await sleep(1500);
      expect(typedEarly).toBe(true);
      expect((await asked(dir))[0]).toMatchObject({ id: question.id, answer: null });
      t.type('n');
      await t.waitFor(/cat:1/, 20_000);
      expect(t.output()).not.toContain('gamma');
      await sleep(600);
      t.type('ok\r');
      await t.waitFor(/agent-got:\[.*\]/, 20_000);
      expect(t.output()).toContain('agent-got:[ok]');
    } finally {
      t.term.kill();
    }
  }, 60_000);

  it('withdraws a question whose process exits: the prompt goes, the agent screen stays, a late approve says so', async () => {
    const dir = notesDir('gone-notes', { 'd.txt': 'delta\n' });
    const t = run(`echo agent-start; cat ${dir}/d.txt & pid=$!; sleep 2; kill $pid; wait; echo killed; sleep 30`);
    try {
      const question = await nthPending(dir, 1);
      await t.waitFor(PROMPT);
      await t.waitFor(/killed/, 20_000);
      const deadline = Date.now() + 10_000;
      while ((await asked(dir))[0]!.answer === null && Date.now() < deadline) await sleep(100);
      expect((await asked(dir))[0]).toMatchObject({ id: question.id, answer: 'deny', by: 'withdrawn', outcome: 'withdrawn' });
      await sleep(500);
      const screen = await t.screen();
      expect(screen.join('\n')).not.toMatch(/\[y\] once/);
      expect(screen.join('\n')).toMatch(/agent-start[\s\S]*killed/);
      const late = await runCli(['approve', question.id, '--once'], ctx.world);
      expect(late.code).not.toBe(0);
      expect(late.stderr.trim().split('\n')).toHaveLength(1);
      expect(late.stderr).toContain(`no pending approval request ${question.id}: it was withdrawn (the asking process exited)`);
      const lateJson = await runCli(['approve', question.id, '--once', '--json'], ctx.world);
      expect(JSON.parse(lateJson.stderr)).toMatchObject({ error: { kind: 'APPROVAL_NOT_FOUND' } });
      const listed = (await runCli(['approvals'], ctx.world)).stdout;
      expect(listed).toMatch(new RegExp(`${question.id} .* withdrawn \\(process exited\\)`));
    } finally {
      t.term.kill();
    }
  }, 60_000);

  it('says once in the run footer that a flood of opens was cut off by the rate limit', async () => {
    const dir = notesDir('flood-notes', Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, `${i}\n`])));
    mkdirSync(join(ctx.world.root, 'config', 'nono'), { recursive: true });
    writeFileSync(join(ctx.world.root, 'config', 'nono', 'config.json'), JSON.stringify({ approvals: { timeout_seconds: 1 } }));
    const t = openTerminal(
      `${nono} run --ask --net-block --max-processes 4096 -- sh -c 'i=0; while [ $i -lt 1000 ]; do cat ${dir}/f$i 2>/dev/null & i=$((i+1)); done; wait; echo flood-done'`,
      ctx.world,
      { cols: 160, rows: 24 },
    );
    try {
      await t.waitFor(/flood-done/, 60_000);
      await t.waitFor(/too many approval requests/, 20_000);
      expect(t.output().match(/too many approval requests/g)).toHaveLength(1);
      expect((await asked(dir)).length).toBeLessThanOrEqual(20);
    } finally {
      t.term.kill();
      writeFileSync(join(ctx.world.root, 'config', 'nono', 'config.json'), '{}');
    }
  }, 120_000);
});
