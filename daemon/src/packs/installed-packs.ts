// The packs installed for this user, under `packagesDir`: each version unpacked read-only into
// `NS/NAME/VERSION/`, and `packs.json` recording what is installed, from where, with which
// digest and publisher, which version is active and whether it is pinned. packs.json is the
// lock file: a pinned version is used until unpinned, and a digest that changes under a pinned
// version is refused. Written atomically so a crash leaves the old record or the new one.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NonoError } from '@nono/shared';
import { writeFileDurably } from '../snapshots/durable-files.js';
import type { PackFile } from './pack-archive.js';
import { MANIFEST_FILE, parseManifest, type PackManifest } from './pack-manifest.js';
import { newestFirst, packId } from './pack-reference.js';

export const LOCK_FILE = 'packs.json';
const LOCK_SCHEMA = 'nono-packs/1';

export interface InstalledVersion {
  sha256: string;
  publisher: string;
  installedAt: string;
  /** SHA-256 of each file as verified at install: what `nono pack verify` checks the disk against. */
  files: Record<string, string>;
}

export interface InstalledPack {
  registry: string;
  active: string;
  pinned: boolean;
  versions: Record<string, InstalledVersion>;
}

export interface PackLock {
  schema: typeof LOCK_SCHEMA;
  packs: Record<string, InstalledPack>;
  /**
   * Publisher fingerprints the user accepted on a pull, with when, for which pack first, and the
   * namespaces it was accepted for (older records: the first pack's namespace).
   */
  publishers: Record<string, { acceptedAt: string; pack: string; namespaces?: string[] }>;
}

const emptyLock = (): PackLock => ({ schema: LOCK_SCHEMA, packs: {}, publishers: {} });

const lockDigest = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The packs dir may be missing until the first pull, and the view cannot hide a path that does
 * not exist: a sandbox granted the directory around it could create it with a packs.json of its
 * own. So every lock nono writes is stamped (its SHA-256) in `stampFile`, in the state dir no
 * sandbox reaches, and a lock without the matching stamp is not used.
 */
