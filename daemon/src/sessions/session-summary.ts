// What `nono ps` and the session methods report of a session: its stored row, overlaid with
// what only the live object knows (attached clients, resource use).
import type { SessionSummary } from '@nono/shared';
import type { SessionRow, SessionRows } from '../database/session-rows.js';
import type { Session } from './session.js';

/** `denials`: the file denials recorded for it (fs.deny in the audit log). */
export function summarize(row: SessionRow, session: Session | undefined, denials: number): SessionSummary {
  return {
    ...row,
    ...(session ? { state: session.state, exitCode: session.exitCode, endedAt: session.endedAt, pid: session.pid } : {}),
    clients: session?.attachments.size ?? 0,
    profile: session?.plan.profile ?? row.profile,
    limits: session?.plan.limits ?? row.limits,
    usage: session?.usage() ?? null,
    denials,
  };
}

export function summaryOf(session: Session, store: SessionRows, denials: number): SessionSummary {
  const row = store.row(session.id);
  return summarize(
    row ?? {
      id: session.id,
      name: session.name,
      state: session.state,
      argv: session.argv,
      cwd: session.plan.cwd,
      pid: session.pid,
      exitCode: session.exitCode,
      startedAt: session.startedAt,
      endedAt: session.endedAt,
      profile: session.plan.profile,
      limits: session.plan.limits,
    },
    session,
    denials,
  );
}
