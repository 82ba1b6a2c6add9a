// Re-snapshotting a large unchanged tree must not re-read it, nor redo what only depends on
// what it read. A file whose device, inode, size, mtime and ctime are all as they were when it
// was hashed is taken to hold the same bytes (ctime catches a writer that put mtime back); a
// walk that finds every entry as the cache holds it reuses the cache's Merkle root, and one
// that finds a few changed reuses the rest of the cached tree.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileDurably } from './durable-files.js';
import { sha256 } from './hashing.js';
import { entryHash, leafHash, levelsSize, merkleLevels, rootOfLevels } from './merkle.js';
import type { ManifestEntry } from './manifest-entry.js';

// Timestamps come from a coarse kernel clock: a file changed again within the same tick
// as the stat keeps its mtime. Such "racily clean" files are not cached, so they are re-read.
const RACY_WINDOW_NS = 50_000_000n;

const NODE_SIZE = 32;

/** The key of a file for the cache: what changes whenever its bytes may have. */
export function fileKey(dev: bigint, ino: bigint, size: bigint, mtimeNs: string, ctimeNs: bigint): string {
  return `f${dev}:${ino}:${size}:${mtimeNs}:${ctimeNs}`;
}

/** True when the file changed so shortly before `statTakenNs` that a later write could keep its times. */
export function isRacy(mtimeNs: bigint, ctimeNs: bigint, statTakenNs: bigint): boolean {
  return (mtimeNs > ctimeNs ? mtimeNs : ctimeNs) + RACY_WINDOW_NS > statTakenNs;
}

/**
 * On disk: one `[path, key, leaf hash]` triple per entry of the last snapshot, in its path
 * order (flat strings parse several times faster than an object per path). The key is a file's
 * stat (empty for a racily clean one, which then never matches), `d` for a directory, `l` and
 * the target for a symlink; the leaf hash is what the Merkle leaf commits to (a file's content
 * hash). `levels` holds every node of that snapshot's Merkle tree (see merkle.ts), base64.
 */
interface CacheFile {
  version: 2;
  root: string;
  entries: string[];
  levels: string;
  levels_sha256: string;
}

export class StatCache {
  // This walk's paths and keys, in walk order; the cache written next is built from them.
  private readonly paths: string[] = [];
  private readonly keys: string[] = [];
  private readonly racy = new Set<string>();
  private matched = 0;

  private constructor(
    private readonly file: string,
    private readonly previous: Map<string, number>,
    private readonly previousEntries: string[],
    private readonly previousRoot: string | undefined,
    /** The cached tree, decoded and checked only when a change needs it. */
    private readonly previousLevels: () => Buffer | undefined,
  ) {}

  static async load(file: string): Promise<StatCache> {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    let parsed: Partial<CacheFile> = {};
    try {
      if (text !== undefined) parsed = JSON.parse(text) as Partial<CacheFile>;
    } catch {
      // A damaged cache only costs a re-read of the tree.
    }
    const { entries, root, levels } = parsed;
    const none = new StatCache(file, new Map(), [], undefined, () => undefined);
    if (parsed.version !== 2 || !Array.isArray(entries) || entries.length % 3 !== 0 || typeof root !== 'string') return none;
    const previous = new Map<string, number>();
    for (let i = 0; i < entries.length; i += 3) previous.set(entries[i]!, i);
    if (previous.size * 3 !== entries.length) return none;
    const lender = (): Buffer | undefined => {
      const tree = typeof levels === 'string' ? Buffer.from(levels, 'base64') : undefined;
      // The tree is lent node by node without re-hashing, so it must be the one that was written.
      const whole = tree !== undefined && tree.length === levelsSize(entries.length / 3) && rootOfLevels(tree) === root && sha256(tree).toString('hex') === parsed.levels_sha256;
      return whole ? tree : undefined;
    };
    return new StatCache(file, previous, entries, root, lender);
  }

  /** The hash recorded for the file at `path` when its key was `key`. */
  knownHash(path: string, key: string): string | undefined {
    this.paths.push(path);
    this.keys.push(key);
    const at = this.previous.get(path);
    if (at === undefined || this.previousEntries[at + 1] !== key) return undefined;
    this.matched++;
    return this.previousEntries[at + 2]!;
  }

  /** A directory or symlink the walk found; `key` is `d`, or `l` and the target. */
  saw(path: string, key: string): void {
    this.paths.push(path);
    this.keys.push(key);
    const at = this.previous.get(path);
    if (at !== undefined && this.previousEntries[at + 1] === key) this.matched++;
  }

  /** A file hashed in this run that changed too recently to be trusted next time. */
  distrust(path: string): void {
    this.racy.add(path);
  }

  /**
   * The root over `sorted`, this walk's entries in path order: the last snapshot's when the
   * walk found exactly the entries it was computed over, else from a tree that takes each
   * leaf and node that did not change from the cached one (`levels`, for save).
   */
  merkleTree(sorted: ManifestEntry[]): { root: string; levels?: Buffer } {
    const unchanged = this.matched === this.paths.length && this.paths.length === this.previous.size;
    if (unchanged && this.previousRoot !== undefined) return { root: this.previousRoot };
    const leaves = Buffer.allocUnsafe(sorted.length * NODE_SIZE);
    const lender = this.previousLevels();
    for (const [index, entry] of sorted.entries()) {
      const hash = entryHash(entry);
      const at = this.previous.get(entry.path);
      if (lender !== undefined && at !== undefined && this.previousEntries[at + 2] === hash) {
        lender.copy(leaves, index * NODE_SIZE, (at / 3) * NODE_SIZE, (at / 3 + 1) * NODE_SIZE);
      } else {
        leafHash(entry.path, hash).copy(leaves, index * NODE_SIZE);
      }
    }
    const levels = merkleLevels(leaves, lender);
    return { root: rootOfLevels(levels), levels };
  }

  /**
   * Keeps only the paths seen in this run, so deleted files do not pile up; nothing is written
   * when nothing changed (merkleTree gave no `levels`).
   */
  async save(sorted: ManifestEntry[], levels: Buffer | undefined): Promise<void> {
    if (levels === undefined) return;
    const keyOf = new Map<string, string>();
    for (const [index, path] of this.paths.entries()) keyOf.set(path, this.keys[index]!);
    const entries: string[] = [];
    for (const entry of sorted) entries.push(entry.path, this.racy.has(entry.path) ? '' : keyOf.get(entry.path)!, entryHash(entry));
    const saved: CacheFile = { version: 2, root: rootOfLevels(levels), entries, levels: levels.toString('base64'), levels_sha256: sha256(levels).toString('hex') };
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileDurably(this.file, JSON.stringify(saved));
  }
}
