// File approvals answered away from the terminal, on Landlock alone: an editor (vscode-jsonrpc
// over the control socket) answers a file question and the attached terminal's prompt goes, a
// terminal attaching to a session with a question open is asked it too;
// questions are withdrawn when the session ends and time out unanswered, a late answer is one
// stable error line; a flood of 1,000 opens is a bounded number of questions and one rate-limit
// line; nothing protected can be granted for longer than one open (a directory holding ~/.ssh,
// a link to it), an answer without auth or naming another session answers nothing; every
// decision is in the audit log with who answered, the chain verifies, and inspect shows grants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { NONO_BIN, runCli } from '../support/run-cli.js';
import { openTerminal } from '../support/real-terminal.js';

const ctx = usePrivateDaemon({ daemon: { helperFlags: ['--no-userns'] } });

interface Notification {
  method: string;
  params: any;
}

let editor: MessageConnection;
let socket: ReturnType<typeof connect>;
const notifications: Notification[] = [];

beforeAll(async () => {
  socket = connect(ctx.world.socketPath);
  await once(socket, 'connect');
  editor = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
  editor.onNotification((method: string, params: unknown) => notifications.push({ method, params }));
  editor.listen();
  await editor.sendRequest('auth.hello', { token: readFileSync(ctx.world.secretPath, 'utf8').trim(), client: 'vscode' });
  await editor.sendRequest('approval.subscribe', {});
});
afterAll(() => {
  editor?.dispose();
  socket?.destroy();
});

const configDir = () => join(ctx.world.root, 'config', 'nono');

