// The plan compile's lookups are remembered for one compile and never for the next: a symlink
// moved, or a path created, between two runs changes the second plan.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalOrLexical, withPathLookups } from '../../src/resolve-path.js';

const dir = mkdtempSync(join(tmpdir(), 'nono-path-lookups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withPathLookups', () => {
  it('answers alike within one pass, and afresh in the next', () => {
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    const link = join(dir, 'link');
    symlinkSync(join(dir, 'a'), link);
    const first = withPathLookups(() => {
      const before = canonicalOrLexical(join(link, 'secret'));
      unlinkSync(link);
      symlinkSync(join(dir, 'b'), link);
      return [before, canonicalOrLexical(join(link, 'secret'))];
    });
    expect(first).toEqual([join(dir, 'a/secret'), join(dir, 'a/secret')]);
    expect(withPathLookups(() => canonicalOrLexical(join(link, 'secret')))).toBe(join(dir, 'b/secret'));
    expect(canonicalOrLexical(join(link, 'secret'))).toBe(join(dir, 'b/secret'));
  });

  it('sees a directory created after a pass that found it missing', () => {
    const later = join(dir, 'later');
    expect(withPathLookups(() => canonicalOrLexical(join(later, 'x')))).toBe(join(later, 'x'));
    symlinkSync(join(dir, 'a'), later);
    expect(withPathLookups(() => canonicalOrLexical(join(later, 'x')))).toBe(join(dir, 'a/x'));
  });
});
