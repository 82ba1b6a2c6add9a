// session.list: what is alive and what ended within the last hour (what a tmux user expects
// `ps` to show), or with all every session the store remembers, lost ones from a previous
// daemon among them.
import { summarize } from '../sessions/session-summary.js';
import type { MethodHandler } from './method-handler.js';

const RECENT_MS = 3_600_000;

export const sessionList: MethodHandler<'session.list'> = async (params, ctx) => {
  const { sessions, store } = ctx.services;
  const since = Date.now() - RECENT_MS;
  const shown = (row: { id: string; endedAt: string | null }): boolean =>
    params.all === true || (row.endedAt === null && sessions.get(row.id) !== undefined) || (row.endedAt !== null && Date.parse(row.endedAt) >= since);
  return { sessions: store.list().filter(shown).map((row) => summarize(row, sessions.get(row.id), sessions.denialCount(row.id))) };
};
