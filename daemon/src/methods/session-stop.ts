// session.stop: end the session's whole process tree and answer when it is gone.
import { summaryOf } from '../sessions/session-summary.js';
import type { MethodHandler } from './method-handler.js';

const DEFAULT_TIMEOUT_MS = 10_000;

export const sessionStop: MethodHandler<'session.stop'> = async (params, ctx) => {
  const session = ctx.services.sessions.find(params.session);
  await session.terminate(params.timeoutMs ?? DEFAULT_TIMEOUT_MS, params.force === true);
  return { session: summaryOf(session, ctx.services.store, ctx.services.sessions.denialCount(session.id)) };
};
