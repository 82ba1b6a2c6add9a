// A pack's tarball: built deterministically (sorted names, zero times and owners) so the same
// directory always gives the same digest, and read defensively. The reader holds the whole,
// size-capped archive in memory and refuses it at the first entry that is not a plain file or
// directory with a plain relative name: nothing reaches the disk until every entry passed.
// tar-stream does the parsing; the decisions about what is safe are ours.
import { createGunzip, gzipSync } from 'node:zlib';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { NonoError } from '@nono/shared';
import { CONTROL_CHARACTERS, isPackPath } from './pack-manifest.js';

/** What a registry may serve and a pull will download: far above any real pack (a few KB). */
export const MAX_ARCHIVE_BYTES = 16 * 1024 * 1024;
const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;
const MAX_ENTRIES = 4096;

export interface PackFile {
  path: string;
  content: Buffer;
  executable: boolean;
}

/** Every regular file under `dir`, sorted; a link or special file there is refused rather than followed. */
export async function collectPackFiles(dir: string): Promise<PackFile[]> {
  const files: PackFile[] = [];
  const walk = async (relative: string): Promise<void> => {
    const names = (await readdir(join(dir, relative))).sort();
    for (const name of names) {
      const path = relative ? `${relative}/${name}` : name;
      if (!isPackPath(path)) throw new NonoError('PACK_INVALID', `${join(dir, relative)}: the name ${JSON.stringify(name).replace(CONTROL_CHARACTERS, '?')} has a backslash or a control character, which a pull refuses; rename it`, { path });
      const info = await lstat(join(dir, path));
      if (info.isDirectory()) await walk(path);
      else if (info.isFile()) files.push({ path, content: await readFile(join(dir, path)), executable: (info.mode & 0o111) !== 0 });
      else throw new NonoError('PACK_INVALID', `${join(dir, path)}: packs hold only regular files and directories; replace the link or special file with a copy`, { path });
    }
  };
  await walk('');
  return files;
}

export async function buildArchive(files: PackFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: file.path, size: file.content.length, mode: file.executable ? 0o755 : 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' }, file.content, (error) => (error ? reject(error) : resolve())),
    );
  }
  pack.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

/** The archive's files, or PACK_INVALID naming the first entry that is unsafe or over a limit. */
export async function readArchive(archive: Buffer, where: string): Promise<PackFile[]> {
  const invalid = (why: string): NonoError => new NonoError('PACK_INVALID', `${where}: ${why}; the pack was not installed`, { where });
  if (archive.length > MAX_ARCHIVE_BYTES) throw invalid(`the archive is ${archive.length} bytes, over the ${MAX_ARCHIVE_BYTES}-byte limit`);
  const files: PackFile[] = [];
  const seen = new Set<string>();
  let unpacked = 0;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const fail = (error: NonoError): void => {
      stream.resume();
      extract.destroy(error);
    };
    const name = header.name.replace(/\/$/, '');
    if (seen.size >= MAX_ENTRIES) return fail(invalid(`more than ${MAX_ENTRIES} entries`));
    if (!isPackPath(name)) return fail(invalid(`entry ${JSON.stringify(header.name).replace(CONTROL_CHARACTERS, '?')} is absolute, has a .. or empty component, a backslash or a control character`));
    if (header.type === 'directory') {
      stream.resume();
      return stream.on('end', next);
    }
    if (header.type !== 'file' && header.type !== 'contiguous-file') return fail(invalid(`entry "${name}" is a ${header.type}; packs hold only regular files and directories`));
    if (seen.has(name)) return fail(invalid(`entry "${name}" appears twice`));
    seen.add(name);
    const chunks: Buffer[] = [];
    stream.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      unpacked += chunk.length;
      if (unpacked > MAX_UNPACKED_BYTES) fail(invalid(`it unpacks to more than ${MAX_UNPACKED_BYTES} bytes`));
      else chunks.push(chunk);
    });
    stream.on('end', () => {
      files.push({ path: name, content: Buffer.concat(chunks), executable: ((header.mode ?? 0) & 0o111) !== 0 });
      next();
    });
  });
  try {
    await pipeline(Readable.from([archive]), createGunzip({ maxOutputLength: MAX_UNPACKED_BYTES + 1024 * 1024 }), extract);
  } catch (error) {
    if (error instanceof NonoError) throw error;
    throw invalid(`not a gzip-compressed tar archive (${(error as Error).message})`);
  }
  // A file may not also be a directory of another entry ("a" and "a/b"): it could not be written.
  for (const path of seen) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) if (seen.has(parts.slice(0, i).join('/'))) throw invalid(`entry "${path}" lies under the file "${parts.slice(0, i).join('/')}"`);
  }
  return files;
}
