// Retention removes rows from the head only, and leaves an anchor (the seq and hash of the
// last removed row) for the chain to start from, so a prune is told apart from rows deleted
// by hand. A head that no longer verifies is never pruned: that would erase the evidence.
import { NonoError } from '@nono/shared';
import type Database from 'better-sqlite3';
import { ChainWalker, ROW_COLUMNS, type RawRow } from './chain-verify.js';
import { readAnchor, readCheckpoints, signRecord, type Anchor, type CheckpointSigner } from './checkpoints.js';

export interface PruneOptions {
  /** Remove rows older than this many days. */
  maxDays?: number;
  /** Keep at most this many rows (the newest). */
  maxRows?: number;
}

export interface PruneResult {
  deleted: number;
  /** The anchor in force afterwards (unchanged when nothing was pruned). */
  anchor: Anchor | null;
}

function checkLimit(name: keyof PruneOptions, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0 && (name !== 'maxRows' || Number.isInteger(value)))) {
    throw new NonoError('INVALID_PARAMS', `audit retention ${name} is ${value}; give ${name === 'maxRows' ? 'a whole number' : 'a number'} ≥ 0`, { field: name });
  }
}

/** The newest seq the options allow to go, or null when they keep everything. */
function pruneThrough(db: Database.Database, options: PruneOptions, nowMs: number): number | null {
  const newest = (db.prepare('SELECT max(seq) AS seq FROM audit_events').get() as { seq: number | null }).seq;
  if (newest === null) return null;
  let through: number | null = options.maxRows === undefined ? null : newest - options.maxRows;
  if (options.maxDays !== undefined) {
    const cutoff = new Date(nowMs - options.maxDays * 86_400_000).toISOString();
    const old = (db.prepare('SELECT max(seq) AS seq FROM audit_events WHERE time < ?').get(cutoff) as { seq: number | null }).seq;
    if (old !== null) through = Math.max(through ?? old, old);
  }
  return through;
}

export function pruneHead(db: Database.Database, options: PruneOptions, nowMs: number, signer?: CheckpointSigner): PruneResult {
  if (options.maxDays === undefined && options.maxRows === undefined) {
    throw new NonoError('INVALID_PARAMS', 'audit retention needs maxDays, maxRows or both', { field: 'maxDays' });
  }
  checkLimit('maxDays', options.maxDays);
  checkLimit('maxRows', options.maxRows);

  return db
    .transaction((): PruneResult => {
      const anchor = readAnchor(db);
      const through = pruneThrough(db, options, nowMs);
      const last = through === null
        ? undefined
        : (db.prepare('SELECT seq, hash FROM audit_events WHERE seq <= ? ORDER BY seq DESC LIMIT 1').get(through) as { seq: number; hash: string } | undefined);
      if (!last) return { deleted: 0, anchor };

      const walker = new ChainWalker(anchor, new Map(readCheckpoints(db).map((c) => [c.seq, c.hash])));
      const rows = db.prepare(`SELECT ${ROW_COLUMNS} FROM audit_events WHERE seq <= ? ORDER BY seq`).raw();
      for (const row of rows.iterate(last.seq) as IterableIterator<RawRow>) {
        const problem = walker.step(row);
        if (problem) {
          throw new NonoError('AUDIT_CHAIN_BROKEN', `refusing to prune the audit log: ${problem.message}; export it and run nono audit verify first`, {
            firstBadSeq: problem.firstBadSeq,
            reason: problem.reason,
          });
        }
      }

      const deleted = db.prepare('DELETE FROM audit_events WHERE seq <= ?').run(last.seq).changes;
      // The checkpoint at the anchor itself stays: verify compares the two.
      db.prepare('DELETE FROM audit_checkpoints WHERE seq < ?').run(last.seq);
      const time = new Date(nowMs).toISOString();
      const signed = signer ? signRecord(signer, 'nono-audit-anchor-v1', last.seq, last.hash, time) : null;
      const next: Anchor = { seq: last.seq, hash: last.hash, time, signature: signed?.signature ?? null, publicKeyPem: signed?.publicKeyPem ?? null };
      db.prepare('INSERT OR REPLACE INTO audit_anchor (id, seq, hash, time, signature, public_key) VALUES (1, ?, ?, ?, ?, ?)').run(
        next.seq,
        next.hash,
        next.time,
        next.signature,
        next.publicKeyPem,
      );
      return { deleted, anchor: next };
    })
    .immediate();
}
