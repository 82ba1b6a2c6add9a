// session.run: compile the request into a sandbox and start it, attached to the caller.
import { NonoError, type ErrorKind } from '@nono/shared';
import type { MethodHandler } from '../rpc/method-handler.js';

/** Refusals that are the policy saying no (as opposed to bad input or a broken machine). */
const POLICY_REFUSALS = new Set<ErrorKind>(['PATH_DENIED', 'COMMAND_BLOCKED', 'ISOLATION_UNAVAILABLE', 'TRUST_VERIFICATION_FAILED', 'TRUST_POLICY_INVALID', 'TRUST_BUNDLE_INVALID', 'GROUP_NOT_FOUND', 'PROFILE_INVALID']);

export const sessionRun: MethodHandler<'session.run'> = async (params, ctx) => {
  if (params.argv[0] === '') throw new NonoError('COMMAND_INVALID', 'the command is empty; put it after --, e.g. nono run -- ls');
  const features = await ctx.services.features();
  if (!params.dryRun && features.landlock.abi < 1) {
    throw new NonoError(
      'SANDBOX_UNAVAILABLE',
      'this kernel has no Landlock (enable CONFIG_SECURITY_LANDLOCK and add landlock to lsm=); nono will not run anything unsandboxed',
    );
  }
  // A dry run passes the trust gate as a run would (a deny refuses it) but records nothing.
  if (params.dryRun) return { session: null, plan: (await ctx.services.sessions.plan(params)).plan };
  try {
    const { session, plan, direct } = await ctx.services.sessions.run(params, ctx.client);
    return {
      session: { id: session.id, name: session.name },
      plan,
      binaryOutput: params.binaryOutput === true && !params.detached && ctx.client.binaryFrames(),
      ...(direct.output ? { directOutput: true, directInput: direct.input } : {}),
    };
  } catch (error) {
    if (error instanceof NonoError && POLICY_REFUSALS.has(error.kind)) {
      ctx.services.audit.record({ kind: 'policy.refusal', payload: { rule: error.kind, reason: error.message, command: params.argv, cwd: params.cwd } });
    }
    throw error;
  }
};
