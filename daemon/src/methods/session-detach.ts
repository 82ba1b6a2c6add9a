// session.detach: the caller leaves a session, or (all) every client is sent away. The
// session itself goes on either way.
import type { MethodHandler } from './method-handler.js';

export const sessionDetach: MethodHandler<'session.detach'> = async (params, ctx) => {
  const session = ctx.services.sessions.find(params.session);
  if (params.all) return { detached: session.detachAll('detached by nono detach') };
  return { detached: session.detach(ctx.client) ? 1 : 0 };
};
