// The object store's layout and dedup, and the Merkle rule written out by hand.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../dist/snapshots/hashing.js';
import { leafHash, levelsSize, merkleLevels, merkleRoot, rootOfLevels } from '../../dist/snapshots/merkle.js';
import { ObjectStore } from '../../dist/snapshots/object-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nono-objects-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('object store', () => {
  it('stores content under its SHA-256 with a two-level fan-out, once, and only after commit', async () => {
    const store = new ObjectStore(join(dir, 'store'));
    writeFileSync(join(dir, 'one'), 'same bytes');
    writeFileSync(join(dir, 'two'), 'same bytes');
    const batch = store.batch();
    const first = await batch.put(join(dir, 'one'));
    const expected = sha256('same bytes').toString('hex');
    expect(first).toEqual({ hash: expected, size: 10 });
    const path = join(store.root, 'objects', expected.slice(0, 2), expected.slice(2, 3), expected);
    expect(store.pathOf(expected)).toBe(path);
    expect(await store.has(expected)).toBe(false);
    expect(await batch.put(join(dir, 'two'))).toEqual(first);
    await batch.commit();
    expect(readdirSync(join(store.root, 'objects', 'incoming'))).toEqual([]);
    const written = statSync(path).mtimeMs;

    const again = store.batch();
    expect(await again.put(join(dir, 'two'))).toEqual(first);
    await again.commit();
    expect(statSync(path).mtimeMs).toBe(written);
    expect(readFileSync(path, 'utf8')).toBe('same bytes');
    expect(await store.verify(expected)).toBe('ok');
    expect(await store.verify(sha256('never stored').toString('hex'))).toBe('missing');
  });

  it('copies many files in worker threads, equal contents stored once, results in file order', async () => {
    const store = new ObjectStore(join(dir, 'store'));
    const files = Array.from({ length: 600 }, (_, i) => {
      const file = join(dir, `f${i}`);
      writeFileSync(file, `content ${i % 450}\n`.repeat(1 + (i % 7)));
      return file;
    });
    const batch = store.batch();
    const seen: number[] = [];
    const stored = await batch.putMany(files, (done) => seen.push(done.files));
    expect(stored.map((s) => s.hash)).toEqual(files.map((_, i) => sha256(`content ${i % 450}\n`.repeat(1 + (i % 7))).toString('hex')));
    expect(seen.at(-1)).toBe(600);
    await batch.commit();
    const objects = new Set(stored.map((s) => s.hash));
    for (const hash of objects) expect(await store.verify(hash)).toBe('ok');
    expect(readdirSync(join(store.root, 'objects', 'incoming'))).toEqual([]);
  });

  it('leaves nothing under an object name when a snapshot is abandoned', async () => {
    const store = new ObjectStore(join(dir, 'store'));
    writeFileSync(join(dir, 'one'), 'abandoned');
    const batch = store.batch();
    const { hash } = await batch.put(join(dir, 'one'));
    await batch.abandon();
    expect(await store.has(hash)).toBe(false);
    expect(readdirSync(join(store.root, 'objects', 'incoming'))).toEqual([]);
  });

  it('refuses an object name that is not a hash', () => {
    expect(() => new ObjectStore(dir).pathOf('../../etc/passwd')).toThrow(/not a SHA-256 object name/);
  });
});

describe('merkle root', () => {
  it('hashes pairs with 0x01 and promotes the odd node', () => {
    const leaves = ['a', 'b', 'c'].map((path) => leafHash(path, sha256(path).toString('hex')));
    const left = sha256(Buffer.from([1]), leaves[0]!, leaves[1]!);
    expect(merkleRoot(leaves)).toBe(sha256(Buffer.from([1]), left, leaves[2]!).toString('hex'));
    expect(leaves[0]).toEqual(sha256(Buffer.from([0]), 'a', Buffer.from([0]), sha256('a')));
  });

  it('gives the same root when an earlier tree lends its unchanged nodes, at any leaf count', () => {
    for (const count of [1, 2, 3, 7, 64, 101]) {
      const leaves = Array.from({ length: count }, (_, i) => leafHash(`f${i}`, sha256(`${i}`).toString('hex')));
      const before = merkleLevels(Buffer.concat(leaves));
      expect(before).toHaveLength(levelsSize(count));
      expect(rootOfLevels(before)).toBe(merkleRoot(leaves));
      for (const changed of [[0], [count - 1], [Math.floor(count / 2), count - 1]]) {
        const after = leaves.map((leaf, i) => (changed.includes(i) ? leafHash(`f${i}`, sha256(`new ${i}`).toString('hex')) : leaf));
        expect(rootOfLevels(merkleLevels(Buffer.concat(after), before))).toBe(merkleRoot(after));
      }
    }
    expect(rootOfLevels(merkleLevels(Buffer.alloc(0)))).toBe(merkleRoot([]));
  });

  it('lends nothing from a tree of another size', () => {
    const leaves = ['a', 'b', 'c'].map((path) => leafHash(path, sha256(path).toString('hex')));
    const stale = merkleLevels(Buffer.concat([...leaves, leaves[0]!]));
    expect(rootOfLevels(merkleLevels(Buffer.concat(leaves), stale))).toBe(merkleRoot(leaves));
  });
});
