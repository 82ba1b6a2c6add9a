// How an extends chain merges: lists add up, maps merge child-wins, scalars are the child's,
// network.block never turns off, and the older security.groups reads as groups.include.
import { describe, expect, it } from 'vitest';
import { mergeProfiles } from '../../src/policy/profile-loader.js';
import { filterEnvironment, matchesVariable } from '../../src/policy/environment.js';
import { hostMatches } from '../../src/policy/network-profiles.js';

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
    );
    expect(env).toEqual({ AWS_REGION: 'r' });
  });
});

describe('hostMatches', () => {
  it('matches exact hosts and *.domain subdomains only', () => {
    expect(hostMatches('api.anthropic.com', 'api.anthropic.com')).toBe(true);
    expect(hostMatches('API.Anthropic.com.', 'api.anthropic.com')).toBe(true);
    expect(hostMatches('a.b.github.com', '*.github.com')).toBe(true);
    expect(hostMatches('github.com', '*.github.com')).toBe(false);
    expect(hostMatches('evilgithub.com', '*.github.com')).toBe(false);
  });
});
