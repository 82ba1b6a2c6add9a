// Line counts and unified diffs for `diff --stat` / `--patch`. Contents come from the object
// store (or the live file), are compared as text only when they look like text, and are
// capped so a huge generated file cannot make a diff call hold hundreds of megabytes.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from 'diff';
import { quoteName } from '@nono/shared';
import type { Change } from './diff.js';
import type { Manifest, ManifestEntry } from './manifest.js';
import type { ObjectStore } from './object-store.js';
import { pathIn, type FsPath } from './tree-walk.js';

export type DetailLevel = 'stat' | 'patch';

export interface ChangeWithDetail extends Change {
  added?: number;
  removed?: number;
  binary?: boolean;
  patch?: string;
}

const TEXT_LIMIT = 1 << 20;

/** Where one side of a change is read from: an object, the live file, or nothing (added/deleted). */
type Side = { object: string } | { file: FsPath } | null;

export async function detailChanges(
  store: ObjectStore,
  changes: Change[],
  before: Manifest,
  after: Manifest | 'live',
  level: DetailLevel,
): Promise<ChangeWithDetail[]> {
  const beforeByPath = byPath(before.entries);
  const afterByPath = after === 'live' ? undefined : byPath(after.entries);
  const detailed: ChangeWithDetail[] = [];
  for (const change of changes) {
    if (change.kind === 'p') {
      detailed.push(change);
      continue;
    }
    const old = fileSide(beforeByPath.get(change.path));
    const now = afterByPath ? fileSide(afterByPath.get(change.path)) : change.kind === '-' ? null : { file: pathIn(before.tree, change.path) };
    if (old === undefined || now === undefined) {
      // A symlink or directory on either side: there are no lines to count.
      detailed.push(change);
      continue;
    }
    const [oldText, newText] = await Promise.all([readSide(store, old), readSide(store, now)]);
    if (oldText === undefined || newText === undefined) {
      detailed.push({ ...change, binary: true });
      continue;
    }
    const oldName = change.kind === '+' ? '/dev/null' : quoteName(`a/${change.path}`);
    const newName = change.kind === '-' ? '/dev/null' : quoteName(`b/${change.path}`);
    const patch = structuredPatch(oldName, newName, oldText, newText, undefined, undefined, { context: 3 });
    const lines = patch.hunks.flatMap((hunk) => hunk.lines);
    detailed.push({
      ...change,
      added: lines.filter((line) => line.startsWith('+')).length,
      removed: lines.filter((line) => line.startsWith('-')).length,
      ...(level === 'patch' ? { patch: formatPatch(patch, FILE_HEADERS_ONLY) } : {}),
    });
  }
  return detailed;
}

function byPath(entries: ManifestEntry[]): Map<string, ManifestEntry> {
  return new Map(entries.map((entry) => [entry.path, entry]));
}

/** undefined: the path is not a regular file on this side; null: it does not exist there. */
function fileSide(entry: ManifestEntry | undefined): Side | undefined {
  if (entry === undefined) return null;
  return entry.type === 'file' ? { object: entry.hash } : undefined;
}

/** The text of one side, or undefined when it is binary or too large to diff. */
async function readSide(store: ObjectStore, side: Side): Promise<string | undefined> {
  if (side === null) return '';
  // The live side is in a tree an agent could write: never follow a symlink out of it, and
  // never block on a fifo it left there.
  const handle = await open('object' in side ? store.pathOf(side.object) : side.file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      if (err.code === 'ELOOP') return undefined;
      throw err;
    },
  );
  if (handle === null) return '';
  if (handle === undefined) return undefined;
  try {
    const stats = await handle.stat();
    const size = stats.size;
    if (!stats.isFile() || size > TEXT_LIMIT) return undefined;
    const bytes = Buffer.alloc(size);
    await handle.read(bytes, 0, size, 0);
    return bytes.includes(0) ? undefined : bytes.toString('utf8');
  } finally {
    await handle.close();
  }
}
