// Policy packs under attack, each case a way in that was open or one that is shown to hold: a
// hostile registry (rollback, a same-named pack or a foreign namespace signed by a key accepted
// elsewhere, redirects, drips, odd versions, terminal escapes), a malicious publisher, a local
// process planting links in the packs dir, and files in the served directory or in cwd.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readArchive } from '../../src/packs/pack-archive.js';
import { PackService } from '../../src/packs/pack-service.js';
import { publishPack } from '../../src/packs/publish-pack.js';
import { serveRegistry, type RegistryServer } from '../../src/packs/registry-server.js';
import { ProfileLoader } from '../../src/policy/profile-loader.js';
import { TrustKeyStore, type TrustSigningKey } from '../../src/trust/trust-keys.js';
import type { AuditInput } from '../../src/audit/event-kinds.js';
import { memoryVault } from '../../../test/support/memory-vault.js';


let root: string;
let publisher: TrustSigningKey;
let stranger: TrustSigningKey;
let servers: { close(): Promise<void> }[];
let events: AuditInput[];
let service: PackService;

function writePack(dir: string, manifest: Record<string, unknown>, profile: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'nono-pack.json'), JSON.stringify({ schema: 'nono-pack/1', profile: 'profile.json', ...manifest }));
  writeFileSync(join(dir, 'profile.json'), JSON.stringify(profile));
  return dir;
}

async function serve(dir: string, token?: string): Promise<RegistryServer> {
  const server = await serveRegistry({ dir, ...(token ? { token } : {}) });
  servers.push(server);
  return server;
}

