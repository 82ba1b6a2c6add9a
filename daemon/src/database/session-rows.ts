// Session rows: what `ps` lists and what survives a daemon restart. The rows are also kept in
// memory (read once, then written through), so `session.list`, which editors poll, is answered
// without a query; the plan, big and rarely read, stays only in SQLite.
import type { ResourceLimits, SandboxPlan, SessionState } from '@nono/shared';
import type { SqliteDatabase } from './database.js';

export interface SessionRow {
  id: string;
  name: string;
  state: SessionState;
  argv: string[];
  cwd: string;
  pid: number | null;
  exitCode: number | null;
  startedAt: string;
  endedAt: string | null;
  profile: string | null;
  limits: ResourceLimits | null;
}

interface RawRow {
  id: string;
  name: string;
  state: SessionState;
  argv: string;
  cwd: string;
  pid: number | null;
  exit_code: number | null;
  started_at: string;
  ended_at: string | null;
  profile: string | null;
  limits: string | null;
}

const COLUMNS = `id, name, state, argv, cwd, pid, exit_code, started_at, ended_at, profile, limits`;

function fromRaw(r: RawRow): SessionRow {
  return {
    id: r.id,
    name: r.name,
    state: r.state,
    argv: JSON.parse(r.argv) as string[],
    cwd: r.cwd,
    pid: r.pid,
    exitCode: r.exit_code,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    profile: r.profile,
    limits: r.limits ? (JSON.parse(r.limits) as ResourceLimits) : null,
  };
}

export class SessionRows {
  private readonly insertStmt;
  private readonly startedStmt;
  private readonly endedStmt;
  private readonly listStmt;
  /** The newest rows as list() returns them; undefined until first read. */
  private cache: Map<string, SessionRow> | undefined;
  private ordered: SessionRow[] | undefined;
  /** Insertion order, the SQL's tie-break (rowid) for rows started in the same millisecond. */
  private readonly sequence = new Map<string, number>();
  private nextSequence = 0;

  constructor(private readonly db: SqliteDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO sessions (id, name, state, argv, cwd, started_at, plan, daemon_pid, profile, limits)
       VALUES (@id, @name, 'starting', @argv, @cwd, @startedAt, @plan, @daemonPid, @profile, @limits)`,
    );
    this.startedStmt = db.prepare(`UPDATE sessions SET state = 'running', pid = ? WHERE id = ?`);
    this.endedStmt = db.prepare(
      `UPDATE sessions SET state = @state, exit_code = @exitCode, signal = @signal, ended_at = @endedAt WHERE id = @id`,
    );
    this.listStmt = db.prepare(
      `SELECT ${COLUMNS} FROM sessions ORDER BY started_at DESC, rowid DESC LIMIT 1000`,
    );
  }

  /** Sessions a previous daemon left running cannot be running now: its children died with it. Returns their ids. */
  markLost(): string[] {
    this.cache = undefined;
    this.ordered = undefined;
    const rows = this.db.prepare(`UPDATE sessions SET state = 'lost', ended_at = ? WHERE state IN ('starting', 'running') RETURNING id`).all(new Date().toISOString()) as { id: string }[];
    return rows.map((row) => row.id);
  }

  private rows(): Map<string, SessionRow> {
    if (!this.cache) {
      const raws = (this.listStmt.all() as RawRow[]).reverse();
      this.cache = new Map(raws.map((raw) => [raw.id, fromRaw(raw)]));
      for (const raw of raws) this.sequence.set(raw.id, this.nextSequence++);
    }
    return this.cache;
  }

  /** Replaces a cached row (never mutated in place: a list() already handed out keeps its rows). */
  private update(id: string, change: Partial<SessionRow>): void {
    const row = this.cache?.get(id);
    if (!row) return;
    this.cache!.set(id, { ...row, ...change });
    this.ordered = undefined;
  }

  insert(row: { id: string; name: string; argv: string[]; cwd: string; startedAt: string; plan: SandboxPlan }): void {
    this.insertStmt.run({
      id: row.id,
      name: row.name,
      argv: JSON.stringify(row.argv),
      cwd: row.cwd,
      startedAt: row.startedAt,
      plan: JSON.stringify(row.plan),
      daemonPid: process.pid,
      profile: row.plan.profile,
      limits: JSON.stringify(row.plan.limits),
    });
    if (this.cache) {
      const cached: SessionRow = { id: row.id, name: row.name, state: 'starting', argv: [...row.argv], cwd: row.cwd, pid: null, exitCode: null, startedAt: row.startedAt, endedAt: null, profile: row.plan.profile, limits: row.plan.limits };
      this.cache.set(row.id, cached);
      this.sequence.set(row.id, this.nextSequence++);
      this.ordered = undefined;
    }
  }

  started(id: string, pid: number): void {
    this.startedStmt.run(pid, id);
    this.update(id, { state: 'running', pid });
  }

  ended(id: string, state: SessionState, exitCode: number | null, signal: number | null): void {
    const endedAt = new Date().toISOString();
    this.endedStmt.run({ id, state, exitCode, signal, endedAt });
    this.update(id, { state, exitCode, endedAt });
  }

  row(id: string): SessionRow | undefined {
    const cached = this.rows().get(id);
    if (cached) return cached;
    const raw = this.db.prepare(`SELECT ${COLUMNS} FROM sessions WHERE id = ?`).get(id) as RawRow | undefined;
    return raw ? fromRaw(raw) : undefined;
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
    if (this.cache?.delete(id)) this.ordered = undefined;
    this.sequence.delete(id);
  }

  /** The plan a session ran with, for `nono inspect` of sessions this daemon only remembers. */
  plan(id: string): SandboxPlan | undefined {
    const row = this.db.prepare('SELECT plan FROM sessions WHERE id = ?').get(id) as { plan: string } | undefined;
    return row ? (JSON.parse(row.plan) as SandboxPlan) : undefined;
  }

  /** Newest first, as the SQL orders them: by start time, then insertion. */
  list(): SessionRow[] {
    const rows = this.rows();
    const after = (a: SessionRow, b: SessionRow): number =>
      a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : (this.sequence.get(b.id) ?? 0) - (this.sequence.get(a.id) ?? 0);
    this.ordered ??= [...rows.values()].sort(after).slice(0, 1000);
    return this.ordered;
  }
}
