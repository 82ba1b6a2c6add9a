// How soon a held request goes on once its answer arrives: a CONNECT to a host no rule allows is
// held by the filtering proxy while the approval broker asks; the time from approval.answer's
// handler (broker.answer) to the upstream server accepting the tunnel's connection, against the
// same CONNECT to a listed host (no question) from request to accept, both in this process.
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { quantile, summarize } from './support/stats.mjs';

const RUNS = 300;

export default async function approvals({ repo, scale, progress }) {
  const load = (path) => import(pathToFileURL(join(repo, 'daemon/dist', path)).href);
  const { FilteringProxy } = await load('network/filtering-proxy.js');
  const { compileRules } = await load('network/host-rules.js');
  const { ApprovalBroker } = await load('approvals/approval-broker.js');
  let accepted;
  const upstream = createServer((socket) => {
    accepted?.(performance.now());
    socket.destroy();
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = upstream.address().port;
  const asked = [];
  const client = { id: 1, notify: (method, params) => method === 'approval.requested' && asked.push(params), backlog: () => 0, onceDrained: () => undefined, endDirectOutput: () => undefined };
  const broker = new ApprovalBroker({
    record: () => undefined,
    session: () => ({ name: 'bench', clients: [client] }),
    refusal: () => undefined,
    persist: () => '',
    settings: () => ({ timeoutMs: 10_000, webhook: undefined }),
  });
  const token = 'b'.repeat(64);
  const proxy = new FilteringProxy({
    token,
    rules: compileRules(['listed.test', '127.0.0.1'], []),
    resolve: async () => ['127.0.0.1'],
    log: pino({ level: 'silent' }),
    onDecision: () => undefined,
    // One session per request: the per-session rate limit is not what is measured.
    ask: (host, p, method) => broker.ask({ session: host, kind: 'network', host, port: p, method }),
  });
  const proxyPort = await proxy.listen({ port: 0, host: '127.0.0.1' });
  const auth = `Basic ${Buffer.from(`nono:${token}`).toString('base64')}`;
  const tunnel = async (host) => {
    const socket = connect(proxyPort, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => undefined);
    const reached = new Promise((resolve) => (accepted = resolve));
    const sent = performance.now();
    socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nProxy-Authorization: ${auth}\r\n\r\n`);
    return { socket, sent, reached };
  };
  try {
    const runs = Math.max(30, Math.round(RUNS * scale));
    progress('approvals: held request resume');
    const resumed = [];
    const direct = [];
    for (let i = 0; i < runs; i++) {
      const plain = await tunnel('listed.test');
      direct.push((await plain.reached) - plain.sent);
      plain.socket.destroy();
      const held = await tunnel(`held${i}.test`);
      while (asked.length <= i) await new Promise((resolve) => setImmediate(resolve));
      const answered = performance.now();
      broker.answer(asked[i].id, 'allow-once', 'bench');
      resumed.push((await held.reached) - answered);
      held.socket.destroy();
    }
    const p99 = quantile(resumed, 0.99);
    return [
      {
        name: 'held request: answer to upstream connect',
        measured: summarize(resumed),
        baseline: summarize(direct),
        baselineLabel: 'a listed host: request to upstream connect',
        deltaMs: quantile(resumed, 0.5) - quantile(direct, 0.5),
        ratio: quantile(resumed, 0.5) / quantile(direct, 0.5),
        target: 'resumes within 5 ms (p99)',
        status: p99 <= 5 ? 'pass' : 'fail',
        note: `p99 ${p99.toFixed(2)} ms over ${runs} answers`,
      },
    ];
  } finally {
    proxy.close();
    upstream.close();
  }
}
