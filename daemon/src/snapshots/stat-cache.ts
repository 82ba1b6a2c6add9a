// Re-snapshotting a large unchanged tree must not re-read it. A file whose inode, size,
// mtime and ctime are all as they were when it was hashed is taken to hold the same bytes;
// ctime catches a writer that put mtime back.
import type { FileStat } from './tree-walk.js';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileDurably } from './durable-files.js';

interface CachedStat {
  ino: string;
  size: string;
  mtime_ns: string;
  ctime_ns: string;
  hash: string;
}

// Timestamps come from a coarse kernel clock: a file changed again within the same tick
// as the stat keeps its mtime. Such "racily clean" files are not cached, so they are re-read.
const RACY_WINDOW_NS = 50_000_000n;

export class StatCache {
  private readonly next = new Map<string, CachedStat>();

  private constructor(
    private readonly file: string,
    private readonly previous: Map<string, CachedStat>,
  ) {}

  static async load(file: string): Promise<StatCache> {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    let entries: Record<string, CachedStat> = {};
    try {
      if (text !== undefined) entries = JSON.parse(text) as Record<string, CachedStat>;
    } catch {
      // A damaged cache only costs a re-read of the tree.
    }
    return new StatCache(file, new Map(Object.entries(entries)));
  }

  lookup(path: string, stats: FileStat): string | undefined {
    const cached = this.previous.get(path);
    if (!cached || !sameStat(cached, stats)) return undefined;
    this.next.set(path, cached);
    return cached.hash;
  }

  /** `statTakenNs` is the wall clock just before the stat that `stats` came from. */
  remember(path: string, stats: FileStat, hash: string, statTakenNs: bigint): void {
    const changed = stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs;
    if (changed + RACY_WINDOW_NS > statTakenNs) return;
    this.next.set(path, { ...statKey(stats), hash });
  }

  /** Keeps only the paths seen in this run, so deleted files do not pile up. */
  async save(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileDurably(this.file, JSON.stringify(Object.fromEntries(this.next)));
  }
}

function statKey(stats: FileStat): Omit<CachedStat, 'hash'> {
  return { ino: String(stats.ino), size: String(stats.size), mtime_ns: String(stats.mtimeNs), ctime_ns: String(stats.ctimeNs) };
}

function sameStat(cached: CachedStat, stats: FileStat): boolean {
  const key = statKey(stats);
  return cached.ino === key.ino && cached.size === key.size && cached.mtime_ns === key.mtime_ns && cached.ctime_ns === key.ctime_ns;
}
