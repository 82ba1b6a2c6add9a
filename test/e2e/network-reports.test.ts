// What nono says about the network after a proxied run must be true: a policy refusal names the
// rule that would change it (none for metadata or link-local), an allowed host that does not
// resolve or refuses the connection is reported as that, with no rule suggested, and nothing
// of nono's own appears in the programs' output (the fetch preload is silent).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { makeTestCa } from '../support/test-ca.mjs';
import { runCli, runCommand } from '../support/run-cli.js';

const ctx = {} as { world: TestWorld; daemon: RunningDaemon };
let standIn: Server;
let untrusted: Server;
let port: number;
let closedPort: number;

beforeAll(async () => {
  ctx.world = createWorld();
  // A credential route's upstream with a certificate the daemon does not trust: a TLS failure.
  const tls = makeTestCa(join(ctx.world.root, 'certs'), ['IP:127.0.0.7']);
  untrusted = createHttpsServer({ key: tls.key, cert: tls.cert }, (_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => untrusted.listen(0, '127.0.0.7', () => resolve()));
  ctx.daemon = await startDaemon(ctx.world, {
    env: { OPENAI_API_KEY: 'sk-real-key-never-seen' },
    daemon: {
      resolve: { 'meta.test': '169.254.169.254', 'lan.test': '10.1.2.3' },
      credentialUpstreams: { openai: `https://127.0.0.7:${(untrusted.address() as AddressInfo).port}` },
    },
  });
  standIn = createServer((_req, res) => res.end('stand-in\n'));
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.5', () => resolve()));
  port = (standIn.address() as AddressInfo).port;
  // A port that was just free: nothing listens there during the test.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.5', () => resolve()));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(async () => {
  standIn?.close();
  untrusted?.close();
  await ctx.daemon?.stop();
  ctx.world?.cleanup();
});

const run = (args: string[], script: string) => runCli(['run', ...args, '--', 'sh', '-c', script], ctx.world, { timeoutMs: 60_000 });
const curl = (url: string) => `curl -sS --max-time 10 ${url} >/dev/null 2>&1`;

describe('network reports', () => {
  it("prints nothing of nono's when Node's fetch goes through the proxy: stderr equals the unsandboxed run's", async () => {
    const script = `fetch('http://127.0.0.5:${port}/').then((r) => r.text()).then((t) => process.stdout.write(t))`;
    const outside = await runCommand([process.execPath, '-e', script], ctx.world);
    const inside = await runCli(['run', '--allow-domain', `127.0.0.5:${port}`, '--', 'node', '-e', script], ctx.world, { timeoutMs: 60_000 });
    expect(outside.stdout).toBe('stand-in\n');
    expect(inside.stdout).toBe(outside.stdout);
    expect(inside.stderr).toBe(outside.stderr);
  });

  it('reports an allowed host that does not resolve as not resolving, and suggests no rule', async () => {
    const r = await run(['--name', 'unresolved', '--allow-domain', 'nowhere.invalid'], `${curl('http://nowhere.invalid/')}; true`);
    expect(r.stderr).toMatch(/nono: not a policy denial: allowed by nowhere\.invalid, but nowhere\.invalid does not resolve \(E[A-Z_]+\)\n/);
    expect(r.stderr).not.toMatch(/the network filter denied|--allow-domain/);
    const log = await runCli(['logs', 'unresolved', '--net'], ctx.world);
    expect(log.stdout).toMatch(/FAIL   GET nowhere\.invalid:80  allowed by nowhere\.invalid, but nowhere\.invalid does not resolve/);
    const audit = await runCli(['audit', 'list', '--session', 'unresolved', '--kind', 'net.fail', '--json'], ctx.world);
    expect(audit.stdout).toMatch(/"cause":\s*"dns"/);
  });

  it('reports an allowed host that refuses the connection as refusing it, and suggests no rule', async () => {
    const r = await run(['--allow-domain', `127.0.0.5:${closedPort}`], `curl -sS --max-time 10 https://127.0.0.5:${closedPort}/ >/dev/null 2>&1; true`);
    expect(r.stderr).toContain(`nono: not a policy denial: allowed by 127.0.0.5:${closedPort}, but 127.0.0.5:${closedPort} refused the connection (ECONNREFUSED)\n`);
    expect(r.stderr).not.toMatch(/the network filter denied|--allow-domain/);
  });

  it('reports a credential route whose upstream fails TLS as a TLS failure, not a denial', async () => {
    const r = await run(['--credential', 'openai=env://OPENAI_API_KEY'], `curl -sS --max-time 10 -H "Authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/models" >/dev/null 2>&1; true`);
    expect(r.stderr).toMatch(/nono: not a policy denial: credential route openai, but 127\.0\.0\.7:\d+ failed the TLS handshake \([A-Z_]+\)\n/);
    expect(r.stderr).not.toMatch(/the network filter denied|--allow-domain/);
  });

  it('never suggests a rule for a metadata or link-local address, by address or by name', async () => {
    const r = await run(['--allow-domain', 'meta.test'], `${curl('http://169.254.169.254/latest/meta-data/')}; ${curl('http://meta.test/')}; true`);
    expect(r.stderr).toMatch(/nono: the network filter denied, and no allow rule changes it: 169\.254\.169\.254 is a cloud metadata or link-local address/);
    expect(r.stderr).toMatch(/nono: the network filter denied, and no allow rule changes it: meta\.test resolves only to refused addresses: 169\.254\.169\.254 is link-local/);
    expect(r.stderr).not.toMatch(/--allow-domain/);
  });

  it('suggests the rule that changes the outcome: the host when it is on no list, the address when it is private', async () => {
    const r = await run(['--allow-domain', 'lan.test'], `${curl('http://other.test/')}; ${curl('http://lan.test:8080/')}; true`);
    expect(r.stderr).toMatch(/nono: the network filter denied other\.test, lan\.test\n/);
    expect(r.stderr).toContain('allow with --allow-domain other.test --allow-domain 10.1.2.3:8080,');
  });
});
