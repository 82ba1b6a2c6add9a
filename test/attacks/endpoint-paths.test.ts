// network.allow_endpoints: a host allowed for some paths only. An agent calling another path
// of that host gets 403 and the upstream never sees the request: on plain HTTP through the
// proxy, and inside TLS the proxy terminates (a credential route's host, here a stand-in for
// api.anthropic.com). A tunnel would hide the path, so a path-limited TLS host on 443 that is no
// credential route's is opened by the proxy (a session CA the sandbox trusts) and each request's
// path checked; any other CONNECT to a path-limited host is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { makeTestCa } from '../support/test-ca.mjs';
import { runCli } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const REAL_KEY = `sk-ant-real-${'7'.repeat(40)}`;
const CODES = '-sS -o /dev/null -w "%{http_code} " --max-time 10';

interface Seen {
  server: string;
  method: string | undefined;
  path: string | undefined;
  key?: string | undefined;
}

function suite(as: { uid: number; gid: number } | undefined): void {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let plain: HttpServer;
  let tlsUpstream: HttpsServer;
  let plainPort: number;
  let tlsPort: number;
  let rawHost: HttpsServer;
  const seen: Seen[] = [];
  const record = (server: string) => (req: IncomingMessage) =>
    seen.push({ server, method: req.method, path: req.url, ...(server === 'tls' ? { key: req.headers['x-api-key'] as string | undefined } : {}) });
  const cli = (args: string[]) => runCli(args, world, { timeoutMs: 60_000, ...(as ? { as } : {}) });

  beforeAll(async () => {
    world = createWorld(as ? { owner: as } : {});
    plain = createHttpServer((req, res) => {
      record('plain')(req);
      res.end('plain ok\n');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.5', () => resolve()));
    plainPort = (plain.address() as AddressInfo).port;
    const tls = makeTestCa(join(world.root, 'certs'), ['IP:127.0.0.7', 'DNS:raw.test']);
    tlsUpstream = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      record('tls')(req);
      res.end('tls ok\n');
    });
    await new Promise<void>((resolve) => tlsUpstream.listen(0, '127.0.0.7', () => resolve()));
    tlsPort = (tlsUpstream.address() as AddressInfo).port;
    // A plain TLS host with no credential (the seed's raw.githubusercontent.com), on 443 as in life.
    rawHost = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      record('raw')(req);
      res.end('raw ok\n');
    });
    await new Promise<void>((resolve) => rawHost.listen(443, '127.0.0.8', () => resolve()));
    daemon = await startDaemon(world, {
      env: { ANTHROPIC_API_KEY: REAL_KEY },
      ...(as ? { as } : {}),
      daemon: { credentialUpstreams: { anthropic: `https://127.0.0.7:${tlsPort}` }, credentialCa: tls.ca, resolve: { 'raw.test': '127.0.0.8' } },
    });
    const profiles = join(world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    // The seed's shape: credentials proxied, endpoints limited by path.
    writeFileSync(
      join(profiles, 'endpoints.toml'),
      [
        'extends = "default"',
        '',
        '[credentials]',
        'proxy_mode = true',
        'anthropic = true',
        '',
        '[network]',
        `allow_endpoints = ["api.anthropic.com:443/v1/messages", "127.0.0.5:${plainPort}/v1/messages", "127.0.0.5:${plainPort}/org/*"]`,
        '',
      ].join('\n'),
    );
    // 127.0.0.8 named too: a loopback address is reached only when a rule names it.
    writeFileSync(join(profiles, 'tunnelled.toml'), ['extends = "default"', '', '[network]', 'allow_endpoints = ["raw.test:443/org/*"]', 'allow_domain = ["127.0.0.8:443"]', ''].join('\n'));
  });
  afterAll(async () => {
    plain?.close();
    tlsUpstream?.close();
    rawHost?.close();
    await daemon?.stop();
    world?.cleanup();
  });

  function script(): string {
    return [
      `curl ${CODES} -X POST -d '{}' http://127.0.0.5:${plainPort}/v1/messages`,
      `curl ${CODES} http://127.0.0.5:${plainPort}/v1/models`,
      `curl ${CODES} http://127.0.0.5:${plainPort}/org/repo/main/README.md`,
      `curl ${CODES} -X POST -d '{}' https://127.0.0.7:${tlsPort}/v1/messages`,
      `curl ${CODES} https://127.0.0.7:${tlsPort}/v1/models`,
      `curl ${CODES} -X POST -d '{}' -H "x-api-key: $ANTHROPIC_API_KEY" "$ANTHROPIC_BASE_URL/v1/messages"`,
      `curl ${CODES} -H "x-api-key: $ANTHROPIC_API_KEY" "$ANTHROPIC_BASE_URL/v1/models"`,
      // A tunnel to the plain host would carry any path unseen: refused at CONNECT.
      `curl ${CODES} -p -x "$HTTP_PROXY" http://127.0.0.5:${plainPort}/v1/messages`,
      'true',
    ].join('; ');
  }

  it('lets POST /v1/messages through and answers GET /v1/models 403, on plain HTTP and inside intercepted TLS; a tunnel is refused', async () => {
    const r = await cli(['run', '-p', 'endpoints', '--', 'sh', '-c', script()]);
    expect(r.code, r.stderr).toBe(0);
    // curl -p reports the refused CONNECT as 000, with the proxy's 403 on stderr.
    expect(r.stdout.trim().split(' ')).toEqual(['200', '403', '200', '200', '403', '200', '403', '000']);
    expect(r.stderr).toContain('CONNECT tunnel failed, response 403');
    // Only the allowed requests reached the upstreams, with the real key, never the phantom.
    expect(seen).toEqual([
      { server: 'plain', method: 'POST', path: '/v1/messages' },
      { server: 'plain', method: 'GET', path: '/org/repo/main/README.md' },
      { server: 'tls', method: 'POST', path: '/v1/messages', key: REAL_KEY },
      { server: 'tls', method: 'POST', path: '/v1/messages', key: REAL_KEY },
    ]);
    expect(r.stdout + r.stderr).not.toContain(REAL_KEY);
  });

  it('shows the path rules in the plan and in why --host', async () => {
    const show = await cli(['policy', 'show', 'endpoints']);
    expect(show.stdout).toMatch(/^Paths +api\.anthropic\.com:443\/v1\/messages, 127\.0\.0\.5:\d+\/v1\/messages, 127\.0\.0\.5:\d+\/org\/\* \(those hosts on these paths only\)$/m);
    const why = await cli(['why', '-p', 'endpoints', '--host', 'api.anthropic.com', '--json']);
    expect(why.stdout).toContain('on these paths only: api.anthropic.com:443/v1/messages');
  });

  it('records the refusals in the audit log with the path rule', async () => {
    const audit = await cli(['audit', 'list', '--kind', 'net.deny', '--limit', '1000', '--json']);
    const denials = (JSON.parse(audit.stdout) as { payload: { cause?: string; rule: string } }[]).filter((e) => e.payload.cause === 'path-rule');
    expect(denials.map((e) => e.payload.rule)).toEqual(
      expect.arrayContaining([expect.stringContaining(`127.0.0.5:${plainPort}/v1/models matches no allow_endpoints rule`), expect.stringContaining('cannot check inside a tunnel')]),
    );
  });

  it('opens a path-limited TLS host that no credential covers and checks each path; such a profile validates', async () => {
    const file = join(world.root, 'config', 'nono', 'profiles', 'tunnelled.toml');
    const validate = await cli(['profile', 'validate', file, '--json']);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    const before = seen.length;
    const r = await cli(['run', '-p', 'tunnelled', '--', 'sh', '-c', `curl ${CODES} https://raw.test/org/repo/README.md; curl ${CODES} https://raw.test/other/secret; true`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split(' ')).toEqual(['200', '403']);
    expect(seen.slice(before)).toEqual([{ server: 'raw', method: 'GET', path: '/org/repo/README.md' }]);
  });
}

describe('network.allow_endpoints, as root', () => suite(undefined));
describe('network.allow_endpoints, as an unprivileged user', () => suite(unprivilegedUser()));
