// The object store's layout and dedup, and the Merkle rule written out by hand.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/snapshots/hashing.js';
import { leafHash, merkleRoot } from '../../src/snapshots/merkle.js';
import { ObjectStore } from '../../src/snapshots/object-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nono-objects-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('object store', () => {
  it('stores content under its SHA-256 with a two-level fan-out, once', async () => {
    const store = new ObjectStore(join(dir, 'store'));
    writeFileSync(join(dir, 'one'), 'same bytes');
    writeFileSync(join(dir, 'two'), 'same bytes');
    const first = await store.put(join(dir, 'one'));
    const expected = sha256('same bytes').toString('hex');
    expect(first).toEqual({ hash: expected, size: 10 });
    const path = join(store.root, 'objects', expected.slice(0, 2), expected.slice(2, 4), expected);
    expect(store.pathOf(expected)).toBe(path);
    const written = statSync(path).mtimeMs;

    expect(await store.put(join(dir, 'two'))).toEqual(first);
    expect(statSync(path).mtimeMs).toBe(written);
    expect(readdirSync(join(store.root, 'objects', 'incoming'))).toEqual([]);
    expect((await store.read(expected)).toString()).toBe('same bytes');
    expect(await store.verify(expected)).toBe('ok');
    expect(await store.verify(sha256('never stored').toString('hex'))).toBe('missing');
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
});
