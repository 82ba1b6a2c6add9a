// auth.hello: the connection proves it can read the daemon secret.
// Threat: Landlock does not mediate connect() on pathname sockets, so a sandboxed process
// can reach the socket; the secret file is what it can never read. Compared in constant time.
import { timingSafeEqual } from 'node:crypto';
import { NonoError, PROTOCOL_VERSION } from '@nono/shared';
import { recordAuthFailure } from '../rpc/auth-failure-audit.js';
import type { MethodHandler } from '../rpc/method-handler.js';

export const authHello: MethodHandler<'auth.hello'> = async (params, ctx) => {
  const given = Buffer.from(params.token, 'utf8');
  const expected = Buffer.from(ctx.services.secret, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    ctx.log.warn({ client: params.client }, 'authentication failed');
    recordAuthFailure(ctx, 'wrong daemon secret', params.client);
    throw new NonoError(
      'UNAUTHENTICATED',
      'wrong daemon secret; read it from the "secret" file in the runtime dir of the same user (a sandbox cannot)',
    );
  }
  ctx.authenticated = true;
  if (params.client !== undefined) ctx.clientName = params.client;
  // The command line is in use: the next command should find a client already started.
  if (params.client?.startsWith('nono ') === true) {
    ctx.services.warmClients.wanted();
    ctx.services.launcherRuns().wanted();
  }
  return { version: ctx.services.version, pid: process.pid, protocol: PROTOCOL_VERSION };
};