function readStamp(stampFile: string): string[] {
  try {
    return readFileSync(stampFile, 'utf8').split('\n').filter((line) => line !== '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export function checkLockStamp(text: string, file: string, stampFile: string | undefined): void {
  if (stampFile === undefined) return;
  if (!readStamp(stampFile).includes(lockDigest(text))) {
    throw new NonoError('PACK_INVALID', `${file} was not written by nono (or changed since): its digest does not match ${stampFile}; move the packs dir aside and pull your packs again`, { path: file });
  }
}

/** The namespaces a fingerprint was accepted for on a pull: a key accepted once signs only there. */
export function acceptedNamespaces(lock: PackLock, fingerprint: string): string[] {
  const record = lock.publishers[fingerprint];
  return record ? (record.namespaces ?? [record.pack.split('/')[0]!]) : [];
}

export class InstalledPacks {
  constructor(
    readonly root: string,
    private readonly stampFile?: string,
  ) {}

  async readLock(): Promise<PackLock> {
    const file = join(this.root, LOCK_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyLock();
      throw error;
    }
    checkLockStamp(text, file, this.stampFile);
    try {
      const value = JSON.parse(text) as PackLock;
      if (value.schema !== LOCK_SCHEMA || typeof value.packs !== 'object' || value.packs === null) throw new Error(`schema is not ${LOCK_SCHEMA}`);
      return { schema: LOCK_SCHEMA, packs: value.packs, publishers: value.publishers ?? {} };
    } catch (error) {
      throw new NonoError('PACK_INVALID', `${file} is damaged (${(error as Error).message}); move it aside and pull your packs again`, { path: file });
    }
  }

  async writeLock(lock: PackLock): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const text = `${JSON.stringify(lock, null, 2)}\n`;
    if (this.stampFile === undefined) return writeFileDurably(join(this.root, LOCK_FILE), text);
    // Old and new are both stamped while the lock is replaced, so a crash in between leaves
    // whichever lock is on disk usable; never a lock nono did not write.
    const digest = lockDigest(text);
    await writeFileDurably(this.stampFile, `${[digest, ...readStamp(this.stampFile).slice(0, 1)].join('\n')}\n`);
    await writeFileDurably(join(this.root, LOCK_FILE), text);
    await writeFileDurably(this.stampFile, `${digest}\n`);
  }

  versionDir(id: string, version: string): string {
    return join(this.root, ...id.split('/'), version);
  }

  /** The installed version's manifest, read from disk (the lock says which version). */
  async manifest(id: string, version: string): Promise<PackManifest> {
    const dir = this.versionDir(id, version);
    return parseManifest(await readFile(join(dir, MANIFEST_FILE), 'utf8'), dir);
  }

  /**
   * Writes `files` as `id@version`: into a fresh staging directory first, made read-only, then
   * renamed into place, so a reader sees no version or a whole one. An existing directory of
   * that version is replaced only after the new one is complete.
   */
  async unpack(id: string, version: string, files: PackFile[]): Promise<string> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const staging = join(this.root, `.staging-${randomBytes(6).toString('hex')}`);
    await mkdir(staging, { mode: 0o700 });
    try {
      const dirs = new Set<string>();
      for (const file of files) {
        const target = join(staging, file.path);
        await mkdir(dirname(target), { recursive: true, mode: 0o755 });
        for (let dir = dirname(file.path); dir !== '.'; dir = dirname(dir)) dirs.add(dir);
        // 'wx': a name the archive reader let through twice would fail here rather than overwrite.
        await writeFile(target, file.content, { flag: 'wx', mode: file.executable ? 0o555 : 0o444 });
      }
      for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await chmod(join(staging, dir), 0o555);
      await chmod(staging, 0o555);
      const target = this.versionDir(id, version);
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      const old = await stat(target).catch(() => undefined);
      if (old) await this.discard(target);
      await rename(staging, target);
      return target;
    } catch (error) {
      await this.discard(staging);
      throw error;
    }
  }

  /** Removes a version directory, which unpack made read-only. */
  async discard(dir: string): Promise<void> {
    const walk = async (path: string): Promise<void> => {
      await chmod(path, 0o700).catch(() => undefined);
      for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) if (entry.isDirectory()) await walk(join(path, entry.name));
    };
    await walk(dir);
    await rm(dir, { recursive: true, force: true });
  }

  /** Forgets a pack: every installed version and its lock entry. False when it was not installed. */
  async remove(id: string): Promise<boolean> {
    const lock = await this.readLock();
    const entry = lock.packs[id];
    if (!entry) return false;
    delete lock.packs[id];
    await this.writeLock(lock);
    for (const version of Object.keys(entry.versions)) await this.discard(this.versionDir(id, version));
    await rm(join(this.root, ...id.split('/')), { recursive: true, force: true });
    // The namespace's directory goes with its last pack; rmdir refuses while others remain.
    await rmdir(join(this.root, id.split('/')[0]!)).catch(() => undefined);
    return true;
  }

  /** `ns/name` or `ns/name@version` among the installed packs, or PACK_NOT_FOUND saying how to get it. */
  async resolve(ref: { namespace: string; name: string; version: string | undefined }): Promise<{ id: string; version: string; dir: string; manifest: PackManifest }> {
    const id = packId(ref);
    const lock = await this.readLock();
    const entry = lock.packs[id];
    const version = ref.version ?? entry?.active;
    if (!entry || version === undefined || !entry.versions[version]) {
      const have = entry ? ` (installed: ${newestFirst(Object.keys(entry.versions)).join(', ')})` : '';
      throw new NonoError('PACK_NOT_FOUND', `pack ${id}${ref.version ? `@${ref.version}` : ''} is not installed${have}; get it with nono pull ${id}${ref.version ? `@${ref.version}` : ''}`, { pack: id });
    }
    const dir = this.versionDir(id, version);
    return { id, version, dir, manifest: await this.manifest(id, version) };
  }
}
