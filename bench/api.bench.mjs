// The control API's round trip: session.list with 100 sessions in the daemon, called 10,000
// times one after another, then by 20 clients at once, through the client library plugins use.
// The baseline is the same library talking to a bare server in another process that speaks the
// same framing through the same RpcConnection and answers with the same 100-session reply,
// canned: the difference is what nonod's dispatch and the session.list handler cost.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWorld, startDaemon } from './support/private-world.mjs';
import { quantile, summarize } from './support/stats.mjs';

const SESSIONS = 100;
const SEQUENTIAL_CALLS = 10_000;
const CLIENTS = 20;
const CALLS_PER_CLIENT = 100;
const BLOCK = 500;
const TARGET_P99_MS = 2;
/** Issue 25's alternative: the p99 within this factor of the bare server's, timed alongside. */
const TARGET_P99_RATIO = 1.5;

/** A JSON-RPC server with nothing behind it: auth.hello accepts anyone, session.list returns the reply it was given. */
const BARE_SERVER = `
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { JSONRPCServer } from 'json-rpc-2.0';
import { RpcConnection } from '@nono/shared';
const [socketPath, replyPath] = process.argv.slice(1);
const reply = JSON.parse(readFileSync(replyPath, 'utf8'));
const server = new JSONRPCServer({ errorListener: () => undefined });
server.addMethod('auth.hello', () => ({ version: 'bare', pid: process.pid, protocol: 1 }));
server.addMethod('session.list', () => reply);
createServer((socket) => new RpcConnection(socket, undefined, {}, server)).listen(socketPath, () => process.stdout.write('ready\\n'));
`;

async function startBareServer(repo, socketPath, replyPath) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BARE_SERVER, socketPath, replyPath], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  return child;
}

/** Round-trip times of `calls` session.list calls, one after another on one client. */
async function sequential(client, calls) {
  const samples = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await client.methods.session.list();
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** Every client calls at once, each one call after another; returns the times and the failures. */
async function concurrent(clients, callsEach) {
  const samples = [];
  const errors = [];
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < callsEach; i++) {
        const t0 = performance.now();
        try {
          const { sessions } = await client.methods.session.list();
          if (sessions.length < SESSIONS) throw new Error(`session.list returned ${sessions.length} sessions`);
          samples.push(performance.now() - t0);
        } catch (error) {
          errors.push(error.message);
        }
      }
    }),
  );
  return { samples, errors };
}

const withP99 = (samples) => ({ ...summarize(samples), p99Ms: quantile(samples, 0.99) });

export default async function api({ repo, scale, progress }) {
  const { connect } = await import(pathToFileURL(join(repo, 'client/dist/index.js')).href);
  const world = createWorld('nono-bench-api-');
  let daemon;
  let bare;
  const clients = [];
  try {
    daemon = startDaemon(repo, world);
    const subjectClient = await connect({ env: world.env, autoStart: false, clientName: 'api.bench' });
    clients.push(subjectClient);
    progress(`api: starting ${SESSIONS} sessions`);
    for (let i = 0; i < SESSIONS; i++) {
      const run = await subjectClient.run({ argv: ['true'], cwd: world.work, env: { PATH: world.env.PATH }, terminal: null });
      for await (const _ of run);
    }
    const reply = await subjectClient.methods.session.list();
    if (reply.sessions.length !== SESSIONS) throw new Error(`expected ${SESSIONS} sessions, session.list has ${reply.sessions.length}`);
    const replyPath = join(world.root, 'session-list.json');
    writeFileSync(replyPath, JSON.stringify(reply));
    const bareSocket = join(world.root, 'bare.sock');
    bare = await startBareServer(repo, bareSocket, replyPath);
    const bareEnv = { ...world.env, NONO_SOCKET: bareSocket };
    const baselineClient = await connect({ env: bareEnv, autoStart: false });
    clients.push(baselineClient);

    // Sequential: alternating blocks, so drift on the machine lands on both sides.
    const calls = Math.max(BLOCK * 2, Math.round(SEQUENTIAL_CALLS * scale));
    await sequential(subjectClient, 200);
    await sequential(baselineClient, 200);
    const subject = [];
    const baseline = [];
    for (let done = 0; done < calls; done += BLOCK) {
      progress(`api: session.list ${done}/${calls}`);
      subject.push(...(await sequential(subjectClient, BLOCK)));
      baseline.push(...(await sequential(baselineClient, BLOCK)));
    }
    const s = withP99(subject);
    const b = withP99(baseline);
    const rows = [
      {
        name: `session.list round trip, ${SESSIONS} sessions`,
        measured: s,
        baseline: b,
        baselineLabel: 'bare JSON-RPC server, same reply',
        deltaMs: s.medianMs - b.medianMs,
        ratio: s.p99Ms / b.p99Ms,
        target: `p99 ≤ ${TARGET_P99_MS} ms or ≤ ${TARGET_P99_RATIO}×`,
        status: s.p99Ms <= TARGET_P99_MS || s.p99Ms / b.p99Ms <= TARGET_P99_RATIO ? 'pass' : 'fail',
        note: `one call at a time through the client library; p99 ${s.p99Ms.toFixed(2)} ms (nonod) vs ${b.p99Ms.toFixed(2)} ms (bare); the ratio is of the p99s; the reply is ${(JSON.stringify(reply).length / 1024).toFixed(0)} KiB`,
      },
    ];

    // Concurrent: 20 clients each side, every client calling as fast as its replies come.
    progress(`api: ${CLIENTS} clients at once`);
    const perClient = Math.max(25, Math.round(CALLS_PER_CLIENT * scale));
    const subjects = [];
    const baselines = [];
    for (let i = 0; i < CLIENTS; i++) {
      subjects.push(await connect({ env: world.env, autoStart: false, clientName: `api.bench ${i}` }));
      baselines.push(await connect({ env: bareEnv, autoStart: false }));
    }
    clients.push(...subjects, ...baselines);
    const crowd = await concurrent(subjects, perClient);
    const bareCrowd = await concurrent(baselines, perClient);
    const cs = withP99(crowd.samples);
    const cb = withP99(bareCrowd.samples);
    rows.push({
      name: `session.list, ${CLIENTS} clients at once`,
      measured: cs,
      baseline: cb,
      baselineLabel: 'the same against the bare server',
      deltaMs: cs.medianMs - cb.medianMs,
      ratio: cs.p99Ms / cb.p99Ms,
      target: 'no error; p99 shown',
      status: crowd.errors.length === 0 && crowd.samples.length === CLIENTS * perClient ? 'pass' : 'fail',
      note: `${CLIENTS} clients × ${perClient} calls each side, ${crowd.errors.length} errors${crowd.errors.length ? ` (first: ${crowd.errors[0]})` : ''}; p99 ${cs.p99Ms.toFixed(2)} ms (nonod) vs ${cb.p99Ms.toFixed(2)} ms (bare); each call waits behind the other clients' calls, so this is queueing as much as round trip`,
    });
    return rows;
  } finally {
    for (const client of clients) client.close();
    bare?.kill();
    daemon?.stop();
    world.cleanup();
  }
}
