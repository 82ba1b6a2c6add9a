// session.detach: the caller leaves a session, or (all) every client is sent away. The
// session itself goes on either way.
import type { MethodHandler } from '../rpc/method-handler.js';

export const sessionDetach: MethodHandler<'session.detach'> = async (params, ctx) => {
  const session = ctx.services.sessions.find(params.session);
  if (params.all) return { detached: session.detachAll('detached by nono detach') };
  const detached = session.detach(ctx.client) ? 1 : 0;
  // The caller writes its goodbye on hearing this: after the output nonod wrote to its terminal.
  await ctx.client.whenWritten();
  return { detached };
};
