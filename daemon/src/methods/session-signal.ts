// session.signal: deliver a signal to the session's process group (Ctrl-C without a PTY).
import type { MethodHandler } from './method-handler.js';

export const sessionSignal: MethodHandler<'session.signal'> = async (params, ctx) => {
  ctx.services.sessions.find(params.session).signal(params.signal as NodeJS.Signals);
  return { ok: true as const };
};
