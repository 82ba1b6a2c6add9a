// The audit log's three costs, each beside what the same work costs without the hash chain:
// sustained append throughput against plain batched INSERTs, verify of a million rows against
// reading those rows without hashing, and the time one append() takes on the caller's path
// against queueing a JSON.stringify'd event. Databases live on /var/tmp (a real disk, like the
// daemon's state dir), WAL with synchronous=NORMAL as the daemon opens its store.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { quantile, single, summarize } from './support/stats.mjs';

const APPEND_EVENTS = 100_000;
const APPEND_RUNS = 3;
const VERIFY_EVENTS = 1_000_000;
const VERIFY_RUNS = 3;
const HOT_CALLS = 200_000;
const HOT_ROUND = 1_000;
const BATCH = 512;

function openDb(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 2000');
  return db;
}

const event = (i) => ({ kind: 'net.allow', session: `s${i % 10}`, payload: { host: `h${i % 500}.example.com`, port: 443, rule: 'allow *.example.com' } });

/** The baseline log: the same table and indexes and the same batching, minus canonical encoding and hashes. */
function plainLog(db) {
  db.exec(`CREATE TABLE plain_events (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, session TEXT, kind TEXT NOT NULL, payload TEXT NOT NULL) STRICT;
           CREATE INDEX plain_session ON plain_events(session, seq) WHERE session IS NOT NULL;
           CREATE INDEX plain_time ON plain_events(time);`);
  const insert = db.prepare('INSERT INTO plain_events (time, session, kind, payload) VALUES (?, ?, ?, ?)');
  const write = db.transaction((batch) => {
    for (const e of batch) insert.run(e.time, e.session, e.kind, e.payload);
  });
  let queue = [];
  let soon;
  const flush = () => {
    clearImmediate(soon);
    soon = undefined;
    const batch = queue;
    queue = [];
    if (batch.length > 0) write.immediate(batch);
  };
  return {
    append(e) {
      queue.push({ time: new Date().toISOString(), session: e.session, kind: e.kind, payload: JSON.stringify(e.payload) });
      if (queue.length >= BATCH) soon ??= setImmediate(flush);
    },
    flush,
  };
}

/** Events per second from the first append until the last row is committed, yielding like a busy daemon would. */
async function sustained(log, events) {
  const t0 = performance.now();
  for (let i = 0; i < events; i++) {
    log.append(event(i));
    if (i % 1000 === 999) await nextTurn();
  }
  log.flush();
  return events / ((performance.now() - t0) / 1000);
}

async function appendRows(AuditLog, root, events, runs) {
  const chain = [];
  const plain = [];
  for (let run = 0; run < runs * 2; run++) {
    // A B B A …: drift on the machine lands on both sides.
    const chainFirst = run % 4 === 0 || run % 4 === 3;
    const db = openDb(join(root, `append-${run}.db`));
    if (chainFirst) chain.push((await sustained(new AuditLog(db, { batchSize: BATCH }), events)) / 1000);
    else plain.push((await sustained(plainLog(db), events)) / 1000);
    db.close();
  }
  const c = summarize(chain);
  const p = summarize(plain);
  return {
    name: `append throughput, chain on, ${events} events`,
    measured: c,
    baseline: p,
    baselineLabel: 'plain batched INSERTs, no hashes',
    unit: 'k ev/s',
    ratio: c.medianMs / p.medianMs,
    target: '≥ 50 k ev/s',
    status: c.medianMs >= 50 ? 'pass' : 'fail',
    note: 'thousands of events per second, appended 1,000 per event-loop turn, timed until the last batch is committed',
  };
}

