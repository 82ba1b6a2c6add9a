// Tampering the way an intruder would: with the sqlite3 CLI on the live database file. Each
// edit must make verify() name the first bad row and the kind of damage; a retention prune,
// the one legitimate way rows disappear, must not.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, ed25519Signer, rowHash, type AuditLogOptions } from '../../src/audit/index.js';

let dir: string;
let file: string;
let db: Database.Database;
beforeEach(() => {
  dir = mkdtempSync(join('/var/tmp', 'nono-audit-tamper-'));
  file = join(dir, 'audit.db');
  db = new Database(file);
  db.pragma('busy_timeout = 2000');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function sqlite(sql: string): void {
  execFileSync('/usr/bin/sqlite3', ['-cmd', '.timeout 2000', file, sql]);
}

const signer = () => ed25519Signer(generateKeyPairSync('ed25519').privateKey);

function logWith(rows: number, options: AuditLogOptions = {}, now: () => number = Date.now): AuditLog {
  const log = new AuditLog(db, { now, ...options });
  for (let i = 1; i <= rows; i++) log.append({ kind: 'net.allow', session: `s${i % 4}`, payload: { host: `h${i}.example`, port: 443, rule: 'allow' } });
  log.flush();
  return log;
}

describe('audit chain under tampering', () => {
  it('names an edited payload', async () => {
    const log = logWith(100);
    sqlite(`UPDATE audit_events SET payload = '{"host":"innocent.example","port":443,"rule":"allow"}' WHERE seq = 42`);
    expect(await log.verify()).toMatchObject({ ok: false, firstBadSeq: 42, reason: 'row-edited' });
  });

  it('names an edited session or time even when the hash column is left alone', async () => {
    const log = logWith(20);
    sqlite(`UPDATE audit_events SET session = 'someone-else' WHERE seq = 7`);
    expect(await log.verify()).toMatchObject({ ok: false, firstBadSeq: 7, reason: 'row-edited' });
    sqlite(`UPDATE audit_events SET session = 's3' WHERE seq = 7; UPDATE audit_events SET time = '2020-01-01T00:00:00.000Z' WHERE seq = 3`);
    expect(await log.verify()).toMatchObject({ ok: false, firstBadSeq: 3, reason: 'row-edited' });
  });

  it('names a deleted middle row', async () => {
    const log = logWith(100);
    sqlite('DELETE FROM audit_events WHERE seq = 57');
    const result = await log.verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 57, reason: 'row-deleted' });
    expect(result.ok || result.message).toMatch(/row 57 is missing: row 58 follows row 56/);
  });

  it('names a row deleted and the rest renumbered to close the gap', async () => {
    const log = logWith(30);
    sqlite('DELETE FROM audit_events WHERE seq = 10; UPDATE audit_events SET seq = seq - 1 WHERE seq > 10');
    // Renumbering changes seq, which the hash covers, so the first moved row no longer hashes.
    expect(await log.verify()).toMatchObject({ ok: false, firstBadSeq: 10, reason: 'row-edited' });
  });

  it('names deleted head rows when no prune recorded them', async () => {
    const log = logWith(50);
    sqlite('DELETE FROM audit_events WHERE seq <= 12');
    const result = await log.verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 1, reason: 'head-deleted' });
    expect(result.ok || result.message).toMatch(/head rows deleted: rows 1\.\.12 are missing/);
  });

  it('catches a tail truncated back past a signed checkpoint', async () => {
    const log = logWith(100, { signer: signer() });
    expect(log.checkpoint()).toMatchObject({ seq: 100 });
    for (let i = 0; i < 20; i++) log.append({ kind: 'net.deny', payload: { host: 'x', port: 1, rule: 'deny' } });
    expect(await log.verify()).toMatchObject({ ok: true, rows: 120, checkpoints: 1 });
    sqlite('DELETE FROM audit_events WHERE seq > 90');
    const result = await log.verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 91, reason: 'tail-truncated' });
    expect(result.ok || result.message).toMatch(/tail truncated after checkpoint at seq 100/);
  });

  it('catches a chain rewritten with fresh hashes under a signed checkpoint', async () => {
    const log = logWith(60, { signer: signer() });
    log.checkpoint();
    // What an intruder who read docs/audit.md does: edit row 30 and recompute every hash after it.
    const rows = db.prepare('SELECT seq, time, session, kind, payload FROM audit_events WHERE seq >= 30 ORDER BY seq').all() as {
      seq: number; time: string; session: string | null; kind: string; payload: string;
    }[];
    let prev = (db.prepare('SELECT hash FROM audit_events WHERE seq = 29').pluck().get() as string);
    const update = db.prepare('UPDATE audit_events SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    for (const row of rows) {
      const payload = row.seq === 30 ? '{"host":"innocent.example","port":443,"rule":"allow"}' : row.payload;
      const hash = rowHash(row.seq, row.time, row.session, row.kind, payload, prev);
      update.run(payload, prev, hash, row.seq);
      prev = hash;
    }
    expect(await log.verify()).toMatchObject({ ok: false, firstBadSeq: 60, reason: 'checkpoint-mismatch' });
  });

  it('checks checkpoint signatures against the stored key and an expected one', async () => {
    const key = signer();
    const log = logWith(10, { signer: key });
    log.checkpoint();
    expect(await log.verify({ expectedPublicKeyPem: key.publicKeyPem })).toMatchObject({ ok: true, checkpoints: 1 });
    expect(await log.verify({ expectedPublicKeyPem: signer().publicKeyPem })).toMatchObject({ ok: false, firstBadSeq: 10, reason: 'bad-signature' });
    // Any of several trusted keys will do (the keychain's and the key file's).
    expect(await log.verify({ expectedPublicKeyPem: [signer().publicKeyPem, key.publicKeyPem] })).toMatchObject({ ok: true, checkpoints: 1 });
    sqlite(`UPDATE audit_checkpoints SET time = '2030-01-01T00:00:00.000Z'`);
    const result = await log.verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 10, reason: 'bad-signature' });
    expect(result.ok || result.message).toMatch(/checkpoint at seq 10 has a signature that does not verify/);
  });

  it('signs checkpoints every K events on its own', async () => {
    const log = logWith(0, { signer: signer(), checkpointEveryEvents: 25, batchSize: 10, maxQueued: 10 });
    for (let i = 0; i < 100; i++) log.append({ kind: 'net.allow', payload: { host: 'h', port: i, rule: 'r' } });
    log.flush();
    const seqs = db.prepare('SELECT seq FROM audit_checkpoints ORDER BY seq').pluck().all() as number[];
    // Checked at the end of each 10-event batch, so the first batch past 25 events since the last one.
    expect(seqs).toEqual([30, 60, 90]);
    expect(await log.verify()).toMatchObject({ ok: true, rows: 100 });
  });

  it('signs a checkpoint at the first flush once the interval has passed', () => {
    let clock = 0;
    const log = logWith(0, { signer: signer(), checkpointEveryMs: 1000 }, () => clock);
    const tick = (at: number) => {
      clock = at;
      log.append({ kind: 'net.allow', payload: { host: 'h', port: at, rule: 'r' } });
      log.flush();
    };
    tick(10);
    tick(1500);
    tick(1600);
    tick(2600);
    expect(db.prepare('SELECT seq FROM audit_checkpoints ORDER BY seq').pluck().all()).toEqual([2, 4]);
  });
});