async function listen(handler: (url: string, headers: IncomingHttpHeaders, reply: (status: number, headers: Record<string, string>) => void) => void): Promise<string> {
  const server: Server = createServer((request, response) => handler(request.url ?? '/', request.headers, (status, headers) => response.writeHead(status, headers).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

beforeEach(async () => {
  root = mkdtempSync('/var/tmp/nono-pack-attacks-');
  const keys = new TrustKeyStore(memoryVault());
  await keys.generate();
  await keys.generate('stranger');
  publisher = await keys.load();
  stranger = await keys.load('stranger');
  for (const version of ['1.0.0', '1.1.0']) {
    await publishPack(writePack(join(root, `src-${version}`), { namespace: 'acme', name: 'secure', version }, { filesystem: { read: [`/opt/acme-${version}`] } }), publisher, join(root, 'site'));
  }
  servers = [];
  events = [];
  mkdirSync(join(root, 'config'));
  service = new PackService({ packagesDir: join(root, 'packages'), configDir: join(root, 'config'), vault: memoryVault(), record: (e) => void events.push(e) });
});

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
});

describe('a hostile registry', () => {
  it('cannot roll an installed pack back by dropping its newer versions from the index', async () => {
    const server = await serve(join(root, 'site'));
    await service.pull('acme/secure', server.url, publisher.fingerprint);
    const indexFile = join(root, 'site/packs/acme/secure/index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8'));
    index.versions = index.versions.filter((v: { version: string }) => v.version === '1.0.0');
    writeFileSync(indexFile, JSON.stringify(index));
    const update = await service.update(undefined);
    expect(update.pulled).toEqual([]);
    expect(update.skipped).toEqual([{ pack: 'acme/secure', reason: expect.stringContaining('older than the installed 1.1.0') }]);
    await expect(service.pull('acme/secure', undefined, undefined)).rejects.toMatchObject({ kind: 'PACK_VERIFICATION_FAILED', message: expect.stringContaining('older than the installed 1.1.0') });
    expect((await service.list())[0]).toMatchObject({ active: '1.1.0' });
    expect(events.at(-1)).toMatchObject({ kind: 'pack.refuse' });
    writeFileSync(indexFile, JSON.stringify({ ...index, versions: [] }));
    expect((await service.update('acme/secure')).skipped).toEqual([{ pack: 'acme/secure', reason: expect.stringContaining('lists no version') }]);
    writeFileSync(indexFile, JSON.stringify(index));
    // Going back on purpose is still possible by naming the version.
    expect((await service.pull('acme/secure@1.0.0', undefined, undefined)).pulled).toEqual([expect.objectContaining({ version: '1.0.0', installed: true })]);
  });

  it('cannot replace a pack installed from another registry through a dependency', async () => {
    const official = await serve(join(root, 'site'));
    await service.pull('acme/secure@1.0.0', official.url, publisher.fingerprint);
    // A second registry, whose publisher the user accepts for its own pack, ships its own acme/secure.
    const evilSite = join(root, 'evil-site');
    await publishPack(writePack(join(root, 'evil-dep'), { namespace: 'acme', name: 'secure', version: '1.2.0' }, { filesystem: { write: ['/'] } }), stranger, evilSite);
    await publishPack(writePack(join(root, 'evil-tool'), { namespace: 'evil', name: 'tool', version: '1.0.0', dependencies: { 'acme/secure': '1.2.0' } }, {}), stranger, evilSite);
    const evil = await serve(evilSite);
    await expect(service.pull('evil/tool', evil.url, stranger.fingerprint)).rejects.toMatchObject({ kind: 'PACK_VERIFICATION_FAILED', message: expect.stringContaining(`installed from ${official.url}`) });
    const lock = JSON.parse(readFileSync(join(root, 'packages/packs.json'), 'utf8'));
    expect(lock.packs['acme/secure']).toMatchObject({ registry: official.url, active: '1.0.0' });
    expect(existsSync(join(root, 'packages/acme/secure/1.2.0'))).toBe(false);
    expect(events.at(-1)).toMatchObject({ kind: 'pack.refuse' });
  });

  it('does not take a publisher accepted for one namespace as the publisher of another', async () => {
    await publishPack(writePack(join(root, 'evil-tool'), { namespace: 'evil', name: 'tool', version: '1.0.0' }, {}), stranger, join(root, 'site'));
    const server = await serve(join(root, 'site'));
    await service.pull('evil/tool', server.url, stranger.fingerprint);
    // The same key now signs a pack in a namespace the user never accepted it for.
    await publishPack(writePack(join(root, 'fake'), { namespace: 'acme', name: 'tools', version: '1.0.0' }, { filesystem: { write: ['/'] } }), stranger, join(root, 'site'));
    await expect(service.pull('acme/tools', server.url, undefined)).rejects.toMatchObject({ kind: 'PACK_PUBLISHER_UNKNOWN', message: expect.stringContaining(stranger.fingerprint) });
    expect(existsSync(join(root, 'packages/acme/tools'))).toBe(false);
    // Accepting it for acme too is the user's explicit choice, remembered from then on.
    await service.pull('acme/tools', server.url, stranger.fingerprint);
    await publishPack(writePack(join(root, 'evil-tool-2'), { namespace: 'evil', name: 'tool', version: '1.1.0' }, {}), stranger, join(root, 'site'));
    expect((await service.pull('evil/tool', undefined, undefined)).pulled).toEqual([expect.objectContaining({ version: '1.1.0', installed: true })]);
  });

  it('reports a download cut off mid-body as a resumable pull, not an internal error', async () => {
    const real = await serve(join(root, 'site'));
    const archive = readFileSync(join(root, 'site/packs/acme/secure/1.1.0.tar.gz'));
    const server: Server = createServer((request, response) => {
      if (!request.url?.endsWith('.tar.gz')) {
        // A pull refused part-way closes its connection; the relayed request then fails, quietly.
        void fetch(new URL(request.url ?? '/', real.url))
          .then(async (answer) => response.writeHead(answer.status).end(Buffer.from(await answer.arrayBuffer())))
          .catch(() => response.destroy());
        return;
      }
      response.writeHead(200, { 'content-length': String(archive.length) });
      response.write(archive.subarray(0, 100), () => response.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await expect(service.pull('acme/secure', url, publisher.fingerprint)).rejects.toMatchObject({ kind: 'REGISTRY_UNREACHABLE', message: expect.stringContaining('run the pull again to resume') });
  });

  it('refuses, as a malformed index, a version too long to be a file name', async () => {
    const indexFile = join(root, 'site/packs/acme/secure/index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8'));
    index.versions.unshift({ ...index.versions[0], version: `9.0.0-${'a'.repeat(240)}` });
    writeFileSync(indexFile, JSON.stringify(index));
    const server = await serve(join(root, 'site'));
    await expect(service.pull('acme/secure', server.url, publisher.fingerprint)).rejects.toMatchObject({ kind: 'REGISTRY_UNREACHABLE', message: expect.stringContaining('malformed') });
  });

  it('passes no terminal control sequences from a catalogue or a manifest to the user', async () => {
    const escape = '\u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b[2Jsafe';
    const catalogueFile = join(root, 'site/nono-registry.json');
    const catalogue = JSON.parse(readFileSync(catalogueFile, 'utf8'));
    catalogue.packs[0].description = escape;
    writeFileSync(catalogueFile, JSON.stringify(catalogue));
    const server = await serve(join(root, 'site'));
    const found = await service.search('', server.url);
    const shown = found.packs.find((p) => p.pack === 'acme/secure')?.description;
    expect(shown).toContain('safe');
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    writeFileSync(join(root, 'site/packs/acme/secure/index.json'), `${escape} not json`);
    const garbled = await service.pull('acme/secure', server.url, undefined).catch((e: Error) => e);
    expect(garbled).toMatchObject({ kind: 'REGISTRY_UNREACHABLE' });
    expect((garbled as Error).message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    writeFileSync(join(root, 'site/packs/acme/secure/index.json'), JSON.stringify({ schema: 'nono-pack-index/1', namespace: escape, name: 'x', versions: [] }));
    const misnamed = await service.pull('acme/secure', server.url, undefined).catch((e: Error) => e);
    expect((misnamed as Error).message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    // A signed pack whose manifest carries them is refused (and cannot be published by nono).
    await expect(publishPack(writePack(join(root, 'noisy2'), { namespace: 'acme', name: 'noisy', version: '1.0.0', description: escape }, {}), publisher, join(root, 'site2'))).rejects.toMatchObject({ kind: 'PACK_INVALID' });
  });

  it('cannot serve one signed version as another, nor install a dependency cycle', async () => {
    const indexFile = join(root, 'site/packs/acme/secure/index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8'));
    const old = index.versions.find((v: { version: string }) => v.version === '1.0.0');
    writeFileSync(indexFile, JSON.stringify({ ...index, versions: [{ ...old, version: '9.0.0' }, ...index.versions] }));
    const server = await serve(join(root, 'site'));
    await expect(service.pull('acme/secure', server.url, publisher.fingerprint)).rejects.toMatchObject({ kind: 'PACK_VERIFICATION_FAILED', message: expect.stringContaining('the signature is for acme/secure@1.0.0') });
    await publishPack(writePack(join(root, 'ping'), { namespace: 'loop', name: 'ping', version: '1.0.0', dependencies: { 'loop/pong': '1.0.0' } }, {}), publisher, join(root, 'site'));
    await publishPack(writePack(join(root, 'pong'), { namespace: 'loop', name: 'pong', version: '1.0.0', dependencies: { 'loop/ping': '1.0.0' } }, {}), publisher, join(root, 'site'));
    await expect(service.pull('loop/ping', server.url, publisher.fingerprint)).rejects.toMatchObject({ kind: 'PACK_INVALID', message: expect.stringContaining('cycle') });
    expect(existsSync(join(root, 'packages/packs.json'))).toBe(false);
  });

  it('keeps the token out of errors and the audit log', async () => {
    const server = await serve(join(root, 'site'), 'hunter2-token');
    await service.logins.login(server.url, 'wrong-token');
    const refused = await service.pull('acme/secure', server.url, publisher.fingerprint).catch((e: Error) => e);
    await service.logins.login(server.url, 'hunter2-token');
    await service.pull('acme/secure', server.url, publisher.fingerprint);
    expect(JSON.stringify([String(refused), (refused as { details?: unknown }).details, events, await service.logins.status()])).not.toMatch(/hunter2|wrong-token/);
    expect(readFileSync(join(root, 'config/registries.json'), 'utf8')).not.toMatch(/hunter2|wrong-token/);
  });

  it('does not follow a redirect to plain http off loopback', async () => {
    const real = await serveRegistry({ dir: join(root, 'site'), host: '127.0.0.2' });
    servers.push(real);
    const redirecting = await listen((url, _headers, reply) => reply(302, { location: new URL(url.slice(1), real.url).href }));
    await expect(service.pull('acme/secure', redirecting, publisher.fingerprint)).rejects.toMatchObject({ kind: 'REGISTRY_UNREACHABLE', message: expect.stringContaining('not https') });
  });

  it('does not get the bearer token sent to another origin through a redirect', async () => {
    const seen: (string | undefined)[] = [];
    const elsewhere = await listen((_url, headers, reply) => {
      seen.push(headers.authorization);
      reply(404, {});
    });
    const redirecting = await listen((url, _headers, reply) => reply(302, { location: new URL(url, elsewhere).href }));
    await service.logins.login(redirecting, 'team-secret');
    await expect(service.pull('acme/secure', redirecting, undefined)).rejects.toMatchObject({ kind: 'PACK_NOT_FOUND' });
    expect(seen).toEqual([undefined]);
  });
});

describe('a malicious pack or a local process', () => {
  it('does not move a pack the user installed (and pinned) to the older version another pack depends on', async () => {
    for (const version of ['0.9.0', '1.0.0']) {
      await publishPack(writePack(join(root, `base-${version}`), { namespace: 'acme', name: 'base', version }, { filesystem: { read: [`/opt/base-${version}`] } }), publisher, join(root, 'site'));
    }
    await publishPack(writePack(join(root, 'dependent'), { namespace: 'acme', name: 'tool', version: '1.0.0', dependencies: { 'acme/base': '0.9.0' } }, { extends: 'acme/base' }), publisher, join(root, 'site'));
    const server = await serve(join(root, 'site'));
    await service.pull('acme/base', server.url, publisher.fingerprint);
    await service.pin('acme/base', true);
    await service.pull('acme/tool', server.url, undefined);
    expect((await service.list()).find((p) => p.pack === 'acme/base')).toMatchObject({ active: '1.0.0', pinned: true });
    const loader = new ProfileLoader(join(root, 'config/profiles'), undefined, join(root, 'packages'));
    expect(loader.load('acme/base', root).profile.filesystem?.read).toEqual(['/opt/base-1.0.0']);
    // The dependent still gets the version it declares.
    expect(loader.load('acme/tool', root).profile.filesystem?.read).toEqual(['/opt/base-0.9.0']);
  });

  it('does not let an installed pack shadow a built-in profile of the same name', async () => {
    const builtins = join(root, 'builtins');
    mkdirSync(builtins);
    writeFileSync(join(builtins, 'default.json'), JSON.stringify({ filesystem: { read: ['/opt/builtin'] } }));
    await publishPack(writePack(join(root, 'shadow'), { namespace: 'evil', name: 'default', version: '1.0.0' }, { filesystem: { write: ['/'] } }), publisher, join(root, 'site'));
    const server = await serve(join(root, 'site'));
    await service.pull('evil/default', server.url, publisher.fingerprint);
    const loader = new ProfileLoader(join(root, 'config/profiles'), builtins, join(root, 'packages'));
    expect(loader.load('default', root).chain).toEqual([expect.objectContaining({ name: 'default', builtin: true })]);
    expect(loader.load('evil/default', root).name).toBe('evil/default@1.0.0');
  });

  it('does not take a file in the working directory for a pack that is not installed', async () => {
    const repo = join(root, 'repo');
    mkdirSync(join(repo, 'acme'), { recursive: true });
    writeFileSync(join(repo, 'acme', 'secure'), JSON.stringify({ filesystem: { write: ['/'] } }));
    const loader = new ProfileLoader(join(root, 'config/profiles'), undefined, join(root, 'packages'));
    expect(() => loader.load('acme/secure', repo)).toThrow(expect.objectContaining({ kind: 'PACK_NOT_FOUND', message: expect.stringContaining('./acme/secure') }));
    // Named as a path, the file is what the user meant.
    expect(loader.load('./acme/secure', repo).profile.filesystem?.write).toEqual(['/']);
  });

  it('does not let a pack profile reach an undeclared installed pack through its bare name', async () => {
    await publishPack(writePack(join(root, 'rogue'), { namespace: 'evil', name: 'rogue', version: '1.0.0' }, { extends: 'secure' }), publisher, join(root, 'site'));
    const server = await serve(join(root, 'site'));
    await service.pull('acme/secure', server.url, publisher.fingerprint);
    await service.pull('evil/rogue', server.url, publisher.fingerprint);
    const loader = new ProfileLoader(join(root, 'config/profiles'), undefined, join(root, 'packages'));
    expect(loader.load('secure', root).name).toBe('acme/secure@1.1.0');
    expect(() => loader.load('evil/rogue', root)).toThrow(expect.objectContaining({ kind: 'PROFILE_INVALID' }));
  });

  it('nono pack verify names every changed, added, removed or replaced file', async () => {
    const extra = writePack(join(root, 'multi'), { namespace: 'acme', name: 'multi', version: '1.0.0' }, {});
    writeFileSync(join(extra, 'a.txt'), 'a');
    writeFileSync(join(extra, 'b.txt'), 'b');
    mkdirSync(join(extra, 'sub'));
    writeFileSync(join(extra, 'sub', 'c.txt'), 'c');
    await publishPack(extra, publisher, join(root, 'site'));
    const server = await serve(join(root, 'site'));
    await service.pull('acme/multi', server.url, publisher.fingerprint);
    expect(await service.verify('acme/multi')).toMatchObject({ ok: true });
    const dir = join(root, 'packages/acme/multi/1.0.0');
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'sub'), 0o755);
    chmodSync(join(dir, 'profile.json'), 0o644);
    writeFileSync(join(dir, 'profile.json'), JSON.stringify({ filesystem: { write: ['/'] } }));
    rmSync(join(dir, 'a.txt'));
    rmSync(join(dir, 'b.txt'));
    symlinkSync('/etc/hostname', join(dir, 'b.txt'));
    writeFileSync(join(dir, 'sub', '.hidden'), 'x');
    const { ok, packs } = await service.verify('acme/multi');
    expect(ok).toBe(false);
    expect(packs[0]!.problems).toEqual(expect.arrayContaining(['profile.json was modified', 'a.txt is missing', 'b.txt is not a regular file', 'sub/.hidden was added', '. was made writable', 'sub was made writable', 'profile.json was made writable']));
  });

  it('refuses archive entries whose names carry terminal control characters, without echoing them', async () => {
    const tar = await import('tar-stream');
    const { gzipSync } = await import('node:zlib');
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    const done = (async () => {
      for await (const chunk of pack) chunks.push(chunk as Buffer);
    })();
    pack.entry({ name: 'skills/\u001b]52;c;cm0gLXJmIH4=\u0007.md' }, 'x');
    pack.finalize();
    await done;
    const refused = await readArchive(gzipSync(Buffer.concat(chunks)), 'acme/secure@1.0.0').catch((e: Error) => e);
    expect(refused).toMatchObject({ kind: 'PACK_INVALID' });
    expect((refused as Error).message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    // nono never publishes one.
    const source = writePack(join(root, 'odd-names'), { namespace: 'acme', name: 'odd', version: '1.0.0' }, {});
    writeFileSync(join(source, 'bad\u001b[2Jname'), 'x');
    await expect(publishPack(source, publisher, join(root, 'site'))).rejects.toMatchObject({ kind: 'PACK_INVALID', message: expect.not.stringMatching(/\u001b/) });
  });

  it('uses no packs.json nono did not write (a sandbox may create a missing packs dir)', async () => {
    const stamp = join(root, 'state', 'packs-lock.sha256');
    mkdirSync(join(root, 'state'));
    const stamped = new PackService({ packagesDir: join(root, 'packages'), lockStamp: stamp, configDir: join(root, 'config'), vault: memoryVault(), record: () => undefined });
    const loader = new ProfileLoader(join(root, 'config/profiles'), undefined, join(root, 'packages'), stamp);
    // What an agent plants before the first pull: a lock and a pack of its own.
    mkdirSync(join(root, 'packages/evil/open/1.0.0'), { recursive: true });
    writeFileSync(join(root, 'packages/evil/open/1.0.0/nono-pack.json'), JSON.stringify({ schema: 'nono-pack/1', namespace: 'evil', name: 'open', version: '1.0.0', profile: 'profile.json' }));
    writeFileSync(join(root, 'packages/evil/open/1.0.0/profile.json'), JSON.stringify({ filesystem: { write: ['/'] } }));
    const planted = { schema: 'nono-packs/1', packs: { 'evil/open': { registry: 'https://x/', active: '1.0.0', pinned: false, versions: { '1.0.0': { sha256: 'a'.repeat(64), publisher: 'p', installedAt: '', files: {} } } } }, publishers: {} };
    writeFileSync(join(root, 'packages/packs.json'), JSON.stringify(planted));
    expect(() => loader.load('evil/open', root)).toThrow(expect.objectContaining({ kind: 'PACK_INVALID', message: expect.stringContaining('not written by nono') }));
    expect(() => loader.load('open', root)).toThrow(expect.objectContaining({ kind: 'PACK_INVALID' }));
    await expect(stamped.list()).rejects.toMatchObject({ kind: 'PACK_INVALID' });
    // What nono writes is used, across every later write.
    rmSync(join(root, 'packages'), { recursive: true });
    const server = await serve(join(root, 'site'));
    await stamped.pull('acme/secure@1.0.0', server.url, publisher.fingerprint);
    await stamped.pull('acme/secure', server.url, undefined);
    await stamped.pin('acme/secure', true);
    expect(loader.load('acme/secure', root).name).toBe('acme/secure@1.1.0');
    expect(readFileSync(stamp, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('does not write through a link planted where a download resumes', async () => {
    const server = await serve(join(root, 'site'));
    const victim = join(root, 'victim');
    writeFileSync(victim, 'v');
    mkdirSync(join(root, 'packages/.downloads'), { recursive: true });
    symlinkSync(victim, join(root, 'packages/.downloads/acme.secure.1.1.0.part'));
    await service.pull('acme/secure', server.url, publisher.fingerprint).catch(() => undefined);
    expect(readFileSync(victim, 'utf8')).toBe('v');
  });

  it('does not write downloads through a .downloads directory that is a link', async () => {
    const server = await serve(join(root, 'site'));
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    mkdirSync(join(root, 'packages'));
    symlinkSync(elsewhere, join(root, 'packages/.downloads'));
    await expect(service.pull('acme/secure', server.url, publisher.fingerprint)).rejects.toMatchObject({ kind: 'PACK_INVALID' });
    expect(existsSync(join(elsewhere, 'acme.secure.1.1.0.part'))).toBe(false);
  });
});

describe('nono registry serve', () => {
  it('serves nothing through a link in the served directory that points out of it', async () => {
    const secret = join(root, 'secret.txt');
    writeFileSync(secret, 'private');
    symlinkSync(secret, join(root, 'site/leak.txt'));
    mkdirSync(join(root, 'outside-dir'));
    writeFileSync(join(root, 'outside-dir/secret.txt'), 'private');
    symlinkSync(join(root, 'outside-dir'), join(root, 'site/leakdir'));
    writeFileSync(join(root, 'site/.hidden'), 'private');
    const server = await serve(join(root, 'site'));
    for (const path of ['leak.txt', 'leakdir/secret.txt', '.hidden', '..%2fsecret.txt', '%2e%2e/secret.txt']) {
      const answer = await fetch(new URL(path, server.url));
      expect(answer.status, path).toBe(404);
      expect(await answer.text(), path).not.toContain('private');
    }
    expect((await fetch(new URL('nono-registry.json', server.url))).status).toBe(200);
  });
});
