// The audit log end to end: a real session's network decisions, credential use and rollback
// land in order with no secret in them; edits, deletions and a truncated tail made with the
// sqlite3 CLI are caught by `nono audit verify`; an export verifies with the standalone
// Python verifier; concurrent sessions leave a chain that verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';
import { makeTestCa } from '../support/test-ca.mjs';
import { REPO, runCli } from '../support/run-cli.js';

const REAL_KEY = `sk-audit-${'7'.repeat(40)}`;
let world: TestWorld;
let service: SecretService | undefined;
let daemon: RunningDaemon | undefined;
let upstream: Server;
let allowed: HttpServer;
let env: Record<string, string>;

const project = () => join(world.work, 'audited');
const db = () => join(world.root, 'state', 'nono', 'nono.db');
const cli = (...args: string[]) => runCli(args, world, { cwd: project(), timeoutMs: 60_000 });
const sql = (statement: string) => {
  const r = spawnSync('sqlite3', [db(), statement], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
};

interface AuditEvent {
  seq: number;
  kind: string;
  session: string | null;
  payload: Record<string, unknown>;
}

async function events(...filter: string[]): Promise<AuditEvent[]> {
  const r = await cli('audit', 'list', '--limit', '10000', ...filter, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as AuditEvent[];
}

beforeAll(async () => {
  world = createWorld();
  mkdirSync(project(), { recursive: true });
  service = startSecretService(world.root);
  if (!service) throw new Error('gnome-keyring-daemon and dbus-daemon are needed (scripts/install-system-packages.sh installs them)');
  const tls = makeTestCa(join(world.root, 'certs'), ['IP:127.0.0.7']);
  upstream = createServer({ key: tls.key, cert: tls.cert }, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.7', () => resolve()));
  allowed = createHttpServer((_req, res) => res.end('allowed\n'));
  await new Promise<void>((resolve) => allowed.listen(0, '127.0.0.5', () => resolve()));
  env = {
    ...service.env,
    OPENAI_API_KEY: REAL_KEY,
  };
  daemon = await startDaemon(world, {
    env,
    daemon: { credentialUpstreams: { openai: `https://127.0.0.7:${(upstream.address() as AddressInfo).port}` }, credentialCa: tls.ca, resolve: { 'denied.test': '127.0.0.6' } },
  });
});

afterAll(async () => {
  upstream?.close();
  allowed?.close();
  await daemon?.stop();
  service?.stop();
  world?.cleanup();
});

describe('audit log', () => {
  it('records a session with network allows and denies, a credential use and a rollback, in order, with no secret', async () => {
    const port = (allowed.address() as AddressInfo).port;
    const script = [
      `curl -sS --max-time 10 http://127.0.0.5:${port}/`,
      'curl -sS --max-time 10 http://denied.test/ || true',
      'curl -sS --max-time 10 -H "Authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/models"; echo',
      'echo agent > written.txt',
    ].join('; ');
    const run = await cli('run', '--name', 'audited', '--snapshot', '--credential', 'openai', '--allow-domain', `127.0.0.5:${port}`, '--allow-cwd', '--', 'sh', '-c', script);
    expect(run.stdout).toMatch(/allowed/);
    expect(run.stderr).toMatch(/nono: the network filter denied denied\.test\n/);
    expect((await cli('session', 'rollback', 'audited')).code).toBe(0);

    const all = await events('--session', 'audited');
    const kinds = all.map((e) => e.kind);
    const order = ['snapshot.create', 'session.start', 'net.allow', 'net.deny', 'credential.use', 'session.exit', 'snapshot.restore'];
    let at = -1;
    for (const kind of order) {
      const next = kinds.indexOf(kind, at + 1);
      expect(next, `${kind} after ${order[order.indexOf(kind) - 1]} in ${kinds.join(',')}`).toBeGreaterThan(at);
      at = next;
    }
    expect(all.find((e) => e.kind === 'net.allow')!.payload).toMatchObject({ host: '127.0.0.5', port });
    expect(all.find((e) => e.kind === 'net.deny')!.payload).toMatchObject({ host: 'denied.test', port: 80 });
    expect(all.find((e) => e.kind === 'credential.use')!.payload).toMatchObject({ route: 'openai' });
    const everything = JSON.stringify(await events());
    expect(everything).not.toContain(REAL_KEY);
    expect(everything).not.toMatch(/nono-phantom-[0-9a-f]{48}/);
    expect((await cli('audit', 'verify')).code).toBe(0);
  });

  it('keeps one chain under ten concurrent sessions', async () => {
    const before = (await events('--kind', 'session.start')).length;
    const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => cli('run', '--allow-cwd', '--', 'sh', '-c', `echo ${i}`)));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect((await events('--kind', 'session.start')).length).toBe(before + 10);
    const verify = await cli('audit', 'verify', '--json');
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, signedCheckpoints: true, keySource: 'keychain' });
  });

  it('exports a file the standalone verifier accepts, and rejects once edited', async () => {
    const file = join(world.root, 'audit.ndjson');
    expect((await cli('audit', 'export', file)).code).toBe(0);
    const ok = spawnSync('python3', [join(REPO, 'docs', 'audit-verify.py'), file], { encoding: 'utf8' });
    expect(ok.stdout, ok.stderr).toMatch(/^OK \d+ events/);
    expect(ok.status).toBe(0);
    const lines = readFileSync(file, 'utf8').split('\n');
    const target = lines.findIndex((line) => line.includes('"net.deny"'));
    const edited = join(world.root, 'audit-edited.ndjson');
    writeFileSync(edited, lines.map((line, i) => (i === target ? line.replace('denied.test', 'other.test') : line)).join('\n'));
    const broken = spawnSync('python3', [join(REPO, 'docs', 'audit-verify.py'), edited], { encoding: 'utf8' });
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/^BROKEN at seq \d+/);
  });

  it('names the row when one is edited or deleted with the sqlite3 CLI', async () => {
    const deny = (await events('--kind', 'net.deny'))[0]!;
    const original = sql(`SELECT payload FROM audit_events WHERE seq = ${deny.seq}`);
    sql(`UPDATE audit_events SET payload = replace(payload, 'denied.test', 'nothing.test') WHERE seq = ${deny.seq}`);
    const edited = await cli('audit', 'verify');
    expect(edited.code).toBe(1);
    expect(edited.stdout).toMatch(new RegExp(`BROKEN.* at seq ${deny.seq} `));
    sql(`UPDATE audit_events SET payload = '${original.replace(/'/g, "''")}' WHERE seq = ${deny.seq}`);
    expect((await cli('audit', 'verify')).code).toBe(0);

    const middle = deny.seq + 1;
    const row = sql(`SELECT quote(seq)||','||quote(time)||','||quote(session)||','||quote(kind)||','||quote(payload)||','||quote(prev_hash)||','||quote(hash) FROM audit_events WHERE seq = ${middle}`);
    sql(`DELETE FROM audit_events WHERE seq = ${middle}`);
    const deleted = await cli('audit', 'verify', '--json');
    expect(deleted.code).toBe(1);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ ok: false, firstBadSeq: middle, reason: 'row-deleted' });
    sql(`INSERT INTO audit_events (seq, time, session, kind, payload, prev_hash, hash) VALUES (${row})`);
    expect((await cli('audit', 'verify')).code).toBe(0);
  });

  it('says plainly when the newest rows come after the last signed checkpoint, and --strict exits 1', async () => {
    await expectUnprovenTail(cli, sql);
  });

  it('detects a tail deleted after a signed checkpoint', async () => {
    await daemon!.stop();
    const last = cutTail(sql);
    daemon = await startDaemon(world, { env });
    await expectCutDetected(cli, last);
  });
});

