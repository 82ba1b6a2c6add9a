// Snapshot records: what `nono snapshot list` shows without opening every manifest. The
// manifests beside the objects stay the truth; a record missing after a crash is rebuilt
// from its manifest (SnapshotService.reindex).
import type { ResultOf } from '@nono/shared';
import type { SqliteDatabase } from './database.js';

export type SnapshotInfo = ResultOf<'snapshot.list'>['snapshots'][number];

type SnapshotRow = Omit<SnapshotInfo, 'tags'> & { tags: string };

const fromRow = (row: SnapshotRow): SnapshotInfo => ({ ...row, tags: JSON.parse(row.tags) as string[] });

export class SnapshotIndex {
  constructor(private readonly db: SqliteDatabase) {}

  insert(info: SnapshotInfo): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO snapshots (id, tree, created, label, name, tags, session, role, files, bytes, root)
         VALUES (@id, @tree, @created, @label, @name, @tags, @session, @role, @files, @bytes, @root)`,
      )
      .run({ ...info, tags: JSON.stringify(info.tags) });
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
  }

  /** Newest first. */
  list(filter: { tree?: string; session?: string } = {}): SnapshotInfo[] {
    const where: string[] = [];
    if (filter.tree !== undefined) where.push('tree = @tree');
    if (filter.session !== undefined) where.push('session = @session');
    const sql = `SELECT * FROM snapshots ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created DESC, id DESC`;
    return (this.db.prepare(sql).all(filter) as SnapshotRow[]).map(fromRow);
  }

  /** Snapshots with this name (one per tree at most), newest first. */
  byName(name: string, tree?: string): SnapshotInfo[] {
    const rows = tree === undefined
      ? this.db.prepare('SELECT * FROM snapshots WHERE name = ? ORDER BY created DESC, id DESC').all(name)
      : this.db.prepare('SELECT * FROM snapshots WHERE name = ? AND tree = ?').all(name, tree);
    return (rows as SnapshotRow[]).map(fromRow);
  }

  /** The newest snapshot carrying this tag. */
  newestTagged(tag: string): SnapshotInfo | undefined {
    const row = this.db
      .prepare('SELECT snapshots.* FROM snapshots, json_each(snapshots.tags) WHERE json_each.value = ? ORDER BY created DESC, id DESC LIMIT 1')
      .get(tag) as SnapshotRow | undefined;
    return row && fromRow(row);
  }

  /** Records whose id starts with `prefix` (at most two: enough to tell unique from ambiguous). */
  byPrefix(prefix: string): SnapshotInfo[] {
    return (this.db.prepare(`SELECT * FROM snapshots WHERE substr(id, 1, length(?)) = ? LIMIT 2`).all(prefix, prefix) as SnapshotRow[]).map(fromRow);
  }

  ids(): Set<string> {
    return new Set((this.db.prepare('SELECT id FROM snapshots').pluck().all() as string[]));
  }
}
