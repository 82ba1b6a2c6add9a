// Re-snapshotting a large unchanged tree must not re-read it, nor redo what only depends on
// what it read. A file whose device, inode, size, mtime and ctime are all as they were when it
// was hashed is taken to hold the same bytes (ctime catches a writer that put mtime back); a
// walk that finds every entry as the cache holds it reuses the cache's Merkle root.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileDurably } from './durable-files.js';

// Timestamps come from a coarse kernel clock: a file changed again within the same tick
// as the stat keeps its mtime. Such "racily clean" files are not cached, so they are re-read.
const RACY_WINDOW_NS = 50_000_000n;

/** The key of a file for the cache: what changes whenever its bytes may have. */
export function fileKey(dev: bigint, ino: bigint, size: bigint, mtimeNs: bigint, ctimeNs: bigint): string {
  return `f${dev}:${ino}:${size}:${mtimeNs}:${ctimeNs}`;
}

/** True when the file changed so shortly before `statTakenNs` that a later write could keep its times. */
export function isRacy(mtimeNs: bigint, ctimeNs: bigint, statTakenNs: bigint): boolean {
  return (mtimeNs > ctimeNs ? mtimeNs : ctimeNs) + RACY_WINDOW_NS > statTakenNs;
}

/**
 * On disk: `{ version: 2, root, entries: [path, key, hash, path, key, hash, …] }`, one triple
 * per entry of the last snapshot (hash empty for directories and symlinks, whose key says all
 * the root needs). Flat strings parse several times faster than an object per path.
 */
interface CacheFile {
  version: 2;
  root: string;
  entries: string[];
}

export class StatCache {
  private readonly next: string[] = [];
  private walked = 0;
  private matched = 0;

  private constructor(
    private readonly file: string,
    private readonly previous: Map<string, number>,
    private readonly previousEntries: string[],
    private readonly previousRoot: string | undefined,
  ) {}

  static async load(file: string): Promise<StatCache> {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    let parsed: Partial<CacheFile> = {};
    try {
      if (text !== undefined) parsed = JSON.parse(text) as Partial<CacheFile>;
    } catch {
      // A damaged cache only costs a re-read of the tree.
    }
    if (parsed.version !== 2 || !Array.isArray(parsed.entries) || typeof parsed.root !== 'string') return new StatCache(file, new Map(), [], undefined);
    const entries = parsed.entries;
    const previous = new Map<string, number>();
    for (let i = 0; i + 2 < entries.length; i += 3) previous.set(entries[i]!, i);
    return new StatCache(file, previous, entries, parsed.root);
  }

  /** The hash recorded for the file at `path` when its key was `key`; a hit is carried into the next cache. */
  knownHash(path: string, key: string): string | undefined {
    this.walked++;
    const at = this.previous.get(path);
    if (at === undefined || this.previousEntries[at + 1] !== key) return undefined;
    this.matched++;
    const hash = this.previousEntries[at + 2]!;
    this.next.push(path, key, hash);
    return hash;
  }

  /** A directory or symlink the walk found; `key` is its type, and a symlink's target. */
  saw(path: string, key: string): void {
    this.walked++;
    const at = this.previous.get(path);
    if (at !== undefined && this.previousEntries[at + 1] === key) this.matched++;
    this.next.push(path, key, '');
  }

  /** A file hashed in this run; a racily clean one is left out, so it is read again next time. */
  remember(path: string, key: string, hash: string, racy: boolean): void {
    if (!racy) this.next.push(path, key, hash);
  }

  /** The last snapshot's root, when this walk found exactly the entries it was computed over. */
  unchangedRoot(): string | undefined {
    return this.matched === this.walked && this.walked === this.previous.size ? this.previousRoot : undefined;
  }

  /** Keeps only the paths seen in this run, so deleted files do not pile up; nothing is written when nothing changed. */
  async save(root: string): Promise<void> {
    if (this.unchangedRoot() === root) return;
    await mkdir(dirname(this.file), { recursive: true });
    const saved: CacheFile = { version: 2, root, entries: this.next };
    await writeFileDurably(this.file, JSON.stringify(saved));
  }
}
