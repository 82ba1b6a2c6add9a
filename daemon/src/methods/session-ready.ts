// session.ready: the caller's terminal is set up (raw mode, its own lines written), so the
// output nonod held for it (directOutput) is written to it now, and from then on as it comes.
import { NonoError } from '@nono/shared';
import type { MethodHandler } from '../rpc/method-handler.js';

export const sessionReady: MethodHandler<'session.ready'> = async (params, ctx) => {
  const session = ctx.services.sessions.find(params.session);
  const { terminal } = ctx.client;
  if (terminal?.session !== session.id) {
    throw new NonoError('INVALID_PARAMS', `nonod writes no output of ${session.name} to this client's terminal; session.ready follows a session.run or session.attach granted directOutput`, {
      session: session.id,
    });
  }
  terminal.ready();
  return { ok: true as const };
};
