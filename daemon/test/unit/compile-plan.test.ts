// The policy compiler: what a request turns into, and which grants it refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveNonoPaths, NonoError } from '@nono/shared';
import { compilePlan, type PolicyServices } from '../../src/policy/compile-plan.js';
import { GroupCatalog } from '../../src/policy/group-catalog.js';
import { SecretNames } from '../../src/policy/secret-names.js';
import { NetworkProfileCatalog } from '../../src/policy/network-profiles.js';
import { ProfileLoader } from '../../src/policy/profile-loader.js';
import { encodeSpec } from '../../src/sandbox/encode-spec.js';
import { rightsFor } from '../../src/policy/plan/landlock-rights.js';

let root: string;
let home: string;
let env: Record<string, string>;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nono-plan-'));
  home = join(root, 'home');
  mkdirSync(join(home, 'project', 'src'), { recursive: true });
  mkdirSync(join(home, '.ssh'));
  mkdirSync(join(root, 'run'));
  writeFileSync(join(home, 'project', 'notes.txt'), 'x');
  symlinkSync(join(home, '.ssh'), join(home, 'project', 'keys'));
  // A small policy of the test's own, so these cases do not move with the built-in data.
  mkdirSync(join(root, 'data', 'profiles'), { recursive: true });
  writeFileSync(
    join(root, 'data', 'groups.json'),
    JSON.stringify({
      groups: {
        deny_credentials: { description: 'keys', platform: 'all', required: true, deny: ['~/.ssh'] },
        system_read_linux: { description: 'system', platform: 'linux', read: ['/usr'] },
        system_write_linux: { description: 'scratch', platform: 'linux', allow_file: ['/dev/null'] },
      },
    }),
  );
  writeFileSync(join(root, 'data', 'network.json'), JSON.stringify({ profiles: { dev: { description: 'd', hosts: ['registry.npmjs.org'] } } }));
  writeFileSync(
    join(root, 'data', 'profiles', 'default.json'),
    JSON.stringify({ groups: { include: ['system_read_linux', 'system_write_linux'] } }),
  );
  env = { HOME: home, XDG_RUNTIME_DIR: join(root, 'run'), XDG_STATE_HOME: join(root, 'state'), PATH: '/usr/bin', LD_PRELOAD: '/evil.so', NODE_OPTIONS: '--require /evil.js', BASH_FUNC_x: '() { :; }' };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const services = (view = false): PolicyServices => ({
  isolation: view ? { view: true, reason: null } : { view: false, reason: 'user namespaces are unavailable (test)' },
  paths: resolveNonoPaths(env),
  groups: GroupCatalog.load(join(root, 'data', 'groups.json')),
  networkProfiles: NetworkProfileCatalog.load(join(root, 'data', 'network.json')),
  secretNames: SecretNames.load(),
  profiles: new ProfileLoader(join(root, 'user-profiles'), join(root, 'data', 'profiles')),
  daemonHome: home,
});
const compile = (extra: Record<string, unknown>) => compilePlan({ cwd: join(home, 'project'), env, ...extra }, services());
const compileInView = (extra: Record<string, unknown>) => compilePlan({ cwd: join(home, 'project'), env, ...extra }, services(true));

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof NonoError ? error.kind : 'NOT_A_NONO_ERROR';
  }
  return undefined;
}

