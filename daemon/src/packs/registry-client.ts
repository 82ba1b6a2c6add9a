// Talks to a pack registry over HTTP(S) the way a static host answers: GETs only, bearer token
// when logged in, every answer size-capped before it is read, downloads resumed with a Range
// request from a `.part` file. Plain http is refused except to loopback, since a pack's
// signature protects the tarball but not the index's list of versions from a network attacker;
// redirects are followed here, not by undici, so that rule holds for every hop too.
import { constants } from 'node:fs';
import { lstat, open, rm } from 'node:fs/promises';
import { request } from 'undici';
import { NonoError } from '@nono/shared';
import { MAX_ARCHIVE_BYTES } from './pack-archive.js';
import { CATALOGUE_FILE, indexPath, MAX_INDEX_BYTES, parseCatalogue, parseIndex, type Catalogue, type IndexedVersion, type PackIndex } from './registry-index.js';

export interface RegistryEndpoint {
  /** Base URL, ending in `/`. */
  url: string;
  token: string | undefined;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;
/**
 * Whole-request deadlines: undici's timeouts are per gap between chunks, so a registry that drips
 * a byte a minute would otherwise hold the daemon's pack queue for days.
 */
const SMALL_FILE_DEADLINE_MS = 2 * 60_000;
const ARCHIVE_DEADLINE_MS = 15 * 60_000;

/** The registry URL in its one canonical form (trailing slash), or INVALID_PARAMS. */
export function registryUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NonoError('INVALID_PARAMS', `"${text}" is not a URL; give the registry's base URL, e.g. https://registry.example/`, { url: text });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new NonoError('INVALID_PARAMS', `${text}: registries are reached over https (plain http only on loopback); use an https:// URL`, { url: text });
  }
  if (url.search || url.hash || url.username || url.password) throw new NonoError('INVALID_PARAMS', `${text}: a registry URL has no query, fragment or credentials; log in with nono auth login instead`, { url: text });
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

function unreachable(url: string, error: unknown, remedy: string): NonoError {
  if (error instanceof NonoError) return error;
  const why = (error as Error).name === 'TimeoutError' ? 'took too long' : (error as Error).message;
  return new NonoError('REGISTRY_UNREACHABLE', `${url}: ${why}; ${remedy}`, { url });
}

/**
 * Where a redirect may lead: https anywhere (an object store or a forge's download host), plain
 * http only from a loopback registry to loopback. The token goes only to the registry's origin.
 */
function redirectTarget(from: string, location: string, registryLoopback: boolean): URL {
  const next = new URL(location, from);
  if (next.protocol === 'https:' || (next.protocol === 'http:' && registryLoopback && LOOPBACK.has(next.hostname))) return next;
  throw new NonoError('REGISTRY_UNREACHABLE', `${from} redirects to ${next.origin}, which is not https; a registry and the hosts it redirects to must use https`, { url: from });
}

