// daemon.stop: answer first, then shut down (sessions are terminated).
import type { MethodHandler } from './method-handler.js';

export const daemonStop: MethodHandler<'daemon.stop'> = async (_params, ctx) => {
  setImmediate(() => ctx.services.stop('daemon.stop requested'));
  return { ok: true as const };
};
