// session.logs: the recorded output of a session, live or long gone; with `net`, the proxy's
// decisions for it, read back from the audit log, which is where each decision is recorded.
import { join } from 'node:path';
import type { DaemonAudit } from '../audit/daemon-audit.js';
import { readLog } from '../sessions/output-log.js';
import type { MethodHandler } from '../rpc/method-handler.js';

/** A reply stays well under the 16 MiB frame limit once base64 grows it by a third. */
const MAX_REPLY_BYTES = 8 * 1024 * 1024;

/** Decisions are a line of about 150 bytes each: this many fill the reply. */
const MAX_DECISIONS = 50_000;

const NET_KINDS = ['net.allow', 'net.deny', 'net.fail'];

/**
 * The session's last `tail` decisions as NDJSON lines, in the shape the proxy reports them
 * (`nono logs --net` prints these). The audit log flushes before a read, so a decision made a
 * moment ago is in the answer.
 */
function decisionLines(audit: DaemonAudit, session: string, tail = MAX_DECISIONS): Buffer {
  const limit = Math.min(tail, MAX_DECISIONS);
  if (limit === 0) return Buffer.alloc(0);
  const events = audit.log.list({ session, kind: NET_KINDS, order: 'desc', limit }).reverse();
  const lines = events.map(({ time, kind, payload }) => {
    const { method, host, port, rule, cause, suggest } = payload;
    const decision = { time, method, host, port, decision: kind.slice('net.'.length), rule, ...(cause !== undefined ? { cause } : {}), ...(suggest !== undefined ? { suggest } : {}) };
    return `${JSON.stringify(decision)}\n`;
  });
  return Buffer.from(lines.join(''));
}

export const sessionLogs: MethodHandler<'session.logs'> = async (params, ctx) => {
  const { sessions, audit } = ctx.services;
  const { row, session } = sessions.lookup(params.session);
  const live = session?.live === true;
  session?.flushLog();
  const data = params.net ? decisionLines(audit, row.id, params.tail) : readLog(join(sessions.logDir, `${row.id}.log`), params.tail);
  return { data: data.subarray(Math.max(0, data.length - MAX_REPLY_BYTES)).toString('base64'), live, nextSeq: live ? session!.nextSeq : null };
};
