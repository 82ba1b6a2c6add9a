// The daemon's pack operations, one instance per daemon: the methods stay thin and every change
// to the packs dir goes through one queue, so two pulls (or a pull and a remove) never
// interleave their writes to packs.json.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NonoError } from '@nono/shared';
import type { AuditInput } from '../audit/event-kinds.js';
import { userTrustPolicyFile } from '../trust/run-gate.js';
import { readTrustPolicy } from '../trust/trust-policy.js';
import type { TrustSigningKey, TrustVault } from '../trust/trust-keys.js';
import { InstalledPacks } from './installed-packs.js';
import { newestFirst, packId, parsePackReference } from './pack-reference.js';
import { sha256Hex } from './pack-signature.js';
import { publishPack, type PublishResult } from './publish-pack.js';
import { pullPack, type PulledPack } from './pull-pack.js';
import { fetchCatalogue, fetchIndex } from './registry-client.js';
import { RegistryLogins } from './registry-logins.js';
import { serveRegistry, type RegistryServer, type RegistryServerOptions } from './registry-server.js';

export interface PackServiceOptions {
  packagesDir: string;
  /** Where each packs.json written is stamped, out of every sandbox's reach (installed-packs.ts). */
  lockStamp?: string;
  configDir: string;
  vault: TrustVault;
  record: (event: AuditInput) => void;
}

export type ByteProgress = (pack: string, done: number, total: number) => void;

export class PackService {
  readonly installed: InstalledPacks;
  readonly logins: RegistryLogins;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly servers = new Set<RegistryServer>();

