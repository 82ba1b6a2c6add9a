// The audit log's write side. append() only encodes the event and queues it, so recording a
// proxy decision costs microseconds; the queue goes to SQLite in one transaction per batch,
// where each row's hash is chained from the newest row actually committed, read under
// BEGIN IMMEDIATE. A crash therefore loses at most the batch still queued, never the chain,
// and a second writer on the same file (another instance, a daemon started twice) interleaves
// whole batches instead of forking the chain.
import { NonoError } from '@nono/shared';
import type Database from 'better-sqlite3';
import { ensureAuditSchema } from './audit-schema.js';
import { exportEvents, type ExportFormat, type ExportResult } from './audit-export.js';
import { countEvents, countEventsBySession, listEvents, showEvent, type AuditEvent, type ListFilter } from './audit-query.js';
import { canonicalPayload, canonicalSession, GENESIS_HASH, rowHash } from './canonical-encoding.js';
import { verifyChain, type VerifyOptions, type VerifyResult } from './chain-verify.js';
import { checkpointNewestRow, readAnchor, type Checkpoint, type CheckpointSigner } from './checkpoints.js';
import { isAuditKind, type AuditInput, type AuditKind } from './event-kinds.js';
import { pruneHead, type PruneOptions, type PruneResult } from './retention.js';

export interface AuditLogOptions {
  /** Longest an event waits in memory before it is written (default 50 ms): the crash window. */
  flushIntervalMs?: number;
  /** A queue this long is written on the next turn of the event loop (default 512). */
  batchSize?: number;
  /** A queue this long is written inside append() itself, so memory stays bounded (default 16 × batchSize). */
  maxQueued?: number;
  /** Signs checkpoints and retention anchors; without one, checkpoint() refuses. */
  signer?: CheckpointSigner;
  /** Sign a checkpoint at the first flush once this many rows were written since the last one. */
  checkpointEveryEvents?: number;
  /** Sign a checkpoint at the first flush once this much time passed since the last one. */
  checkpointEveryMs?: number;
  /** Where a failed background flush is reported (the batch stays queued and is retried). Default: a process warning. */
  onError?: (error: unknown) => void;
  /** The clock, in ms since the epoch; tests move it. */
  now?: () => number;
}

interface Queued {
  time: string;
  session: string | null;
  kind: string;
  payload: string;
}

function positive(name: keyof AuditLogOptions, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen < 1) {
    throw new NonoError('INVALID_PARAMS', `audit log option ${name} is ${chosen}; give a whole number ≥ 1`, { field: name });
  }
  return chosen;
}

export class AuditLog {
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private closed = false;
  private lastCheckpointSeq: number;
  private lastCheckpointAt: number;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxQueued: number;
  private readonly checkpointEveryEvents: number | undefined;
  private readonly checkpointEveryMs: number | undefined;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  private readonly writeBatch: { immediate(batch: Queued[]): void };

