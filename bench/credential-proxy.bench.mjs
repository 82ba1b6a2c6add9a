// Phantom-token reverse proxy against calling the upstream directly, in one run on loopback:
// added latency of small requests (p50, p99) and the first byte of a server-sent-event stream,
// which must not wait for buffering. The proxied client runs inside a real sandbox.
import { createServer } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nonoArgv } from './support/nono-cli.mjs';
import { createWorld, startDaemon } from './support/private-world.mjs';
import { spawnAsync } from './support/processes.mjs';
import { makeTestCa } from '../test/support/test-ca.mjs';

const REQUESTS = 500;
const CLIENT = fileURLToPath(new URL('./support/credential-client.mjs', import.meta.url));
const REAL_KEY = 'sk-bench-real-key';

export default async function credentialProxy({ repo, scale, progress }) {
  const world = createWorld('nono-bench-cred-');
  let daemon;
  let server;
  try {
    const tls = makeTestCa(world.tmp, ['IP:127.0.0.1']);
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      if (req.headers.authorization !== `Bearer ${REAL_KEY}`) return void res.writeHead(401).end();
      if (req.url.endsWith('/stream')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        setTimeout(() => res.end('data: last\n\n'), 300);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
    });
    server.keepAliveTimeout = 60_000;
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const upstream = `https://127.0.0.1:${server.address().port}`;
    const { ca } = tls;
    Object.assign(world.env, { OPENAI_API_KEY: REAL_KEY });
    daemon = startDaemon(repo, world, { credentialUpstreams: { openai: upstream }, credentialCa: ca });
    const count = Math.max(100, Math.round(REQUESTS * scale));

    progress('credential proxy: direct');
    const direct = await spawnAsync([process.execPath, CLIENT, `${upstream}/v1`, REAL_KEY, String(count)], { cwd: world.work, env: { PATH: world.env.PATH, NODE_EXTRA_CA_CERTS: ca } });
    if (direct.status !== 0) throw new Error(`direct client failed: ${direct.stderr.trim()}`);
    progress('credential proxy: phantom');
    const argv = nonoArgv(repo, ['run', '--credential', 'openai', '--read', join(CLIENT, '..'), '--', 'sh', '-c', `exec "${process.execPath}" "${CLIENT}" "$OPENAI_BASE_URL" "$OPENAI_API_KEY" ${count}`]);
    const proxied = await spawnAsync(argv, { cwd: world.work, env: world.env });
    if (proxied.status !== 0) throw new Error(`proxied client failed: ${proxied.stderr.trim()}`);
    const d = JSON.parse(direct.stdout);
    const p = JSON.parse(proxied.stdout);
    return [
      {
        name: 'small request through the phantom-token route',
        measured: { medianMs: p.p50, p90Ms: p.p99, minMs: p.p50, runs: p.n },
        baseline: { medianMs: d.p50, p90Ms: d.p99, minMs: d.p50, runs: d.n },
        baselineLabel: 'the upstream directly',
        deltaMs: p.p50 - d.p50,
        ratio: p.p50 / d.p50,
        target: 'added p50 ≤ 1 ms',
        status: p.p50 - d.p50 <= 1 ? 'pass' : 'fail',
        note: `the second figure of each side is its p99 here (${p.p99.toFixed(2)} vs ${d.p99.toFixed(2)} ms); the sandbox speaks plain HTTP to its proxy, which speaks TLS to the upstream`,
      },
      {
        name: 'SSE first byte through the route',
        measured: { medianMs: p.sseFirstByte, p90Ms: p.sseFirstByte, minMs: p.sseFirstByte, runs: 1 },
        baseline: { medianMs: d.sseFirstByte, p90Ms: d.sseFirstByte, minMs: d.sseFirstByte, runs: 1 },
        baselineLabel: 'direct',
        deltaMs: p.sseFirstByte - d.sseFirstByte,
        ratio: p.sseFirstByte / d.sseFirstByte,
        target: 'first event not held (< 100 ms)',
        status: p.sseFirstByte < 100 ? 'pass' : 'fail',
        note: 'the upstream sends its first event at once and its last 300 ms later; a buffering proxy would hold the first until the end',
      },
    ];
  } finally {
    server?.close();
    daemon?.stop();
    world.cleanup();
  }
}
