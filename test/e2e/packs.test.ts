// Policy packs end to end, as a team would use them: publish two signed versions into a
// directory, serve it (nono registry serve with a token, then python3's http.server), log in,
// pull, run with -p NS/NAME, and walk outdated/update/pin; then the refusals a careful package
// manager owes its user, each in one line, audited, with nothing installed. Real daemon, real
// keychain (Secret Service on a private D-Bus), real sandbox, real HTTP on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { freePort, waitForPort } from '../support/loopback-ports.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';
import { NONO_BIN, runCli } from '../support/run-cli.js';
import { serveRegistry } from '../support/registry-server.js';
import { openTerminal } from '../support/real-terminal.js';

let world: TestWorld;
let daemon: RunningDaemon | undefined;
let keychain: SecretService | undefined;
let server: ChildProcess | undefined;
let url: string;
const TOKEN = 'team-registry-token';
const site = () => join(world.root, 'site');
const packOnly = () => join(world.root, 'pack-only');
const packDenied = () => join(world.work, 'denied-by-pack');
const packages = () => join(world.home, '.local', 'share', 'nono', 'packages');
const cli = (args: string[], input?: string) => runCli(args, world, { ...(input !== undefined ? { input } : {}), timeoutMs: 30_000 });

function packSource(version: string, extraRead: string[] = []): string {
  const dir = join(world.root, `src-${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'nono-pack.json'), JSON.stringify({ schema: 'nono-pack/1', namespace: 'acme', name: 'secure', version, description: 'Acme secure coding', profile: 'profile.json' }));
  writeFileSync(join(dir, 'profile.json'), JSON.stringify({ extends: 'default', filesystem: { read: [packOnly(), ...extraRead], deny: [packDenied()] } }));
  return dir;
}

beforeAll(async () => {
  world = createWorld();
  keychain = startSecretService(world.root);
  if (!keychain) throw new Error('gnome-keyring-daemon and dbus-daemon are needed (scripts/install-system-packages.sh installs them)');
  daemon = await startDaemon(world, { env: keychain.env });
  mkdirSync(packOnly());
  writeFileSync(join(packOnly(), 'only.txt'), 'granted by the pack\n');
  mkdirSync(packDenied());
  writeFileSync(join(packDenied(), 'secret.txt'), 'kept out by the pack\n');
  // The first key becomes the user's trust-policy publisher; "stranger" is nobody's.
  for (const args of [['trust', 'keygen'], ['trust', 'keygen', '--id', 'stranger']]) expect((await cli(args)).code).toBe(0);
  for (const version of ['1.0.0', '1.1.0']) {
    const published = await cli(['pack', 'publish', packSource(version), '--to', site(), '--json']);
    expect(published.code, published.stderr).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({ pack: 'acme/secure', version, written: true });
  }
  ({ child: server, url } = await serveRegistry(world, [site(), '--token-stdin'], `${TOKEN}\n`));
}, 60_000);

afterAll(async () => {
  server?.kill('SIGINT');
  await daemon?.stop();
  keychain?.stop();
  world?.cleanup();
});

describe('policy packs from a registry', () => {
  it('needs a login, then pulls, and -p NS/NAME applies the pack: its grant works and its deny holds', async () => {
    const anonymous = await cli(['pull', 'acme/secure@1.0.0', '--registry', url]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr.trim().split('\n')).toHaveLength(1);
    expect(anonymous.stderr).toMatch(/answered 401; log in with nono auth login/);
    const login = await cli(['auth', 'login', url], `${TOKEN}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('the default registry');
    expect(JSON.stringify(JSON.parse((await cli(['auth', 'status', '--json'])).stdout))).not.toContain(TOKEN);
    const pulled = await cli(['pull', 'acme/secure@1.0.0', '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout).pulled).toEqual([expect.objectContaining({ pack: 'acme/secure', version: '1.0.0', installed: true })]);

    const withPack = await cli(['run', '-p', 'acme/secure', '--', 'cat', join(packOnly(), 'only.txt')]);
    expect(withPack.code, withPack.stderr).toBe(0);
    expect(withPack.stdout).toBe('granted by the pack\n');
    const without = await cli(['run', '--', 'cat', join(packOnly(), 'only.txt')]);
    expect(without.code).not.toBe(0);
    const denied = await cli(['run', '-p', 'acme/secure', '--allow', packDenied(), '--', 'cat', join(packDenied(), 'secret.txt')]);
    expect(denied.code).not.toBe(0);
    expect(denied.stdout).not.toContain('kept out');
    const shown = await cli(['policy', 'show', 'acme/secure', '--json']);
    expect(JSON.parse(shown.stdout).profile).toBe('acme/secure@1.0.0');
  });

  it('names the newer version, keeps a pinned one, and updates an unpinned one', async () => {
    const outdated = await cli(['pack', 'outdated']);
    expect(outdated.code).toBe(1);
    expect(outdated.stdout).toContain('acme/secure  1.0.0 → 1.1.0');
    expect((await cli(['pack', 'pin', 'acme/secure'])).code).toBe(0);
    const pinnedUpdate = await cli(['pack', 'update']);
    expect(pinnedUpdate.stdout).toContain('skipped acme/secure: pinned at 1.0.0');
    expect((await cli(['pull', 'acme/secure', '--json'])).stdout).toContain('"version": "1.0.0"');
    expect((await cli(['pack', 'unpin', 'acme/secure'])).code).toBe(0);
    const update = await cli(['pack', 'update']);
    expect(update.code, update.stderr).toBe(0);
    expect(update.stdout).toContain('updated to acme/secure@1.1.0');
    const list = JSON.parse((await cli(['pack', 'list', '--json'])).stdout);
    expect(list.packs[0]).toMatchObject({ pack: 'acme/secure', active: '1.1.0', pinned: false });
    expect((await cli(['pack', 'verify'])).code).toBe(0);
  });

  it('refuses a tarball changed after signing and a key nobody accepted, in one line, audited, installing nothing', async () => {
    const dir = join(site(), 'packs', 'acme', 'secure');
    // Version 2.0.0 signed by the stranger's key, published into the same site.
    const strangerSource = packSource('2.0.0');
    expect((await cli(['pack', 'publish', strangerSource, '--to', site(), '--key', 'stranger'])).code).toBe(0);
    const unknown = await cli(['pull', 'acme/secure@2.0.0']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/signed by a key you have not accepted, fingerprint [0-9a-f]{64}; .*--accept-publisher/);
    // A byte of 1.1.0's tarball changed on the host, index and all.
    const tarball = join(dir, '1.1.0.tar.gz');
    const bytes = readFileSync(tarball);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(tarball, bytes);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    const { createHash } = await import('node:crypto');
    for (const v of index.versions) if (v.version === '1.1.0') v.sha256 = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
    expect((await cli(['pack', 'remove', 'acme/secure'])).code).toBe(0);
    const changed = await cli(['pull', 'acme/secure@1.1.0']);
    expect(changed.code).toBe(1);
    expect(changed.stderr.trim().split('\n')).toHaveLength(1);
    expect(changed.stderr).toMatch(/changed after signing|not a gzip|the pack was not installed/);
    expect(existsSync(join(packages(), 'acme', 'secure', '1.1.0'))).toBe(false);
    expect(readdirSync(packages()).filter((name) => !name.startsWith('.') && name !== 'packs.json')).toEqual([]);
    const audit = JSON.parse((await cli(['audit', 'list', '--kind', 'pack.refuse', '--json'])).stdout);
    expect(audit.map((e: { payload: { version: string } }) => e.payload.version)).toEqual(expect.arrayContaining(['2.0.0', '1.1.0']));
  });

  it('nono run on a terminal offers once to pull a pack that is not installed, then runs under it', async () => {
    await cli(['pack', 'remove', 'acme/secure']);
    const t = openTerminal(`${process.execPath} ${NONO_BIN} run -p acme/secure@1.0.0 -- cat ${join(packOnly(), 'only.txt')}`, world);
    await t.waitFor(/pack acme\/secure@1\.0\.0 is not installed; pull it now\? \[y\/N\]/);
    t.type('y\r');
    await t.waitFor(/granted by the pack/, 20_000);
    expect(await t.exit).toBe(0);
    expect(JSON.parse((await cli(['pack', 'list', '--json'])).stdout).packs[0]).toMatchObject({ pack: 'acme/secure', active: '1.0.0' });
    // Answered no: nothing is pulled and the run stops with the one line.
    expect((await cli(['pack', 'remove', 'acme/secure'])).code).toBe(0);
    const refused = openTerminal(`${process.execPath} ${NONO_BIN} run -p acme/secure@1.0.0 -- true`, world);
    await refused.waitFor(/pull it now\?/);
    refused.type('n\r');
    expect(await refused.exit).toBe(125);
    expect(refused.output()).toMatch(/get it with nono pull acme\/secure@1\.0\.0/);
    expect(JSON.parse((await cli(['pack', 'list', '--json'])).stdout).packs).toEqual([]);
  });

  it('works the same from python3 -m http.server over the published directory, and offline once installed', async () => {
    const port = await freePort();
    const python = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', site()], { stdio: 'ignore' });
    try {
      await waitForPort(port);
      const pulled = await cli(['pull', 'acme/secure@1.0.0', '--registry', `http://127.0.0.1:${port}/`, '--json']);
      expect(pulled.code, pulled.stderr).toBe(0);
    } finally {
      python.kill();
    }
    // Every registry gone: -p of the installed pack, list and verify never touch the network.
    server?.kill('SIGINT');
    server = undefined;
    const offline = await cli(['run', '-p', 'acme/secure@1.0.0', '--', 'cat', join(packOnly(), 'only.txt')]);
    expect(offline.code, offline.stderr).toBe(0);
    expect((await cli(['pack', 'list'])).code).toBe(0);
    expect((await cli(['pack', 'verify', 'acme/secure'])).code).toBe(0);
    const missing = await cli(['run', '-p', 'acme/other', '--', 'true']);
    expect(missing.stderr).toMatch(/pack acme\/other is not installed; get it with nono pull acme\/other/);
  });
});
