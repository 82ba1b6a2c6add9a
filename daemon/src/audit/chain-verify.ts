// Re-derives every hash from the rows themselves and names the first place the chain stops
// holding, telling an edited row from a deleted one, a deleted head from a retention prune,
// and a truncated tail from a merely quiet log. Rows are read a page at a time with the event
// loop let go between pages, so verifying a million rows never stalls the daemon for long.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { NonoError } from '@nono/shared';
import type Database from 'better-sqlite3';
import { GENESIS_HASH, hashEncodedRow, rowHash } from './canonical-encoding.js';
import { readAnchor, readCheckpoints, signatureProblem, type Anchor } from './checkpoints.js';

export type AuditBreakReason =
  | 'row-edited'
  | 'row-deleted'
  | 'head-deleted'
  | 'tail-truncated'
  | 'checkpoint-mismatch'
  | 'anchor-mismatch'
  | 'bad-signature';

export interface AuditBreak {
  ok: false;
  firstBadSeq: number;
  reason: AuditBreakReason;
  message: string;
}

export interface AuditIntact {
  ok: true;
  rows: number;
  /** The newest row's seq; the anchor's when every row was pruned; 0 for an empty log. */
  lastSeq: number;
  anchorSeq: number | null;
  checkpoints: number;
  /**
   * The newest row a signature pins (the newest checkpoint, else a signed anchor; 0 when none).
   * Rows after it could be deleted without a trace: nothing signed says they existed.
   */
  provenThroughSeq: number;
}

export type VerifyResult = AuditIntact | AuditBreak;

export interface VerifyOptions {
  /** Checkpoints and the anchor must be signed by this key (or one of these), not merely by the key stored beside them. */
  expectedPublicKeyPem?: string | string[];
}

/** seq, time, session, kind, payload, prev_hash, hash: the column order every reader selects. */
export type RawRow = [number, string, string | null, string, string, string, string];
export const ROW_COLUMNS = 'seq, time, session, kind, payload, prev_hash, hash';

const PAGE_ROWS = 20_000;

function broken(firstBadSeq: number, reason: AuditBreakReason, message: string): AuditBreak {
  return { ok: false, firstBadSeq, reason, message };
}

/** Checks rows handed to it in seq order; retention uses it too, to refuse pruning a broken head. */
export class ChainWalker {
  rows = 0;
  private expectedSeq: number;
  private prevHash: string;
  private prevHashJson: string;
  /** Sessions and kinds repeat across rows; their JSON encodings are kept rather than redone. */
  private readonly encoded = new Map<string, string>();

  constructor(
    private readonly anchor: Pick<Anchor, 'seq' | 'hash'> | null,
    private readonly checkpoints: ReadonlyMap<number, string> = new Map(),
  ) {
    this.expectedSeq = anchor ? anchor.seq + 1 : 1;
    this.prevHash = anchor ? anchor.hash : GENESIS_HASH;
    this.prevHashJson = JSON.stringify(this.prevHash);
  }

  get lastSeq(): number {
    return this.expectedSeq - 1;
  }

  step(row: RawRow): AuditBreak | undefined {
    const [seq, time, session, kind, payload, prevHash, hash] = row;
    if (seq !== this.expectedSeq) return this.gap(seq);
    const computed = prevHash === this.prevHash
      ? hashEncodedRow(seq, JSON.stringify(time), session === null ? 'null' : this.encode(session), this.encode(kind), payload, this.prevHashJson)
      : rowHash(seq, time, session, kind, payload, prevHash);
    if (computed !== hash) {
      return broken(seq, 'row-edited', `row ${seq} was edited: its fields no longer hash to its stored hash`);
    }
    if (prevHash !== this.prevHash) return this.unlinked(seq);
    const pinned = this.checkpoints.get(seq);
    if (pinned !== undefined && pinned !== hash) {
      return broken(seq, 'checkpoint-mismatch', `row ${seq} differs from the signed checkpoint at seq ${seq}: the chain was rewritten from there on`);
    }
    this.prevHash = hash;
    // `hash` equals a digest computed above, so it is hex and needs no escaping.
    this.prevHashJson = `"${hash}"`;
    this.expectedSeq = seq + 1;
    this.rows++;
    return undefined;
  }

  private encode(value: string): string {
    let json = this.encoded.get(value);
    if (json === undefined) {
      json = JSON.stringify(value);
      if (this.encoded.size < 4096) this.encoded.set(value, json);
    }
    return json;
  }

