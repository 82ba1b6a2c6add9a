// session.list: what is alive and what ended within the last hour (what a tmux user expects
// `ps` to show), or with all every session the database remembers, lost ones from a previous
// daemon among them.
import { RawJson } from '@nono/shared';
import { summaryJson } from '../sessions/session-summary.js';
import type { MethodHandler } from '../rpc/method-handler.js';

const RECENT_MS = 3_600_000;

export const sessionList: MethodHandler<'session.list'> = async (params, ctx) => {
  const { sessions, sessionRows } = ctx.services;
  const since = Date.now() - RECENT_MS;
  const shown = (row: { id: string; endedAt: string | null }): boolean =>
    params.all === true || (row.endedAt === null && sessions.get(row.id) !== undefined) || (row.endedAt !== null && Date.parse(row.endedAt) >= since);
  // Spliced from each row's kept JSON: re-serialising a hundred unchanged rows was most of a call.
  const rows = sessionRows.list().filter(shown).map((row) => summaryJson(row, sessions.get(row.id), sessions.denialCount(row.id)));
  return new RawJson(`{"sessions":[${rows.join(',')}]}`);
};
