// No path can leave its string in a Seatbelt profile: over random paths full of quotes,
// backslashes, parentheses, semicolons, `#|` and non-ASCII, every profile reads back as
// S-expressions with each path inside its own filter, byte for byte; a path with a NUL, a
// newline or another control character is refused with an error naming what it holds.
import { describe, expect, it } from 'vitest';
import { NonoError, type PlanRule, type SandboxPlan } from '@nono/shared';
import { quote } from '../../src/sandbox/seatbelt/sbpl-writer.js';
import { seatbeltProfile } from '../../src/sandbox/seatbelt/seatbelt-profile.js';
import { readSexps, stringsIn, type Node } from '../fixtures/seatbelt/sexp-reader.js';

const RUNS = 400;
const PIECES = ['"', '\\', '\\"', '(', ')', ';', '#|', '|#', '#', "'", '`', ' ', '$HOME', '*', '..', 'é', 'ü', '中文', '😀', '\u00a0', '\u2028', '\u0301', 'a', 'b', 'Z', '9', '_', '-', '.', '"))(allow default)', '; (deny', '|', '{', '}', '[', ']'];

/** A small seeded generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomPath(next: () => number): string {
  const segments = 1 + Math.floor(next() * 4);
  const parts: string[] = [];
  for (let s = 0; s < segments; s++) {
    let segment = '';
    const length = 1 + Math.floor(next() * 6);
    for (let i = 0; i < length; i++) segment += PIECES[Math.floor(next() * PIECES.length)]!.replaceAll('/', '');
    parts.push(segment);
  }
  return `/${parts.join('/')}`;
}

function planWith(paths: string[], next: () => number): SandboxPlan {
  const kinds: PlanRule['kind'][] = ['dir', 'file', 'device', 'socket', 'skeleton'];
  const accesses: PlanRule['access'][] = ['read', 'write', 'readwrite'];
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)]!;
  const [a, b, c, d, e, f] = paths as [string, string, string, string, string, string];
  return {
    profile: `p ${b}\n(allow default)`,
    profileChain: [],
    groups: [],
    workdir: a,
    hosts: { networkProfile: null, allow: [], deny: [], credentials: [], endpointRules: {}, customRoutes: {}, enforced: false },
    interactive: false,
    rules: [a, b, c].map((path) => ({ path, access: pick(accesses), kind: pick(kinds), source: `--allow ${path}\n(allow default)`, noDelete: next() < 0.5 })),
    denied: [{ path: d, source: `deny ${d}` }],
    isolation: { mode: 'view', reason: null, missing: [] },
    masks: [],
    blockedCommands: [{ name: 'x', path: e, source: 'test' }],
    readonly: [{ path: f, source: 'test' }],
    limits: { memoryBytes: null, maxProcesses: null },
    privateTmp: null,
    symlinks: [],
    network: pick(['allow', 'block', 'proxied'] as const),
    scopes: [],
    cwd: a,
    env: { passed: [], dropped: [] },
    notes: [],
  };
}

/** The string each path filter holds, per operation head: ["deny", "subpath", "/x"]. */
function filters(nodes: Node[], verb = ''): string[][] {
  const found: string[][] = [];
  for (const node of nodes) {
    if (node.type !== 'list') continue;
    const first = node.items[0];
    const head = first?.type === 'atom' ? first.value : '';
    const arg = node.items[1];
    if (['subpath', 'literal', 'path-literal'].includes(head) && arg?.type === 'string' && node.items.length === 2) found.push([verb, head, arg.value]);
    found.push(...filters(node.items, head === 'allow' || head === 'deny' ? head : verb));
  }
  return found;
}

