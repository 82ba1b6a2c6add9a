// The audit tables, created idempotently on whatever database the log is given, so the log
// works in the daemon's store and in a file of its own alike. STRICT so a hand edit cannot
// slip a number in where the hash covers a string.
import type Database from 'better-sqlite3';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS audit_events (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    session TEXT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS audit_events_session ON audit_events(session, seq) WHERE session IS NOT NULL;
  CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events(time);

  CREATE TABLE IF NOT EXISTS audit_checkpoints (
    seq INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    time TEXT NOT NULL,
    signature TEXT NOT NULL,
    public_key TEXT NOT NULL
  ) STRICT;

  CREATE TABLE IF NOT EXISTS audit_anchor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    time TEXT NOT NULL,
    signature TEXT,
    public_key TEXT
  ) STRICT;
`;

export function ensureAuditSchema(db: Database.Database): void {
  // Readers (list, verify, export) must never wait on the batch writer.
  if (!db.memory && db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
}