describe('compilePlan', () => {
  it('grants the workdir read-write and the system read-only', () => {
    const { plan } = compile({ allowCwd: true });
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: join(home, 'project'), access: 'readwrite', kind: 'dir', source: '--allow-cwd' }));
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: '/usr', access: 'read', source: 'group system_read_linux' }));
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: '/dev/null', kind: 'device', access: 'readwrite' }));
  });

  it('resolves relative and ~ paths, and merges read and write on the same path', () => {
    const { plan } = compile({ grants: { read: ['src'], write: ['~/project/src'] } });
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: join(home, 'project', 'src'), access: 'readwrite' }));
  });

  it('refuses grants that cover, equal or sit inside a protected path', () => {
    expect(kindOf(() => compile({ grants: { allow: [home] } }))).toBe('PATH_DENIED');
    expect(kindOf(() => compile({ grants: { read: [join(home, '.ssh')] } }))).toBe('PATH_DENIED');
    expect(kindOf(() => compile({ grants: { read: ['keys'] } }))).toBe('PATH_DENIED');
    expect(kindOf(() => compile({ grants: { read: [join(root, 'run')] } }))).toBe('PATH_DENIED');
    expect(kindOf(() => compile({ grants: { allow: ['/'] } }))).toBe('PATH_DENIED');
  });

  it('lifts a deny only for a path that is also granted, and never for nono itself', () => {
    const { plan } = compile({ grants: { read: [join(home, '.ssh')] }, bypassProtection: ['~/.ssh'] });
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: join(home, '.ssh'), access: 'read' }));
    expect(plan.denied.map((d) => d.path)).not.toContain(join(home, '.ssh'));
    expect(kindOf(() => compile({ bypassProtection: ['~/.ssh'] }))).toBe('PATH_DENIED');
    expect(kindOf(() => compile({ grants: { read: [join(root, 'run')] }, bypassProtection: [join(root, 'run')] }))).toBe('PATH_DENIED');
  });

  it('resolves $WORKDIR from --workdir and records the host lists of a network profile', () => {
    const { plan } = compile({ workdir: 'src', allowCwd: true, networkProfile: 'dev', allowDomain: ['api.example.com'] });
    expect(plan.workdir).toBe(join(home, 'project', 'src'));
    expect(plan.hosts).toMatchObject({ networkProfile: 'dev', allow: ['registry.npmjs.org', 'api.example.com'], enforced: true });
    expect(plan.network).toBe('proxied');
    expect(kindOf(() => compile({ networkProfile: 'nope' }))).toBe('PROFILE_INVALID');
  });

  it('refuses missing paths and directories given to a *-file flag', () => {
    expect(kindOf(() => compile({ grants: { read: ['/no/such'] } }))).toBe('PATH_NOT_FOUND');
    expect(kindOf(() => compile({ grants: { readFile: ['src'] } }))).toBe('PATH_INVALID');
    expect(compile({ grants: { readFile: ['notes.txt'] } }).plan.rules).toContainEqual(expect.objectContaining({ kind: 'file', access: 'read' }));
  });

  it('drops loader-hijack variables and keeps the rest', () => {
    const { env: childEnv, plan } = compile({});
    expect(childEnv.PATH).toBe('/usr/bin');
    expect(childEnv.LD_PRELOAD).toBeUndefined();
    expect(childEnv.NODE_OPTIONS).toBeUndefined();
    expect(plan.env.dropped).toEqual(['BASH_FUNC_x', 'LD_PRELOAD', 'NODE_OPTIONS']);
  });

  it('blocks the network only when asked', () => {
    expect(compile({}).plan.network).toBe('allow');
    expect(compile({ netBlock: true }).plan.network).toBe('block');
  });

  it('asks instead of denying only when asked (--ask or security.approvals): an open network becomes proxied, files need the helper', () => {
    expect(compile({}).plan.approvals).toEqual({ network: false, files: false });
    const asked = compile({ ask: true }).plan;
    expect(asked).toMatchObject({ approvals: { network: true, files: false }, network: 'proxied', hosts: { allow: [], enforced: true } });
    expect(asked.notes).toEqual(expect.arrayContaining([expect.stringMatching(/file approvals need SECCOMP_IOCTL_NOTIF_ADDFD/)]));
    mkdirSync(join(root, 'user-profiles'), { recursive: true });
    writeFileSync(join(root, 'user-profiles', 'asking.json'), JSON.stringify({ extends: 'default', security: { approvals: true } }));
    expect(compile({ profile: 'asking' }).plan.approvals).toEqual({ network: true, files: false });
    writeFileSync(join(root, 'user-profiles', 'asking-alone.json'), JSON.stringify({ security: { approvals: true } }));
    expect(compile({ profile: 'asking-alone' }).plan.approvals).toEqual({ network: true, files: false });
    writeFileSync(join(root, 'user-profiles', 'not-asking.json'), JSON.stringify({ extends: 'asking', security: { approvals: false } }));
    expect(compile({ profile: 'not-asking' }).plan.approvals).toEqual({ network: false, files: false });
    expect(compilePlan({ cwd: join(home, 'project'), env, ask: true }, { ...services(), fileApprovals: true }).plan.approvals).toEqual({ network: true, files: true });
    const inView = compilePlan({ cwd: join(home, 'project'), env, ask: true }, { ...services(true), fileApprovals: true }).plan;
    expect(inView.isolation.mode).toBe('view');
    expect(inView.approvals).toEqual({ network: true, files: true });
    const blocked = compile({ ask: true, netBlock: true }).plan;
    expect(blocked).toMatchObject({ approvals: { network: false }, network: 'block' });
  });
});