  constructor(
    readonly db: Database.Database,
    private readonly options: AuditLogOptions = {},
  ) {
    ensureAuditSchema(db);
    this.flushIntervalMs = positive('flushIntervalMs', options.flushIntervalMs, 50);
    this.batchSize = positive('batchSize', options.batchSize, 512);
    this.maxQueued = positive('maxQueued', options.maxQueued, 16 * this.batchSize);
    if (options.checkpointEveryEvents !== undefined) this.checkpointEveryEvents = positive('checkpointEveryEvents', options.checkpointEveryEvents, 1);
    if (options.checkpointEveryMs !== undefined) this.checkpointEveryMs = positive('checkpointEveryMs', options.checkpointEveryMs, 1);
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((error) => process.emitWarning(error as Error, 'AuditLogWarning'));
    this.lastCheckpointSeq = (db.prepare('SELECT max(seq) AS seq FROM audit_checkpoints').get() as { seq: number | null }).seq ?? 0;
    this.lastCheckpointAt = this.now();

    const newest = db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    const insert = db.prepare('INSERT INTO audit_events (seq, time, session, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.writeBatch = db.transaction((batch: Queued[]) => {
      // Chained from what is committed, not from what this instance last wrote.
      const last = (newest.get() as { seq: number; hash: string } | undefined) ?? readAnchor(db) ?? { seq: 0, hash: GENESIS_HASH };
      let seq = last.seq;
      let prevHash = last.hash;
      for (const event of batch) {
        seq++;
        const hash = rowHash(seq, event.time, event.session, event.kind, event.payload, prevHash);
        insert.run(seq, event.time, event.session, event.kind, event.payload, prevHash, hash);
        prevHash = hash;
      }
      if (this.checkpointDue(seq)) this.signCheckpoint();
    });
  }

  /** Queues one event. Throws INVALID_PARAMS for an unknown kind or a payload that cannot be encoded. */
  append(event: AuditInput): void {
    if (this.closed) throw new NonoError('DAEMON_STOPPING', `audit event ${event.kind} arrived after the audit log was closed`);
    if (!isAuditKind(event.kind)) throw new NonoError('INVALID_PARAMS', `unknown audit event kind ${String(event.kind)}`, { field: 'kind' });
    this.queue.push({
      time: new Date(this.now()).toISOString(),
      session: canonicalSession(event.session),
      kind: event.kind,
      payload: canonicalPayload(event.payload),
    });
    if (this.queue.length >= this.maxQueued) this.flush();
    else if (this.queue.length >= this.batchSize) this.soon ??= setImmediate(() => this.flushInBackground());
    else this.timer ??= setTimeout(() => this.flushInBackground(), this.flushIntervalMs);
  }

  /** Writes everything queued in one transaction; returns how many events were written. */
  flush(): number {
    clearTimeout(this.timer);
    clearImmediate(this.soon);
    this.timer = undefined;
    this.soon = undefined;
    if (this.queue.length === 0) return 0;
    const batch = this.queue;
    this.queue = [];
    try {
      this.writeBatch.immediate(batch);
    } catch (error) {
      this.queue = batch.concat(this.queue);
      throw error;
    }
    return batch.length;
  }

  /** Signs a checkpoint over the newest row (after a flush); returns it, or null for an empty log. */
  checkpoint(): Checkpoint | null {
    this.flush();
    return this.db.transaction(() => this.signCheckpoint()).immediate();
  }

  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    this.flush();
    return verifyChain(this.db, options);
  }

  list(filter: ListFilter = {}): AuditEvent[] {
    this.flushForRead();
    return listEvents(this.db, filter);
  }

  /**
   * Flushes before a read so the reader sees what it just caused; when the write cannot be made
   * (a full disk), the events stay queued and the read answers from what is stored.
   */
  private flushForRead(): void {
    try {
      this.flush();
    } catch {
      // Kept in the queue by flush; the next write retries them.
    }
  }

  count(session: string, kind: AuditKind): number {
    this.flushForRead();
    return countEvents(this.db, session, kind);
  }

  countBySession(kind: AuditKind): Map<string, number> {
    this.flushForRead();
    return countEventsBySession(this.db, kind);
  }

  show(seq: number): AuditEvent | undefined {
    this.flushForRead();
    return showEvent(this.db, seq);
  }

  /** Removes old rows from the head behind a (signed, with a signer) anchor, then records an audit.prune event. */
  prune(options: PruneOptions): PruneResult {
    this.flush();
    const result = pruneHead(this.db, options, this.now(), this.options.signer);
    if (result.deleted > 0 && result.anchor) this.append({ kind: 'audit.prune', payload: { rows: result.deleted, throughSeq: result.anchor.seq } });
    return result;
  }

  async exportEvents(format: ExportFormat, out: NodeJS.WritableStream): Promise<ExportResult> {
    this.flush();
    return exportEvents(this.db, format, out);
  }

  /** Flushes, signs a last checkpoint when a signer is set, and refuses further events. Leaves the database open. */
  close(): void {
    if (this.closed) return;
    this.flush();
    if (this.options.signer) this.checkpoint();
    this.closed = true;
  }

  private flushInBackground(): void {
    try {
      this.flush();
    } catch (error) {
      this.onError(error);
      this.timer ??= setTimeout(() => this.flushInBackground(), this.flushIntervalMs);
    }
  }

  private checkpointDue(seq: number): boolean {
    if (!this.options.signer || seq <= this.lastCheckpointSeq) return false;
    const byCount = this.checkpointEveryEvents !== undefined && seq - this.lastCheckpointSeq >= this.checkpointEveryEvents;
    const byTime = this.checkpointEveryMs !== undefined && this.now() - this.lastCheckpointAt >= this.checkpointEveryMs;
    return byCount || byTime;
  }

  /** Runs inside a write transaction. */
  private signCheckpoint(): Checkpoint | null {
    const signer = this.options.signer;
    if (!signer) throw new NonoError('INVALID_PARAMS', 'the audit log has no checkpoint signer; construct it with options.signer', { field: 'signer' });
    const checkpoint = checkpointNewestRow(this.db, signer, new Date(this.now()).toISOString());
    if (checkpoint) {
      this.lastCheckpointSeq = checkpoint.seq;
      this.lastCheckpointAt = this.now();
    }
    return checkpoint;
  }
}
