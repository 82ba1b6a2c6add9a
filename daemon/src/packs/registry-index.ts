// The files a pack registry serves, as a static file server can: a catalogue at the root for
// search, an index per pack listing its versions with their digests, and beside it each
// version's tarball and signature bundle. docs/registry.md is the specification; this module
// is its one reader and writer.
import { NonoError } from '@nono/shared';
import { CONTROL_CHARACTERS } from './pack-manifest.js';
import { isPackPart, isPackVersion, newestFirst } from './pack-reference.js';

export const CATALOGUE_FILE = 'nono-registry.json';
export const CATALOGUE_SCHEMA = 'nono-registry/1';
export const INDEX_SCHEMA = 'nono-pack-index/1';
/** Indexes are small; a bigger answer is not one and is not parsed. */
export const MAX_INDEX_BYTES = 4 * 1024 * 1024;

export interface IndexedVersion {
  version: string;
  sha256: string;
  size: number;
  publisher: string;
  published_at: string;
  /** Relative to the index's own URL. */
  archive: string;
  bundle: string;
}

export interface PackIndex {
  schema: typeof INDEX_SCHEMA;
  namespace: string;
  name: string;
  description: string;
  versions: IndexedVersion[];
}

export interface CatalogueEntry {
  namespace: string;
  name: string;
  description: string;
  latest: string;
}

export interface Catalogue {
  schema: typeof CATALOGUE_SCHEMA;
  packs: CatalogueEntry[];
}

/** Where a pack's index lives, relative to the registry's base URL or directory. */
export function indexPath(namespace: string, name: string): string {
  return `packs/${namespace}/${name}/index.json`;
}

export function archiveName(version: string): string {
  return `${version}.tar.gz`;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** A registry's description, shown by search: plain text, one line, a few hundred characters. */
const plainDescription = (value: unknown): string => (typeof value === 'string' ? value.replace(CONTROL_CHARACTERS, '').slice(0, 300) : '');
const RELATIVE_FILE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text it choked on: the registry's bytes, escape sequences and all.
    throw new NonoError('REGISTRY_UNREACHABLE', `${where} is not JSON (${(error as Error).message.replace(CONTROL_CHARACTERS, '?')}); is the URL a nono registry?`, { url: where });
  }
}

export function parseIndex(text: string, where: string, expect: { namespace: string; name: string }): PackIndex {
  const invalid = (why: string): NonoError => new NonoError('REGISTRY_UNREACHABLE', `${where}: ${why}; the registry's index is malformed, tell its owner`, { url: where });
  const value = parseJson(text, where);
  if (!isObject(value) || value.schema !== INDEX_SCHEMA) throw invalid(`not a pack index (schema must be ${INDEX_SCHEMA})`);
  if (value.namespace !== expect.namespace || value.name !== expect.name) throw invalid(`it indexes ${JSON.stringify(value.namespace)?.slice(0, 80)}/${JSON.stringify(value.name)?.slice(0, 80)}, not ${expect.namespace}/${expect.name}`);
  if (!Array.isArray(value.versions)) throw invalid('"versions" is not a list');
  const versions = value.versions.map((entry: unknown, i: number): IndexedVersion => {
    if (
      !isObject(entry) ||
      typeof entry.version !== 'string' ||
      !isPackVersion(entry.version) ||
      typeof entry.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(entry.sha256) ||
      typeof entry.size !== 'number' ||
      !Number.isSafeInteger(entry.size) ||
      entry.size < 0 ||
      typeof entry.archive !== 'string' ||
      !RELATIVE_FILE.test(entry.archive) ||
      typeof entry.bundle !== 'string' ||
      !RELATIVE_FILE.test(entry.bundle)
    ) {
      throw invalid(`versions[${i}] needs version, sha256, size, archive and bundle (plain file names beside the index)`);
    }
    return {
      version: entry.version,
      sha256: entry.sha256,
      size: entry.size,
      publisher: typeof entry.publisher === 'string' ? entry.publisher : '',
      published_at: typeof entry.published_at === 'string' ? entry.published_at : '',
      archive: entry.archive,
      bundle: entry.bundle,
    };
  });
  return { schema: INDEX_SCHEMA, namespace: expect.namespace, name: expect.name, description: plainDescription(value.description), versions };
}

export function parseCatalogue(text: string, where: string): Catalogue {
  const value = parseJson(text, where);
  if (!isObject(value) || value.schema !== CATALOGUE_SCHEMA || !Array.isArray(value.packs)) {
    throw new NonoError('REGISTRY_UNREACHABLE', `${where}: not a nono registry catalogue (schema must be ${CATALOGUE_SCHEMA}); check the registry URL`, { url: where });
  }
  const packs = value.packs.filter(
    (entry: unknown): entry is CatalogueEntry =>
      isObject(entry) && typeof entry.namespace === 'string' && isPackPart(entry.namespace) && typeof entry.name === 'string' && isPackPart(entry.name) && typeof entry.latest === 'string' && isPackVersion(entry.latest),
  );
  return { schema: CATALOGUE_SCHEMA, packs: packs.map((p) => ({ namespace: p.namespace, name: p.name, latest: p.latest, description: plainDescription(p.description) })) };
}

/** The entry for `version`, or the newest when no version is asked for. */
export function pickVersion(index: PackIndex, version: string | undefined): IndexedVersion {
  const wanted = version ?? newestFirst(index.versions.map((v) => v.version))[0];
  const found = index.versions.find((v) => v.version === wanted);
  if (!found) {
    const known = newestFirst(index.versions.map((v) => v.version)).join(', ') || 'none';
    throw new NonoError('PACK_NOT_FOUND', `${index.namespace}/${index.name}@${version ?? 'latest'} is not in the registry (versions: ${known}); pick one of those`, { pack: `${index.namespace}/${index.name}` });
  }
  return found;
}