describe('audit retention', () => {
  it('prunes by row count behind an anchor that verify starts from', async () => {
    const key = signer();
    const log = logWith(200, { signer: key });
    log.checkpoint();
    const result = log.prune({ maxRows: 50 });
    expect(result).toMatchObject({ deleted: 150, anchor: { seq: 150 } });
    expect(result.anchor?.signature).toBeTruthy();
    const verified = await log.verify({ expectedPublicKeyPem: key.publicKeyPem });
    // 50 kept rows plus the audit.prune event the log wrote about itself.
    // The checkpoint pins row 200; the audit.prune row after it is not provable yet.
    expect(verified).toEqual({ ok: true, rows: 51, lastSeq: 201, anchorSeq: 150, checkpoints: 1, provenThroughSeq: 200 });
    expect(log.show(201)).toMatchObject({ kind: 'audit.prune', payload: { rows: 150, throughSeq: 150 } });
  });

  it('prunes by age', async () => {
    let clock = Date.parse('2026-01-01T00:00:00.000Z');
    const log = logWith(0, {}, () => clock);
    for (let day = 0; day < 10; day++) {
      for (let i = 0; i < 5; i++) log.append({ kind: 'net.allow', payload: { host: 'h', port: day, rule: 'r' } });
      clock += 86_400_000;
    }
    expect(log.prune({ maxDays: 3 })).toMatchObject({ deleted: 35, anchor: { seq: 35 } });
    expect(log.list().map((e) => e.payload.port).slice(0, 15)).toEqual([7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9]);
    expect(await log.verify()).toMatchObject({ ok: true, rows: 16, anchorSeq: 35 });
  });

  it('still catches head rows deleted after a prune, and an edited anchor', async () => {
    const log = logWith(100);
    log.prune({ maxRows: 60 });
    sqlite('DELETE FROM audit_events WHERE seq <= 45');
    expect(await log.verify()).toMatchObject({ ok: false, firstBadSeq: 41, reason: 'head-deleted' });
    sqlite('UPDATE audit_anchor SET seq = 45');
    expect(await log.verify()).toMatchObject({ ok: false, firstBadSeq: 46, reason: 'anchor-mismatch' });
  });

  it('continues the chain from the anchor when every row was pruned', async () => {
    const log = logWith(10);
    expect(log.prune({ maxRows: 0 })).toMatchObject({ deleted: 10 });
    log.append({ kind: 'daemon.stop', payload: { pid: 1, reason: 'test' } });
    expect(await log.verify()).toMatchObject({ ok: true, rows: 2, lastSeq: 12, anchorSeq: 10 });
  });

  it('refuses to prune over a broken head rather than erase the evidence', async () => {
    const log = logWith(40);
    sqlite(`UPDATE audit_events SET payload = '{}' WHERE seq = 5`);
    expect(() => log.prune({ maxRows: 10 })).toThrow(/refusing to prune the audit log: row 5 was edited/);
    expect(await log.verify()).toMatchObject({ ok: false, firstBadSeq: 5, reason: 'row-edited' });
    expect(() => log.prune({})).toThrow(/needs maxDays, maxRows or both/);
  });
});
