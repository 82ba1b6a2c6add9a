// The plan's later stages, each alone where it is pure and through compilePlan where it needs
// the earlier ones: masks as the helper applies them, rights, nono's own rules and mounts, the
// trust verdict, and a sealed plan the spec encoder only writes out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveNonoPaths, type PlanRule } from '@nono/shared';
import { compilePlan, type PolicyServices } from '../../src/policy/compile-plan.js';
import { GroupCatalog } from '../../src/policy/group-catalog.js';
import { SecretNames } from '../../src/policy/secret-names.js';
import { NetworkProfileCatalog } from '../../src/policy/network-profiles.js';
import { ProfileLoader } from '../../src/policy/profile-loader.js';
import { appliedMasks } from '../../src/policy/plan/mask-stage.js';
import { rightsFor } from '../../src/policy/plan/landlock-rights.js';
import { privateTmpPath } from '../../src/sandbox/private-tmp.js';
import { encodeSpec } from '../../src/sandbox/encode-spec.js';
import { FETCH_PRELOAD } from '../../src/network/session-proxy.js';
import type { TrustGateResult } from '../../src/trust/run-gate.js';

let root: string;
let home: string;
let env: Record<string, string>;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nono-stages-'));
  home = join(root, 'home');
  mkdirSync(join(home, 'project'), { recursive: true });
  mkdirSync(join(root, 'run'));
  writeFileSync(join(home, 'project', 'CLAUDE.md'), 'x');
  mkdirSync(join(root, 'data', 'profiles'), { recursive: true });
  writeFileSync(
    join(root, 'data', 'groups.json'),
    JSON.stringify({ groups: { scratch: { description: 'tmp', platform: 'linux', allow: ['/tmp'] }, system: { description: 's', platform: 'linux', read: ['/usr'] } } }),
  );
  writeFileSync(join(root, 'data', 'network.json'), JSON.stringify({ profiles: {} }));
  writeFileSync(join(root, 'data', 'profiles', 'default.json'), JSON.stringify({ groups: { include: ['scratch', 'system'] } }));
  writeFileSync(join(root, 'data', 'profiles', 'net.json'), JSON.stringify({ extends: 'default', network: { allow_domain: ['example.com'], allow_endpoints: ['api.github.com:443/repos/**'] } }));
  env = { HOME: home, XDG_RUNTIME_DIR: join(root, 'run'), XDG_STATE_HOME: join(root, 'state'), PATH: '/usr/bin' };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const services = (view: boolean, runtime = join(root, 'run')): PolicyServices => ({
  isolation: view ? { view: true, reason: null } : { view: false, reason: 'test' },
  paths: resolveNonoPaths({ ...env, XDG_RUNTIME_DIR: runtime }),
  groups: GroupCatalog.load(join(root, 'data', 'groups.json')),
  networkProfiles: NetworkProfileCatalog.load(join(root, 'data', 'network.json')),
  secretNames: SecretNames.load(),
  profiles: new ProfileLoader(join(root, 'user-profiles'), join(root, 'data', 'profiles')),
  daemonHome: home,
});
const request = (extra: Record<string, unknown> = {}) => ({ cwd: join(home, 'project'), env, ...extra });

describe('the mask stage', () => {
  it('masks only inside directories bound whole; what a rebuilt directory leaves out needs none', () => {
    const rule = (path: string, kind: PlanRule['kind'], own = false): PlanRule => ({ path, access: 'read', kind, source: 't', ...(own ? { own } : {}) });
    const rules = [rule('/a', 'dir'), rule('/h', 'skeleton'), rule('/h/p', 'dir'), rule('/tmp', 'dir', true)];
    const masks = [{ path: '/a/x', source: 's' }, { path: '/h/y', source: 's' }, { path: '/tmp/z', source: 's' }, { path: '/a', source: 's' }];
    expect(appliedMasks(rules, masks)).toEqual({
      masks: [{ path: '/a/x', source: 's' }],
      leftOut: [{ path: '/h/y', source: 's' }, { path: '/tmp/z', source: 's' }, { path: '/a', source: 's' }],
    });
  });
});

describe('the rights stage', () => {
  it('gives a file only the rights Landlock applies on files, and withholds deletes under no-delete', () => {
    expect(rightsFor({ access: 'readwrite', kind: 'file' })).toEqual(['read_file', 'execute', 'write_file', 'truncate']);
    expect(rightsFor({ access: 'readwrite', kind: 'dir', noDelete: true })).not.toEqual(expect.arrayContaining(['remove_file']));
    expect(rightsFor({ access: 'read', kind: 'skeleton' })).toEqual(['read_file', 'read_dir', 'execute']);
  });
});

