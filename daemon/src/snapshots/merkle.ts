// One hash that stands for a whole snapshot, so two snapshots (or a snapshot and its
// objects) can be compared without listing them. Prefix bytes 0x00/0x01 keep a leaf from
// ever being mistaken for an inner node.
import { nameToBytes } from '@nono/shared';
import { sha256 } from './hashing.js';

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);
const SEPARATOR = Buffer.from([0x00]);

/** Byte order of the paths' bytes (UTF-8 or not), so any implementation sorts the same way. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(nameToBytes(a), nameToBytes(b));
}

export function leafHash(path: string, entryHash: string): Buffer {
  return sha256(LEAF, nameToBytes(path), SEPARATOR, Buffer.from(entryHash, 'hex'));
}

/** Root over leaves already in path order; an odd node at any level is promoted unchanged. */
export function merkleRoot(leaves: Buffer[]): string {
  if (leaves.length === 0) return sha256().toString('hex');
  let level = leaves;
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      next.push(right ? sha256(NODE, level[i]!, right) : level[i]!);
    }
    level = next;
  }
  return level[0]!.toString('hex');
}
