// Publish → serve → pull with real HTTP on loopback (nono's fastify server and a plain
// `python3 -m http.server`), and every refusal a pull owes the user: a tarball changed after
// signing, a key nobody accepted, an unsafe archive that is validly signed, a replaced pinned
// version. Each refusal is audited and leaves nothing outside the packs dir's temporary files.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort, waitForPort } from '../../../test/support/loopback-ports.js';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildArchive } from '../../src/packs/pack-archive.js';
import { PackService } from '../../src/packs/pack-service.js';
import { signPack, sha256Hex } from '../../src/packs/pack-signature.js';
import { publishPack } from '../../src/packs/publish-pack.js';
import { serveRegistry, type RegistryServer } from '../../src/packs/registry-server.js';
import { TrustKeyStore, type TrustSigningKey } from '../../src/trust/trust-keys.js';
import type { AuditInput } from '../../src/audit/event-kinds.js';
import { memoryVault } from '../../../test/support/memory-vault.js';


let root: string;
let publisher: TrustSigningKey;
let stranger: TrustSigningKey;
let server: RegistryServer | undefined;
let events: AuditInput[];
let service: PackService;

function writePack(dir: string, version: string, extra: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'nono-pack.json'), JSON.stringify({ schema: 'nono-pack/1', namespace: 'acme', name: 'secure', version, description: 'Acme secure coding', profile: 'profile.json' }));
  writeFileSync(join(dir, 'profile.json'), JSON.stringify({ extends: 'default', filesystem: { read: [`/opt/acme-${version}`] } }));
  for (const [name, content] of Object.entries(extra)) writeFileSync(join(dir, name), content);
  return dir;
}

