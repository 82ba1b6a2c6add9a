// The approval broker on its own: policy before asking (a protected path, through a symlink too,
// is refused without a question), the first answer wins, session grants answer without asking
// and end with the session, a read-only answer grants reading only, nobody to ask denies at once,
// the rate limit turns a flood into one recorded refusal, and every decision is one audit event.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxPlan } from '@nono/shared';
import { describe, expect, it } from 'vitest';
import { ApprovalBroker, type ApprovalRequest, type BrokerServices } from '../../src/approvals/approval-broker.js';
import { grantRefusalFor, refusalFor } from '../../src/approvals/approval-policy.js';
import { RateWindow } from '../../src/approvals/rate-window.js';
import type { AuditInput } from '../../src/audit/event-kinds.js';
import type { SessionClient } from '../../src/sessions/session.js';

const home = mkdtempSync(join(tmpdir(), 'nono-broker-'));
mkdirSync(join(home, '.ssh'));
writeFileSync(join(home, '.ssh', 'id_rsa'), 'key');
symlinkSync(join(home, '.ssh', 'id_rsa'), join(home, 'innocent.txt'));

const plan = { denied: [{ path: join(home, '.ssh'), source: 'group deny_credentials' }], masks: [], leftOut: [], readonly: [], approvals: { network: true, files: true } } as unknown as SandboxPlan;

