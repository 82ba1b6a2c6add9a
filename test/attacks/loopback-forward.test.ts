// Host services the allowlist names on loopback (a local model server, a dev database) are
// reachable from the view at the same address and port: the relay listens there too and sends
// each connection to the session's proxy, which decides and logs it. Ports no rule names stay
// out of reach, directly and through the proxy, and the sandbox's own loopback servers work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chownSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { runCli, type CliOptions } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const users: [string, (() => { uid: number; gid: number }) | undefined][] = [
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser],
];

interface HostServer {
  port: number;
  hits: number;
  server: Server;
}

function hostServer(address: string, body: string): Promise<HostServer> {
  const host = { port: 0, hits: 0 } as HostServer;
  host.server = createServer((_req, res) => res.end(body));
  host.server.on('connection', () => host.hits++);
  return new Promise((resolve) =>
    host.server.listen(0, address, () => {
      host.port = (host.server.address() as AddressInfo).port;
      resolve(host);
    }),
  );
}

// The sandbox's own server on its own loopback, asked by the same program.
const ownServer = (address: string, port: number) =>
  `node -e "const http = require('http'); const s = http.createServer((q, r) => r.end('own server\\n')); s.on('error', (e) => { console.log('bind', e.code); process.exit(0); }); s.listen(${port}, '${address}', () => http.get('http://${address}:${port}/', (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => { process.stdout.write(b); process.exit(0); }); }))"`;

describe.each(users)('forwarded loopback ports as %s', (_label, who) => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let as: CliOptions['as'];
  let allowed: HostServer;
  let v6: HostServer | undefined;
  let unlisted: HostServer;

  beforeAll(async () => {
    as = who?.();
    world = createWorld(as ? { owner: as } : {});
    if (as) chownSync(world.work, as.uid, as.gid);
    daemon = await startDaemon(world, as ? { as } : {});
    allowed = await hostServer('127.0.0.1', 'host server\n');
    unlisted = await hostServer('127.0.0.1', 'you should not see this\n');
    v6 = await hostServer('::1', 'host server on ::1\n').catch(() => undefined);
  });
  afterAll(async () => {
    for (const s of [allowed, unlisted, v6]) s?.server.close();
    await daemon?.stop();
    world?.cleanup();
  });

  const run = (args: string[], script: string) => runCli(['run', ...args, '--', 'sh', '-c', script], world, { timeoutMs: 60_000, ...(as ? { as } : {}) });
  const curl = (url: string, extra = '') => `curl -sS --max-time 10 ${extra} ${url}`;

  it('reaches a host server on an allowed loopback port at the same address, through the proxy', async () => {
    const before = allowed.hits;
    const r = await run(['--name', 'fwd-ok', '--allow-domain', `127.0.0.1:${allowed.port}`], curl(`http://127.0.0.1:${allowed.port}/`));
    expect(r.stdout).toBe('host server\n');
    expect(allowed.hits).toBe(before + 1);
    const log = await runCli(['logs', 'fwd-ok', '--net'], world, as ? { as } : {});
    expect(log.stdout).toMatch(new RegExp(`ALLOW  CONNECT 127\\.0\\.0\\.1:${allowed.port}  127\\.0\\.0\\.1:${allowed.port} -> 127\\.0\\.0\\.1`));
  });

  it('reaches it by localhost too, and [::1] when the rule says so', async () => {
    const byName = await run(['--allow-domain', `localhost:${allowed.port}`], curl(`http://localhost:${allowed.port}/`));
    expect(byName.stdout).toBe('host server\n');
    if (!v6) return;
    const r = await run(['--allow-domain', `[::1]:${v6.port}`], curl(`http://[::1]:${v6.port}/`));
    expect(r.stdout).toBe('host server on ::1\n');
  });

  it('does not reach a loopback port no rule names, directly or through the proxy (denied by policy)', async () => {
    const before = unlisted.hits;
    const direct = await run(['--allow-domain', `127.0.0.1:${allowed.port}`], `${curl(`http://127.0.0.1:${unlisted.port}/`)}; echo "exit $?"`);
    expect(direct.stdout).not.toMatch(/should not see/);
    expect(direct.stdout).toMatch(/exit [1-9]/);
    const proxied = await run(['--allow-domain', `127.0.0.1:${allowed.port}`], `${curl(`http://127.0.0.1:${unlisted.port}/`, "--noproxy ''")}; echo "exit $?"`);
    expect(proxied.stdout).not.toMatch(/should not see/);
    expect(proxied.stderr).toMatch(new RegExp(`nono: the network filter denied 127\\.0\\.0\\.1\\n`));
    expect(proxied.stderr).toContain(`--allow-domain 127.0.0.1:${unlisted.port}`);
    // Another address on the allowed port is not the allowed one either: the proxy refuses it.
    const other = await run(['--allow-domain', `127.0.0.1:${allowed.port}`], curl(`http://127.0.0.2:${allowed.port}/`));
    expect(other.stdout).toMatch(/127\.0\.0\.2:\d+ is on no allowlist/);
    await new Promise((r) => setTimeout(r, 200));
    expect(unlisted.hits).toBe(before);
  });

  it("leaves the sandbox's own loopback servers working, on any other port", async () => {
    const r = await run(['--allow-domain', `127.0.0.1:${allowed.port}`], ownServer('127.0.0.1', 18_123));
    expect(r.stdout).toBe('own server\n');
    // The forwarded address and port are the relay's: a server there gets EADDRINUSE, while the
    // same port on another loopback address is free.
    const same = await run(['--allow-domain', `127.0.0.1:${allowed.port}`], ownServer('127.0.0.1', allowed.port));
    expect(same.stdout).toBe('bind EADDRINUSE\n');
    const beside = await run(['--allow-domain', `127.0.0.1:${allowed.port}`], ownServer('127.0.0.2', allowed.port));
    expect(beside.stdout).toBe('own server\n');
  });
});
