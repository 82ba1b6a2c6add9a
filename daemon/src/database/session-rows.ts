// Session rows: what `ps` lists and what survives a daemon restart.
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

  /** Sessions a previous daemon left running cannot be running now: its children died with it. */
  markLost(): number {
    return this.db
      .prepare(`UPDATE sessions SET state = 'lost', ended_at = ? WHERE state IN ('starting', 'running')`)
      .run(new Date().toISOString()).changes;
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
  }

  started(id: string, pid: number): void {
    this.startedStmt.run(pid, id);
  }

  ended(id: string, state: SessionState, exitCode: number | null, signal: number | null): void {
    this.endedStmt.run({ id, state, exitCode, signal, endedAt: new Date().toISOString() });
  }

  row(id: string): SessionRow | undefined {
    const raw = this.db.prepare(`SELECT ${COLUMNS} FROM sessions WHERE id = ?`).get(id) as RawRow | undefined;
    return raw ? fromRaw(raw) : undefined;
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
  }

  /** The plan a session ran with, for `nono inspect` of sessions this daemon only remembers. */
  plan(id: string): SandboxPlan | undefined {
    const row = this.db.prepare('SELECT plan FROM sessions WHERE id = ?').get(id) as { plan: string } | undefined;
    return row ? (JSON.parse(row.plan) as SandboxPlan) : undefined;
  }

  list(): SessionRow[] {
    return (this.listStmt.all() as RawRow[]).map(fromRaw);
  }
}