describe('compilePlan with the private view', () => {
  it('masks protected paths inside a grant instead of refusing it, and nono\'s own files too', () => {
    const { plan, privateTmp } = compileInView({ grants: { allow: [home] } });
    expect(plan.isolation).toEqual({ mode: 'view', reason: null, missing: [] });
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: home, access: 'readwrite' }));
    // Hidden: masked where its directory is bound whole, left out where it is rebuilt.
    expect([...plan.masks, ...plan.leftOut!]).toContainEqual({ path: join(home, '.ssh'), source: 'deny_credentials' });
    expect(privateTmp).toBe(false);
    mkdirSync(join(env.XDG_RUNTIME_DIR!, 'nono'), { recursive: true });
    const root = compileInView({ grants: { read: ['/'] } }).plan;
    expect(root.masks.map((m) => m.path)).toContain(join(env.XDG_RUNTIME_DIR!, 'nono'));
  });

  it('rebuilds a granted directory without its protected entries, recreating symlinks rather than binding them', () => {
    symlinkSync(join(home, '.ssh'), join(home, 'ssh-link'));
    const { plan } = compileInView({ grants: { allow: [home] } });
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: home, kind: 'skeleton', access: 'readwrite' }));
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: join(home, 'project'), kind: 'dir', access: 'readwrite' }));
    expect(plan.rules.map((r) => r.path)).not.toContain(join(home, '.ssh'));
    expect(plan.rules.map((r) => r.path)).not.toContain(join(home, 'ssh-link'));
    expect(plan.symlinks).toContainEqual({ path: join(home, 'ssh-link'), target: join(home, '.ssh') });
  });

  it('still refuses a grant of a protected path itself or of something inside it', () => {
    expect(kindOf(() => compileInView({ grants: { read: [join(home, '.ssh')] } }))).toBe('PATH_DENIED');
    expect(kindOf(() => compileInView({ grants: { read: ['keys'] } }))).toBe('PATH_DENIED');
  });

  it('write-protects existing host-exec paths in writable grants unless the profile lifts them', () => {
    mkdirSync(join(home, 'project', '.git', 'hooks'), { recursive: true });
    writeFileSync(join(home, 'project', '.git', 'config'), '[core]\n');
    mkdirSync(join(home, 'project', 'deep', 'er'), { recursive: true });
    writeFileSync(join(home, 'project', 'deep', 'er', '.envrc'), 'x');
    const { plan } = compileInView({ allowCwd: true });
    expect(plan.readonly.map((r) => r.path)).toEqual(
      expect.arrayContaining([join(home, 'project', '.git', 'hooks'), join(home, 'project', '.git', 'config'), join(home, 'project', 'deep', 'er', '.envrc')]),
    );
    // The directories around them are pinned, so none can be moved aside and replaced.
    expect(plan.pins.map((p) => p.path)).toEqual([join(home, 'project', '.git'), join(home, 'project', 'deep'), join(home, 'project', 'deep', 'er')]);
    expect(compileInView({ grants: { read: ['.'] } }).plan.readonly).toEqual([]);
    writeFileSync(join(root, 'lift.json'), JSON.stringify({ extends: 'default', filesystem: { allow_host_exec_paths: ['.git/hooks'] } }));
    const lifted = compileInView({ allowCwd: true, profile: join(root, 'lift.json') }).plan;
    expect(lifted.readonly.map((r) => r.path)).toEqual([join(home, 'project', '.git', 'config'), join(home, 'project', 'deep', 'er', '.envrc')]);
  });

  it('drops variables that point at host sockets unless the socket is granted', () => {
    const { env: childEnv, plan } = compileInView({ env: { ...env, SSH_AUTH_SOCK: '/tmp/ssh-x/agent.1', DOCKER_HOST: 'unix:///run/docker.sock', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/0/bus' } });
    expect(childEnv.SSH_AUTH_SOCK).toBeUndefined();
    expect(childEnv.DOCKER_HOST).toBeUndefined();
    expect(childEnv.DBUS_SESSION_BUS_ADDRESS).toBeUndefined();
    expect(plan.env.dropped).toEqual(expect.arrayContaining(['SSH_AUTH_SOCK', 'DOCKER_HOST', 'DBUS_SESSION_BUS_ADDRESS']));
    expect(compileInView({ env: { ...env, DOCKER_HOST: 'tcp://10.0.0.1:2375' } }).env.DOCKER_HOST).toBe('tcp://10.0.0.1:2375');
  });

  it('records the symlinks along granted paths', () => {
    symlinkSync(join(home, 'project'), join(root, 'project-link'));
    const { plan } = compileInView({ grants: { read: [join(root, 'project-link', 'src')] } });
    expect(plan.symlinks).toContainEqual({ path: join(root, 'project-link'), target: join(home, 'project') });
    expect(plan.rules).toContainEqual(expect.objectContaining({ path: join(home, 'project', 'src') }));
  });

  it('refuses to run on Landlock alone when full isolation is required', () => {
    expect(kindOf(() => compile({ requireFullIsolation: true }))).toBe('ISOLATION_UNAVAILABLE');
    expect(kindOf(() => compileInView({ requireFullIsolation: true }))).toBeUndefined();
    const landlock = compile({}).plan.isolation;
    expect(landlock.mode).toBe('landlock');
    expect(landlock.missing.join(' ')).toMatch(/deny inside allow/);
  });
});

describe('encodeSpec', () => {
  it('asks for the view and sends masks, read-only paths and symlinks in view mode only', () => {
    const records = (plan: Parameters<typeof encodeSpec>[0]) => encodeSpec(plan).toString('utf8').split('\0');
    const inView = records(compileInView({ grants: { allow: [home] } }).plan);
    expect(inView).toContain('view 1');
    expect(inView.some((r) => r.startsWith('skeleton ') && r.endsWith(` ${home}`))).toBe(true);
    expect(inView.some((r) => /^(fs|mask) /.test(r) && r.includes(join(home, '.ssh')))).toBe(false);
    expect(records(compile({ allowCwd: true }).plan)).not.toContain('view 1');
  });

  it('frames records with NULs between nono-spec 1 and end', () => {
    const spec = encodeSpec(compile({ netBlock: true }).plan, { abiCap: 3 }).toString('utf8').split('\0');
    expect(spec[0]).toBe('nono-spec 1');
    expect(spec.at(-2)).toBe('end');
    expect(spec.at(-1)).toBe('');
    expect(spec).toContain('net block');
    expect(spec).toContain('abi-cap 3');
    expect(spec).toContain('scope signal');
  });

  it('never grants mknod of devices, and ioctl only on devices', () => {
    const dir = rightsFor({ path: '/x', access: 'readwrite', kind: 'dir', source: '' });
    expect(dir).not.toContain('make_block');
    expect(dir).not.toContain('make_char');
    expect(dir).not.toContain('ioctl_dev');
    expect(rightsFor({ path: '/dev/null', access: 'readwrite', kind: 'device', source: '' })).toContain('ioctl_dev');
    expect(rightsFor({ path: '/x', access: 'read', kind: 'dir', source: '' })).toEqual(['read_file', 'read_dir', 'execute']);
  });
});
