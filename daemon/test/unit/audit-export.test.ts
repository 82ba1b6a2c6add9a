// The export is complete enough to verify without nono: docs/audit-verify.py, written from
// docs/audit.md alone, accepts an honest export (pruned or not, awkward Unicode included) and
// names the first bad row of a tampered one.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, ed25519Signer, type ExportFormat } from '../../src/audit/index.js';

const VERIFIER = fileURLToPath(new URL('../../../docs/audit-verify.py', import.meta.url));

let dir: string;
let db: Database.Database;
beforeEach(() => {
  dir = mkdtempSync(join('/var/tmp', 'nono-audit-export-'));
  db = new Database(join(dir, 'audit.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function exportTo(log: AuditLog, format: ExportFormat): Promise<string> {
  const path = join(dir, `export.${format}`);
  const out = createWriteStream(path);
  await log.exportEvents(format, out);
  out.end();
  await once(out, 'finish');
  return path;
}

function pyVerify(path: string): { status: number | null; stdout: string } {
  const run = spawnSync('python3', [VERIFIER, path], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout.trim() + run.stderr.trim() };
}

/** Strings and keys that trip naive canonical encoders: escapes, non-BMP, sort-order edge cases. */
const AWKWARD = {
  'z': 'plain',
  'é': 'accent',
  '\uffff': 'last BMP',
  '😀': 'astral key sorts after U+FFFF by code point, before it by UTF-16 unit',
  'ctl': 'tab\there, nul\u0000, unit separator\u001f, DEL\u007f, quote " backslash \\ slash /',
  'lines': 'U+2028\u2028 U+2029\u2029 crlf\r\n',
  'lone': 'half a pair \ud800 here',
  'nested': { b: [1, -2, 9007199254740991, true, null, { y: 'ÿ', x: '中文' }], a: {} },
};

describe('audit export', () => {
  it('exports ndjson that the Python verifier accepts, including awkward Unicode', async () => {
    const key = ed25519Signer(generateKeyPairSync('ed25519').privateKey);
    const log = new AuditLog(db, { signer: key });
    for (let i = 0; i < 300; i++) log.append({ kind: 'net.allow', session: i % 2 ? 'sess-é😀' : null, payload: { host: `h${i}`, port: i, rule: 'r', extra: AWKWARD } });
    log.checkpoint();
    expect(await log.verify({ expectedPublicKeyPem: key.publicKeyPem })).toMatchObject({ ok: true, rows: 300 });
    const path = await exportTo(log, 'ndjson');
    expect(pyVerify(path)).toEqual({ status: 0, stdout: 'OK 300 events' });

    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ type: 'header', format: 'nono-audit', version: 1 });
    expect(lines[1]).toMatchObject({ type: 'checkpoint', seq: 300, public_key: key.publicKeyPem });
    expect(Object.keys(lines[2]!)).toEqual(['type', 'seq', 'time', 'session', 'kind', 'payload', 'prev_hash', 'hash']);
    expect((lines[2]!.payload as { extra: { lone: string } }).extra.lone).toBe('half a pair \ufffd here');
  });

  it('names the first bad row of a tampered export', async () => {
    const log = new AuditLog(db);
    for (let i = 1; i <= 50; i++) log.append({ kind: 'net.deny', payload: { host: `h${i}`, port: 80, rule: 'deny' } });
    const path = await exportTo(log, 'ndjson');
    const honest = readFileSync(path, 'utf8');

    writeFileSync(path, honest.replace('"host":"h17"', '"host":"elsewhere"'));
    expect(pyVerify(path)).toEqual({ status: 1, stdout: 'BROKEN at seq 17: row edited (hash mismatch)' });

    writeFileSync(path, honest.split('\n').filter((line) => !line.includes('"seq":23,')).join('\n'));
    expect(pyVerify(path)).toEqual({ status: 1, stdout: 'BROKEN at seq 23: row deleted (seq gap)' });

    writeFileSync(path, honest.split('\n').filter((line) => !/"seq":[1-5],/.test(line)).join('\n'));
    expect(pyVerify(path)).toEqual({ status: 1, stdout: 'BROKEN at seq 1: head rows deleted' });
  });

  it('carries the retention anchor and checkpoints so a pruned, truncated log is judged like the database', async () => {
    const log = new AuditLog(db, { signer: ed25519Signer(generateKeyPairSync('ed25519').privateKey) });
    for (let i = 1; i <= 80; i++) log.append({ kind: 'net.allow', payload: { host: `h${i}`, port: 443, rule: 'r' } });
    log.prune({ maxRows: 30 });
    log.checkpoint();
    const path = await exportTo(log, 'ndjson');
    expect(pyVerify(path)).toEqual({ status: 0, stdout: 'OK 31 events' });
    expect(readFileSync(path, 'utf8').split('\n')[1]).toMatch(/^\{"type":"anchor","seq":50,/);

    writeFileSync(path, readFileSync(path, 'utf8').split('\n').filter((line) => !/"seq":(7\d|8\d),"time"/.test(line)).join('\n'));
    expect(pyVerify(path)).toEqual({ status: 1, stdout: 'BROKEN at seq 70: tail truncated after checkpoint at seq 81' });
  });

  it('exports one JSON document with the same parts', async () => {
    const log = new AuditLog(db);
    for (let i = 1; i <= 12; i++) log.append({ kind: 'snapshot.create', session: 's', payload: { snapshotId: `snap-${i}` } });
    const doc = JSON.parse(readFileSync(await exportTo(log, 'json'), 'utf8')) as { format: string; anchor: null; checkpoints: []; events: { seq: number; hash: string; prev_hash: string }[] };
    expect(doc).toMatchObject({ format: 'nono-audit', version: 1, anchor: null, checkpoints: [] });
    expect(doc.events.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(doc.events[5]!.prev_hash).toBe(doc.events[4]!.hash);
  });
});
