// The attached terminal's approval prompt on its own: keys the terminal sent before it showed
// the prompt (before its reply to the position query drawn with it) do not answer it, the reply
// never reaches the session, keys just after the last question went are held back, and r
// answers a write read-only for the session.
import { describe, expect, it } from 'vitest';
import type { ApprovalRequested } from '@nono/shared/protocol/notifications';
import { ApprovalPrompt, HOLD_MS, NO_REPLY_MS } from '../../src/terminal/approval-prompt.js';

const REPLY = '\x1b[24;1R';

function setup(cols = 200) {
  let now = 1_000;
  const writes: string[] = [];
  let redraws = 0;
  const prompt = new ApprovalPrompt(
    () => ({ rows: 24, cols }),
    (text) => writes.push(text),
    () => redraws++,
    () => now,
  );
  const type = (text: string) => prompt.input(Buffer.from(text, 'latin1'));
  return { prompt, writes, type, advance: (ms: number) => (now += ms), redraws: () => redraws };
}

const request = (id: string, access: 'read' | 'write' = 'read'): ApprovalRequested =>
  ({ id, session: 's', sessionName: 'demo', kind: 'file', subject: `/n/${id}`, path: `/n/${id}`, access, pid: 1, requestedAt: '', expiresAt: '', answer: null, by: null }) as ApprovalRequested;

describe('approval prompt', () => {
  it('takes keys from the moment a question arrives, and answers only with keys sent after the terminal showed it', () => {
    const { prompt, writes, type } = setup();
    expect(type('ab').forward.toString()).toBe('ab');
    prompt.requested(request('a'));
    expect(writes.at(-1)).toMatch(/\x1b\[6n$/);
    expect(type('y')).toEqual({ forward: Buffer.alloc(0) });
    expect(type(`yy${REPLY}x`)).toEqual({ forward: Buffer.alloc(0) });
    expect(type('y')).toEqual({ answer: { id: 'a', answer: 'allow-once' }, forward: Buffer.alloc(0) });
    expect(type(`${REPLY}`).answer).toBeUndefined();
  });

  it('takes an answer typed in the same read after the reply', () => {
    const { prompt, type } = setup();
    prompt.requested(request('a'));
    expect(type(`y${REPLY}n`).answer).toEqual({ id: 'a', answer: 'deny' });
  });

  it('arms the next question anew, holds keys back a moment after the last one went, and never passes a late reply on', () => {
    const { prompt, type, advance, redraws } = setup();
    prompt.requested(request('a'));
    prompt.requested(request('b'));
    type(REPLY);
    prompt.resolved('a');
    expect(type('n').answer).toBeUndefined();
    expect(type(`${REPLY}n`).answer).toEqual({ id: 'b', answer: 'deny' });
    prompt.requested(request('c'));
    prompt.resolved('b');
    prompt.resolved('c');
    expect(redraws()).toBe(1);
    expect(type('y').forward.length).toBe(0);
    advance(HOLD_MS);
    expect(type(`${REPLY}k`).forward.toString()).toBe('k');
  });

  it('counts the line as shown when the terminal never answers the query', () => {
    const { prompt, type, advance } = setup();
    prompt.requested(request('a'));
    expect(type('y').answer).toBeUndefined();
    advance(NO_REPLY_MS);
    expect(type('y').answer).toEqual({ id: 'a', answer: 'allow-once' });
  });

  it('offers read only for a file asked for writing, and only there', () => {
    const { prompt, writes, type } = setup();
    prompt.requested(request('w', 'write'));
    expect(writes.at(-1)).toContain('[r] read only (session)');
    expect(type(`${REPLY}r`).answer).toEqual({ id: 'w', answer: 'allow-session', readOnly: true });
    prompt.resolved('w');
    prompt.requested(request('r'));
    expect(writes.at(-1)).not.toContain('[r]');
    expect(type(`${REPLY}r`).answer).toBeUndefined();
  });

  it('passes every key on for a client that may not answer', () => {
    const { prompt } = setup();
    prompt.requested(request('a'));
    expect(prompt.input(Buffer.from(`${REPLY}y`), false).forward.toString()).toBe('y');
  });

  it('keeps the line within the row: a long question loses its middle, the keys stay whole', () => {
    const { prompt, writes } = setup(80);
    prompt.requested({ ...request('a'), subject: `/very/long/${'x'.repeat(200)}/end.txt` });
    const line = /\x1b\[7m(.*)\x1b\[0m/.exec(writes.at(-1)!)![1]!;
    expect(line.length).toBe(79);
    expect(line).toMatch(/^nono: demo asks to.*….*end\.txt  \[y\] once \[s\] session \[a\] always \[n\] deny$/);
  });

  it('shows a path with bidi controls, invisible characters or a line separator escaped, as it really is (attack)', () => {
    const { prompt, writes } = setup();
    prompt.requested({ ...request('a'), subject: '/n/notes\u202etxt.hs\u200b\u2028x' });
    const line = /\x1b\[7m(.*)\x1b\[0m/.exec(writes.at(-1)!)![1]!;
    expect(line).toContain('/n/notes\\u202etxt.hs\\u200b\\u2028x');
    expect(line).not.toMatch(/[\u202e\u200b\u2028]/);
  });

  it('shows why an answer given here was refused, on the same line', () => {
    const { prompt, writes, type } = setup();
    prompt.requested(request('a'));
    type(REPLY);
    prompt.refused('a', 'no lasting grant');
    expect(writes.at(-1)).toContain('[n] deny  refused: no lasting grant');
  });
});