describe("nono's own stage", () => {
  it("lists the view's own /dev, /dev/pts, /dev/shm and private /tmp with the helper's rules, named after the session", () => {
    const { plan, env: childEnv, privateTmpDir } = compilePlan(request(), services(true), { sessionId: 'abc123', trust: undefined });
    expect(plan.privateTmp).toBe(privateTmpPath('abc123'));
    expect(privateTmpDir).toBe(privateTmpPath('abc123'));
    expect(childEnv.TMPDIR).toBe('/tmp');
    expect(plan.rules.filter((r) => r.own).map((r) => [r.path, r.source])).toEqual([
      ['/dev/pts', "nono: sandbox's own /dev/pts"],
      ['/dev/shm', "nono: sandbox's own /dev/shm"],
      ['/tmp', "nono: sandbox's own /tmp"],
    ]);
    expect(plan.rules.find((r) => r.path === '/dev/pts')!.rights).toEqual(['read_file', 'write_file', 'ioctl_dev']);
    expect(plan.ownMounts!.filter((m) => m.type !== 'symlink')).toEqual([
      { path: '/dev', type: 'tmpfs', from: null, source: "nono: sandbox's own /dev" },
      { path: '/dev/pts', type: 'devpts', from: null, source: "nono: sandbox's own /dev/pts" },
      { path: '/dev/shm', type: 'tmpfs', from: null, source: "nono: sandbox's own /dev/shm" },
      { path: '/tmp', type: 'bind', from: privateTmpPath('abc123'), source: "nono: sandbox's own /tmp" },
    ]);
  });

  it('on Landlock alone grants the private TMPDIR as a rule when /tmp holds the runtime dir, and adds no view of its own', () => {
    const { plan, env: childEnv, privateTmpDir } = compilePlan(request(), services(false, '/tmp/nono-stages-run'), { sessionId: 'abc123', trust: undefined });
    expect(plan.privateTmp).toBeNull();
    expect(privateTmpDir).toBe(privateTmpPath('abc123'));
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: privateTmpPath('abc123'), access: 'readwrite', source: 'private TMPDIR' }));
    expect(childEnv.TMPDIR).toBe(privateTmpPath('abc123'));
    expect(plan.rules.some((r) => r.own)).toBe(false);
    expect(plan.ownMounts).toEqual([]);
  });

  it('grants the fetch() preload and the session CA files before the proxy starts, at the paths it will write', () => {
    const { plan, env: childEnv } = compilePlan(request({ profile: 'net' }), services(false), { sessionId: 'abc123', trust: undefined });
    expect(plan.network).toBe('proxied');
    expect(childEnv.NODE_OPTIONS).toContain(FETCH_PRELOAD);
    const proxies = join(root, 'run', 'nono', 'proxies');
    expect(plan.rules.filter((r) => r.source === 'nono: session CA for intercepted hosts').map((r) => r.path)).toEqual([join(proxies, 'abc123-ca.pem'), join(proxies, 'abc123-bundle.pem')]);
  });
});

describe('the trust stage', () => {
  const verdict = (paths: string[]): TrustGateResult =>
    ({
      report: { enforcement: 'deny', decision: 'proceed', results: paths.map((path) => ({ path, status: 'signed' })), failures: [], signedFiles: paths, readOnlyPaths: paths },
      notes: [],
      overridden: false,
    }) as unknown as TrustGateResult;

  it('makes signed files in writable grants read-only in the view and says why it cannot on Landlock alone', () => {
    const signed = join(home, 'project', 'CLAUDE.md');
    const inView = compilePlan(request({ allowCwd: true }), services(true), { sessionId: 'x', trust: verdict([signed]) }).plan;
    expect(inView.trust).toEqual({ enforcement: 'deny', overridden: false, files: [{ path: signed, status: 'signed' }] });
    expect(inView.readonly).toContainEqual({ path: signed, source: 'trust: signed instruction file' });
    const alone = compilePlan(request({ allowCwd: true }), services(false), { sessionId: 'x', trust: verdict([signed]) }).plan;
    expect(alone.readonly).toEqual([]);
    expect(alone.notes.join('\n')).toMatch(/signed instruction file\(s\) stay writable/);
    expect(compilePlan(request(), services(true)).plan.trust).toBeNull();
  });
});

describe('the sealed plan', () => {
  it('cannot be changed after compiling, and the encoder writes its rights and leaves the view its own', () => {
    const { plan } = compilePlan(request({ allowCwd: true }), services(true), { sessionId: 'x', trust: undefined });
    expect(Object.isFrozen(plan.rules)).toBe(true);
    expect(() => (plan.rules as PlanRule[]).push(plan.rules[0]!)).toThrow();
    const records = encodeSpec(plan).toString('utf8').split('\0');
    const workdir = plan.rules.find((r) => r.source === '--allow-cwd')!;
    expect(records).toContain(`fs ${workdir.rights!.join(',')} ${workdir.path}`);
    expect(records.some((r) => r.endsWith(' /dev/pts'))).toBe(false);
    expect(records).toContain(`tmp ${plan.privateTmp}`);
    expect(() => encodeSpec({ ...plan, rules: [{ path: '/x', access: 'read', kind: 'dir', source: 'hand-made' }] })).toThrow(/no rights/);
  });
});