async function verifyRows(AuditLog, verifyChain, root, events, runs, progress) {
  const db = openDb(join(root, 'verify.db'));
  const log = new AuditLog(db, { batchSize: 4096 });
  for (let i = 0; i < events; i++) {
    log.append(event(i));
    if (i % 100_000 === 99_999) progress(`audit: writing ${i + 1} events to verify`);
  }
  log.close();
  db.pragma('wal_checkpoint(TRUNCATE)');
  const read = db.prepare('SELECT seq, time, session, kind, payload, prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT 20000').raw();
  const scan = () => {
    let after = 0;
    for (;;) {
      let rows = 0;
      for (const row of read.iterate(after)) {
        after = row[0];
        rows++;
      }
      if (rows < 20000) return;
    }
  };
  const verified = [];
  const scanned = [];
  let result;
  for (let run = 0; run < runs; run++) {
    progress(`audit: verify run ${run + 1}/${runs}`);
    let t0 = performance.now();
    result = await verifyChain(db);
    verified.push(performance.now() - t0);
    t0 = performance.now();
    scan();
    scanned.push(performance.now() - t0);
  }
  db.close();
  if (!result.ok || result.rows !== events) throw new Error(`verify of the bench log failed: ${JSON.stringify(result)}`);
  const v = summarize(verified);
  const s = summarize(scanned);
  const budgetMs = (5000 * events) / 1_000_000;
  return {
    name: `verify ${events.toLocaleString('en')} events`,
    measured: v,
    baseline: s,
    baselineLabel: 'reading the same rows, no hashing',
    deltaMs: v.medianMs - s.medianMs,
    ratio: v.medianMs / s.medianMs,
    target: `≤ ${budgetMs.toFixed(0)} ms (5 s per million)`,
    status: v.medianMs <= budgetMs ? 'pass' : 'fail',
    note: `${(events / (v.medianMs / 1000) / 1000).toFixed(0)} k rows/s`,
  };
}

/** Per-call µs of `append`, rounds of HOT_ROUND calls with the loop let go between them so flushes run off the timed path. */
async function perCall(append, calls) {
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    append(event(i));
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
    if (i % HOT_ROUND === HOT_ROUND - 1) await nextTurn();
  }
  const values = Array.from(samples);
  return { p50: quantile(values, 0.5), p99: quantile(values, 0.99), n: calls };
}

async function hotPathRow(AuditLog, root, calls) {
  const db = openDb(join(root, 'hot.db'));
  const log = new AuditLog(db);
  await perCall((e) => log.append(e), calls / 4); // warm-up: JIT and the first pages of the file
  const chain = await perCall((e) => log.append(e), calls);
  log.close();
  db.close();
  const queue = [];
  const push = (e) => {
    queue.push({ time: new Date().toISOString(), session: e.session, kind: e.kind, payload: JSON.stringify(e.payload) });
    if (queue.length >= BATCH) queue.length = 0;
  };
  await perCall(push, calls / 4);
  const bare = await perCall(push, calls);
  return {
    name: 'append() on the caller path',
    measured: { medianMs: chain.p50, p90Ms: chain.p99, minMs: chain.p50, runs: chain.n },
    baseline: { medianMs: bare.p50, p90Ms: bare.p99, minMs: bare.p50, runs: bare.n },
    baselineLabel: 'JSON.stringify + push',
    unit: 'µs',
    ratio: chain.p99 / bare.p99,
    target: 'p99 ≤ 100 µs',
    status: chain.p99 <= 100 ? 'pass' : 'fail',
    note: `the second figure of each side is its p99 here (${chain.p99.toFixed(2)} vs ${bare.p99.toFixed(2)} µs); the ratio compares p99s`,
  };
}

export default async function audit({ repo, scale, progress }) {
  const { AuditLog, verifyChain } = await import(pathToFileURL(join(repo, 'daemon/dist/audit/index.js')).href);
  const root = mkdtempSync(join('/var/tmp', 'nono-bench-audit-'));
  try {
    progress('audit: append throughput');
    const appendRow = await appendRows(AuditLog, root, Math.max(20_000, Math.round(APPEND_EVENTS * scale)), Math.max(2, Math.round(APPEND_RUNS * scale)));
    progress('audit: append() per call');
    const hot = await hotPathRow(AuditLog, root, Math.max(40_000, Math.round(HOT_CALLS * scale)));
    const verify = await verifyRows(AuditLog, verifyChain, root, Math.max(100_000, Math.round(VERIFY_EVENTS * scale)), Math.max(2, Math.round(VERIFY_RUNS * scale)), progress);
    return [appendRow, verify, hot];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
