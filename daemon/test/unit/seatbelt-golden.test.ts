// The Seatbelt profiles of fixed plans (default, claude-code, a deny inside a grant, the
// opt-ins) match reviewed files, and parse as S-expressions. After a deliberate change to the
// mapping: UPDATE_GOLDEN=1 npx vitest run daemon/test/unit/seatbelt-golden.test.ts, then
// review the diff of daemon/test/fixtures/seatbelt/*.sb like code.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SandboxPlan } from '@nono/shared';
import { seatbeltProfile, type SeatbeltOptions } from '../../src/sandbox/seatbelt/seatbelt-profile.js';
import { readSexps, type Node } from '../fixtures/seatbelt/sexp-reader.js';

const FIXTURES = new URL('../fixtures/seatbelt/', import.meta.url);

const CASES: { name: string; options: SeatbeltOptions }[] = [
  { name: 'default', options: {} },
  { name: 'claude-code', options: { proxyPort: 43128, terminal: '/dev/ttys003' } },
  { name: 'deny-inside-allow', options: {} },
  { name: 'opt-ins', options: { allowGpu: true, allowLaunchServices: true, terminal: '/dev/ttys007' } },
];

function plan(name: string): SandboxPlan {
  return JSON.parse(readFileSync(new URL(`${name}.plan.json`, FIXTURES), 'utf8')) as SandboxPlan;
}

const head = (node: Node): string => (node.type === 'list' && node.items[0]?.type === 'atom' ? node.items[0].value : '');

describe('Seatbelt profiles of fixed plans', () => {
  for (const { name, options } of CASES) {
    it(`${name}: matches ${name}.sb`, () => {
      const profile = seatbeltProfile(plan(name), options);
      const golden = new URL(`${name}.sb`, FIXTURES);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, profile);
      expect(profile).toBe(readFileSync(golden, 'utf8'));
    });

    it(`${name}: is version 1 and deny default, and no allow follows a protected path's deny`, () => {
      const forms = readSexps(seatbeltProfile(plan(name), options));
      expect(forms.slice(0, 2).map((f) => (f.type === 'list' ? f.items.map((i) => (i.type === 'list' ? '' : i.value)).join(' ') : ''))).toEqual(['version 1', 'deny default']);
      const heads = forms.slice(2).map(head);
      const firstProtected = forms.findIndex((f) => f.type === 'list' && f.items.map((i) => (i.type === 'atom' ? i.value : '')).join(' ').startsWith('deny file-read* file-write* process-exec'));
      expect(firstProtected).toBeGreaterThan(2);
      expect(heads.slice(0, firstProtected - 2).every((h) => h === 'allow' || h === 'deny')).toBe(true);
      expect(heads.slice(firstProtected - 2).every((h) => h === 'deny')).toBe(true);
    });

    it(`${name}: denies the user's other terminals after the /dev grant, then allows only the session's`, () => {
      const profile = seatbeltProfile(plan(name), options);
      const ttyDeny = profile.indexOf('(deny file-read* file-write* (regex #"^/dev/ttys[0-9]+$"))');
      expect(ttyDeny).toBeGreaterThan(profile.lastIndexOf('; group system_'));
      const own = options.terminal === undefined ? -1 : profile.indexOf(`(allow file-read* file-write* (literal "${options.terminal}"))`);
      if (options.terminal !== undefined) expect(own).toBeGreaterThan(ttyDeny);
    });
  }

  it('denies a protected path inside a grant after granting the grant', () => {
    const profile = seatbeltProfile(plan('deny-inside-allow'));
    const grant = profile.indexOf('(allow file-read* process-exec file-write* (subpath "/Users/dev/project"))');
    const env = profile.indexOf('(deny file-read* file-write* process-exec (subpath "/Users/dev/project/.env"))');
    expect(grant).toBeGreaterThan(0);
    expect(env).toBeGreaterThan(grant);
  });

  it('opens the network only to the proxy port when proxied, and not at all when blocked', () => {
    const proxied = seatbeltProfile(plan('claude-code'), { proxyPort: 43128 });
    expect(proxied.match(/\(allow network-(outbound|inbound|bind)[^\n]*/g)).toEqual(['(allow network-outbound (remote tcp "localhost:43128"))']);
    expect(proxied).not.toContain('com.apple.dnssd.service');
    const blocked = seatbeltProfile(plan('deny-inside-allow'));
    expect(blocked).not.toMatch(/\(allow network-/);
    expect(blocked).not.toContain('com.apple.trustd.agent');
    expect(() => seatbeltProfile(plan('claude-code'))).toThrow(/needs its proxy port/);
  });

  it('names launch services and the GPU only when the profile opts in', () => {
    const plain = seatbeltProfile(plan('opt-ins'));
    expect(plain).not.toMatch(/launchservicesd|MTLCompilerService|iokit-open/);
    const opted = seatbeltProfile(plan('opt-ins'), { allowGpu: true, allowLaunchServices: true });
    expect(opted).toMatch(/\(allow mach-lookup \(global-name "com.apple.coreservices.launchservicesd"\)\)/);
    expect(opted).toMatch(/\(allow iokit-open/);
  });
});
