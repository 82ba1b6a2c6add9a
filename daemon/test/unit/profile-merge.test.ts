// How an extends chain merges: lists add up, maps merge child-wins, scalars are the child's,
// network.block never turns off, and the older security.groups reads as groups.include.
import { describe, expect, it } from 'vitest';
import { mergeProfiles } from '../../src/policy/profile-loader.js';
import { filterEnvironment, matchesVariable } from '../../src/policy/environment.js';
import { SecretNames } from '../../src/policy/secret-names.js';
import { compileRules, decideName } from '../../src/network/host-rules.js';

describe('mergeProfiles', () => {
  it('appends lists without duplicates and keeps the child scalar', () => {
    const merged = mergeProfiles(
      { filesystem: { read: ['/a', '/b'] }, workdir: { access: 'read' }, network: { network_profile: 'x' } },
      { filesystem: { read: ['/b', '/c'], allow: ['/d'] }, workdir: { access: 'readwrite' } },
    );
    expect(merged.filesystem).toEqual({ read: ['/a', '/b', '/c'], allow: ['/d'] });
    expect(merged.workdir).toEqual({ access: 'readwrite' });
    expect(merged.network?.network_profile).toBe('x');
  });

  it('never lets a child unblock the network', () => {
    expect(mergeProfiles({ network: { block: true } }, { network: { block: false } }).network?.block).toBe(true);
    expect(mergeProfiles({ network: { block: false } }, { network: { block: true } }).network?.block).toBe(true);
  });

  it('merges set_vars and meta key by key, child winning', () => {
    const merged = mergeProfiles(
      { meta: { name: 'a', author: 'x' }, environment: { set_vars: { A: '1', B: '1' } } },
      { meta: { name: 'b' }, environment: { set_vars: { B: '2' } } },
    );
    expect(merged.meta).toEqual({ name: 'b', author: 'x' });
    expect(merged.environment?.set_vars).toEqual({ A: '1', B: '2' });
  });

  it('reads security.groups as groups.include and drops extends', () => {
    const merged = mergeProfiles({ groups: { include: ['a'] } }, { extends: 'p', security: { groups: ['b'] }, groups: { exclude: ['c'] } });
    expect(merged.groups).toEqual({ include: ['a', 'b'], exclude: ['c'] });
    expect(merged).not.toHaveProperty('extends');
    expect(merged).not.toHaveProperty('security');
  });
});

describe('environment patterns', () => {
  it('matches trailing-* prefixes and exact names', () => {
    expect(matchesVariable('LC_ALL', 'LC_*')).toBe(true);
    expect(matchesVariable('LC', 'LC_*')).toBe(false);
    expect(matchesVariable('PATH', 'PATH')).toBe(true);
  });

  it('lets deny beat allow and keeps hijack variables out of patterns', () => {
    const { env } = filterEnvironment(
      { AWS_SECRET: 's', AWS_REGION: 'r', LD_PRELOAD: 'x', NONO_SOCKET: '/s' },
      { allow_vars: ['AWS_*', 'LD_*', 'NONO_*'], deny_vars: ['AWS_SECRET'] },
      SecretNames.load(),
    );
    expect(env).toEqual({ AWS_REGION: 'r' });
  });
});

describe('host rules', () => {
  const allowed = (host: string, port: number, allow: string[], deny: string[] = []) => decideName(compileRules(allow, deny), host, port).allowed;

  it('match exact hosts, *.domain subdomains only, and an optional port', () => {
    expect(allowed('api.anthropic.com', 443, ['api.anthropic.com'])).toBe(true);
    expect(allowed('API.Anthropic.com.', 443, ['api.anthropic.com'])).toBe(true);
    expect(allowed('a.b.github.com', 443, ['*.github.com'])).toBe(true);
    expect(allowed('github.com', 443, ['*.github.com'])).toBe(false);
    expect(allowed('evilgithub.com', 443, ['*.github.com'])).toBe(false);
    expect(allowed('example.com', 8443, ['example.com:8443'])).toBe(true);
    expect(allowed('example.com', 443, ['example.com:8443'])).toBe(false);
    expect(allowed('::1', 80, ['[::1]:80'])).toBe(true);
  });

  it('let deny_domain and the hard denies win over any allow', () => {
    expect(allowed('x.example.com', 443, ['*.example.com'], ['x.example.com'])).toBe(false);
    expect(allowed('169.254.169.254', 80, ['169.254.169.254'])).toBe(false);
    expect(allowed('metadata.google.internal', 80, ['metadata.google.internal'])).toBe(false);
    expect(allowed('fe80::1', 80, ['fe80::1'])).toBe(false);
  });
});