  constructor(private readonly options: PackServiceOptions) {
    this.installed = new InstalledPacks(options.packagesDir, options.lockStamp);
    this.logins = new RegistryLogins(options.configDir, options.vault);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async trustedPublishers(): Promise<string[]> {
    const policy = await readTrustPolicy(userTrustPolicyFile(this.options.configDir));
    return policy?.publishers.map((p) => p.fingerprint) ?? [];
  }

  pull(pack: string, registry: string | undefined, acceptPublisher: string | undefined, progress?: ByteProgress): Promise<{ registry: string; pulled: PulledPack[] }> {
    return this.serial(async () => {
      const ref = parsePackReference(pack);
      // A pack pulled before comes from where it came from, unless the user names a registry.
      const installedFrom = (await this.installed.readLock()).packs[packId(ref)]?.registry;
      const endpoint = await this.logins.endpoint(registry ?? installedFrom);
      const pulled = await pullPack(this.installed, pack, { registry: endpoint, trustedPublishers: await this.trustedPublishers(), acceptPublisher, record: this.options.record, progress });
      return { registry: endpoint.url, pulled };
    });
  }

  async update(pack: string | undefined, progress?: ByteProgress): Promise<{ pulled: PulledPack[]; skipped: { pack: string; reason: string }[] }> {
    const lock = await this.installed.readLock();
    const ids = pack === undefined ? Object.keys(lock.packs).sort() : [packId(parsePackReference(pack))];
    const pulled: PulledPack[] = [];
    const skipped: { pack: string; reason: string }[] = [];
    for (const id of ids) {
      const entry = lock.packs[id];
      if (!entry) throw new NonoError('PACK_NOT_FOUND', `pack ${id} is not installed; get it with nono pull ${id}`, { pack: id });
      if (entry.pinned) {
        skipped.push({ pack: id, reason: `pinned at ${entry.active}; nono pack unpin ${id} lets it update` });
        continue;
      }
      const { index } = await fetchIndex(await this.logins.endpoint(entry.registry), ...(id.split('/') as [string, string]));
      const latest = newestFirst(index.versions.map((v) => v.version))[0];
      if (latest === undefined || newestFirst([latest, entry.active])[0] !== latest) {
        const newest = latest === undefined ? 'the registry lists no version of it' : `the registry's newest version ${latest} is older than the installed ${entry.active}`;
        const reason = `${newest}; kept ${entry.active}`;
        this.options.record({ kind: 'pack.refuse', payload: { pack: id, version: latest ?? entry.active, reason, registry: entry.registry } });
        skipped.push({ pack: id, reason });
        continue;
      }
      pulled.push(...(await this.pull(`${id}@${latest}`, entry.registry, undefined, progress)).pulled);
    }
    return { pulled, skipped };
  }

  async outdated(): Promise<{ pack: string; active: string; latest: string; pinned: boolean }[]> {
    const lock = await this.installed.readLock();
    const rows = [];
    for (const [id, entry] of Object.entries(lock.packs).sort(([a], [b]) => a.localeCompare(b))) {
      const { index } = await fetchIndex(await this.logins.endpoint(entry.registry), ...(id.split('/') as [string, string]));
      const latest = newestFirst(index.versions.map((v) => v.version))[0];
      if (latest !== undefined && latest !== entry.active && newestFirst([latest, entry.active])[0] === latest) rows.push({ pack: id, active: entry.active, latest, pinned: entry.pinned });
    }
    return rows;
  }

  async search(query: string, registry: string | undefined): Promise<{ registry: string; packs: { pack: string; latest: string; description: string; installed: string | null }[] }> {
    const endpoint = await this.logins.endpoint(registry);
    const catalogue = await fetchCatalogue(endpoint);
    const lock = await this.installed.readLock();
    const needle = query.toLowerCase();
    const packs = catalogue.packs
      .filter((p) => `${p.namespace}/${p.name} ${p.description}`.toLowerCase().includes(needle))
      .map((p) => ({ pack: `${p.namespace}/${p.name}`, latest: p.latest, description: p.description, installed: lock.packs[`${p.namespace}/${p.name}`]?.active ?? null }));
    return { registry: endpoint.url, packs };
  }

  async list(): Promise<{ pack: string; active: string; pinned: boolean; registry: string; description: string; versions: { version: string; sha256: string; publisher: string; installedAt: string }[] }[]> {
    const lock = await this.installed.readLock();
    const rows = [];
    for (const [id, entry] of Object.entries(lock.packs).sort(([a], [b]) => a.localeCompare(b))) {
      const description = await this.installed.manifest(id, entry.active).then((m) => m.description, () => '');
      const versions = newestFirst(Object.keys(entry.versions)).map((version) => {
        const { sha256, publisher, installedAt } = entry.versions[version]!;
        return { version, sha256, publisher, installedAt };
      });
      rows.push({ pack: id, active: entry.active, pinned: entry.pinned, registry: entry.registry, description, versions });
    }
    return rows;
  }

  remove(pack: string): Promise<{ pack: string; removed: boolean }> {
    return this.serial(async () => {
      const id = packId(parsePackReference(pack));
      const versions = Object.keys((await this.installed.readLock()).packs[id]?.versions ?? {});
      const removed = await this.installed.remove(id);
      if (removed) this.options.record({ kind: 'pack.remove', payload: { pack: id, versions } });
      return { pack: id, removed };
    });
  }

  pin(pack: string, pinned: boolean): Promise<{ pack: string; version: string; pinned: boolean }> {
    return this.serial(async () => {
      const ref = parsePackReference(pack);
      const id = packId(ref);
      const lock = await this.installed.readLock();
      const entry = lock.packs[id];
      const version = ref.version ?? entry?.active;
      if (!entry || version === undefined || !entry.versions[version]) throw new NonoError('PACK_NOT_FOUND', `pack ${pack} is not installed; get it with nono pull ${pack}`, { pack: id });
      entry.active = version;
      entry.pinned = pinned;
      await this.installed.writeLock(lock);
      this.options.record({ kind: 'pack.pin', payload: { pack: id, version, pinned } });
      return { pack: id, version, pinned };
    });
  }

  /** Each installed version's files against the digests recorded when it was verified. */
  async verify(pack: string | undefined): Promise<{ ok: boolean; packs: { pack: string; version: string; ok: boolean; problems: string[] }[] }> {
    const lock = await this.installed.readLock();
    const ids = pack === undefined ? Object.keys(lock.packs).sort() : [packId(parsePackReference(pack))];
    const packs = [];
    for (const id of ids) {
      const entry = lock.packs[id];
      if (!entry) throw new NonoError('PACK_NOT_FOUND', `pack ${id} is not installed; get it with nono pull ${id}`, { pack: id });
      for (const version of newestFirst(Object.keys(entry.versions))) {
        const problems = await this.checkFiles(this.installed.versionDir(id, version), entry.versions[version]!.files ?? {});
        if (problems.length > 0) this.options.record({ kind: 'pack.refuse', payload: { pack: id, version, reason: `verify: ${problems.join('; ')}` } });
        packs.push({ pack: id, version, ok: problems.length === 0, problems });
      }
    }
    return { ok: packs.every((p) => p.ok), packs };
  }

  private async checkFiles(dir: string, expected: Record<string, string>): Promise<string[]> {
    const problems: string[] = [];
    const found = new Set<string>();
    const walk = async (relative: string): Promise<void> => {
      // Unpacked read-only: a writable file or directory was opened up for someone to change it.
      if (((await lstat(join(dir, relative))).mode & 0o222) !== 0) problems.push(`${relative || '.'} was made writable`);
      for (const entry of await readdir(join(dir, relative), { withFileTypes: true })) {
        const path = relative ? `${relative}/${entry.name}` : entry.name;
        if (entry.isFile() && ((await lstat(join(dir, path))).mode & 0o222) !== 0) problems.push(`${path} was made writable`);
        if (entry.isDirectory()) await walk(path);
        else if (!entry.isFile()) problems.push(`${path} is not a regular file`);
        else {
          found.add(path);
          const want = expected[path];
          if (want === undefined) problems.push(`${path} was added`);
          else if (sha256Hex(await readFile(join(dir, path))) !== want) problems.push(`${path} was modified`);
        }
      }
    };
    try {
      await walk('');
    } catch (error) {
      problems.push(`cannot read ${dir} (${(error as NodeJS.ErrnoException).code})`);
    }
    for (const path of Object.keys(expected)) if (!found.has(path)) problems.push(`${path} is missing`);
    return problems;
  }

  publish(dir: string, to: string, key: TrustSigningKey): Promise<PublishResult> {
    return publishPack(dir, key, to);
  }

  /** A registry server, and the function that closes it (when its caller's connection closes). */
  async serve(options: RegistryServerOptions): Promise<{ url: string; close: () => void }> {
    const server = await serveRegistry(options);
    this.servers.add(server);
    return {
      url: server.url,
      close: () => {
        if (this.servers.delete(server)) void server.close();
      },
    };
  }

  async closeServers(): Promise<void> {
    await Promise.all([...this.servers].map((server) => server.close()));
    this.servers.clear();
  }
}
