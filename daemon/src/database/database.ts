// The daemon's one SQLite file. WAL so readers (ps, status) never wait on the writer;
// migrations keyed on user_version so an old store is upgraded, never rebuilt.
import Database from 'better-sqlite3';
import { NonoError } from '@nono/shared';

const MIGRATIONS: string[] = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     state TEXT NOT NULL,
     argv TEXT NOT NULL,
     cwd TEXT NOT NULL,
     pid INTEGER,
     exit_code INTEGER,
     signal INTEGER,
     started_at TEXT NOT NULL,
     ended_at TEXT,
     plan TEXT NOT NULL,
     daemon_pid INTEGER NOT NULL
   );
   CREATE INDEX sessions_state ON sessions(state);`,
  `CREATE TABLE snapshots (
     id TEXT PRIMARY KEY,
     tree TEXT NOT NULL,
     created TEXT NOT NULL,
     label TEXT,
     session TEXT,
     role TEXT NOT NULL,
     files INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     root TEXT NOT NULL
   );
   CREATE INDEX snapshots_tree ON snapshots(tree);
   CREATE INDEX snapshots_session ON snapshots(session);`,
  // ps reads these on every call: pulled out of the plan JSON (kilobytes per row) once.
  `ALTER TABLE sessions ADD COLUMN profile TEXT;
   ALTER TABLE sessions ADD COLUMN limits TEXT;
   UPDATE sessions SET profile = json_extract(plan, '$.profile'), limits = json_extract(plan, '$.limits');`,
  // Named and tagged snapshots; tags as a JSON array since they are only ever matched whole.
  `ALTER TABLE snapshots ADD COLUMN name TEXT;
   ALTER TABLE snapshots ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
   CREATE INDEX snapshots_name ON snapshots(name);`,
];

export type SqliteDatabase = Database.Database;

/** SQLite's words for a file that is not (or no longer) a database it can read. */
const CORRUPT_CODES = /^SQLITE_(CORRUPT|NOTADB)/;

function corrupt(path: string, why: string): NonoError {
  return new NonoError(
    'DATABASE_CORRUPT',
    `${path} ${why}; nono cannot start on it. Move it aside (\`nono doctor --move-database\` does, keeping it as nono.db.corrupt-<time>) and nono starts with a new one`,
    { path },
  );
}

/**
 * Opens (and migrates) the store, naming a damaged or foreign file as such rather than
 * failing later with whatever query first trips on it.
 */
export function openDatabase(path: string): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 2000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw corrupt(path, `was written by a newer nono (schema ${version}, this one knows ${MIGRATIONS.length})`);
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    if (version === 0 && tables.n > 0) throw corrupt(path, 'is an SQLite database of something else (it has tables but no nono schema version)');
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.transaction(() => {
        db!.exec(MIGRATIONS[v]!);
        db!.pragma(`user_version = ${v + 1}`);
      })();
    }
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof NonoError) throw error;
    const code = (error as { code?: string }).code ?? '';
    if (CORRUPT_CODES.test(code)) throw corrupt(path, `is damaged or not a database (${code})`);
    throw error;
  }
}
