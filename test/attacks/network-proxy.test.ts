// Proxied network mode against real servers on loopback: an HTTPS server with its own CA that
// the allowlist names, a second one it does not, listeners for direct and UDP escapes, and the
// proxy itself fed malformed input. Every escape must fail and leave the listeners untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdirSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { makeTestCa } from '../support/test-ca.mjs';
import { PROBE_BIN, runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon({ daemon: { resolve: { 'internal.test': '127.0.0.5', 'meta.test': '169.254.169.254' } } });

interface Listener {
  port: number;
  hits: number;
  close(): void;
}

let certs: string;
let tls: { key: Buffer; cert: Buffer };
let allowed: Listener;
let other: Listener;
let udp: { socket: UdpSocket; port: number; received: number };
let decoy: TcpServer | undefined;

function httpsServer(host: string, body: string): Promise<Listener> {
  const listener = { port: 0, hits: 0, close: () => undefined } as Listener;
  const server: HttpsServer = createHttpsServer(tls, (_req, res) => {
    res.end(body);
  });
  server.on('connection', () => listener.hits++);
  return new Promise((resolve) =>
    server.listen(0, host, () => {
      listener.port = (server.address() as AddressInfo).port;
      listener.close = () => server.close();
      resolve(listener);
    }),
  );
}

beforeAll(async () => {
  certs = join(ctx.world.root, 'certs');
  tls = makeTestCa(certs, ['DNS:internal.test', 'IP:127.0.0.5', 'IP:127.0.0.6']);
  allowed = await httpsServer('127.0.0.5', 'hello from the allowed server\n');
  other = await httpsServer('127.0.0.6', 'you should not see this\n');
  const socket = createSocket('udp4');
  udp = { socket, port: 0, received: 0 };
  socket.on('message', () => udp.received++);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  udp.port = socket.address().port;
});
afterAll(() => {
  allowed?.close();
  other?.close();
  udp?.socket.close();
  decoy?.close();
});

const allowArgs = () => ['--allow-domain', `127.0.0.5:${allowed.port}`, '--read', certs, '--read', join(PROBE_BIN, '..')];
const inSandbox = (args: string[], script: string) => runCli(['run', ...args, '--', 'sh', '-c', script], ctx.world, { timeoutMs: 60_000 });
const curl = (url: string, extra = '') => `curl -sS --max-time 10 --cacert ${join(certs, 'ca.pem')} ${extra} ${url}`;

describe('proxied mode', () => {
  it('gives the sandbox the proxy environment with a 64-hex token', async () => {
    const r = await inSandbox(allowArgs(), 'env | grep -i -E "^(https?|all|no)_proxy=|^NODE_USE_ENV_PROXY=" | sort');
    expect(r.stdout).toMatch(/^HTTPS_PROXY=http:\/\/nono:[0-9a-f]{64}@127\.0\.0\.1:\d+$/m);
    expect(r.stdout).toMatch(/^http_proxy=http:\/\/nono:[0-9a-f]{64}@127\.0\.0\.1:\d+$/m);
    expect(r.stdout).toMatch(/^NODE_USE_ENV_PROXY=1$/m);
    expect(r.stdout).toMatch(/^NO_PROXY=/m);
  });

  it('lets curl reach an allowed HTTPS server through the proxy, and answers 403 for one not on the list', async () => {
    const before = other.hits;
    const ok = await inSandbox(allowArgs(), curl(`https://127.0.0.5:${allowed.port}/`));
    expect(ok.stdout).toBe('hello from the allowed server\n');
    const refused = await inSandbox(allowArgs(), `${curl(`https://127.0.0.6:${other.port}/`)}; echo "exit $?"`);
    expect(refused.stderr).toMatch(/403/);
    expect(refused.stdout).not.toMatch(/should not see/);
    expect(other.hits).toBe(before);
  });

  it('lets Node\'s fetch reach the allowed server through the proxy, and not the other one', async () => {
    const script = (port: number, host: string) =>
      `node -e "fetch('https://${host}:${port}/').then((r) => r.text()).then((t) => process.stdout.write(t), (e) => console.log('refused', e.cause?.code ?? e.message))"`;
    const env = { NODE_EXTRA_CA_CERTS: join(certs, 'ca.pem') };
    const ok = await runCli(['run', ...allowArgs(), '--', 'sh', '-c', script(allowed.port, '127.0.0.5')], ctx.world, { env });
    expect(ok.stdout).toBe('hello from the allowed server\n');
    const before = other.hits;
    const refused = await runCli(['run', ...allowArgs(), '--', 'sh', '-c', script(other.port, '127.0.0.6')], ctx.world, { env });
    expect(refused.stdout).toMatch(/^refused/);
    expect(other.hits).toBe(before);
  });

  it('refuses a request without the token with 407', async () => {
    const r = await inSandbox(allowArgs(), `curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -x "$(echo "$HTTP_PROXY" | sed 's|//nono:[0-9a-f]*@|//|')" http://127.0.0.5:${allowed.port}/`);
    expect(r.stdout).toBe('407');
  });

  it('fails every direct way around the proxy, and the listeners see nothing', async () => {
    const before = other.hits;
    const attempts = [
      `${curl(`https://127.0.0.6:${other.port}/`, "--noproxy '*'")} && echo REACHED`,
      `/usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.6', ${other.port}), 5); print('REACHED')"`,
      `bash -c 'exec 3<>/dev/tcp/127.0.0.6/${other.port} && echo REACHED'`,
      `${PROBE_BIN} udp-send 127.0.0.1 ${udp.port}`,
    ];
    for (const attempt of attempts) {
      const r = await inSandbox(allowArgs(), `${attempt}; true`);
      expect(r.stdout, attempt).not.toMatch(/REACHED|^ok$/m);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(other.hits).toBe(before);
    expect(udp.received).toBe(0);
  });

  it('fails a connect to another address on the proxy\'s port', async () => {
    // One session tells its proxy port, waits while a decoy listens on 127.0.0.2 at that
    // port, then tries it.
    const script = `echo "PORT \${HTTP_PROXY##*:}"; sleep 2; ${PROBE_BIN} tcp-connect 127.0.0.2 "\${HTTP_PROXY##*:}"`;
    await runCli(['run', '--name', 'decoy-check', '--detached', ...allowArgs(), '--', 'sh', '-c', script], ctx.world);
    let proxyPort = 0;
    for (let i = 0; i < 50 && !proxyPort; i++) {
      proxyPort = Number(/PORT (\d+)/.exec((await runCli(['logs', 'decoy-check'], ctx.world)).stdout)?.[1] ?? 0);
      if (!proxyPort) await new Promise((r) => setTimeout(r, 50));
    }
    expect(proxyPort).toBeGreaterThan(0);
    let decoyHits = 0;
    decoy = createTcpServer((socket) => {
      decoyHits++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => decoy!.listen(proxyPort, '127.0.0.2', () => resolve()));
    let out = '';
    for (let i = 0; i < 100 && !/denied|ok/.test(out); i++) {
      await new Promise((r) => setTimeout(r, 100));
      out = (await runCli(['logs', 'decoy-check'], ctx.world)).stdout;
    }
    expect(out).toMatch(/denied/);
    expect(decoyHits).toBe(0);
  });

  it('never reaches the metadata address, whatever the allowlist says, by address or by name', async () => {
    const r = await inSandbox(['--allow-domain', '169.254.169.254', '--allow-domain', 'meta.test'], 'curl -sS -o /dev/null -w "%{http_code} " --max-time 5 http://169.254.169.254/latest/meta-data/; curl -sS -o /dev/null -w "%{http_code}" --max-time 5 http://meta.test/');
    expect(r.stdout).toBe('403 403');
  });

  it('refuses a name that resolves to a private address unless a rule names the address', async () => {
    const named = await inSandbox(['--allow-domain', `internal.test:${allowed.port}`, '--read', certs], curl(`https://internal.test:${allowed.port}/`));
    expect(named.stderr).toMatch(/403/);
    const both = await inSandbox(['--allow-domain', `internal.test:${allowed.port}`, '--allow-domain', '127.0.0.5', '--read', certs], curl(`https://internal.test:${allowed.port}/`));
    expect(both.stdout).toBe('hello from the allowed server\n');
  });

  it('logs every decision for nono logs --net', async () => {
    await runCli(['run', '--name', 'netlog', ...allowArgs(), '--', 'sh', '-c', `${curl(`https://127.0.0.5:${allowed.port}/`)} >/dev/null; ${curl(`https://127.0.0.6:${other.port}/`)} 2>/dev/null; true`], ctx.world);
    const r = await runCli(['logs', 'netlog', '--net'], ctx.world);
    expect(r.stdout).toMatch(new RegExp(`ALLOW  CONNECT 127\\.0\\.0\\.5:${allowed.port}  127\\.0\\.0\\.5:${allowed.port} -> 127\\.0\\.0\\.5`));
    expect(r.stdout).toMatch(new RegExp(`DENY   CONNECT 127\\.0\\.0\\.6:${other.port}  .*no allowlist`));
  });
});

describe('--net-block', () => {
  it('lets nothing out, not even through proxy variables the user had set', async () => {
    const r = await runCli(['run', '--net-block', '--', 'sh', '-c', `${curl(`https://127.0.0.5:${allowed.port}/`)}; echo "exit $?"`], ctx.world, {
      env: { HTTPS_PROXY: 'http://127.0.0.1:1' },
    });
    expect(r.stdout).not.toMatch(/hello/);
    expect(r.stdout).toMatch(/exit [1-9]/);
  });
});

describe('a real client through the real proxy', () => {
  it('npm view works when the registry is on the allowlist and fails when it is not', async () => {
    const registry = 'registry.npmjs.org';
    const reachable = await fetch(`https://${registry}/is-number`, { method: 'HEAD', signal: AbortSignal.timeout(5000) }).then(
      () => true,
      () => false,
    );
    if (!reachable) {
      console.warn(`skipped: ${registry} is not reachable from this machine`);
      return;
    }
    mkdirSync(join(ctx.world.home, '.npm'), { recursive: true });
    const listed = await runCli(['run', '-p', 'node-dev', '--', 'npm', 'view', 'is-number@7.0.0', 'version'], ctx.world, { timeoutMs: 60_000 });
    expect(listed.stdout.trim()).toBe('7.0.0');
    const unlisted = await runCli(['run', '-p', 'node-dev', '--network-profile', 'minimal', '--', 'npm', 'view', 'is-number@7.0.0', 'version', '--fetch-retries=0'], ctx.world, {
      timeoutMs: 60_000,
    });
    expect(unlisted.code).not.toBe(0);
    expect(unlisted.stdout).not.toMatch(/7\.0\.0/);
  });
});
