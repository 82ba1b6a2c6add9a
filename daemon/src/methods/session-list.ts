// session.list: live sessions and those that ended in this daemon's lifetime, or with all
// every session the store remembers (lost ones from a previous daemon among them).
import { summarize } from '../sessions/session-summary.js';
import type { MethodHandler } from './method-table.js';

export const sessionList: MethodHandler<'session.list'> = async (params, ctx) => {
  const { sessions, store } = ctx.services;
  const rows = store.list().filter((row) => params.all === true || sessions.get(row.id) !== undefined);
  return { sessions: rows.map((row) => summarize(row, sessions.get(row.id))) };
};