function setup(options: { clients?: number; webhook?: boolean } = {}) {
  const events: AuditInput[] = [];
  const notes: { method: string; params: any }[] = [];
  const client: SessionClient = { id: 1, notify: (method, params) => notes.push({ method, params }), binaryFrames: () => false, sendOutput: () => undefined, backlog: () => 0, onceDrained: () => undefined, terminal: undefined, takeTerminal: () => ({ output: false, input: false }), endDirectOutput: () => undefined, whenWritten: async () => undefined };
  const services: BrokerServices = {
    record: (event) => events.push(event),
    session: () => ({ name: 'demo', clients: options.clients === 0 ? [] : [client] }),
    refusal: (request) => refusalFor(plan, request),
    persist: () => '+ allowed\n',
    grantRefusal: (request, answer) => grantRefusalFor(plan, request, answer),
    settings: () => ({ timeoutMs: 5000, webhook: undefined }),
  };
  const broker = new ApprovalBroker(services);
  const nextRequest = async () => {
    for (let i = 0; i < 100; i++) {
      const found = [...notes].reverse().find((n) => n.method === 'approval.requested');
      if (found) return found.params;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('no request');
  };
  return { broker, events, notes, nextRequest };
}

const file = (path: string, access: 'read' | 'write' = 'read'): ApprovalRequest => ({ session: 's1', kind: 'file', path, access, pid: 1 });

describe('approval broker', () => {
  it('refuses a protected path without asking, through a symlink too', async () => {
    const { broker, notes, events } = setup();
    expect(await broker.ask(file(join(home, '.ssh', 'id_rsa')))).toEqual({ answer: 'deny', by: 'policy' });
    expect(await broker.ask(file(join(home, 'innocent.txt')))).toEqual({ answer: 'deny', by: 'policy' });
    expect(notes).toEqual([]);
    expect(events.map((e) => e.payload)).toEqual([expect.objectContaining({ answer: 'deny', by: 'policy', grant: 'none' }), expect.objectContaining({ by: 'policy' })]);
  });

  it('lets the first answer win and tells every asker it is resolved', async () => {
    const { broker, notes, nextRequest } = setup();
    const answer = broker.ask(file('/data/notes.txt'));
    const asked = await nextRequest();
    expect(asked).toMatchObject({ kind: 'file', subject: '/data/notes.txt', sessionName: 'demo', answer: null });
    broker.answer(asked.id, 'allow-once', 'vscode (me)');
    expect(() => broker.answer(asked.id, 'deny', 'cli (me)')).toThrow(/no pending approval request/);
    expect(await answer).toEqual({ answer: 'allow-once', by: 'vscode (me)' });
    expect(notes.filter((n) => n.method === 'approval.resolved').map((n) => n.params)).toEqual([{ id: asked.id, session: 's1', answer: 'allow-once', by: 'vscode (me)', outcome: 'answered' }]);
  });

  it('answers from a session grant without asking, grants reading only for a read-only answer, and forgets grants when the session ends', async () => {
    const { broker, notes, nextRequest } = setup();
    const first = broker.ask(file('/data/out.txt', 'write'));
    broker.answer((await nextRequest()).id, 'allow-session', 'terminal (me)', true);
    expect(await first).toEqual({ answer: 'allow-session', by: 'terminal (me)', readOnly: true });
    expect(await broker.ask(file('/data/out.txt', 'read'))).toEqual({ answer: 'allow-session', by: 'session grant' });
    const write = broker.ask(file('/data/out.txt', 'write'));
    const again = await nextRequest();
    expect(notes.filter((n) => n.method === 'approval.requested')).toHaveLength(2);
    broker.answer(again.id, 'deny', 'terminal (me)');
    expect((await write).answer).toBe('deny');
    expect(broker.grantsOf('s1')).toEqual(['file read /data/out.txt']);
    broker.endSession('s1');
    expect(broker.grantsOf('s1')).toEqual([]);
  });

  it('asks once for the same request made again while it waits, and answers all of them', async () => {
    const { broker, notes, nextRequest } = setup();
    const asks = [1, 2, 3].map(() => broker.ask({ session: 's1', kind: 'network', host: 'x.test', port: 443 }));
    broker.answer((await nextRequest()).id, 'allow-once', 'vscode (me)');
    expect(await Promise.all(asks)).toEqual([1, 2, 3].map(() => ({ answer: 'allow-once', by: 'vscode (me)' })));
    expect(notes.filter((n) => n.method === 'approval.requested')).toHaveLength(1);
  });

  it('records a bounded number of policy refusals for a flood of them', async () => {
    const { broker, events } = setup();
    for (let i = 0; i < 500; i++) expect((await broker.ask(file(join(home, '.ssh', 'id_rsa')))).by).toBe('policy');
    expect(events.length).toBeLessThanOrEqual(21);
  });

  it('denies at once when nobody can be asked, and lists it', async () => {
    const { broker, notes } = setup({ clients: 0 });
    expect(await broker.ask({ session: 's1', kind: 'network', host: 'x.test', port: 443 })).toEqual({ answer: 'deny', by: 'nobody' });
    expect(notes).toEqual([]);
    expect(broker.list('s1')).toEqual([expect.objectContaining({ subject: 'x.test:443', answer: 'deny', by: 'nobody' })]);
  });

  it('cuts a flood off with one recorded rate-limit refusal', async () => {
    const { broker, events, notes } = setup();
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => (i < 4 ? (broker.ask(file(`/data/${i}`)), Promise.resolve(undefined)) : broker.ask(file(`/data/${i}`)))),
    );
    expect(answers.filter((a) => a?.by === 'rate-limit')).toHaveLength(996);
    expect(notes.filter((n) => n.method === 'approval.requested')).toHaveLength(4);
    expect(events.filter((e) => e.payload.by === 'rate-limit')).toHaveLength(1);
    broker.endSession('s1');
  });

  it('withdraws a question when its asker leaves, once every asker of it has, and says so to a late answer', async () => {
    const { broker, notes, nextRequest, events } = setup();
    const first = new AbortController();
    const second = new AbortController();
    const answers = [broker.ask(file('/data/w.txt'), first.signal), broker.ask(file('/data/w.txt'), second.signal)];
    const asked = await nextRequest();
    first.abort();
    expect(broker.list('s1')[0]).toMatchObject({ id: asked.id, answer: null });
    second.abort();
    expect(await Promise.all(answers)).toEqual([1, 2].map(() => ({ answer: 'deny', by: 'withdrawn' })));
    expect(notes.filter((n) => n.method === 'approval.resolved').map((n) => n.params)).toEqual([{ id: asked.id, session: 's1', answer: 'deny', by: 'withdrawn', outcome: 'withdrawn' }]);
    expect(events.at(-1)!.payload).toMatchObject({ by: 'withdrawn', outcome: 'withdrawn', reason: 'process 1 exited before anyone answered' });
    expect(() => broker.answer(asked.id, 'allow-once', 'cli (me)')).toThrow(`no pending approval request ${asked.id}: it was withdrawn (the asking process exited)`);
  });

  it('withdraws what a session still waits for when it ends', async () => {
    const { broker, notes, nextRequest } = setup();
    const answer = broker.ask(file('/data/e.txt'));
    const asked = await nextRequest();
    broker.endSession('s1');
    expect(await answer).toEqual({ answer: 'deny', by: 'session ended' });
    expect(notes.find((n) => n.method === 'approval.resolved')!.params).toMatchObject({ outcome: 'withdrawn' });
    expect(() => broker.answer(asked.id, 'deny', 'cli (me)')).toThrow(/was withdrawn \(the session ended\)/);
  });

  it('answers an id only for its own session when the answerer names one', async () => {
    const { broker, nextRequest } = setup();
    const answer = broker.ask(file('/data/o.txt'));
    const asked = await nextRequest();
    expect(() => broker.answer(asked.id, 'allow-session', 'terminal (me)', false, 'other')).toThrow(/no pending approval request .* in this session/);
    broker.answer(asked.id, 'deny', 'terminal (me)', false, 's1');
    expect((await answer).answer).toBe('deny');
  });

  it('refuses a lasting grant of a directory holding a protected path, and always for any directory, leaving the question open', async () => {
    const { broker, nextRequest } = setup();
    const answer = broker.ask(file(home));
    const asked = await nextRequest();
    for (const lasting of ['allow-session', 'always'] as const) expect(() => broker.answer(asked.id, lasting, 'vscode (me)')).toThrow(expect.objectContaining({ kind: 'PATH_DENIED' }));
    broker.answer(asked.id, 'allow-once', 'vscode (me)');
    expect(await answer).toEqual({ answer: 'allow-once', by: 'vscode (me)' });
    expect(broker.grantsOf('s1')).toEqual([]);
    const dir = join(home, 'plain');
    mkdirSync(dir);
    const again = broker.ask(file(dir));
    const second = await nextRequest();
    expect(() => broker.answer(second.id, 'always', 'vscode (me)')).toThrow(expect.objectContaining({ kind: 'PATH_INVALID' }));
    broker.answer(second.id, 'allow-session', 'vscode (me)');
    expect((await again).answer).toBe('allow-session');
    expect(broker.grantsOf('s1')).toEqual([`file read ${dir}`]);
  });

  it('denies, and does not grant, a path that became protected while it was asked', async () => {
    const { broker, nextRequest } = setup();
    const link = join(home, 'soon.txt');
    writeFileSync(link, 'plain');
    const answer = broker.ask(file(link));
    const asked = await nextRequest();
    rmSync(link);
    symlinkSync(join(home, '.ssh', 'id_rsa'), link);
    expect(() => broker.answer(asked.id, 'always', 'vscode (me)')).toThrow(expect.objectContaining({ kind: 'PATH_DENIED' }));
    expect(await answer).toEqual({ answer: 'deny', by: 'policy' });
    expect(broker.grantsOf('s1')).toEqual([]);
  });

  it('reopens the rate window once the flood stops', () => {
    let now = 0;
    const window = new RateWindow(() => now);
    for (let i = 0; i < 20; i++) expect(window.admit(0)).toBe('ok');
    expect(window.admit(0)).toBe('first-refusal');
    expect(window.admit(0)).toBe('refused');
    now = 10_000;
    expect(window.admit(0)).toBe('ok');
  });
});
