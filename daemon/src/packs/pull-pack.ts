// `nono pull NS/NAME[@VERSION]`, the one procedure every install goes through (pull, update,
// a dependency): index → pinned-digest check → download (resumable, size-capped) → digest
// against the index → signature against the tarball → publisher acceptance → archive checks →
// manifest matches what was asked → unpack → lock. Each refusal is audited and leaves nothing
// outside the packs dir's staging and download files.
import { lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NonoError } from '@nono/shared';
import type { AuditInput } from '../audit/event-kinds.js';
import { readArchive } from './pack-archive.js';
import { MANIFEST_FILE, parseManifest } from './pack-manifest.js';
import { newerFirst, packId, parsePackReference } from './pack-reference.js';
import { sha256Hex, verifyPack } from './pack-signature.js';
import { downloadArchive, fetchBundle, fetchIndex, type RegistryEndpoint } from './registry-client.js';
import { pickVersion } from './registry-index.js';
import { acceptedNamespaces, type InstalledPacks, type PackLock } from './installed-packs.js';

export interface PullOptions {
  registry: RegistryEndpoint;
  /** Fingerprints the user's trust policy names as publishers. */
  trustedPublishers: readonly string[];
  /** A fingerprint the user accepts for this pull (`--accept-publisher`). */
  acceptPublisher?: string | undefined;
  record: (event: AuditInput) => void;
  progress?: ((pack: string, done: number, total: number) => void) | undefined;
  now?: Date;
}

export interface PulledPack {
  pack: string;
  version: string;
  sha256: string;
  publisher: string;
  /** False when that exact version and digest were installed already. */
  installed: boolean;
}

const MAX_DEPENDENCIES = 32;

export async function pullPack(packs: InstalledPacks, reference: string, options: PullOptions): Promise<PulledPack[]> {
  const lock = await packs.readLock();
  const pulled: PulledPack[] = [];
  await pullOne(packs, lock, reference, options, pulled, []);
  await packs.writeLock(lock);
  return pulled;
}

