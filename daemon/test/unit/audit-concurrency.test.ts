// Many writers at once: ten sessions appending from interleaved async loops into one log, a
// second AuditLog on its own connection to the same file, and other processes (a daemon
// started twice by mistake). Every event lands exactly once, each writer's order is kept,
// and the chain holds.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/index.js';

let dir: string;
const opened: Database.Database[] = [];
function open(): Database.Database {
  const db = new Database(join(dir, 'audit.db'));
  db.pragma('busy_timeout = 5000');
  opened.push(db);
  return db;
}
beforeEach(() => {
  dir = mkdtempSync(join('/var/tmp', 'nono-audit-concurrent-'));
});
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SESSIONS = 10;
const PER_SESSION = 300;

async function writer(log: AuditLog, session: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    log.append({ kind: 'net.allow', session, payload: { host: `${session}.example`, port: i, rule: 'r' } });
    if (i % 7 === 0) await sleep(i % 3);
  }
}

describe('audit log with concurrent writers', () => {
  it('chains every event exactly once from ten sessions and a second instance', async () => {
    const main = new AuditLog(open(), { flushIntervalMs: 2, batchSize: 16 });
    const twin = new AuditLog(open(), { flushIntervalMs: 3, batchSize: 5 });
    await Promise.all([
      ...Array.from({ length: SESSIONS }, (_, s) => writer(main, `s${s}`, PER_SESSION)),
      writer(twin, 'twin-a', PER_SESSION),
      writer(twin, 'twin-b', PER_SESSION),
    ]);
    main.close();
    twin.close();

    const total = (SESSIONS + 2) * PER_SESSION;
    expect(await new AuditLog(open()).verify()).toEqual({ ok: true, rows: total, lastSeq: total, anchorSeq: null, checkpoints: 0, provenThroughSeq: 0 });
    const events = main.list({ limit: total + 1 });
    expect(events).toHaveLength(total);
    const bySession = new Map<string, number[]>();
    for (const event of events) bySession.set(event.session!, [...(bySession.get(event.session!) ?? []), event.payload.port as number]);
    expect(bySession.size).toBe(SESSIONS + 2);
    for (const ports of bySession.values()) expect(ports).toEqual(Array.from({ length: PER_SESSION }, (_, i) => i));
    // The two instances' batches really did interleave rather than run one after the other.
    const firstTwin = events.findIndex((e) => e.session?.startsWith('twin'));
    const lastMain = events.findLastIndex((e) => !e.session?.startsWith('twin'));
    expect(firstTwin).toBeLessThan(lastMain);
  });

  it('chains every event exactly once when other processes write to the same file', async () => {
    // The library as plain JS, so a child node process can load it without a build of the tree.
    const bundle = join(dir, 'audit.mjs');
    buildSync({
      entryPoints: [join(REPO, 'daemon/src/audit/index.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      alias: { '@nono/shared': join(REPO, 'shared/src/index.ts') },
      logLevel: 'silent',
    });
    const child = (name: string) => {
      const script = `
        import { createRequire } from 'node:module';
        import { AuditLog } from ${JSON.stringify(bundle)};
        const Database = createRequire(${JSON.stringify(join(REPO, 'daemon/package.json'))})('better-sqlite3');
        const db = new Database(${JSON.stringify(join(dir, 'audit.db'))});
        db.pragma('busy_timeout = 10000');
        const log = new AuditLog(db, { batchSize: 8, flushIntervalMs: 1 });
        for (let i = 0; i < ${PER_SESSION}; i++) {
          log.append({ kind: 'net.allow', session: ${JSON.stringify(name)}, payload: { host: 'x', port: i, rule: 'r' } });
          if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        }
        log.close();
        db.close();`;
      const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'inherit', 'inherit'] });
      return once(proc, 'exit').then(([code]) => expect(code).toBe(0));
    };

    const main = new AuditLog(open(), { flushIntervalMs: 1, batchSize: 8 });
    await Promise.all([child('proc-a'), child('proc-b'), writer(main, 'parent', PER_SESSION)]);
    main.close();

    const total = 3 * PER_SESSION;
    expect(await main.verify()).toEqual({ ok: true, rows: total, lastSeq: total, anchorSeq: null, checkpoints: 0, provenThroughSeq: 0 });
    for (const session of ['proc-a', 'proc-b', 'parent']) {
      expect(main.list({ session, limit: total }).map((e) => e.payload.port)).toEqual(Array.from({ length: PER_SESSION }, (_, i) => i));
    }
  });
});
