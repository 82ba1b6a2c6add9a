// Spliced tunnels against a real daemon, a real sandbox and real loopback servers: a plain
// CONNECT the proxy allowed is handed to the relay inside the sandbox, which then holds the
// upstream socket itself. Which process holds the socket connected to a server shows whether a
// tunnel was spliced: the relay is in the sandbox's pid namespace, nonod is not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { makeTestCa } from '../support/test-ca.mjs';
import { runCli } from '../support/run-cli.js';

const REAL_KEY = `sk-ant-real-${'5'.repeat(40)}`;
const MEGABYTES = 4;

// Inside the sandbox: CONNECT through the relay, send MEGABYTES of a pattern the server echoes,
// print the digests both ways, then wait for the tunnel's end (nono stop) and say so.
const CLIENT = `
import hashlib, os, socket, sys, time
from urllib.parse import urlparse
proxy = urlparse(os.environ['HTTP_PROXY'])
import base64
auth = base64.b64encode(f'{proxy.username}:{proxy.password}'.encode()).decode()
s = socket.create_connection((proxy.hostname, proxy.port), 10)
target = sys.argv[1]
s.sendall(f'CONNECT {target} HTTP/1.1\\r\\nHost: {target}\\r\\nProxy-Authorization: Basic {auth}\\r\\n\\r\\n'.encode())
reply = b''
while b'\\r\\n\\r\\n' not in reply:
    chunk = s.recv(4096)
    if not chunk:
        break
    reply += chunk
status = reply.split(b'\\r\\n')[0].decode()
print('STATUS', status, flush=True)
if ' 200 ' not in status:
    sys.exit(0)
data = bytes(i % 251 for i in range(${MEGABYTES} << 20))
s.settimeout(None)
sent = hashlib.sha256(data).hexdigest()
got = hashlib.sha256()
n = 0
import threading
threading.Thread(target=lambda: s.sendall(data), daemon=True).start()
while n < len(data):
    chunk = s.recv(1 << 16)
    if not chunk:
        break
    got.update(chunk)
    n += len(chunk)
print('ECHO', sent == got.hexdigest(), n, flush=True)
print('WAITING', flush=True)
rest = s.recv(1)
print('ENDED', len(rest), flush=True)
time.sleep(30)
`;

