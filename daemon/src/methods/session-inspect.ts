// session.inspect: one session in full, with the plan it runs (or ran) under.
import { join } from 'node:path';
import { summarize } from '../sessions/session-summary.js';
import type { MethodHandler } from '../rpc/method-handler.js';

export const sessionInspect: MethodHandler<'session.inspect'> = async (params, ctx) => {
  const { sessions, sessionRows } = ctx.services;
  const { row, session } = sessions.lookup(params.session);
  return {
    session: summarize(row, session, sessions.denialCount(row.id)),
    plan: session?.plan ?? sessionRows.plan(row.id) ?? null,
    log: join(sessions.logDir, `${row.id}.log`),
    approvalGrants: ctx.services.approvals.grantsOf(row.id),
  };
};
