// The profile fragment learn proposes: valid against the profile schema, paths written
// relative to the workdir and home, bare stats left out, host names only where they are real.
import { describe, expect, it } from 'vitest';
import { learnOutput, type LearnedPath, type LearnResult } from '../../src/index.js';
import { profileProblems } from '../../../daemon/src/policy/schema-validator.js';

const grant = (path: string, access: LearnedPath['access'], kind: LearnedPath['kind'], statOnly = false): LearnedPath => ({ path, access, kind, paths: 1, statOnly, system: false, withheld: null });

const result: LearnResult = {
  command: ['npm', 'test'],
  cwd: '/home/u/proj',
  exitCode: 0,
  signal: null,
  partial: false,
  reason: null,
  paths: [
    grant('/home/u/.npmrc', 'read', 'file'),
    grant('/home/u/.cache/npm', 'readwrite', 'dir'),
    grant('/home/u/.cargo', 'read', 'dir', true),
    grant('/home/u/proj', 'readwrite', 'dir'),
    grant('/home/u/shared.log', 'write', 'file'),
    grant('/opt/tool', 'read', 'dir'),
    grant('/srv/data/out.bin', 'readwrite', 'file'),
  ],
  missing: [],
  counts: { system: 10, covered: 0, lines: 100, events: 100, processes: 3 },
  network: {
    outbound: [
      { protocol: 'tcp', address: '104.16.0.1', port: 443, count: 2, connected: true, host: 'registry.npmjs.org', hostSource: 'dns' },
      { protocol: 'tcp', address: '140.82.112.3', port: 443, count: 1, connected: true, host: 'lb-140-82-112-3-iad.github.com', hostSource: 'rdns' },
      { protocol: 'tcp', address: '127.0.0.1', port: 5432, count: 1, connected: true, host: 'localhost', hostSource: 'hosts' },
    ],
    listening: [{ protocol: 'tcp', address: '127.0.0.1', port: 3000 }],
    unixSockets: ['/run/user/1000/docker.sock'],
    dnsNames: ['registry.npmjs.org', 'api.github.com'],
  },
};

describe('learnOutput', () => {
  const { learned, ...fragment } = learnOutput(result, { home: '/home/u', workdir: '/home/u/proj' });

  it('validates against the profile schema', () => {
    expect(profileProblems(fragment)).toEqual([]);
  });

  it('writes paths under the workdir and home portably and makes the workdir its access', () => {
    expect(fragment.workdir).toEqual({ access: 'readwrite' });
    expect(fragment.filesystem).toEqual({
      read_file: ['~/.npmrc'],
      allow: ['~/.cache/npm'],
      write_file: ['~/shared.log'],
      read: ['/opt/tool'],
      allow_file: ['/srv/data/out.bin'],
      unix_socket: ['/run/user/1000/docker.sock'],
    });
  });

  it('allows the domains the command looked up, not reverse-DNS names or localhost', () => {
    expect(fragment.network).toEqual({ allow_domain: ['api.github.com', 'registry.npmjs.org'] });
  });

  it('leaves out empty sections', () => {
    const { learned: _report, ...bare } = learnOutput({ ...result, paths: [], network: { outbound: [], listening: [], unixSockets: [], dnsNames: [] } }, { home: '/home/u' });
    expect(bare).toEqual({ meta: { description: 'Learned from: npm test' } });
    expect(profileProblems(bare)).toEqual([]);
  });

  it("reports every grant in the profile's spelling, marking which the fragment proposes, with the network", () => {
    expect(learned.grants.map((g) => [g.path, g.proposed])).toEqual([
      ['~/.npmrc', true],
      ['~/.cache/npm', true],
      ['~/.cargo', false],
      ['$WORKDIR', true],
      ['~/shared.log', true],
      ['/opt/tool', true],
      ['/srv/data/out.bin', true],
    ]);
    expect(learned.network.listening).toEqual([{ protocol: 'tcp', address: '127.0.0.1', port: 3000 }]);
    expect(learned.network.outbound).toHaveLength(3);
  });

  it('never proposes a withheld grant', () => {
    const home = { ...grant('/home/u', 'readwrite', 'dir'), withheld: 'the whole home directory' };
    const { learned: report, ...withHome } = learnOutput({ ...result, paths: [home] }, { home: '/home/u' });
    expect(withHome.filesystem).toEqual({ unix_socket: ['/run/user/1000/docker.sock'] });
    expect(report.grants).toEqual([expect.objectContaining({ path: '~', proposed: false })]);
  });
});