async function get(url: string, token: string | undefined, deadlineMs: number, headers: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof request>>> {
  const signal = AbortSignal.timeout(deadlineMs);
  const first = new URL(url);
  const registryLoopback = first.protocol === 'http:' && LOOPBACK.has(first.hostname);
  let at = first;
  try {
    let answer;
    for (let hops = 0; ; hops++) {
      const authorization = token && at.origin === first.origin ? { authorization: `Bearer ${token}` } : {};
      answer = await request(at, { method: 'GET', headers: { ...headers, ...authorization, 'user-agent': 'nono' }, headersTimeout: 30_000, bodyTimeout: 60_000, signal });
      // A registry that closes the connection after the part we read (or while a body we gave up
      // on is still open) errors that body; unheard, the error would take the daemon down. A
      // reader still gets it through its iterator.
      answer.body.on('error', () => undefined);
      const location = answer.headers.location;
      if (!REDIRECTS.has(answer.statusCode) || location === undefined) break;
      await answer.body.dump();
      if (hops === MAX_REDIRECTS) throw new NonoError('REGISTRY_UNREACHABLE', `${url} redirects more than ${MAX_REDIRECTS} times; check the registry URL`, { url });
      at = redirectTarget(at.href, String(location), registryLoopback);
    }
    const { statusCode } = answer;
    if (statusCode === 200 || statusCode === 206) return answer;
    await answer.body.dump();
    if (statusCode === 401 || statusCode === 403) {
      throw new NonoError('REGISTRY_AUTH_FAILED', `${url} answered ${statusCode}; log in with nono auth login ${new URL('/', url).href}${token ? ' (the stored token was refused)' : ''}`, { url, status: statusCode });
    }
    if (statusCode === 404) throw new NonoError('PACK_NOT_FOUND', `${url} answered 404: the registry has no such pack or file; check the name with nono pack search`, { url, status: statusCode });
    throw new NonoError('REGISTRY_UNREACHABLE', `${url} answered ${statusCode}; try again later or check the registry URL`, { url, status: statusCode });
  } catch (error) {
    throw unreachable(url, error, 'check the URL and the network');
  }
}

async function readCapped(url: string, token: string | undefined, cap: number): Promise<Buffer> {
  const answer = await get(url, token, SMALL_FILE_DEADLINE_MS);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of answer.body) {
      size += (chunk as Buffer).length;
      if (size > cap) {
        answer.body.destroy();
        throw new NonoError('REGISTRY_UNREACHABLE', `${url} sent more than ${cap} bytes, more than such a file can be; the registry is broken or hostile`, { url });
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw unreachable(url, error, 'try again later or check the registry');
  }
  return Buffer.concat(chunks);
}

export async function fetchIndex(registry: RegistryEndpoint, namespace: string, name: string): Promise<{ index: PackIndex; url: string }> {
  const url = new URL(indexPath(namespace, name), registry.url).href;
  const text = (await readCapped(url, registry.token, MAX_INDEX_BYTES)).toString('utf8');
  return { index: parseIndex(text, url, { namespace, name }), url };
}

export async function fetchCatalogue(registry: RegistryEndpoint): Promise<Catalogue> {
  const url = new URL(CATALOGUE_FILE, registry.url).href;
  return parseCatalogue((await readCapped(url, registry.token, MAX_INDEX_BYTES)).toString('utf8'), url);
}

export async function fetchBundle(registry: RegistryEndpoint, indexUrl: string, entry: IndexedVersion): Promise<string> {
  return (await readCapped(new URL(entry.bundle, indexUrl).href, registry.token, 1 << 20)).toString('utf8');
}

/**
 * Downloads a version's tarball into `partFile`, resuming what an interrupted pull left there,
 * and returns its bytes. The index's size caps the download; the digest is the caller's check.
 */
export async function downloadArchive(registry: RegistryEndpoint, indexUrl: string, entry: IndexedVersion, partFile: string, progress: (done: number, total: number) => void): Promise<Buffer> {
  const url = new URL(entry.archive, indexUrl).href;
  if (entry.size > MAX_ARCHIVE_BYTES) throw new NonoError('PACK_INVALID', `${url} is listed as ${entry.size} bytes, over the ${MAX_ARCHIVE_BYTES}-byte limit for a pack`, { url });
  // The part file is opened by name in a directory others may have written to: never through a
  // link, and anything but a regular file there is discarded rather than appended to.
  const found = await lstat(partFile).catch(() => undefined);
  let have = found?.isFile() ? found.size : 0;
  if (have > entry.size || (found && !found.isFile())) {
    await rm(partFile, { force: true });
    have = 0;
  }
  if (have < entry.size) {
    const answer = await get(url, registry.token, ARCHIVE_DEADLINE_MS, have > 0 ? { range: `bytes=${have}-` } : {});
    // A server that ignores Range sends the whole file again: start over rather than append.
    if (answer.statusCode === 200) have = 0;
    const { O_WRONLY, O_CREAT, O_APPEND, O_TRUNC, O_NOFOLLOW } = constants;
    const file = await open(partFile, O_WRONLY | O_CREAT | O_NOFOLLOW | (have > 0 ? O_APPEND : O_TRUNC), 0o600);
    try {
      for await (const chunk of answer.body) {
        const bytes = chunk as Buffer;
        if (have + bytes.length > entry.size) {
          answer.body.destroy();
          throw new NonoError('PACK_VERIFICATION_FAILED', `${url} is longer than the ${entry.size} bytes the index lists; the registry is broken or the tarball was replaced`, { url });
        }
        await file.write(bytes);
        have += bytes.length;
        progress(have, entry.size);
      }
      await file.sync();
    } catch (error) {
      throw unreachable(url, error, `${have} of ${entry.size} bytes arrived; run the pull again to resume`);
    } finally {
      await file.close();
    }
  }
  const handle = await open(partFile, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const archive = await handle.readFile();
    if (archive.length !== entry.size) throw new NonoError('REGISTRY_UNREACHABLE', `${url} ended after ${archive.length} of ${entry.size} bytes; run the pull again to resume`, { url });
    return archive;
  } finally {
    await handle.close();
  }
}