/** Inodes of the TCP sockets (host network namespace) whose peer is the given port. */
function socketsTo(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const remotePort = parseInt(fields[2]!.split(':')[1]!, 16);
      if (remotePort === port && fields[3] === '01') inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** Whether a process in another pid namespace than this test's holds a socket connected to port. */
function heldInsideSandbox(port: number): boolean {
  const inodes = socketsTo(port);
  const ours = readlinkSync('/proc/self/ns/pid');
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/pid`) === ours) continue;
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode && inodes.has(inode)) return true;
      }
    } catch {
      // A process that ended meanwhile.
    }
  }
  return false;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('spliced CONNECT tunnels', () => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let echo: TcpServer;
  let echoPort: number;
  const echoSockets: Socket[] = [];
  const echoClosed: Socket[] = [];
  let inspected: HttpsServer;
  let inspectedPaths: string[];
  let keyed: HttpsServer;
  let keyedPort: number;
  let keysSeen: string[];
  let clientFile: string;
  let certs: string;

  beforeAll(async () => {
    world = createWorld();
    certs = join(world.root, 'certs');
    const tls = makeTestCa(certs, ['IP:127.0.0.9', 'DNS:raw.splice.test']);
    echo = createTcpServer((socket) => {
      echoSockets.push(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => echoClosed.push(socket));
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.9', () => resolve()));
    echoPort = (echo.address() as AddressInfo).port;
    inspectedPaths = [];
    inspected = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      inspectedPaths.push(req.url ?? '');
      res.end('inspected ok\n');
    });
    await new Promise<void>((resolve) => inspected.listen(443, '127.0.0.9', () => resolve()));
    keysSeen = [];
    keyed = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      keysSeen.push(String(req.headers['x-api-key']));
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => keyed.listen(0, '127.0.0.9', () => resolve()));
    keyedPort = (keyed.address() as AddressInfo).port;
    daemon = await startDaemon(world, {
      env: { ANTHROPIC_API_KEY: REAL_KEY },
      daemon: { credentialUpstreams: { anthropic: `https://127.0.0.9:${keyedPort}` }, credentialCa: tls.ca, resolve: { 'raw.splice.test': '127.0.0.9' } },
    });
    const profiles = join(world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'paths.toml'), ['extends = "default"', '', '[network]', 'allow_endpoints = ["raw.splice.test:443/org/*"]', 'allow_domain = ["127.0.0.9:443"]', ''].join('\n'));
    writeFileSync(join(profiles, 'keyed.toml'), ['extends = "default"', '', '[credentials]', 'proxy_mode = true', 'anthropic = true', ''].join('\n'));
    clientFile = join(world.root, 'tunnel-client.py');
    writeFileSync(clientFile, CLIENT);
  });
  afterAll(async () => {
    echo?.close();
    inspected?.close();
    keyed?.close();
    await daemon?.stop();
    world?.cleanup();
  });

  const cli = (args: string[]) => runCli(args, world, { timeoutMs: 60_000 });

  it('carries data both ways in the relay, is in the net log and the audit log, and nono stop closes it', async () => {
    const started = await cli(['run', '--name', 'spliced', '--detached', '--allow-domain', `127.0.0.9:${echoPort}`, '--read', world.root, '--', '/usr/bin/python3', clientFile, `127.0.0.9:${echoPort}`]);
    expect(started.code, started.stderr).toBe(0);
    const out = await until('the echo', async () => {
      const logs = (await cli(['logs', 'spliced'])).stdout;
      return /WAITING/.test(logs) ? logs : undefined;
    });
    expect(out).toMatch(/STATUS HTTP\/1\.1 200 Connection Established/);
    expect(out).toMatch(new RegExp(`ECHO True ${MEGABYTES << 20}`));
    expect(heldInsideSandbox(echoPort)).toBe(true);

    const net = (await cli(['logs', 'spliced', '--net'])).stdout;
    expect(net).toMatch(new RegExp(`ALLOW  CONNECT 127\\.0\\.0\\.9:${echoPort}  127\\.0\\.0\\.9:${echoPort} -> 127\\.0\\.0\\.9`));
    const audit = JSON.parse((await cli(['audit', 'list', '--limit', '1000', '--json'])).stdout) as { kind: string; payload: { host?: string; port?: number } }[];
    expect(audit.some((e) => e.kind === 'net.allow' && e.payload.host === '127.0.0.9' && e.payload.port === echoPort)).toBe(true);

    const closedBefore = echoClosed.length;
    expect((await cli(['stop', '--timeout', '2', 'spliced'])).code).toBe(0);
    await until('the upstream connection to close', () => (echoClosed.length > closedBefore ? true : undefined));
    expect(socketsTo(echoPort).size).toBe(0);
  });

  it('never splices a denied host: the proxy answers 403 and no connection is made', async () => {
    const before = echoSockets.length;
    const r = await cli(['run', '--allow-domain', '127.0.0.10:1', '--read', world.root, '--', '/usr/bin/python3', clientFile, `127.0.0.9:${echoPort}`]);
    expect(r.stdout).toMatch(/STATUS HTTP\/1\.1 403/);
    expect(echoSockets.length).toBe(before);
  });

  it('never splices a path-limited host: the proxy opens it and checks each path', async () => {
    const curl = (path: string) => `curl -sS -o /dev/null -w "%{http_code} " --max-time 10 https://raw.splice.test${path}`;
    const r = await cli(['run', '-p', 'paths', '--read', certs, '--', 'sh', '-c', `${curl('/org/file')}; ${curl('/elsewhere')}; true`]);
    expect(r.stdout).toBe('200 403 ');
    expect(inspectedPaths).toEqual(['/org/file']);
  });

  // A tool that ignores the base URL and goes to the route's host itself: a CONNECT the proxy
  // intercepts (the test's upstream stands in for api.anthropic.com).
  it('never splices a credential route: the proxy opens it and injects the key', async () => {
    const r = await cli(['run', '-p', 'keyed', '--', 'sh', '-c', `curl -sS --max-time 10 -X POST -d "{}" -H "x-api-key: $ANTHROPIC_API_KEY" https://127.0.0.9:${keyedPort}/v1/messages`]);
    expect(r.stdout, r.stderr).toBe('{"ok":true}');
    expect(keysSeen).toEqual([REAL_KEY]);
  });
});
