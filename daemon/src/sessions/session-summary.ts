// What `nono ps` and the session methods report of a session: its stored row, overlaid with
// what only the live object knows (attached clients, resource use).
import type { SessionSummary } from '@nono/shared';
import type { SessionRow, SessionRows } from '../database/session-rows.js';
import type { Session } from './session.js';

/**
 * Summaries of sessions that can no longer change but for their denials, by their stored row
 * (rows are replaced, never changed in place, when the store updates them): `ps` and editors poll
 * every session, and rebuilding a hundred unchanged summaries a call was most of session.list.
 */
const settled = new WeakMap<SessionRow, { session: Session | undefined; denials: number; summary: SessionSummary; json?: string }>();

/** `denials`: the file denials recorded for it (fs.deny in the audit log). */
export function summarize(row: SessionRow, session: Session | undefined, denials: number): SessionSummary {
  const still = session === undefined || (!session.live && session.attachments.size === 0);
  if (still) {
    const known = settled.get(row);
    if (known && known.session === session && known.denials === denials) return known.summary;
  }
  // One literal, fields in the order the spread of the row gave them: every summary has one shape,
  // which keeps building and serialising them on V8's fast paths.
  const summary: SessionSummary = {
    id: row.id,
    name: row.name,
    state: session ? session.state : row.state,
    argv: row.argv,
    cwd: row.cwd,
    pid: session ? session.pid : row.pid,
    exitCode: session ? session.exitCode : row.exitCode,
    startedAt: row.startedAt,
    endedAt: session ? session.endedAt : row.endedAt,
    profile: session?.plan.profile ?? row.profile,
    limits: session?.plan.limits ?? row.limits,
    clients: session?.attachments.size ?? 0,
    usage: session?.usage() ?? null,
    denials,
  };
  if (still) settled.set(row, { session, denials, summary });
  return summary;
}

/** The summary as JSON; a settled session's is serialised once and kept with its summary. */
export function summaryJson(row: SessionRow, session: Session | undefined, denials: number): string {
  const summary = summarize(row, session, denials);
  const known = settled.get(row);
  return known?.summary === summary ? (known.json ??= JSON.stringify(summary)) : JSON.stringify(summary);
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