  private gap(seq: number): AuditBreak {
    const missing = this.expectedSeq;
    if (seq < missing) {
      if (!this.anchor) return broken(seq, 'row-edited', `row ${seq} sits before the genesis row: it was inserted by hand`);
      return broken(seq, 'anchor-mismatch', `row ${seq} is still present although the retention anchor says rows through ${missing - 1} were pruned`);
    }
    const range = seq - 1 === missing ? `row ${missing} is` : `rows ${missing}..${seq - 1} are`;
    if (this.rows > 0) return broken(missing, 'row-deleted', `${range} missing: row ${seq} follows row ${missing - 1}`);
    const pruned = this.anchor ? `after the retention anchor at seq ${this.anchor.seq}` : 'and no retention anchor records a prune';
    return broken(missing, 'head-deleted', `head rows deleted: ${range} missing ${pruned}`);
  }

  private unlinked(seq: number): AuditBreak {
    if (this.rows > 0) {
      return broken(seq, 'row-deleted', `row ${seq} does not link to row ${seq - 1} (prev_hash mismatch): a row was deleted and the rest renumbered, or row ${seq - 1} replaced`);
    }
    if (this.anchor) {
      return broken(seq, 'anchor-mismatch', `row ${seq} does not link to the retention anchor at seq ${this.anchor.seq}: the anchor or the head was altered`);
    }
    return broken(seq, 'head-deleted', `head rows deleted: row ${seq} links to a predecessor instead of the genesis hash`);
  }
}

function expectedKeys(pems: string | string[] | undefined): KeyObject[] | undefined {
  if (pems === undefined) return undefined;
  return (typeof pems === 'string' ? [pems] : pems).map((pem) => {
    try {
      return createPublicKey(pem);
    } catch (error) {
      throw new NonoError('INVALID_PARAMS', `the expected audit public key is not a readable PEM key: ${(error as Error).message}`, { field: 'expectedPublicKeyPem' });
    }
  });
}

export async function verifyChain(db: Database.Database, options: VerifyOptions = {}): Promise<VerifyResult> {
  const expected = expectedKeys(options.expectedPublicKeyPem);
  // One read transaction, so the anchor, the checkpoints and the bound are seen at one moment.
  const { anchor, checkpoints, maxSeq } = db.transaction(() => ({
    anchor: readAnchor(db),
    checkpoints: readCheckpoints(db),
    maxSeq: (db.prepare('SELECT max(seq) AS seq FROM audit_events').get() as { seq: number | null }).seq,
  })).deferred();

  if (anchor) {
    const problem = signatureProblem('nono-audit-anchor-v1', anchor, expected);
    if (problem) return broken(anchor.seq, 'bad-signature', problem);
  }
  const pinned = new Map<number, string>();
  for (const checkpoint of checkpoints) {
    const problem = signatureProblem('nono-audit-checkpoint-v1', checkpoint, expected);
    if (problem) return broken(checkpoint.seq, 'bad-signature', problem);
    if (anchor && checkpoint.seq === anchor.seq && checkpoint.hash !== anchor.hash) {
      return broken(anchor.seq, 'anchor-mismatch', `the retention anchor at seq ${anchor.seq} differs from the signed checkpoint there`);
    }
    pinned.set(checkpoint.seq, checkpoint.hash);
  }

  const walker = new ChainWalker(anchor, pinned);
  if (maxSeq !== null) {
    const page = db.prepare(`SELECT ${ROW_COLUMNS} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ${PAGE_ROWS}`).raw();
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      let read = 0;
      for (const row of page.iterate(after, maxSeq) as IterableIterator<RawRow>) {
        const problem = walker.step(row);
        if (problem) return problem;
        after = row[0];
        read++;
      }
      if (read < PAGE_ROWS) break;
      await nextTurn();
    }
  }

  const newest = checkpoints.at(-1);
  if (newest && newest.seq > walker.lastSeq) {
    return broken(walker.lastSeq + 1, 'tail-truncated', `tail truncated after checkpoint at seq ${newest.seq}: the last row is ${walker.lastSeq}`);
  }
  const provenThroughSeq = Math.max(newest?.seq ?? 0, anchor?.signature ? anchor.seq : 0);
  return { ok: true, rows: walker.rows, lastSeq: walker.lastSeq, anchorSeq: anchor?.seq ?? null, checkpoints: checkpoints.length, provenThroughSeq };
}
