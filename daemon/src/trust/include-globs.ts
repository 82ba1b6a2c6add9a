// Include globs compiled twice over: picomatch for "is this file included", and per path segment
// for "could anything under this directory be included", which lets a scan list only the root
// and `.claude/` for the default globs and walk the whole tree only when a `**` asks for it.
// Matching ignores case: on macOS `claude.md` is the file an agent opens as CLAUDE.md.
import picomatch from 'picomatch';

const OPTIONS = { dot: true, nocase: true } as const;

type Segment = { kind: 'globstar' } | { kind: 'literal'; text: string } | { kind: 'glob'; test: (name: string) => boolean };

export interface IncludeGlobs {
  /** `path` is workdir-relative with `/` separators. */
  matches(path: string): boolean;
  /**
   * Whether a file under directory `dirSegments` could match. With `literalOnly`, the last
   * segment counts only when a glob names it literally: how a skipped-by-default directory
   * such as `.cache` is entered only for an include like `.cache/agents/*.md`.
   */
  mayContain(dirSegments: readonly string[], literalOnly: boolean): boolean;
}

function segmentOf(part: string): Segment {
  // A brace or extglob spanning a `/` ({a,b/c}) is one part to picomatch.scan; treating it like
  // `**` only makes the scan look in more places, never fewer.
  if (part.includes('**') || part.includes('/')) return { kind: 'globstar' };
  if (!picomatch.scan(part).isGlob) return { kind: 'literal', text: part.toLowerCase() };
  const test = picomatch(part, OPTIONS);
  return { kind: 'glob', test };
}

function reaches(segments: Segment[], dir: readonly string[], literalOnly: boolean): boolean {
  for (let i = 0; i < dir.length; i++) {
    const segment = segments[i];
    const name = dir[i]!;
    const strict = literalOnly && i === dir.length - 1;
    if (segment === undefined) return false;
    if (segment.kind === 'globstar') return !strict;
    if (segment.kind === 'literal' ? segment.text !== name.toLowerCase() : strict || !segment.test(name)) return false;
  }
  return segments.length > dir.length;
}

export function compileIncludeGlobs(patterns: readonly string[]): IncludeGlobs {
  // One alternation of picomatch's regexes: a walk tests every file name, and one regex is
  // several times faster than picomatch trying each pattern in turn.
  const all = new RegExp(patterns.map((pattern) => `(?:${picomatch.makeRe(pattern, OPTIONS).source})`).join('|') || '(?!)', 'i');
  const matches = (path: string): boolean => all.test(path);
  const split = patterns.map((pattern) => picomatch.scan(pattern, { parts: true }).parts!.map(segmentOf));
  return {
    matches,
    mayContain: (dir, literalOnly) => split.some((segments) => reaches(segments, dir, literalOnly)),
  };
}
