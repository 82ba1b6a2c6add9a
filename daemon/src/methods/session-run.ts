// session.run: compile the request into a sandbox and start it, attached to the caller.
import { NonoError } from '@nono/shared';
import type { MethodHandler } from './method-table.js';

export const sessionRun: MethodHandler<'session.run'> = async (params, ctx) => {
  if (params.argv[0] === '') throw new NonoError('COMMAND_INVALID', 'the command is empty; put it after --, e.g. nono run -- ls');
  const features = await ctx.services.features();
  if (!params.dryRun && features.landlock.abi < 1) {
    throw new NonoError(
      'SANDBOX_UNAVAILABLE',
      'this kernel has no Landlock (enable CONFIG_SECURITY_LANDLOCK and add landlock to lsm=); nono will not run anything unsandboxed',
    );
  }
  if (params.dryRun) return { session: null, plan: ctx.services.sessions.plan(params).plan };
  const { session, plan } = await ctx.services.sessions.run(params, ctx.client);
  return { session: { id: session.id, name: session.name }, plan };
};
