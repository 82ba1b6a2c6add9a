// What session.list reports of a session: the stored row overlaid with what the live object
// knows; a settled session's summary and JSON are built once and reused until something changes.
import { describe, expect, it } from 'vitest';
import type { SessionRow } from '../../src/database/session-rows.js';
import type { Session } from '../../src/sessions/session.js';
import { summarize, summaryJson } from '../../src/sessions/session-summary.js';

const row = (change: Partial<SessionRow> = {}): SessionRow => ({
  id: 'id-1',
  name: 'build',
  state: 'exited',
  argv: ['make'],
  cwd: '/w',
  pid: 10,
  exitCode: 0,
  startedAt: '2026-12-07T00:00:00.000Z',
  endedAt: '2026-12-07T00:01:00.000Z',
  profile: 'default',
  limits: null,
  ...change,
});

const session = (fields: Partial<Record<'state' | 'exitCode' | 'endedAt' | 'pid' | 'live', unknown>>, clients = 0, usage: unknown = null): Session =>
  ({ exitCode: null, endedAt: null, pid: 42, live: true, state: 'running', ...fields, attachments: new Map(Array.from({ length: clients }, (_, i) => [i, {}])), plan: { profile: 'strict', limits: { memoryBytes: 1 } }, usage: () => usage }) as unknown as Session;

describe('session summaries', () => {
  it('overlays the live session on its row, in the fields and order the row has', () => {
    const summary = summarize(row({ state: 'running', exitCode: null, endedAt: null }), session({}, 2, { processes: 1, cpuMs: 5, rssBytes: 4096 }), 3);
    expect(Object.keys(summary)).toEqual(['id', 'name', 'state', 'argv', 'cwd', 'pid', 'exitCode', 'startedAt', 'endedAt', 'profile', 'limits', 'clients', 'usage', 'denials']);
    expect(summary).toMatchObject({ state: 'running', pid: 42, clients: 2, profile: 'strict', limits: { memoryBytes: 1 }, usage: { processes: 1 }, denials: 3 });
  });

  it('reports a row of no live session as stored, with no usage', () => {
    expect(summarize(row(), undefined, 0)).toEqual({ ...row(), clients: 0, usage: null, denials: 0 });
  });

  it('reuses a settled summary and its JSON until its row, session or denials change', () => {
    const stored = row();
    const first = summarize(stored, undefined, 1);
    expect(summarize(stored, undefined, 1)).toBe(first);
    expect(summaryJson(stored, undefined, 1)).toBe(JSON.stringify(first));
    const more = summarize(stored, undefined, 2);
    expect(more).not.toBe(first);
    expect(more.denials).toBe(2);
    expect(summarize(row(), undefined, 2)).not.toBe(more);
  });

  it('rebuilds a live session every time: its usage and clients move', () => {
    const live = session({}, 1);
    const stored = row({ state: 'running', endedAt: null });
    expect(summarize(stored, live, 0)).not.toBe(summarize(stored, live, 0));
  });
});
