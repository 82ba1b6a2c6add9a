// The filtering proxy on real loopback sockets: token, rules, the rebinding check, streaming,
// and malformed input, which must get one 4xx and leave the proxy serving everyone else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import pino from 'pino';
import { FilteringProxy, type ProxyDecision } from '../../src/network/filtering-proxy.js';
import { compileRules } from '../../src/network/host-rules.js';

const TOKEN = 'a'.repeat(64);
const AUTH = `Basic ${Buffer.from(`nono:${TOKEN}`).toString('base64')}`;
let upstream: Server;
let upstreamPort: number;
let proxy: FilteringProxy;
let proxyPort: number;
let answers: Record<string, string[]>;
const decisions: ProxyDecision[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let n = 0;
      const timer = setInterval(() => {
        res.write(`data: ${n++}\n\n`);
        if (n === 3) {
          clearInterval(timer);
          res.end();
        }
      }, 20);
      return;
    }
    res.end(`upstream saw ${req.method} ${req.url} host=${req.headers.host} auth=${req.headers['proxy-authorization'] ?? 'none'}`);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
  upstreamPort = (upstream.address() as AddressInfo).port;
  answers = { 'good.test': ['127.0.0.1'], 'rebind.test': ['169.254.169.254'], 'lan.test': ['10.1.2.3'] };
  proxy = new FilteringProxy({
    token: TOKEN,
    rules: compileRules(['good.test', 'rebind.test', 'lan.test', '127.0.0.1'], ['blocked.good.test']),
    resolve: async (host) => answers[host] ?? [],
    log: pino({ level: 'silent' }),
    onDecision: (d) => decisions.push(d),
  });
  proxyPort = (await proxy.listen({ port: 0, host: '127.0.0.1' })) as number;
});
afterAll(() => {
  proxy.close();
  upstream.close();
});

function raw(payload: string, closeAfterWrite = false): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(proxyPort, '127.0.0.1', () => {
      socket.write(payload);
      if (closeAfterWrite) socket.destroy();
    });
    let out = '';
    socket.on('data', (d) => (out += d));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(out));
    setTimeout(() => socket.destroy(), 2000);
  });
}

function viaProxy(path: string, host: string, auth = AUTH): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, path: `http://${host}:${upstreamPort}${path}`, headers: { 'proxy-authorization': auth } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('FilteringProxy', () => {
  it('forwards plain HTTP for an allowed name to the address it checked, without the proxy credentials', async () => {
    const r = await viaProxy('/hello?x=1', 'good.test');
    expect(r.status).toBe(200);
    expect(r.body).toBe(`upstream saw GET /hello?x=1 host=good.test:${upstreamPort} auth=none`);
  });

  it('streams server-sent events through as they come', async () => {
    const r = await viaProxy('/stream', 'good.test');
    expect(r.body).toBe('data: 0\n\ndata: 1\n\ndata: 2\n\n');
  });

  it('answers 407 without the token, 403 off the list, for deny_domain, and for rebinding to metadata or the LAN', async () => {
    expect((await viaProxy('/', 'good.test', 'Basic bm9ubzp3cm9uZw==')).status).toBe(407);
    expect((await viaProxy('/', 'evil.test')).status).toBe(403);
    expect((await viaProxy('/', 'blocked.good.test')).status).toBe(403);
    const rebind = await viaProxy('/', 'rebind.test');
    expect(rebind.status).toBe(403);
    expect(rebind.body).toMatch(/link-local or a metadata address/);
    const lan = await viaProxy('/', 'lan.test');
    expect(lan.status).toBe(403);
    expect(lan.body).toMatch(/private or loopback address no rule names/);
    expect(decisions.filter((d) => d.decision === 'deny').length).toBeGreaterThanOrEqual(4);
  });

  it('tunnels CONNECT to an allowed host:port and refuses a malformed one', async () => {
    const ok = await raw(`CONNECT good.test:${upstreamPort} HTTP/1.1\r\nHost: good.test\r\nProxy-Authorization: ${AUTH}\r\n\r\nGET / HTTP/1.1\r\nHost: good.test\r\nConnection: close\r\n\r\n`);
    expect(ok).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(await raw(`CONNECT nonsense HTTP/1.1\r\nProxy-Authorization: ${AUTH}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(`CONNECT good.test:99999 HTTP/1.1\r\nProxy-Authorization: ${AUTH}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(`CONNECT 169.254.169.254:80 HTTP/1.1\r\nProxy-Authorization: ${AUTH}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 403 /);
  });

  it('answers garbage, a huge header and a request with no host with 4xx, and keeps serving', async () => {
    expect(await raw('THIS IS NOT HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(`GET http://good.test/ HTTP/1.1\r\nX-Big: ${'x'.repeat(64 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect(await raw(`GET / HTTP/1.1\r\nProxy-Authorization: ${AUTH}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 /);
    await raw(`CONNECT good.test:${upstreamPort} HTTP/1.1\r\nProxy-Authorization: ${AUTH}\r\n\r\nGET / HT`, true);
    expect((await viaProxy('/after', 'good.test')).status).toBe(200);
  });
  it("answers a relay's forward with the upstream's own bytes, and a refused one with nothing", async () => {
    const forward = (target: string, then = '') => raw(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nProxy-Authorization: ${AUTH}\r\nX-Nono-Forward: 1\r\n\r\n${then}`);
    const ok = await forward(`127.0.0.1:${upstreamPort}`, 'GET /fwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(ok).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*upstream saw GET \/fwd/);
    expect(await forward(`blocked.good.test:${upstreamPort}`)).toBe('');
    expect(decisions.at(-1)).toMatchObject({ decision: 'deny', cause: 'deny-rule' });
    expect(decisions.find((d) => 'suggest' in d && d.cause === 'deny-rule')).toBeUndefined();
  });

  it('suggests the rule for a host on no list, and records an allowed name that does not resolve as a failure with none', async () => {
    const r = await viaProxy('/', 'lan.test.invalid', AUTH).catch(() => undefined);
    expect(r?.status).toBe(403);
    expect(decisions.at(-1)).toMatchObject({ decision: 'deny', cause: 'not-listed', suggest: 'lan.test.invalid:' + upstreamPort });
    const proxyAllowingGone = new FilteringProxy({
      token: TOKEN,
      rules: compileRules(['gone.test'], []),
      resolve: async () => {
        throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      },
      log: pino({ level: 'silent' }),
      onDecision: (d) => decisions.push(d),
    });
    const port = (await proxyAllowingGone.listen({ port: 0, host: '127.0.0.1' })) as number;
    const status = await new Promise<number>((resolve) =>
      request({ host: '127.0.0.1', port, path: 'http://gone.test/', headers: { 'proxy-authorization': AUTH } }, (res) => resolve(res.statusCode ?? 0)).end(),
    );
    proxyAllowingGone.close();
    expect(status).toBe(502);
    expect(decisions.at(-1)).toMatchObject({ decision: 'fail', cause: 'dns', rule: 'allowed by gone.test, but gone.test does not resolve (ENOTFOUND)' });
    expect(decisions.at(-1)).not.toHaveProperty('suggest');
  });
});