/** Everything under `dir` except the packs dir's own temporary names. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => !p.startsWith('.downloads') && !p.startsWith('.staging')).sort();
}

beforeEach(async () => {
  root = mkdtempSync('/var/tmp/nono-pack-registry-');
  const keys = new TrustKeyStore(memoryVault());
  await keys.generate();
  await keys.generate('stranger');
  publisher = await keys.load();
  stranger = await keys.load('stranger');
  await publishPack(writePack(join(root, 'src1'), '1.0.0'), publisher, join(root, 'site'));
  await publishPack(writePack(join(root, 'src2'), '1.1.0'), publisher, join(root, 'site'));
  events = [];
  mkdirSync(join(root, 'config'));
  service = new PackService({ packagesDir: join(root, 'packages'), configDir: join(root, 'config'), vault: memoryVault(), record: (e) => void events.push(e) });
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(root, { recursive: true, force: true });
});

describe('a registry on a static layout', () => {
  it('publishes immutable versions and serves them to a pull that asks about the publisher once', async () => {
    await expect(publishPack(writePack(join(root, 'src3'), '1.1.0', { 'x.txt': 'other' }), publisher, join(root, 'site'))).rejects.toMatchObject({ kind: 'PACK_VERIFICATION_FAILED' });
    expect((await publishPack(join(root, 'src2'), publisher, join(root, 'site'))).written).toBe(false);
    server = await serveRegistry({ dir: join(root, 'site'), token: 's3cret' });
    await expect(service.pull('acme/secure', server.url, undefined)).rejects.toMatchObject({ kind: 'REGISTRY_AUTH_FAILED' });
    await service.logins.login(server.url, 's3cret');
    const unknown = await service.pull('acme/secure', undefined, undefined).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ kind: 'PACK_PUBLISHER_UNKNOWN', message: expect.stringContaining(`--accept-publisher ${publisher.fingerprint}`) });
    expect(tree(join(root, 'packages'))).toEqual([]);
    const first = await service.pull('acme/secure@1.0.0', undefined, publisher.fingerprint);
    expect(first.pulled).toEqual([expect.objectContaining({ pack: 'acme/secure', version: '1.0.0', installed: true, publisher: publisher.fingerprint })]);
    expect(readFileSync(join(root, 'packages/acme/secure/1.0.0/profile.json'), 'utf8')).toContain('/opt/acme-1.0.0');
    // Accepted once, remembered: the next version needs no flag.
    expect(await service.outdated()).toEqual([{ pack: 'acme/secure', active: '1.0.0', latest: '1.1.0', pinned: false }]);
    await service.pin('acme/secure', true);
    expect((await service.update(undefined)).skipped).toEqual([{ pack: 'acme/secure', reason: expect.stringContaining('pinned at 1.0.0') }]);
    await service.pin('acme/secure', false);
    expect((await service.update(undefined)).pulled).toEqual([expect.objectContaining({ version: '1.1.0', installed: true })]);
    expect((await service.list())[0]).toMatchObject({ pack: 'acme/secure', active: '1.1.0', versions: [{ version: '1.1.0' }, { version: '1.0.0' }] });
    expect(await service.verify(undefined)).toMatchObject({ ok: true });
    expect((await service.search('secure', undefined)).packs).toEqual([{ pack: 'acme/secure', latest: '1.1.0', description: 'Acme secure coding', installed: '1.1.0' }]);
    expect(events.filter((e) => e.kind === 'pack.install').map((e) => (e.payload as { version: string }).version)).toEqual(['1.0.0', '1.1.0']);
  });

  it('serves identically from python3 -m http.server', async () => {
    const port = await freePort();
    const python: ChildProcess = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', join(root, 'site')], { stdio: 'ignore' });
    try {
      await waitForPort(port);
      const result = await service.pull('acme/secure', `http://127.0.0.1:${port}/`, publisher.fingerprint);
      expect(result.pulled).toEqual([expect.objectContaining({ version: '1.1.0', installed: true })]);
      expect(await service.verify('acme/secure')).toMatchObject({ ok: true });
    } finally {
      python.kill();
    }
  });

  it('refuses a tarball changed after signing, and a signature by a key nobody accepted', async () => {
    const dir = join(root, 'site/packs/acme/secure');
    const original = readFileSync(join(dir, '1.1.0.tar.gz'));
    const other = await buildArchive([{ path: 'nono-pack.json', content: Buffer.from('{}'), executable: false }]);
    writeFileSync(join(dir, '1.1.0.tar.gz'), other);
    // The index is updated too, as an attacker with write access to the host would do.
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    index.versions[0] = { ...index.versions[0], sha256: sha256Hex(other), size: other.length };
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
    server = await serveRegistry({ dir: join(root, 'site') });
    await expect(service.pull('acme/secure', server.url, publisher.fingerprint)).rejects.toMatchObject({ kind: 'PACK_VERIFICATION_FAILED', message: expect.stringContaining('changed after signing') });
    writeFileSync(join(dir, '1.1.0.tar.gz'), original);
    index.versions[0] = { ...index.versions[0], sha256: sha256Hex(original), size: original.length };
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
    writeFileSync(join(dir, '1.1.0.tar.gz.bundle'), JSON.stringify(signPack('acme/secure@1.1.0', original, stranger)));
    await expect(service.pull('acme/secure', server.url, publisher.fingerprint)).rejects.toMatchObject({ kind: 'PACK_PUBLISHER_UNKNOWN', message: expect.stringContaining(stranger.fingerprint) });
    expect(tree(join(root, 'packages'))).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['pack.refuse', 'pack.refuse']);
  });

  it('refuses a validly signed archive with unsafe entries, writing nothing outside the packs dir', async () => {
    const { default: tar } = await import('tar-stream');
    const { gzipSync } = await import('node:zlib');
    for (const [name, header] of [
      ['dotdot', { name: '../escaped', size: 4 }],
      ['absolute', { name: `${root}/absolute-escape`, size: 4 }],
      ['symlink', { name: 'link', type: 'symlink' as const, linkname: `${root}/outside` }],
    ] as const) {
      const pack = tar.pack();
      const chunks: Buffer[] = [];
      const done = (async () => {
        for await (const c of pack) chunks.push(c as Buffer);
      })();
      pack.entry({ name: 'nono-pack.json' }, JSON.stringify({ schema: 'nono-pack/1', namespace: 'acme', name: 'secure', version: '2.0.0', profile: 'profile.json' }));
      pack.entry({ name: 'profile.json' }, '{}');
      pack.entry(header, 'type' in header ? undefined : 'evil');
      pack.finalize();
      await done;
      const archive = gzipSync(Buffer.concat(chunks));
      const dir = join(root, 'site/packs/acme/secure');
      writeFileSync(join(dir, '2.0.0.tar.gz'), archive);
      writeFileSync(join(dir, '2.0.0.tar.gz.bundle'), JSON.stringify(signPack('acme/secure@2.0.0', archive, publisher)));
      const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
      index.versions = [{ ...index.versions[0], version: '2.0.0', sha256: sha256Hex(archive), size: archive.length, archive: '2.0.0.tar.gz', bundle: '2.0.0.tar.gz.bundle' }, ...index.versions.filter((v: { version: string }) => v.version !== '2.0.0')];
      writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
      server ??= await serveRegistry({ dir: join(root, 'site') });
      await expect(service.pull('acme/secure@2.0.0', server.url, publisher.fingerprint), name).rejects.toMatchObject({ kind: 'PACK_INVALID' });
    }
    expect(existsSync(join(root, 'escaped')) || existsSync(join(root, 'absolute-escape')) || existsSync(join(root, 'site/packs/acme/escaped'))).toBe(false);
    expect(tree(join(root, 'packages'))).toEqual([]);
    expect(events.filter((e) => e.kind === 'pack.refuse')).toHaveLength(3);
  });

  it('refuses a pinned version whose digest changed on the registry', async () => {
    server = await serveRegistry({ dir: join(root, 'site') });
    await service.pull('acme/secure@1.0.0', server.url, publisher.fingerprint);
    await service.pin('acme/secure', true);
    rmSync(join(root, 'site/packs/acme/secure/1.0.0.tar.gz'));
    const index = JSON.parse(readFileSync(join(root, 'site/packs/acme/secure/index.json'), 'utf8'));
    const replaced = await buildArchive([{ path: 'x', content: Buffer.from('y'), executable: false }]);
    index.versions = index.versions.map((v: { version: string }) => (v.version === '1.0.0' ? { ...v, sha256: sha256Hex(replaced), size: replaced.length } : v));
    writeFileSync(join(root, 'site/packs/acme/secure/index.json'), JSON.stringify(index));
    await expect(service.pull('acme/secure', undefined, undefined)).rejects.toMatchObject({ kind: 'PACK_VERIFICATION_FAILED', message: expect.stringContaining('was installed') });
    expect(readFileSync(join(root, 'packages/acme/secure/1.0.0/profile.json'), 'utf8')).toContain('/opt/acme-1.0.0');
  });
});
