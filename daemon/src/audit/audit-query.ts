// Reading events back for `nono audit list/show`: filters become one parameterised query over
// the indexed columns, and rows come back with their payload parsed and their hashes, so a
// reader can check a single row against its neighbours.
import { NonoError } from '@nono/shared';
import type Database from 'better-sqlite3';
import { ROW_COLUMNS, type RawRow } from './chain-verify.js';

export interface AuditEvent {
  seq: number;
  time: string;
  session: string | null;
  /** An AuditKind for rows this version wrote; a newer daemon may have written others. */
  kind: string;
  payload: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface ListFilter {
  session?: string;
  kind?: string | string[];
  /** Events at or after this instant. */
  since?: Date | string;
  /** Events strictly before this instant. */
  until?: Date | string;
  /** Events with a greater seq: the cursor for paging. */
  afterSeq?: number;
  /** At most this many events (default 1000). */
  limit?: number;
  /** 'desc' lists the newest first (default 'asc'). */
  order?: 'asc' | 'desc';
}

const DEFAULT_LIMIT = 1000;

function instant(field: string, value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new NonoError('INVALID_PARAMS', `audit filter ${field} is ${String(value)}, not a date; give an ISO-8601 time such as 2026-01-31T12:00:00Z`, { field });
  }
  return date.toISOString();
}

function toEvent(row: RawRow): AuditEvent {
  const [seq, time, session, kind, payload, prevHash, hash] = row;
  return { seq, time, session, kind, payload: JSON.parse(payload) as Record<string, unknown>, prevHash, hash };
}

export function listEvents(db: Database.Database, filter: ListFilter = {}): AuditEvent[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.session !== undefined) {
    where.push('session = ?');
    params.push(filter.session);
  }
  if (filter.kind !== undefined) {
    const kinds = Array.isArray(filter.kind) ? filter.kind : [filter.kind];
    where.push(`kind IN (${kinds.map(() => '?').join(', ')})`);
    params.push(...kinds);
  }
  if (filter.since !== undefined) {
    where.push('time >= ?');
    params.push(instant('since', filter.since));
  }
  if (filter.until !== undefined) {
    where.push('time < ?');
    params.push(instant('until', filter.until));
  }
  if (filter.afterSeq !== undefined) {
    where.push('seq > ?');
    params.push(filter.afterSeq);
  }
  const limit = filter.limit ?? DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new NonoError('INVALID_PARAMS', `audit filter limit is ${limit}; give a whole number ≥ 1`, { field: 'limit' });
  }
  const sql = `SELECT ${ROW_COLUMNS} FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
               ORDER BY seq ${filter.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ?`;
  return (db.prepare(sql).raw().all(...params, limit) as RawRow[]).map(toEvent);
}

export function showEvent(db: Database.Database, seq: number): AuditEvent | undefined {
  const row = db.prepare(`SELECT ${ROW_COLUMNS} FROM audit_events WHERE seq = ?`).raw().get(seq) as RawRow | undefined;
  return row && toEvent(row);
}

/** How many events a session has of a kind, for counts shown beside each session (`nono ps`). */
export function countEventsBySession(db: Database.Database, kind: string): Map<string, number> {
  const rows = db.prepare('SELECT session, count(*) AS n FROM audit_events WHERE kind = ? AND session IS NOT NULL GROUP BY session').all(kind) as { session: string; n: number }[];
  return new Map(rows.map((r) => [r.session, r.n]));
}

export function countEvents(db: Database.Database, session: string, kind: string): number {
  return (db.prepare('SELECT count(*) FROM audit_events WHERE session = ? AND kind = ?').pluck().get(session, kind) as number) ?? 0;
}
