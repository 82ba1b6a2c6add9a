// Phantom tokens: the sandbox gets a per-session fake key and a base URL pointing at its own
// proxy; only there is the fake swapped for the real key, on the way to the upstream (a local
// HTTPS server with a test CA standing in for api.openai.com). The real key never enters the
// sandbox: not its environment, not /proc, not the files it can write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';
import { makeTestCa } from '../support/test-ca.mjs';
import { runCli } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const REAL_KEY = `sk-real-${'9'.repeat(40)}`;
let world: TestWorld;
let daemon: RunningDaemon;
let upstream: Server;
const seen: { auth: string | undefined; path: string | undefined }[] = [];

beforeAll(async () => {
  world = createWorld();
  const tls = makeTestCa(join(world.root, 'certs'), ['IP:127.0.0.7']);
  upstream = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    seen.push({ auth: req.headers.authorization, path: req.url });
    if (req.url?.endsWith('/stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.end('data: two\n\n'), 50);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: req.url }));
  });
  // A WebSocket endpoint (Codex's Responses API streams over one): completes the handshake for
  // /ws with the key it was given and echoes one message; any other path answers 404, as a
  // server without WebSockets there would.
  upstream.on('upgrade', (req, socket) => {
    seen.push({ auth: req.headers.authorization, path: req.url });
    if (!req.url?.endsWith('/ws')) return void socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n');
    socket.once('data', (data: Buffer) => socket.end(`echo:${data.toString()}`));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.7', () => resolve()));
  const port = (upstream.address() as AddressInfo).port;
  daemon = await startDaemon(world, {
    env: { OPENAI_API_KEY: REAL_KEY },
    daemon: { credentialUpstreams: { openai: `https://127.0.0.7:${port}` }, credentialCa: tls.ca },
  });
});
afterAll(async () => {
  upstream?.close();
  await daemon?.stop();
  world?.cleanup();
});

const run = (script: string, extra: string[] = []) => runCli(['run', '--credential', 'openai', '--allow-cwd', ...extra, '--', 'sh', '-c', script], world, { timeoutMs: 60_000 });

describe('phantom tokens', () => {
  it('carries a WebSocket upgrade to the upstream with the real key, and passes a refusal back as the answer it is', async () => {
    const client = `
      const http = require('node:http');
      const base = new URL(process.env.OPENAI_BASE_URL);
      const req = http.request({ host: base.hostname, port: base.port, path: base.pathname + '/' + process.argv[1], headers: { connection: 'Upgrade', upgrade: 'websocket', authorization: 'Bearer ' + process.env.OPENAI_API_KEY } });
      req.on('upgrade', (res, socket) => { socket.write('hello'); socket.on('data', (d) => process.stdout.write('status=' + res.statusCode + ' ' + d)); });
      req.on('response', (res) => process.stdout.write('status=' + res.statusCode));
      req.on('error', (e) => process.stdout.write('error=' + e.code));
      req.end();`;
    const before = seen.length;
    const upgraded = await run(`node -e "${client.replace(/"/g, '\\"').replace(/\n/g, ' ')}" ws`);
    expect(upgraded.stdout).toBe('status=101 echo:hello');
    expect(seen.slice(before)).toEqual([{ auth: `Bearer ${REAL_KEY}`, path: '/v1/ws' }]);
    const refused = await run(`node -e "${client.replace(/"/g, '\\"').replace(/\n/g, ' ')}" models`);
    expect(refused.stdout).toBe('status=404');
  });

  it('swaps the phantom for the real key on the way to the upstream, and the sandbox never sees the real one', async () => {
    const script = [
      'echo "key=$OPENAI_API_KEY base=$OPENAI_BASE_URL"',
      'curl -sS --max-time 10 -H "Authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/models?limit=1"; echo',
      'env > ./env-dump.txt; cat /proc/self/environ > ./proc-environ.bin',
    ].join('; ');
    const before = seen.length;
    const r = await run(script);
    expect(r.stdout).toMatch(/^key=nono-phantom-[0-9a-f]{48} base=http:\/\/127\.0\.0\.1:\d+\/openai\/v1$/m);
    expect(r.stdout).toMatch(/\{"ok":true,"path":"\/v1\/models\?limit=1"\}/);
    expect(seen.slice(before)).toEqual([{ auth: `Bearer ${REAL_KEY}`, path: '/v1/models?limit=1' }]);
    expect(r.stdout + r.stderr).not.toContain(REAL_KEY);
    // grep exits 1 when nothing matches: the env dump, /proc/self/environ and every other file
    // the sandbox could write hold no trace of the real key.
    const grep = spawnSync('grep', ['-r', '-l', '-a', REAL_KEY, world.work], { encoding: 'utf8' });
    expect(readFileSync(join(world.work, 'env-dump.txt'), 'utf8')).toMatch(/OPENAI_API_KEY=nono-phantom-/);
    expect(grep.stdout).toBe('');
    expect(grep.status).toBe(1);
  });

  it('intercepts TLS to the route\'s host for tools that ignore base URLs, and injects the key', async () => {
    const port = (upstream.address() as AddressInfo).port;
    const before = seen.length;
    const r = await run(`curl -sS --max-time 10 https://127.0.0.7:${port}/v1/models; echo; echo "$CURL_CA_BUNDLE"`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\{"ok":true,"path":"\/v1\/models"\}/);
    expect(seen.slice(before)).toEqual([{ auth: `Bearer ${REAL_KEY}`, path: '/v1/models' }]);
    expect(r.stdout).not.toContain(REAL_KEY);
  });

  it('applies a route\'s endpoint rules: DELETE denied with 403, the upstream untouched', async () => {
    const profiles = join(world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'guarded.json'), JSON.stringify({ extends: 'default', network: { credentials: ['openai'], endpoint_rules: { openai: ['deny DELETE /**'] } } }));
    const port = (upstream.address() as AddressInfo).port;
    const before = seen.length;
    const r = await runCli(
      ['run', '-p', 'guarded', '--', 'sh', '-c', `curl -sS -o /dev/null -w "%{http_code} " -X DELETE -H "Authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/files/1"; curl -sS -o /dev/null -w "%{http_code} " -X DELETE https://127.0.0.7:${port}/v1/files/1; curl -sS -o /dev/null -w "%{http_code}" https://127.0.0.7:${port}/v1/files/1`],
      world,
    );
    expect(r.stdout).toBe('403 403 200');
    expect(seen.slice(before).map((s) => s.path)).toEqual(['/v1/files/1']);
  });

  it('serves a custom route a profile defines, with its own header, format and variables', async () => {
    const profiles = join(world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    const keyFile = join(world.root, 'myapi.key');
    writeFileSync(keyFile, 'real-myapi-key\n', { mode: 0o600 });
    const port = (upstream.address() as AddressInfo).port;
    writeFileSync(
      join(profiles, 'custom.json'),
      JSON.stringify({
        extends: 'default',
        network: {
          credentials: ['myapi'],
          custom_credentials: { myapi: { upstream: `https://127.0.0.7:${port}/api`, header: 'Authorization', format: 'Token {key}', key_env: 'MYAPI_KEY', base_url_env: 'MYAPI_URL', source: `file://${keyFile}` } },
        },
      }),
    );
    const before = seen.length;
    const r = await runCli(['run', '-p', 'custom', '--', 'sh', '-c', 'curl -sS --max-time 10 -H "Authorization: Token $MYAPI_KEY" "$MYAPI_URL/things"'], world);
    expect(r.stdout).toMatch(/"path":"\/api\/things"/);
    expect(seen.slice(before)).toEqual([{ auth: 'Token real-myapi-key', path: '/api/things' }]);
  });

  it('streams server-sent events through', async () => {
    const r = await run('curl -sS -N --max-time 10 -H "Authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/stream"');
    expect(r.stdout).toBe('data: one\n\ndata: two\n\n');
  });

  it('answers a wrong or missing phantom with 401, and the upstream sees nothing', async () => {
    const before = seen.length;
    const r = await run('curl -sS -o /dev/null -w "%{http_code} " -H "Authorization: Bearer nono-phantom-wrong" "$OPENAI_BASE_URL/models"; curl -sS -o /dev/null -w "%{http_code}" "$OPENAI_BASE_URL/models"');
    expect(r.stdout).toBe('401 401');
    expect(seen.length).toBe(before);
  });

  it('says the keychain is unreachable when there is no Secret Service, and stores nothing', async () => {
    const r = await runCli(['credential', 'set', 'openai'], world, { input: 'sk-never-stored\n' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/the OS keychain is not reachable .*start a Secret Service/);
  });

  it('refuses an unknown credential name at run, listing the known ones, and runs nothing', async () => {
    const r = await runCli(['run', '--credential', 'nope', '--', 'touch', join(world.work, 'ran')], world);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/unknown credential nope; known: openai, anthropic/);
    const unset = await runCli(['run', '--credential', 'anthropic', '--', 'true'], world);
    expect(unset.code).toBe(125);
    expect(unset.stderr).toMatch(/credential anthropic: not in the OS keychain and env:\/\/ANTHROPIC_API_KEY is empty or unset/);
  });
});

describe('the keychain vault (a real Secret Service on a private D-Bus)', () => {
  let vaultWorld: TestWorld;
  let vaultDaemon: RunningDaemon;
  let service: SecretService | undefined;

  beforeAll(async () => {
    vaultWorld = createWorld();
    service = startSecretService(vaultWorld.root);
    if (!service) return;
    vaultDaemon = await startDaemon(vaultWorld, {
      env: service.env,
      daemon: { credentialUpstreams: { openai: `https://127.0.0.7:${(upstream.address() as AddressInfo).port}` }, credentialCa: join(world.root, 'certs', 'ca.pem') },
    });
  });
  afterAll(async () => {
    await vaultDaemon?.stop();
    service?.stop();
    vaultWorld?.cleanup();
  });

  it('stores a key from stdin, lists only names, serves it as a phantom, and deletes it', async () => {
    expect(service, 'dbus-daemon and gnome-keyring-daemon must be installed (scripts/install-system-packages.sh)').toBeDefined();
    const cli = (args: string[], input?: string) => runCli(args, vaultWorld, input === undefined ? {} : { input });
    const vaultKey = `sk-vault-${'7'.repeat(40)}`;
    const set = await cli(['credential', 'set', 'openai'], `${vaultKey}\n`);
    expect(set.stdout).toBe('stored openai in the Secret Service\n');
    const list = await cli(['credential', 'list']);
    expect(list.stdout).toMatch(/^openai\s+Secret Service$/m);
    expect(list.stdout).not.toContain(vaultKey);
    expect((await cli(['credential', 'test', 'openai'])).stdout).toBe(`openai: readable (${vaultKey.length} characters)\n`);
    const before = seen.length;
    const r = await runCli(['run', '--credential', 'openai', '--', 'sh', '-c', 'curl -sS --max-time 10 -H "Authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/models"'], vaultWorld, { timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/"ok":true/);
    expect(seen.slice(before)).toEqual([{ auth: `Bearer ${vaultKey}`, path: '/v1/models' }]);
    expect((await cli(['credential', 'rm', 'openai'])).stdout).toBe('removed openai\n');
    expect((await cli(['credential', 'list'])).stdout).not.toMatch(/openai/);
    const gone = await runCli(['run', '--credential', 'openai', '--', 'true'], vaultWorld);
    expect(gone.code).toBe(125);
    expect(gone.stderr).toMatch(/not in the OS keychain/);
  });

  it('refuses an empty secret and an unknown name, storing nothing', async () => {
    expect(service).toBeDefined();
    const empty = await runCli(['credential', 'set', 'anthropic'], vaultWorld, { input: '\n' });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/the secret is empty; nothing was stored/);
    const rm = await runCli(['credential', 'rm', 'never-stored'], vaultWorld);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toMatch(/no credential named never-stored/);
    expect((await runCli(['credential', 'list'], vaultWorld)).stdout).not.toMatch(/anthropic/);
  });
});

// The variables tests once used to point a route elsewhere are gone from the daemon: whoever
// can set a daemon's environment (a shell rc, a systemd drop-in) cannot send a real key, under
// a CA of their choosing, to a server of theirs. Both as root and as an unprivileged user.
describe.each([
  ['root', undefined],
  ['an unprivileged user', unprivilegedUser()],
] as const)('a daemon started the usual way, as %s, with the old test variables in its environment', (_who, as) => {
  const ANTHROPIC_KEY = `sk-ant-real-${'4'.repeat(40)}`;
  let trapWorld: TestWorld;
  let trapDaemon: RunningDaemon;
  let trap: Server;
  const connections: string[] = [];

  beforeAll(async () => {
    trapWorld = createWorld(as ? { owner: as } : {});
    const tls = makeTestCa(join(trapWorld.root, 'certs'), ['IP:127.0.0.1']);
    trap = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      connections.push(`request ${req.url} ${req.headers['x-api-key']}`);
      res.end('{}');
    });
    trap.on('connection', () => connections.push('tcp'));
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', () => resolve()));
    const port = (trap.address() as AddressInfo).port;
    trapDaemon = await startDaemon(trapWorld, {
      ...(as ? { as } : {}),
      env: {
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
        NONO_TEST_CREDENTIAL_UPSTREAM_ANTHROPIC: `https://127.0.0.1:${port}`,
        NONO_TEST_CREDENTIAL_CA: join(trapWorld.root, 'certs', 'ca.pem'),
      },
    });
  });
  afterAll(async () => {
    trap?.close();
    await trapDaemon?.stop();
    trapWorld?.cleanup();
  });

  it('sends the key only towards the real API, never to the server the variables name', async () => {
    const r = await runCli(
      ['run', '--credential', 'anthropic', '--', 'sh', '-c', 'curl -sS --max-time 10 -H "x-api-key: $ANTHROPIC_API_KEY" "$ANTHROPIC_BASE_URL/v1/messages" -d "{}"; echo "exit=$?"'],
      trapWorld,
      { timeoutMs: 60_000, ...(as ? { as } : {}) },
    );
    expect(r.stdout, r.stderr).toMatch(/exit=\d+/);
    expect(r.stdout + r.stderr).not.toContain(ANTHROPIC_KEY);
    expect(connections).toEqual([]);
  });
});
