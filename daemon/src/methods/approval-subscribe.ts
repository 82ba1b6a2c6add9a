// approval.subscribe: an editor connection opts in to every session's approval questions (an
// attached terminal gets its own session's without asking); the connection closing ends it.
import type { MethodHandler } from '../rpc/method-handler.js';

export const approvalSubscribe: MethodHandler<'approval.subscribe'> = async (params, ctx) => {
  const on = params.off !== true;
  const pending = ctx.services.approvals.subscribe(ctx.client, on).filter((v) => v.answer === null);
  if (on) ctx.whenClosed(() => ctx.services.approvals.subscribe(ctx.client, false));
  return { subscribed: on, pending };
};
