// approval.answer: an editor, an attached terminal or `nono approve` answers a held request. The
// first answer wins; who answered (the client's hello name and the daemon's user) is recorded.
// A terminal names its session, so an id of another session's request answers nothing.
import type { MethodHandler } from '../rpc/method-handler.js';

export const approvalAnswer: MethodHandler<'approval.answer'> = async (params, ctx) => {
  const by = `${ctx.clientName ?? 'client'} (${ctx.services.audit.user})`;
  const session = params.session === undefined ? undefined : ctx.services.sessions.lookup(params.session).row.id;
  return ctx.services.approvals.answer(params.id, params.answer, by, params.readOnly, session);
};