function setTimeoutSeconds(seconds: number | undefined): void {
  mkdirSync(configDir(), { recursive: true });
  if (seconds === undefined) rmSync(join(configDir(), 'config.json'), { force: true });
  else writeFileSync(join(configDir(), 'config.json'), JSON.stringify({ approvals: { timeout_seconds: seconds } }));
}

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; notifications: ${JSON.stringify(notifications.filter((n) => n.method.startsWith('approval'))).slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const requested = (session: string): Notification[] => notifications.filter((n) => n.method === 'approval.requested' && n.params.session === session);
const resolvedOf = (id: string) => notifications.find((n) => n.method === 'approval.resolved' && n.params.id === id);
const nthRequest = (session: string, n: number) => until(() => requested(session)[n], `approval request ${n + 1} of ${session}`);
const exited = (session: string) => until(() => notifications.find((n) => n.method === 'session.exit' && n.params.session === session), `exit of ${session}`, 60_000);
const output = (session: string): string =>
  notifications
    .filter((n) => n.method === 'session.output' && n.params.session === session)
    .map((n) => Buffer.from(n.params.data, 'base64').toString('utf8'))
    .join('');

async function runInSandbox(script: string, extra: Record<string, unknown> = {}): Promise<string> {
  const { session } = (await editor.sendRequest('session.run', {
    argv: ['sh', '-c', script],
    cwd: ctx.world.work,
    env: { PATH: ctx.world.env.PATH!, HOME: ctx.world.home, LANG: 'C.UTF-8' },
    terminal: null,
    ask: true,
    ...extra,
  })) as { session: { id: string } };
  return session.id;
}

function notesDir(name: string, files: Record<string, string>): string {
  const dir = join(ctx.world.home, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: { data?: { kind?: string }; message: string }) => ({ kind: error.data?.kind, message: error.message }));

describe('file approvals answered by an editor and from policy', () => {
  it('an editor answers a file question on a session with a terminal: first answer wins, the prompt goes', async () => {
    const dir = notesDir('editor-notes', { 'e.txt': 'epsilon\n' });
    const t = openTerminal(`${process.execPath} ${NONO_BIN} run --ask --net-block -- sh -c 'echo agent-start; cat ${dir}/e.txt; echo cat:$?; sleep 30'`, ctx.world, { cols: 160, rows: 24 });
    try {
      await t.waitFor(/\[y\] once \[s\] session/, 20_000);
      const asked = await until(() => notifications.find((n) => n.method === 'approval.requested' && n.params.subject === `${dir}/e.txt`), 'the file question');
      expect(asked.params).toMatchObject({ kind: 'file', access: 'read', path: `${dir}/e.txt`, command: 'cat', answer: null });
      await editor.sendRequest('approval.answer', { id: asked.params.id, answer: 'allow-once' });
      await t.waitFor(/epsilon[\s\S]*cat:0/, 20_000);
      await expect(rejection(editor.sendRequest('approval.answer', { id: asked.params.id, answer: 'deny' }))).resolves.toMatchObject({ kind: 'APPROVAL_NOT_FOUND' });
      expect(resolvedOf(asked.params.id)!.params).toMatchObject({ answer: 'allow-once', by: 'vscode (root)', outcome: 'answered' });
      await new Promise((r) => setTimeout(r, 500));
      const screen = (await t.screen()).join('\n');
      expect(screen).not.toMatch(/\[y\] once/);
      expect(screen).toMatch(/agent-start[\s\S]*epsilon/);
    } finally {
      t.term.kill();
    }
  }, 60_000);

  it('puts a question already open to a terminal that attaches later, which answers it', async () => {
    const dir = notesDir('attach-notes', { 'j.txt': 'jay\n' });
    const { session } = (await editor.sendRequest('session.run', {
      argv: ['sh', '-c', `echo before; cat ${dir}/j.txt; echo cat:$?; sleep 30`],
      cwd: ctx.world.work,
      env: { PATH: ctx.world.env.PATH!, HOME: ctx.world.home, LANG: 'C.UTF-8', TERM: 'xterm-256color' },
      terminal: { rows: 24, cols: 160 },
      detached: true,
      ask: true,
    })) as { session: { id: string; name: string } };
    const asked = await nthRequest(session.id, 0);
    const t = openTerminal(`${process.execPath} ${NONO_BIN} attach ${session.name}`, ctx.world, { cols: 160, rows: 24 });
    try {
      await t.waitFor(/\[y\] once \[s\] session/, 20_000);
      expect(t.output()).toContain(`asks to read ${dir}/j.txt`);
      t.type('y');
      await t.waitFor(/jay[\s\S]*cat:0/, 20_000);
      expect(resolvedOf(asked.params.id)!.params).toMatchObject({ answer: 'allow-once', by: expect.stringMatching(/^nono .*\(root\)$/) });
    } finally {
      t.term.kill();
      await editor.sendRequest('session.stop', { session: session.id });
    }
  }, 60_000);

  it('withdraws a question when its session ends, and times one out: every subscriber sees the outcome, late answers are one stable error', async () => {
    const dir = notesDir('end-notes', { 'f.txt': 'phi\n', 'g.txt': 'gee\n' });
    const id = await runInSandbox(`cat ${dir}/f.txt; echo after`);
    const asked = await nthRequest(id, 0);
    await editor.sendRequest('session.stop', { session: id });
    const withdrawn = await until(() => resolvedOf(asked.params.id), 'the withdrawal');
    expect(withdrawn.params).toMatchObject({ answer: 'deny', outcome: 'withdrawn' });
    expect(['withdrawn', 'session ended']).toContain(withdrawn.params.by);
    const listed = JSON.parse((await runCli(['approvals', '--json'], ctx.world)).stdout) as { id: string; answer: string | null; outcome?: string }[];
    expect(listed.find((r) => r.id === asked.params.id)).toMatchObject({ answer: 'deny', outcome: 'withdrawn' });
    expect(listed.filter((r) => r.answer === null && r.id === asked.params.id)).toEqual([]);
    const late = await runCli(['approve', asked.params.id], ctx.world);
    expect(late.code).not.toBe(0);
    expect(late.stderr.trim().split('\n')).toHaveLength(1);
    expect(late.stderr).toMatch(new RegExp(`no pending approval request ${asked.params.id}: it was withdrawn`));

    setTimeoutSeconds(2);
    try {
      const timed = await runInSandbox(`cat ${dir}/g.txt; echo cat:$?`);
      const question = await nthRequest(timed, 0);
      await exited(timed);
      expect(output(timed)).toMatch(/Permission denied[\s\S]*cat:1/);
      expect(resolvedOf(question.params.id)!.params).toMatchObject({ answer: 'deny', by: 'timeout', outcome: 'timeout' });
      await expect(rejection(editor.sendRequest('approval.answer', { id: question.params.id, answer: 'allow-once' }))).resolves.toEqual({
        kind: 'APPROVAL_NOT_FOUND',
        message: `no pending approval request ${question.params.id}: it timed out unanswered and was denied`,
      });
    } finally {
      setTimeoutSeconds(undefined);
    }
  }, 90_000);

  it('turns 1,000 opens in a second into a bounded number of questions and one rate-limit line', async () => {
    const dir = notesDir('flood', Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, `${i}\n`])));
    // A handler for one method takes its notifications from the catch-all one: keep the record.
    const denyAll = editor.onNotification('approval.requested', (params: { id: string; subject: string }) => {
      notifications.push({ method: 'approval.requested', params });
      if (params.subject.startsWith(`${dir}/`)) void editor.sendRequest('approval.answer', { id: params.id, answer: 'deny' }).catch(() => undefined);
    });
    try {
      const id = await runInSandbox(`i=0; while [ $i -lt 1000 ]; do cat ${dir}/f$i 2>/dev/null & i=$((i+1)); done; wait; echo flood-done`, { maxProcesses: 4096 });
      await exited(id);
      expect(output(id)).toContain('flood-done');
      expect(requested(id).length).toBeGreaterThan(0);
      expect(requested(id).length).toBeLessThanOrEqual(20);
      const audit = JSON.parse((await runCli(['audit', 'list', '--kind', 'approval', '--session', id, '--json'], ctx.world)).stdout) as { payload: { by?: string; request: string } }[];
      expect(audit.filter((e) => e.payload.by === 'rate-limit')).toEqual([expect.objectContaining({ payload: expect.objectContaining({ request: 'file' }) })]);
    } finally {
      denyAll.dispose();
    }
  }, 120_000);

  it('never grants beyond one open what holds or leads to a protected path, and answers nothing without auth or for another session', async () => {
    const links = notesDir('links', {});
    symlinkSync(join(ctx.world.home, '.ssh', 'id_rsa'), join(links, 'key'));
    const id = await runInSandbox(`cat ${links}/key; echo key:$?; ls ${ctx.world.home} >/dev/null; echo ls:$?; sleep 30`);
    const asked = await nthRequest(id, 0);
    // The link is refused by policy without a question: the first question is the home directory.
    expect(asked.params).toMatchObject({ kind: 'file', path: ctx.world.home, access: 'read' });
    expect(output(id)).toContain('key:1');
    for (const answer of ['always', 'allow-session']) {
      await expect(rejection(editor.sendRequest('approval.answer', { id: asked.params.id, answer }))).resolves.toMatchObject({ kind: 'PATH_DENIED', message: expect.stringContaining(`${ctx.world.home} holds ${join(ctx.world.home, '.ssh')}`) });
    }
    // Before auth.hello: refused, and the question is still open.
    const stranger = connect(ctx.world.socketPath);
    await once(stranger, 'connect');
    const forged = createMessageConnection(new StreamMessageReader(stranger), new StreamMessageWriter(stranger));
    forged.listen();
    await expect(rejection(forged.sendRequest('approval.answer', { id: asked.params.id, answer: 'allow-once' }))).resolves.toMatchObject({ kind: 'UNAUTHENTICATED' });
    forged.dispose();
    stranger.destroy();
    // Named for another session: not found there, and still open here.
    const other = await runInSandbox('sleep 30');
    await expect(rejection(editor.sendRequest('approval.answer', { id: asked.params.id, answer: 'allow-once', session: other }))).resolves.toMatchObject({ kind: 'APPROVAL_NOT_FOUND' });
    expect(resolvedOf(asked.params.id)).toBeUndefined();
    await editor.sendRequest('approval.answer', { id: asked.params.id, answer: 'allow-once' });
    await until(() => (output(id).includes('ls:0') ? true : undefined), 'the listing');
    const inspected = (await editor.sendRequest('session.inspect', { session: id })) as { approvalGrants: string[] };
    expect(inspected.approvalGrants).toEqual([]);
    expect(existsSync(join(configDir(), 'profiles', 'default-draft.json'))).toBe(false);
    await editor.sendRequest('session.stop', { session: id });
    await editor.sendRequest('session.stop', { session: other });
  }, 60_000);

  it('denies, whatever the answer, a path that became a link to a protected file while it was asked', async () => {
    const dir = notesDir('swap-notes', { 'k.txt': 'kappa\n' });
    const id = await runInSandbox(`cat ${dir}/k.txt; echo cat:$?`);
    const asked = await nthRequest(id, 0);
    rmSync(join(dir, 'k.txt'));
    symlinkSync(join(ctx.world.home, '.ssh', 'id_rsa'), join(dir, 'k.txt'));
    await expect(rejection(editor.sendRequest('approval.answer', { id: asked.params.id, answer: 'always' }))).resolves.toMatchObject({ kind: 'PATH_DENIED' });
    await exited(id);
    expect(output(id)).toMatch(/cat:1/);
    expect(output(id)).not.toContain('PRIVATE KEY');
    expect(resolvedOf(asked.params.id)!.params).toMatchObject({ answer: 'deny', by: 'policy' });
    const draftFile = join(configDir(), 'profiles', 'default-draft.json');
    expect(existsSync(draftFile) ? readFileSync(draftFile, 'utf8') : '').not.toContain('swap-notes');
  });

  it('keeps a session grant to the path answered, shows it in inspect, and writes always for a file to the draft', async () => {
    const dir = notesDir('grant-notes', { 'h.txt': 'eta\n', 'i.txt': 'iota\n' });
    const id = await runInSandbox(`cat ${dir}/h.txt; cat ${dir}/h.txt; cat ${dir}/i.txt; cat ${dir}/i.txt; echo granted; sleep 30`);
    const first = await nthRequest(id, 0);
    await editor.sendRequest('approval.answer', { id: first.params.id, answer: 'allow-session' });
    const second = await nthRequest(id, 1);
    expect(second.params.path).toBe(`${dir}/i.txt`);
    const reply = (await editor.sendRequest('approval.answer', { id: second.params.id, answer: 'always' })) as { diff: string };
    expect(reply.diff).toContain(`+      "${dir}/i.txt"`);
    await until(() => (output(id).includes('granted') ? true : undefined), 'the reads');
    expect(requested(id)).toHaveLength(2);
    const inspected = await runCli(['inspect', id, '--json'], ctx.world);
    expect(JSON.parse(inspected.stdout).approvalGrants).toEqual([`file read ${dir}/h.txt`, `file read ${dir}/i.txt`]);
    expect((await runCli(['inspect', id], ctx.world)).stdout).toContain(`approved for this session: file read ${dir}/h.txt, file read ${dir}/i.txt`);
    const draft = JSON.parse(readFileSync(join(configDir(), 'profiles', 'default-draft.json'), 'utf8'));
    expect(draft).toEqual({ extends: 'default', filesystem: { read_file: [`${dir}/i.txt`] } });
    await editor.sendRequest('session.stop', { session: id });
  }, 60_000);

  it('records every file decision with who answered, and the chain verifies', async () => {
    const events = JSON.parse((await runCli(['audit', 'list', '--kind', 'approval', '--json'], ctx.world)).stdout) as { payload: Record<string, unknown> }[];
    const files = events.filter((e) => e.payload.request === 'file');
    const decisions = files.filter((e) => typeof e.payload.answer === 'string').map((e) => `${e.payload.answer} ${e.payload.by}`);
    expect(decisions).toEqual(
      expect.arrayContaining(['allow-once vscode (root)', 'allow-session vscode (root)', 'always vscode (root)', 'deny vscode (root)', 'deny timeout', 'deny rate-limit', 'deny policy']),
    );
    expect(decisions.some((d) => d === 'deny withdrawn' || d === 'deny session ended')).toBe(true);
    expect(files.some((e) => typeof e.payload.asked === 'number' && e.payload.asked >= 1)).toBe(true);
    expect(files.find((e) => e.payload.answer === 'always')!.payload.diff).toEqual(expect.stringContaining('read_file'));
    const verify = await runCli(['audit', 'verify'], ctx.world);
    expect(verify.code).toBe(0);
  });
});
