// One hash that stands for a whole snapshot, so two snapshots (or a snapshot and its
// objects) can be compared without listing them. Prefix bytes 0x00/0x01 keep a leaf from
// ever being mistaken for an inner node.
import { nameToBytes } from '@nono/shared';
import { sha256 } from './hashing.js';
import type { ManifestEntry } from './manifest-entry.js';

const LEAF = Buffer.from([0x00]);
const NODE = 0x01;
const SEPARATOR = Buffer.from([0x00]);
const NODE_SIZE = 32;
const EMPTY_ROOT = sha256().toString('hex');
const DIR_HASH = sha256('dir').toString('hex');

/** Byte order of the paths' bytes (UTF-8 or not), so any implementation sorts the same way. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(nameToBytes(a), nameToBytes(b));
}

/** The hash a leaf commits to: content for files, target for symlinks, a constant for dirs. */
export function entryHash(entry: ManifestEntry): string {
  if (entry.type === 'file') return entry.hash;
  return entry.type === 'symlink' ? sha256(nameToBytes(entry.target)).toString('hex') : DIR_HASH;
}

export function leafHash(path: string, entryHash: string): Buffer {
  return sha256(LEAF, nameToBytes(path), SEPARATOR, Buffer.from(entryHash, 'hex'));
}

/** Root over leaves already in path order; an odd node at any level is promoted unchanged. */
export function merkleRoot(leaves: Buffer[]): string {
  return rootOfLevels(merkleLevels(Buffer.concat(leaves)));
}

export function rootOfLevels(levels: Buffer): string {
  return levels.length === 0 ? EMPTY_ROOT : levels.subarray(levels.length - NODE_SIZE).toString('hex');
}

/** Bytes that every level of a tree over `leafCount` leaves takes together. */
export function levelsSize(leafCount: number): number {
  let nodes = 0;
  for (let count = leafCount; count > 0; count = count === 1 ? 0 : Math.ceil(count / 2)) nodes += count;
  return nodes * NODE_SIZE;
}

/**
 * Every level of the tree in one buffer, 32 bytes a node: the leaves (concatenated in path
 * order) first, the root last. `previous`, the levels of an earlier tree with as many leaves,
 * lends each node whose two children are the same as then, so a tree where few leaves changed
 * costs a few hashes per changed leaf instead of one per node.
 */
export function merkleLevels(leaves: Buffer, previous?: Buffer): Buffer {
  const levels = Buffer.allocUnsafe(levelsSize(leaves.length / NODE_SIZE));
  leaves.copy(levels, 0);
  const lender = previous?.length === levels.length ? previous : undefined;
  const pair = Buffer.allocUnsafe(1 + 2 * NODE_SIZE);
  pair[0] = NODE;
  let from = 0;
  for (let count = leaves.length / NODE_SIZE; count > 1; count = Math.ceil(count / 2)) {
    const to = from + count * NODE_SIZE;
    for (let i = 0; i < count; i += 2) {
      const left = from + i * NODE_SIZE;
      const out = to + (i / 2) * NODE_SIZE;
      if (i + 1 === count) levels.copy(levels, out, left, left + NODE_SIZE);
      else if (lender && levels.compare(lender, left, left + 2 * NODE_SIZE, left, left + 2 * NODE_SIZE) === 0) lender.copy(levels, out, out, out + NODE_SIZE);
      else {
        levels.copy(pair, 1, left, left + 2 * NODE_SIZE);
        sha256(pair).copy(levels, out);
      }
    }
    from = to;
  }
  return levels;
}
