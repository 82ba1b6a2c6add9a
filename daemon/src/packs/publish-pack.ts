// `nono pack publish DIR --to OUT`: builds DIR's pack, signs it with a trust key and writes into
// OUT exactly the files a static registry serves (docs/registry.md). A published version is
// immutable: publishing it again is a no-op when the tarball is identical and refused otherwise,
// because users who pinned it would otherwise be refused the next pull.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NonoError } from '@nono/shared';
import { writeFileDurably } from '../snapshots/durable-files.js';
import type { TrustSigningKey } from '../trust/trust-keys.js';
import { buildArchive, collectPackFiles, MAX_ARCHIVE_BYTES } from './pack-archive.js';
import { MANIFEST_FILE, parseManifest, type PackManifest } from './pack-manifest.js';
import { newerFirst, newestFirst } from './pack-reference.js';
import { sha256Hex, signPack } from './pack-signature.js';
import { archiveName, CATALOGUE_FILE, CATALOGUE_SCHEMA, INDEX_SCHEMA, indexPath, parseCatalogue, parseIndex, type Catalogue, type PackIndex } from './registry-index.js';

export interface PublishResult {
  pack: string;
  version: string;
  sha256: string;
  size: number;
  publisher: string;
  /** False when the same tarball was already published. */
  written: boolean;
  files: string[];
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The manifest and files of a pack directory, checked as a pull would check them. */
export async function loadPackDir(dir: string): Promise<{ manifest: PackManifest; files: Awaited<ReturnType<typeof collectPackFiles>> }> {
  const text = await readOptional(join(dir, MANIFEST_FILE));
  if (text === undefined) throw new NonoError('PACK_INVALID', `${dir} has no ${MANIFEST_FILE}; write one (docs/registry.md shows its fields)`, { dir });
  const manifest = parseManifest(text, dir);
  const files = await collectPackFiles(dir);
  const names = new Set(files.map((f) => f.path));
  for (const path of [manifest.profile, ...manifest.hooks.map((h) => h.path), ...manifest.skills.map((s) => s.path)]) {
    if (!names.has(path)) throw new NonoError('PACK_INVALID', `${dir}: ${MANIFEST_FILE} names ${path}, which is not a file in the pack; add it or fix the name`, { dir, path });
  }
  return { manifest, files };
}

export async function publishPack(dir: string, key: TrustSigningKey, to: string, now: Date = new Date()): Promise<PublishResult> {
  const { manifest, files } = await loadPackDir(dir);
  const archive = await buildArchive(files);
  if (archive.length > MAX_ARCHIVE_BYTES) throw new NonoError('PACK_INVALID', `${dir}: the pack is ${archive.length} bytes compressed, over the ${MAX_ARCHIVE_BYTES}-byte limit; leave large files out`, { dir });
  const { namespace, name, version } = manifest;
  const pack = `${namespace}/${name}`;
  const sha256 = sha256Hex(archive);
  const packDir = join(to, 'packs', namespace, name);
  const indexFile = join(to, indexPath(namespace, name));
  const existingText = await readOptional(indexFile);
  const index: PackIndex = existingText ? parseIndex(existingText, indexFile, { namespace, name }) : { schema: INDEX_SCHEMA, namespace, name, description: manifest.description, versions: [] };
  const result = { pack, version, sha256, size: archive.length, publisher: key.fingerprint };
  const already = index.versions.find((v) => v.version === version);
  if (already) {
    if (already.sha256 === sha256) return { ...result, written: false, files: [] };
    throw new NonoError('PACK_VERIFICATION_FAILED', `${pack}@${version} is already published with another tarball (${already.sha256.slice(0, 12)}…); published versions never change, so raise the version in ${MANIFEST_FILE}`, { pack, version });
  }
  await mkdir(packDir, { recursive: true, mode: 0o755 });
  const archiveFile = archiveName(version);
  const bundle = signPack(`${pack}@${version}`, archive, key, now);
  // The tarball and bundle first, the index that names them last: a reader never sees an index
  // entry whose files are missing.
  await writeFileDurably(join(packDir, archiveFile), archive, 0o644);
  await writeFileDurably(join(packDir, `${archiveFile}.bundle`), `${JSON.stringify(bundle, null, 2)}\n`, 0o644);
  index.description = manifest.description || index.description;
  index.versions.push({ version, sha256, size: archive.length, publisher: key.fingerprint, published_at: now.toISOString(), archive: archiveFile, bundle: `${archiveFile}.bundle` });
  index.versions.sort((a, b) => newerFirst(a.version, b.version));
  await writeFileDurably(indexFile, `${JSON.stringify(index, null, 2)}\n`, 0o644);
  const catalogueFile = join(to, CATALOGUE_FILE);
  const catalogueText = await readOptional(catalogueFile);
  const catalogue: Catalogue = catalogueText ? parseCatalogue(catalogueText, catalogueFile) : { schema: CATALOGUE_SCHEMA, packs: [] };
  const latest = newestFirst(index.versions.map((v) => v.version))[0]!;
  catalogue.packs = [...catalogue.packs.filter((p) => p.namespace !== namespace || p.name !== name), { namespace, name, description: index.description, latest }].sort((a, b) =>
    `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
  );
  await writeFileDurably(catalogueFile, `${JSON.stringify(catalogue, null, 2)}\n`, 0o644);
  return { ...result, written: true, files: [join(packDir, archiveFile), join(packDir, `${archiveFile}.bundle`), indexFile, catalogueFile] };
}
