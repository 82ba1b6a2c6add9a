// approval.list: pending approval requests, then recent answered ones (`nono approvals`).
import type { MethodHandler } from '../rpc/method-handler.js';

export const approvalList: MethodHandler<'approval.list'> = async (params, ctx) => {
  const session = params.session === undefined ? undefined : ctx.services.sessions.find(params.session).id;
  return { requests: ctx.services.approvals.list(session) };
};
