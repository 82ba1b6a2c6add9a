// approval.answer: an editor, an attached terminal or `nono approve` answers a held request. The
// first answer wins; who answered (the client's hello name and the daemon's user) is recorded.
import type { MethodHandler } from '../rpc/method-handler.js';

export const approvalAnswer: MethodHandler<'approval.answer'> = async (params, ctx) => {
  const by = `${ctx.clientName ?? 'client'} (${ctx.services.audit.user})`;
  return ctx.services.approvals.answer(params.id, params.answer, by, params.readOnly);
};