/** Makes sure rows exist past the last checkpoint (a command's session rows), then verifies. */
async function expectUnprovenTail(run: typeof cli, query: typeof sql): Promise<void> {
  // A checkpoint signed in the very flush that wrote the rows would prove them; one more
  // command then lands within the minute before the next.
  for (let i = 0; i < 2 && Number(query('SELECT max(seq) FROM audit_checkpoints')) >= Number(query('SELECT max(seq) FROM audit_events')); i++) {
    expect((await run('run', '--', 'true')).code).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
  }
  const checkpoint = Number(query('SELECT max(seq) FROM audit_checkpoints'));
  const json = JSON.parse((await run('audit', 'verify', '--json')).stdout);
  expect(json).toMatchObject({ ok: true, tailProven: false, provenThroughSeq: checkpoint });
  const plain = await run('audit', 'verify');
  expect(plain.code).toBe(0);
  expect(plain.stdout).toMatch(new RegExp(`not provable: rows? ${checkpoint + 1}(\\.\\.\\d+)? comes? after the last signed checkpoint, so deleting them would not show`));
  const strict = await run('audit', 'verify', '--strict');
  expect(strict.code).toBe(1);
  expect(strict.stdout).toMatch(/not provable/);
}

/** Deletes a stopped daemon's last three rows, which its stop checkpoint covers; returns the last seq before the cut. */
function cutTail(query: typeof sql): number {
  const last = Number(query('SELECT max(seq) FROM audit_events'));
  expect(Number(query('SELECT max(seq) FROM audit_checkpoints'))).toBe(last);
  query(`DELETE FROM audit_events WHERE seq > ${last - 3}`);
  return last;
}

