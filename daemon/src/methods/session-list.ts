// session.list: every session in the store, with live client counts for the running ones.
import type { MethodHandler } from './method-table.js';

export const sessionList: MethodHandler<'session.list'> = async (_params, ctx) => {
  const live = new Map(ctx.services.sessions.live().map((s) => [s.id, s]));
  return {
    sessions: ctx.services.store.list().map((row) => ({ ...row, clients: live.get(row.id)?.clients.size ?? 0 })),
  };
};
