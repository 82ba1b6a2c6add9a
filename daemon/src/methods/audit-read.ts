// audit.list, audit.show and audit.verify: reading the log. The log flushes before each read,
// so what a caller just caused is in what it reads.
import { NonoError } from '@nono/shared';
import type { MethodHandler } from './method-handler.js';

export const auditList: MethodHandler<'audit.list'> = async (params, ctx) => {
  const { audit, sessions } = ctx.services;
  const session = params.session === undefined ? undefined : sessions.lookup(params.session).row.id;
  const events = audit.log.list({
    ...(session !== undefined ? { session } : {}),
    ...(params.kind !== undefined ? { kind: params.kind } : {}),
    ...(params.since !== undefined ? { since: params.since } : {}),
    ...(params.until !== undefined ? { until: params.until } : {}),
    ...(params.afterSeq !== undefined ? { afterSeq: params.afterSeq } : {}),
    ...(params.limit !== undefined ? { limit: params.limit } : {}),
    order: params.newestFirst ? 'desc' : 'asc',
  });
  return { events };
};

export const auditShow: MethodHandler<'audit.show'> = async (params, ctx) => {
  const event = ctx.services.audit.log.show(params.seq);
  if (!event) throw new NonoError('INVALID_PARAMS', `no audit event has seq ${params.seq}; nono audit list shows them`, { field: 'seq' });
  return { event };
};

export const auditVerify: MethodHandler<'audit.verify'> = async (_params, ctx) => {
  const { audit } = ctx.services;
  const { signer, source, trusted } = audit.signing;
  const result = await audit.log.verify(signer ? { expectedPublicKeyPem: trusted } : {});
  const signing = { signedCheckpoints: signer !== undefined, keySource: source?.kind ?? null };
  if (!result.ok) return { ok: false, firstBadSeq: result.firstBadSeq, reason: result.reason, message: result.message, ...signing };
  const { rows, lastSeq, checkpoints, provenThroughSeq } = result;
  return { ok: true, rows, lastSeq, checkpoints, provenThroughSeq, tailProven: provenThroughSeq >= lastSeq, ...signing };
};
