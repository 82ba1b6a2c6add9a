// The filtering proxy against going direct, in one run on loopback: a 200 MB HTTPS download
// through a CONNECT tunnel, the added latency of small requests over a kept-alive tunnel, and
// 200 concurrent tunnels with the daemon's memory watched. The proxied side runs inside a real
// sandbox whose only way out is the proxy; the direct side runs the same client outside.
import { createServer } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nonoArgv } from './support/nono-cli.mjs';
import { createWorld, startDaemon } from './support/private-world.mjs';
import { rssMb, spawnAsync } from './support/processes.mjs';
import { single, summarize } from './support/stats.mjs';
import { makeTestCa } from '../test/support/test-ca.mjs';

const DOWNLOAD_MB = 200;
/** Rounds of the download, each side once per round, in alternating order: one run each swung 3× here. */
const DOWNLOAD_ROUNDS = 3;
const CLIENT = fileURLToPath(new URL('./support/proxy-client.mjs', import.meta.url));

export default async function networkProxy({ repo, scale, progress }) {
  const world = createWorld('nono-bench-proxy-');
  let daemon;
  let server;
  try {
    const tls = makeTestCa(world.tmp, ['IP:127.0.0.1']);
    const megabytes = Math.max(20, Math.round(DOWNLOAD_MB * scale));
    const big = Buffer.alloc(1 << 20, 'x');
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-length': String(megabytes << 20) });
        let left = megabytes;
        const pump = () => {
          while (left > 0) {
            left--;
            if (!res.write(big)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      res.writeHead(200, { 'content-length': '2' }).end('ok');
    });
    server.keepAliveTimeout = 60_000;
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = server.address().port;
    daemon = startDaemon(repo, world);
    const { ca } = tls;

    // Not spawnSync: the server runs in this process and must keep answering.
    const direct = async (mode, n) => {
      const r = await spawnAsync([process.execPath, CLIENT, mode, '127.0.0.1', String(port), ca, String(n ?? '')], { cwd: world.work, env: world.env });
      if (r.status !== 0) throw new Error(`direct ${mode} failed: ${r.stderr.trim()}`);
      return JSON.parse(r.stdout);
    };
    // Runs asynchronously so the daemon's memory can be sampled meanwhile.
    const proxied = async (mode, n) => {
      const argv = nonoArgv(repo, ['run', '--allow-domain', `127.0.0.1:${port}`, '--read', world.tmp, '--read', join(CLIENT, '..'), '--', process.execPath, CLIENT, mode, '127.0.0.1', String(port), ca, String(n ?? '')]);
      const r = await spawnAsync(argv, { cwd: world.work, env: world.env });
      if (r.status !== 0) throw new Error(`proxied ${mode} failed (${r.status}): ${r.stderr.trim()}`);
      return JSON.parse(r.stdout);
    };

    progress('network proxy: download');
    const directMs = [];
    const proxiedMs = [];
    for (let round = 0; round < DOWNLOAD_ROUNDS; round++) {
      const sides = [async () => directMs.push((await direct('download')).ms), async () => proxiedMs.push((await proxied('download')).ms)];
      for (const side of round % 2 === 0 ? sides : sides.reverse()) await side();
    }
    const directDownload = summarize(directMs);
    const proxiedDownload = summarize(proxiedMs);
    progress('network proxy: latency');
    const directLatency = await direct('latency', 500);
    const proxiedLatency = await proxied('latency', 500);
    progress('network proxy: 200 tunnels');
    let peak = rssMb(daemon.status.pid);
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(daemon.status.pid))), 50);
    const concurrent = await proxied('concurrent', 200).finally(() => clearInterval(sampler));

    const throughput = (r) => (megabytes / r.medianMs) * 1000;
    const ratio = throughput(proxiedDownload) / throughput(directDownload);
    const added = proxiedLatency.p50 - directLatency.p50;
    return [
      {
        name: `${megabytes} MB HTTPS download through a CONNECT tunnel`,
        measured: proxiedDownload,
        baseline: directDownload,
        baselineLabel: 'direct on loopback',
        deltaMs: proxiedDownload.medianMs - directDownload.medianMs,
        ratio,
        target: 'throughput ≥ 0.8× direct',
        status: ratio >= 0.8 ? 'pass' : 'fail',
        note: `${throughput(proxiedDownload).toFixed(0)} MB/s proxied vs ${throughput(directDownload).toFixed(0)} MB/s direct (medians); the ratio is of throughputs (higher is better)`,
      },
      {
        name: 'small HTTPS request over a kept-alive tunnel',
        measured: { medianMs: proxiedLatency.p50, p90Ms: proxiedLatency.p90, minMs: proxiedLatency.p50, runs: proxiedLatency.n },
        baseline: { medianMs: directLatency.p50, p90Ms: directLatency.p90, minMs: directLatency.p50, runs: directLatency.n },
        baselineLabel: 'direct',
        deltaMs: added,
        ratio: proxiedLatency.p50 / directLatency.p50,
        target: 'added p50 ≤ 1 ms',
        status: added <= 1 ? 'pass' : 'fail',
      },
      {
        name: '200 concurrent tunnels: daemon peak RSS (MB)',
        measured: single(peak),
        unit: 'MB',
        target: 'all complete, RSS < 200 MB',
        status: concurrent.ok === concurrent.count && peak < 200 ? 'pass' : 'fail',
        note: `${concurrent.ok}/${concurrent.count} tunnels completed`,
      },
    ];
  } finally {
    server?.close();
    daemon?.stop();
    world.cleanup();
  }
}
