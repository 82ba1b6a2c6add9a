// Failed authentication goes to the audit log, once per connection.
import type { CallContext } from './call-context.js';

/** Threat: anything that can connect can fail authentication in a loop; one row per connection. */
export function recordAuthFailure(ctx: CallContext, reason: string, client?: string): void {
  if (ctx.authFailureAudited) return;
  ctx.authFailureAudited = true;
  ctx.services.audit.record({ kind: 'rpc.auth_failure', payload: { peer: `client ${ctx.client.id}`, reason, client: client ?? null } });
}