const ancestorsOf = (path: string): string[] => path.split('/').slice(1, -1).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}`).concat('/');

describe('paths in Seatbelt profiles', () => {
  it(`round-trip exactly and stay inside their filters (${RUNS} random plans)`, () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const next = random(seed);
      const paths = Array.from({ length: 6 }, () => randomPath(next));
      const plan = planWith(paths, next);
      const profile = seatbeltProfile(plan, { proxyPort: 1 + Math.floor(next() * 65535), terminal: '/dev/ttys001' });
      let forms: Node[];
      try {
        forms = readSexps(profile);
      } catch (error) {
        throw new Error(`seed ${seed}: ${(error as Error).message}\n${profile}`);
      }
      // Every form is a rule: nothing a path or source says became a form of its own.
      for (const form of forms) {
        const first = form.type === 'list' ? form.items[0] : undefined;
        expect(first?.type === 'atom' && ['version', 'allow', 'deny'].includes(first.value), `seed ${seed}`).toBe(true);
      }
      const found = filters(forms).map((f) => f.join(' '));
      const [a, b, c, d, e, f] = paths as [string, string, string, string, string, string];
      expect(found, `seed ${seed}`).toEqual(expect.arrayContaining([`deny subpath ${d}`, `deny literal ${e}`, `deny subpath ${f}`]));
      for (const r of plan.rules) {
        const verb = r.kind === 'socket' ? 'allow path-literal' : r.kind === 'dir' || r.kind === 'skeleton' ? 'allow subpath' : 'allow literal';
        expect(found, `seed ${seed}: ${JSON.stringify(r.path)}`).toContain(`${verb} ${r.path}`);
      }
      // And no string that is not one of the paths, one of their parents, or the profile's own.
      const known = new Set([a, b, c, d, e, f, ...[a, b, c].flatMap(ancestorsOf), '/dev/ptmx', '/dev/ttys001', '/private/var/run/mDNSResponder']);
      for (const value of stringsIn(forms)) {
        if (!value.startsWith('/')) continue;
        expect(known.has(value), `seed ${seed}: unexpected string ${JSON.stringify(value)}`).toBe(true);
      }
    }
  });

  it('quote escapes only backslash and double quote', () => {
    expect(quote('/a"b\\c(d);e#|f')).toBe('"/a\\"b\\\\c(d);e#|f"');
    expect(readSexps(`(x ${quote('/a"b\\c(d);e#|f')})`)).toEqual([{ type: 'list', items: [{ type: 'atom', value: 'x' }, { type: 'string', value: '/a"b\\c(d);e#|f' }] }]);
  });

  it('refuses a path with a NUL, a newline or another control character, naming it', () => {
    const next = random(7);
    const base = Array.from({ length: 6 }, () => '/ok');
    for (const [bad, named] of [
      ['/a\0b', 'a NUL byte'],
      ['/a\nb', 'a newline'],
      ['/a\rb', 'U+000D'],
      ['/a\tb', 'U+0009'],
      ['/a\u007fb', 'U+007F'],
      ['/a\ud800b', 'lone UTF-16 surrogate'],
    ] as const) {
      for (let slot = 0; slot < 6; slot++) {
        const paths = [...base];
        paths[slot] = bad;
        let thrown: unknown;
        try {
          seatbeltProfile(planWith(paths, next), { proxyPort: 3128 });
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `${JSON.stringify(bad)} in slot ${slot}`).toBeInstanceOf(NonoError);
        expect((thrown as NonoError).kind).toBe('PATH_INVALID');
        expect((thrown as NonoError).message).toContain(named);
        expect((thrown as NonoError).message).toContain(JSON.stringify(bad));
      }
    }
    expect(() => seatbeltProfile(planWith(['/ok', '/ok', '/ok', '/ok', '/ok', '/ok'], next), { proxyPort: 3128, terminal: '/dev/ttys\n1' })).toThrow(/a newline/);
  });

  it('refuses a relative path', () => {
    const paths = ['/ok', '/ok', '/ok', 'relative/path', '/ok', '/ok'];
    expect(() => seatbeltProfile(planWith(paths, random(3)), { proxyPort: 3128 })).toThrow(/not an absolute path/);
  });
});
