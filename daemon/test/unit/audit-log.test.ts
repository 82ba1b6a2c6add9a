// The audit log's write and read sides on a real SQLite file: every kind is accepted and
// chained, order survives many batches, filters select what they say, the queue drains on
// its own, and nothing that looks like a secret is stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_KINDS, AuditLog, REDACTED, type AuditInput } from '../../src/audit/index.js';

let dir: string;
let db: Database.Database;
beforeEach(() => {
  dir = mkdtempSync(join('/var/tmp', 'nono-audit-log-'));
  db = new Database(join(dir, 'audit.db'));
  db.pragma('busy_timeout = 2000');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One event of each kind, with the payload fields its kind names. */
const ONE_OF_EACH: AuditInput[] = [
  { kind: 'daemon.start', payload: { pid: 10, version: '0.1.0' } },
  { kind: 'session.start', session: 's1', payload: { policyDigest: 'ab12', command: ['claude', '--yes'], profile: 'default', cwd: '/w', user: 'me' } },
  { kind: 'session.attach', session: 's1', payload: { client: 'tty-1', readOnly: false } },
  { kind: 'net.allow', session: 's1', payload: { host: 'api.anthropic.com', port: 443, rule: 'allow api.anthropic.com' } },
  { kind: 'net.deny', session: 's1', payload: { host: 'evil.example', port: 80, rule: 'default deny' } },
  { kind: 'net.fail', session: 's1', payload: { host: 'gone.invalid', port: 443, rule: 'allowed by gone.invalid, but gone.invalid does not resolve (ENOTFOUND)', cause: 'dns' } },
  { kind: 'credential.use', session: 's1', payload: { route: 'anthropic', host: 'api.anthropic.com' } },
  { kind: 'snapshot.create', session: 's1', payload: { snapshotId: 'snap-1' } },
  { kind: 'snapshot.restore', session: 's1', payload: { snapshotId: 'snap-1', paths: ['src/a.ts'] } },
  { kind: 'trust.verify', session: 's1', payload: { path: 'CLAUDE.md', result: 'signed' } },
  { kind: 'trust.override', session: 's1', payload: { path: 'AGENTS.md', reason: 'user accepted' } },
  { kind: 'policy.refusal', session: 's1', payload: { rule: 'deny ~/.ssh', reason: 'protected path' } },
  { kind: 'fs.deny', session: 's1', payload: { path: '/home/u/.ssh/id_rsa', op: 'read', rule: 'deny_credentials', reason: '/home/u/.ssh is kept out by group deny_credentials', protected: true } },
  { kind: 'sandbox.quarantine', session: 's1', payload: { kind: 'git', path: '/w/.git/commondir', movedTo: '/w/.git/commondir.nono-quarantine-s1', reason: 'redirects config' } },
  { kind: 'session.detach', session: 's1', payload: { client: 'tty-1' } },
  { kind: 'session.exit', session: 's1', payload: { code: 0, signal: null, durationMs: 1234 } },
  { kind: 'rpc.auth_failure', payload: { peer: 'uid 1001', reason: 'bad secret' } },
  { kind: 'pack.install', payload: { pack: 'acme/secure', version: '1.0.0', sha256: 'ab12', publisher: 'cd34', registry: 'https://registry.example/' } },
  { kind: 'pack.refuse', payload: { pack: 'acme/secure', version: '1.1.0', reason: 'changed after signing' } },
  { kind: 'pack.pin', payload: { pack: 'acme/secure', version: '1.0.0', pinned: true } },
  { kind: 'pack.remove', payload: { pack: 'acme/secure', versions: ['1.0.0'] } },
  { kind: 'pack.hook', session: 's1', payload: { pack: 'acme/secure@1.0.0', hook: '/p/acme/secure/1.0.0/hooks/check.sh', result: 'refused', code: 1, reason: 'exited 1: branch main is protected' } },
  { kind: 'approval', session: 's1', payload: { request: 'network', subject: 'unlisted.test:443', answer: 'allow-once', by: 'vscode (user)', grant: 'once' } },
  { kind: 'daemon.stop', payload: { pid: 10, reason: 'signal' } },
];

describe('audit log', () => {
  it('chains one event of every kind and reads them back in order', async () => {
    expect(new Set(ONE_OF_EACH.map((e) => e.kind))).toEqual(new Set(AUDIT_KINDS.filter((k) => k !== 'audit.prune')));
    const log = new AuditLog(db);
    for (const event of ONE_OF_EACH) log.append(event);
    expect(log.flush()).toBe(ONE_OF_EACH.length);

    const events = log.list();
    expect(events.map((e) => e.kind)).toEqual(ONE_OF_EACH.map((e) => e.kind));
    expect(events.map((e) => e.seq)).toEqual(ONE_OF_EACH.map((_, i) => i + 1));
    expect(events[0]!.prevHash).toBe('0'.repeat(64));
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    expect(events[1]!.payload).toEqual(ONE_OF_EACH[1]!.payload);
    expect(events[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(log.show(4)).toEqual(events[3]);
    expect(log.show(99)).toBeUndefined();
    expect(await log.verify()).toEqual({ ok: true, rows: ONE_OF_EACH.length, lastSeq: ONE_OF_EACH.length, anchorSeq: null, checkpoints: 0, provenThroughSeq: 0 });
  });

  it('keeps append order across many batches and a reopened log', async () => {
    const first = new AuditLog(db, { batchSize: 7, maxQueued: 20 });
    for (let i = 0; i < 500; i++) first.append({ kind: 'net.allow', session: `s${i % 3}`, payload: { host: `h${i}.example`, port: i, rule: 'r' } });
    first.close();
    const again = new AuditLog(db);
    for (let i = 500; i < 1000; i++) again.append({ kind: 'net.allow', payload: { host: `h${i}.example`, port: i, rule: 'r' } });
    const events = again.list({ limit: 5000 });
    expect(events.map((e) => e.payload.port)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(await again.verify()).toMatchObject({ ok: true, rows: 1000, lastSeq: 1000 });
  });

  it('filters by session, kind, time, seq cursor and limit', () => {
    let clock = Date.parse('2026-03-01T10:00:00.000Z');
    const log = new AuditLog(db, { now: () => clock });
    for (let i = 0; i < 30; i++) {
      log.append({ kind: i % 3 === 0 ? 'net.deny' : 'net.allow', session: i % 2 ? 'odd' : 'even', payload: { host: 'h', port: i, rule: 'r' } });
      clock += 60_000;
    }
    const ports = (filter: Parameters<AuditLog['list']>[0]) => log.list(filter).map((e) => e.payload.port);
    expect(ports({ session: 'odd', limit: 4 })).toEqual([1, 3, 5, 7]);
    expect(ports({ kind: 'net.deny', session: 'even' })).toEqual([0, 6, 12, 18, 24]);
    expect(ports({ kind: ['net.deny'], afterSeq: 20 })).toEqual([21, 24, 27]);
    expect(ports({ since: '2026-03-01T10:25:00Z', until: new Date('2026-03-01T10:28:00Z') })).toEqual([25, 26, 27]);
    expect(ports({ order: 'desc', limit: 2 })).toEqual([29, 28]);
    expect(() => log.list({ since: 'yesterday-ish' })).toThrow(/not a date/);
    expect(() => log.list({ limit: 0 })).toThrow(/limit/);
  });

  it('writes the queue on its own within the flush interval, and on reaching a batch', async () => {
    const log = new AuditLog(db, { flushIntervalMs: 20, batchSize: 10 });
    const stored = () => (db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n;
    log.append({ kind: 'daemon.start', payload: { pid: 1, version: 'x' } });
    expect(stored()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(stored()).toBe(1);
    for (let i = 0; i < 10; i++) log.append({ kind: 'net.allow', payload: { host: 'h', port: i, rule: 'r' } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stored()).toBe(11);
  });

  it('redacts secret-looking keys at any depth and never stores their values', () => {
    const log = new AuditLog(db);
    log.append({
      kind: 'credential.use',
      session: 's',
      payload: {
        route: 'github',
        host: 'api.github.com',
        token: 'ghp_supersecret1',
        headers: { Authorization: 'Bearer supersecret2', 'X-Api-Key': 'supersecret3', accept: 'json' },
        nested: [{ client_secret: { value: 'supersecret4' }, Password: 'supersecret5', key_value: 'supersecret6' }],
      },
    });
    log.flush();
    const stored = db.prepare('SELECT payload FROM audit_events').pluck().get() as string;
    expect(stored).not.toMatch(/supersecret/);
    expect(JSON.parse(stored)).toEqual({
      route: 'github',
      host: 'api.github.com',
      token: REDACTED,
      headers: { Authorization: REDACTED, 'X-Api-Key': REDACTED, accept: 'json' },
      nested: [{ client_secret: REDACTED, Password: REDACTED, key_value: REDACTED }],
    });
  });

  it('refuses unknown kinds, fractional numbers, and events after close', () => {
    const log = new AuditLog(db);
    expect(() => log.append({ kind: 'made.up', payload: {} } as unknown as AuditInput)).toThrow(/unknown audit event kind made.up/);
    expect(() => log.append({ kind: 'session.exit', payload: { code: 0, signal: null, durationMs: 1.5 } })).toThrow(/payload.durationMs is 1.5, not a safe integer/);
    log.close();
    expect(() => log.append({ kind: 'daemon.stop', payload: { pid: 1, reason: 'late' } })).toThrow(/after the audit log was closed/);
  });

  it('keeps a batch that failed to write and reports it, then writes it once it can', async () => {
    const errors: unknown[] = [];
    const log = new AuditLog(db, { flushIntervalMs: 5, onError: (error) => errors.push(error) });
    const blocker = new Database(join(dir, 'audit.db'));
    blocker.pragma('busy_timeout = 0');
    db.pragma('busy_timeout = 0');
    blocker.exec('BEGIN IMMEDIATE');
    log.append({ kind: 'daemon.start', payload: { pid: 1, version: 'x' } });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(errors.length).toBeGreaterThan(0);
    blocker.exec('COMMIT');
    blocker.close();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(log.list().map((e) => e.kind)).toEqual(['daemon.start']);
  });
});
