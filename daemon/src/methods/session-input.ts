// session.input: bytes from an attached client to the command, or end of input.
import { NonoError } from '@nono/shared';
import type { MethodHandler } from './method-handler.js';

export const sessionInput: MethodHandler<'session.input'> = async (params, ctx) => {
  const session = ctx.services.sessions.find(params.session);
  if (!session.live) {
    throw new NonoError('SESSION_EXITED', `session ${session.name} has exited (code ${session.exitCode}); it takes no input`, {
      session: session.id,
    });
  }
  if (params.data !== undefined) session.input(ctx.client, Buffer.from(params.data, 'base64'));
  if (params.eof) session.endInput();
  return { ok: true as const };
};
