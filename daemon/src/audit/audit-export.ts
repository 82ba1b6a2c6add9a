// Export carries everything a verifier needs and nothing it must take on trust: the anchor
// to start from, the checkpoints, and every row with both hashes, in seq order. Payloads are
// spliced in as stored (already canonical), and pages are written with backpressure so an
// export of millions of rows holds one page in memory.
import { once } from 'node:events';
import type Database from 'better-sqlite3';
import { ROW_COLUMNS, type RawRow } from './chain-verify.js';
import { readAnchor, readCheckpoints, type Anchor, type Checkpoint } from './checkpoints.js';

export type ExportFormat = 'ndjson' | 'json';

export interface ExportResult {
  events: number;
  checkpoints: number;
  anchorSeq: number | null;
}

export const EXPORT_FORMAT = { format: 'nono-audit', version: 1 } as const;

const PAGE_ROWS = 5_000;

function signedJson(record: Anchor | Checkpoint): string {
  const { seq, hash, time, signature, publicKeyPem } = record;
  return `"seq":${seq},"hash":${JSON.stringify(hash)},"time":${JSON.stringify(time)},"signature":${JSON.stringify(signature)},"public_key":${JSON.stringify(publicKeyPem)}`;
}

function eventJson([seq, time, session, kind, payload, prevHash, hash]: RawRow): string {
  return `"seq":${seq},"time":${JSON.stringify(time)},"session":${JSON.stringify(session)},"kind":${JSON.stringify(kind)},"payload":${payload},"prev_hash":${JSON.stringify(prevHash)},"hash":${JSON.stringify(hash)}`;
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/**
 * Writes the whole log to `out` (which is left open). ndjson: one object per line, each with a
 * `type` of header, anchor, checkpoint or event, in that order; json: one object with the
 * same parts. docs/audit.md gives both layouts.
 */
export async function exportEvents(db: Database.Database, format: ExportFormat, out: NodeJS.WritableStream): Promise<ExportResult> {
  const { anchor, checkpoints, maxSeq } = db.transaction(() => ({
    anchor: readAnchor(db),
    checkpoints: readCheckpoints(db),
    maxSeq: (db.prepare('SELECT max(seq) AS seq FROM audit_events').get() as { seq: number | null }).seq ?? 0,
  })).deferred();
  const ndjson = format === 'ndjson';

  if (ndjson) {
    await write(out, `${JSON.stringify({ type: 'header', ...EXPORT_FORMAT })}\n`);
    if (anchor) await write(out, `{"type":"anchor",${signedJson(anchor)}}\n`);
    for (const checkpoint of checkpoints) await write(out, `{"type":"checkpoint",${signedJson(checkpoint)}}\n`);
  } else {
    const anchorJson = anchor ? `{${signedJson(anchor)}}` : 'null';
    const checkpointsJson = checkpoints.map((c) => `{${signedJson(c)}}`).join(',\n');
    await write(out, `{"format":"${EXPORT_FORMAT.format}","version":${EXPORT_FORMAT.version},\n"anchor":${anchorJson},\n"checkpoints":[${checkpointsJson}],\n"events":[`);
  }

  const page = db.prepare(`SELECT ${ROW_COLUMNS} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ${PAGE_ROWS}`).raw();
  let after = Number.MIN_SAFE_INTEGER;
  let events = 0;
  for (;;) {
    const rows = page.all(after, maxSeq) as RawRow[];
    if (rows.length === 0) break;
    const lines = rows.map((row, i) => (ndjson ? `{"type":"event",${eventJson(row)}}\n` : `${events + i === 0 ? '\n' : ',\n'}{${eventJson(row)}}`));
    await write(out, lines.join(''));
    events += rows.length;
    after = rows[rows.length - 1]![0];
  }
  if (!ndjson) await write(out, '\n]}\n');
  return { events, checkpoints: checkpoints.length, anchorSeq: anchor?.seq ?? null };
}