async function pullOne(packs: InstalledPacks, lock: PackLock, reference: string, options: PullOptions, pulled: PulledPack[], stack: string[]): Promise<void> {
  const ref = parsePackReference(reference);
  const id = packId(ref);
  if (stack.includes(id)) throw new NonoError('PACK_INVALID', `${[...stack, id].join(' → ')}: packs depend on each other in a cycle; the publisher must break it`, { pack: id });
  if (pulled.length >= MAX_DEPENDENCIES) throw new NonoError('PACK_INVALID', `${stack[0] ?? id} pulls in more than ${MAX_DEPENDENCIES} packs; that is not a policy pack`, { pack: id });
  const { index, url: indexUrl } = await fetchIndex(options.registry, ref.namespace, ref.name);
  const existing = lock.packs[id];
  // A pinned pack stays at its version unless a version is asked for by name.
  const entry = pickVersion(index, ref.version ?? (existing?.pinned ? existing.active : undefined));
  const subject = `${id}@${entry.version}`;
  const refuse = (error: NonoError): never => {
    options.record({ kind: 'pack.refuse', payload: { pack: id, version: entry.version, reason: error.message, registry: options.registry.url } });
    throw error;
  };
  // A pack comes from the registry it was installed from: another registry's pack of the same
  // name (a dependency of something pulled there) must not replace it.
  if (existing && existing.registry !== options.registry.url) {
    refuse(new NonoError('PACK_VERIFICATION_FAILED', `${subject}: ${id} was installed from ${existing.registry}, not ${options.registry.url}; a pack of that name from another registry is not the same pack — nono pack remove ${id} first if you mean to switch`, { pack: id }));
  }
  // An index that stops listing the newer versions must not move "the newest" backwards.
  if (existing && ref.version === undefined && newerFirst(existing.active, entry.version) < 0) {
    refuse(new NonoError('PACK_VERIFICATION_FAILED', `${subject}: the registry's newest version is older than the installed ${existing.active}; a registry that drops versions may be rolling you back — pull ${id}@${entry.version} to go back on purpose`, { pack: id }));
  }
  const known = existing?.versions[entry.version];
  // A dependency is used at the version its dependent declares, whatever is active: pulling one
  // must not move (or unpin) the version the user runs the pack at by its own name.
  const active = stack.length > 0 && existing ? existing.active : entry.version;
  if (known && known.sha256 !== entry.sha256) {
    refuse(new NonoError('PACK_VERIFICATION_FAILED', `${subject}: the registry now lists digest ${entry.sha256.slice(0, 12)}…, but ${known.sha256.slice(0, 12)}… was installed; published versions never change, so this one was replaced — ask the publisher, and keep the installed one`, { pack: id }));
  }
  if (known && existing) {
    existing.active = active;
    pulled.push({ pack: id, version: entry.version, sha256: known.sha256, publisher: known.publisher, installed: false });
  } else {
    const downloads = join(packs.root, '.downloads');
    await mkdir(downloads, { recursive: true, mode: 0o700 });
    // The download is written by name: through a planted link it would land outside the packs dir.
    if (!(await lstat(downloads)).isDirectory()) refuse(new NonoError('PACK_INVALID', `${downloads} is not a directory (a link?); remove it and pull again`, { pack: id }));
    const partFile = join(downloads, `${ref.namespace}.${ref.name}.${entry.version}.part`);
    const archive = await downloadArchive(options.registry, indexUrl, entry, partFile, (done, total) => options.progress?.(subject, done, total));
    try {
      const sha256 = sha256Hex(archive);
      if (sha256 !== entry.sha256) {
        refuse(new NonoError('PACK_VERIFICATION_FAILED', `${subject}: the tarball's SHA-256 ${sha256.slice(0, 12)}… is not the ${entry.sha256.slice(0, 12)}… the registry's index lists; the download or the registry is corrupt, nothing was installed`, { pack: id }));
      }
      let verified;
      try {
        verified = verifyPack(subject, archive, await fetchBundle(options.registry, indexUrl, entry));
      } catch (error) {
        if (error instanceof NonoError && error.kind === 'PACK_VERIFICATION_FAILED') refuse(error);
        throw error;
      }
      // A key accepted for one namespace does not speak for another: it could otherwise sign any
      // pack name on any registry and be installed without a question.
      const accepted = options.trustedPublishers.includes(verified.publisher) || acceptedNamespaces(lock, verified.publisher).includes(ref.namespace) || options.acceptPublisher === verified.publisher;
      if (!accepted) {
        const elsewhere = acceptedNamespaces(lock, verified.publisher);
        const scope = elsewhere.length > 0 ? ` for ${ref.namespace} (you accepted it for ${elsewhere.join(', ')})` : '';
        refuse(new NonoError('PACK_PUBLISHER_UNKNOWN', `${subject} is signed by a key you have not accepted${scope}, fingerprint ${verified.publisher}; if you trust its publisher, pull again with --accept-publisher ${verified.publisher}`, { pack: id, fingerprint: verified.publisher }));
      }
      let files;
      try {
        files = await readArchive(archive, subject);
      } catch (error) {
        if (error instanceof NonoError) refuse(error);
        throw error;
      }
      const manifestFile = files.find((f) => f.path === MANIFEST_FILE);
      if (!manifestFile) refuse(new NonoError('PACK_INVALID', `${subject}: the archive has no ${MANIFEST_FILE}; the pack was not installed`, { pack: id }));
      const manifest = parseManifest(manifestFile!.content.toString('utf8'), subject);
      if (manifest.namespace !== ref.namespace || manifest.name !== ref.name || manifest.version !== entry.version) {
        refuse(new NonoError('PACK_INVALID', `${subject}: its manifest says ${manifest.namespace}/${manifest.name}@${manifest.version}; the pack was not installed`, { pack: id }));
      }
      if (!files.some((f) => f.path === manifest.profile)) refuse(new NonoError('PACK_INVALID', `${subject}: the manifest's profile ${manifest.profile} is not in the archive`, { pack: id }));
      for (const [dependency, version] of Object.entries(manifest.dependencies)) await pullOne(packs, lock, `${dependency}@${version}`, options, pulled, [...stack, id]);
      await packs.unpack(id, entry.version, files);
      const namespaces = acceptedNamespaces(lock, verified.publisher);
      if (options.acceptPublisher === verified.publisher && !namespaces.includes(ref.namespace)) {
        lock.publishers[verified.publisher] = { acceptedAt: (options.now ?? new Date()).toISOString(), pack: lock.publishers[verified.publisher]?.pack ?? id, namespaces: [...namespaces, ref.namespace] };
      }
      const versions = { ...existing?.versions, [entry.version]: { sha256, publisher: verified.publisher, installedAt: (options.now ?? new Date()).toISOString(), files: Object.fromEntries(files.map((f) => [f.path, sha256Hex(f.content)])) } };
      lock.packs[id] = { registry: options.registry.url, active, pinned: existing?.pinned ?? false, versions };
      options.record({ kind: 'pack.install', payload: { pack: id, version: entry.version, sha256, publisher: verified.publisher, registry: options.registry.url } });
      pulled.push({ pack: id, version: entry.version, sha256, publisher: verified.publisher, installed: true });
    } finally {
      await rm(partFile, { force: true });
    }
  }
}