/** After rows were cut off the end of a stopped daemon's log and it restarted, verify fails at or before the cut. */
async function expectCutDetected(run: typeof cli, last: number): Promise<void> {
  const verify = await run('audit', 'verify', '--json');
  expect(verify.code).toBe(1);
  // The restarted daemon appended after the cut, so the break shows at the cut or at the
  // checkpoint that no longer matches; either way verify names a row at or before it.
  const result = JSON.parse(verify.stdout) as { ok: boolean; firstBadSeq: number };
  expect(result.ok).toBe(false);
  expect(result.firstBadSeq).toBeLessThanOrEqual(last);
  expect((await run('audit', 'verify')).stdout).toMatch(/^BROKEN at seq \d+/);
}

// No Secret Service on the bus: checkpoints are signed with a key file in the state dir, so a
// cut tail is caught all the same (before, verify said "ok").
describe('audit log without a keychain', () => {
  let bare: TestWorld;
  let bareDaemon: RunningDaemon | undefined;
  const bareDb = () => join(bare.root, 'state', 'nono', 'nono.db');
  const bareCli = (...args: string[]) => runCli(args, bare, { timeoutMs: 60_000 });
  const bareSql = (statement: string) => {
    const r = spawnSync('sqlite3', [bareDb(), statement], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    bare = createWorld();
    bareDaemon = await startDaemon(bare);
  });
  afterAll(async () => {
    await bareDaemon?.stop();
    bare?.cleanup();
  });

  it('signs checkpoints with a 0600 key file in the state dir, which nono doctor names', async () => {
    const keyFile = join(bare.root, 'state', 'nono', 'audit-key.pem');
    const doctor = JSON.parse((await bareCli('doctor', '--json')).stdout);
    expect(doctor.checks.find((c: { name: string }) => c.name === 'audit signing')).toMatchObject({ ok: true, value: `key file ${keyFile}` });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect((await bareCli('doctor')).stdout).toContain(keyFile);
    expect((await bareCli('run', '--', 'true')).code).toBe(0);
    expect(JSON.parse((await bareCli('audit', 'verify', '--json')).stdout)).toMatchObject({ ok: true, signedCheckpoints: true, keySource: 'file' });
  });

  it('says plainly when the newest rows come after the last signed checkpoint, and --strict exits 1', async () => {
    await expectUnprovenTail(bareCli, bareSql);
  });

  it('detects the last rows deleted with the sqlite3 CLI', async () => {
    await bareDaemon!.stop();
    const last = cutTail(bareSql);
    bareDaemon = await startDaemon(bare);
    await expectCutDetected(bareCli, last);
  });
});
