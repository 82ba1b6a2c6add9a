// Finds the profile file of an installed pack for `-p NS/NAME[@VERSION]`, synchronously, as the
// profile loader works: from packs.json (which version is active) and the version's manifest,
// never from the network. Undefined when the pack is not installed; a damaged lock or manifest
// is an error, not a silent fall-through to another profile.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NonoError } from '@nono/shared';
import { checkLockStamp, LOCK_FILE, type PackLock } from './installed-packs.js';
import { MANIFEST_FILE, parseManifest } from './pack-manifest.js';
import { packId, type PackReference } from './pack-reference.js';

export interface PackProfile {
  /** `ns/name@version`: how the plan and `nono policy show` name it. */
  name: string;
  file: string;
  dir: string;
  dependencies: Record<string, string>;
}

function readLockSync(root: string, stampFile: string | undefined): PackLock | undefined {
  const file = join(root, LOCK_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  checkLockStamp(text, file, stampFile);
  try {
    return JSON.parse(text) as PackLock;
  } catch (error) {
    throw new NonoError('PACK_INVALID', `${file} is damaged (${(error as Error).message}); move it aside and pull your packs again`, { path: file });
  }
}

export function locatePackProfile(root: string, ref: PackReference, stampFile?: string): PackProfile | undefined {
  const id = packId(ref);
  const entry = readLockSync(root, stampFile)?.packs?.[id];
  const version = ref.version ?? entry?.active;
  if (!entry || version === undefined || !entry.versions?.[version]) return undefined;
  const dir = join(root, ref.namespace, ref.name, version);
  const manifest = parseManifest(readFileSync(join(dir, MANIFEST_FILE), 'utf8'), dir);
  return { name: `${id}@${version}`, file: join(dir, manifest.profile), dir, dependencies: manifest.dependencies };
}
