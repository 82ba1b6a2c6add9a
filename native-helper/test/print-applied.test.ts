// nono-helper --print-applied against the real kernel: the records must be what the spec asked
// plus what the helper adds on its own (the view's /dev, /tmp and their Landlock rules), the
// command must not run, and a spec the helper refuses must still be refused the usual way.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nameFromBytes } from '@nono/shared';
import { appliedBySpec, HelperRefused, normaliseApplied, type AppliedMount } from '../../test/support/applied-rules.js';

const helperDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const make = spawnSync('make', ['-s', '-C', helperDir], { encoding: 'utf8' });
if (make.status !== 0) throw new Error(`make failed: ${make.stderr}`);
const abi = (
  JSON.parse(spawnSync(path.join(helperDir, 'build', 'nono-helper'), ['--probe'], { encoding: 'utf8' }).stdout) as {
    landlock: { abi: number };
  }
).landlock.abi;

const specOf = (...records: (string | Buffer)[]): Buffer =>
  Buffer.concat(['nono-spec 1', ...records, 'end'].flatMap((r) => [Buffer.from(r), Buffer.from([0])]));

const READ = 'read_file,read_dir,execute';
const sorted = (rights: string) => rights.split(',').sort();

async function refusal(promise: Promise<unknown>): Promise<HelperRefused> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HelperRefused);
  return error as HelperRefused;
}

let tmp: string;
let marker: string;
let touchMarker: string[];
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'nono-print-applied-'));
  marker = path.join(tmp, 'ran');
  touchMarker = ['/bin/sh', '-c', `touch ${marker}`];
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('Landlock only', () => {
  it('prints the spec rules, ports, scope, seccomp and rlimit it applied, and runs nothing', async () => {
    const file = path.join(tmp, 'notes.txt');
    writeFileSync(file, '');
    const scopes = abi >= 6 ? ['scope signal'] : [];
    const applied = await appliedBySpec(
      specOf(
        'net filtered',
        'net-connect 443',
        'net-bind 8080',
        ...scopes,
        `cwd ${tmp}`,
        `fs ${READ} /usr`,
        `fs read_file,read_dir,write_file,make_reg,remove_file ${tmp}`,
        // Directory rights on a file mean nothing: the helper adds only the file rights.
        `fs read_file,read_dir,write_file,make_dir ${file}`,
        // A second rule on a path: Landlock grants the union.
        `fs execute ${tmp}`,
        'rlimit-as 4000000000',
      ),
      [],
      touchMarker,
    );

    expect(existsSync(marker)).toBe(false);
    expect(applied.command).toEqual(touchMarker);
    expect(applied.stderr).toBe('');
    expect(normaliseApplied(applied)).toEqual({
      view: false,
      network: 'filtered',
      landlock: [
        { path: '/usr', rights: sorted(READ) },
        { path: tmp, rights: sorted('read_file,read_dir,write_file,make_reg,remove_file,execute') },
        { path: file, rights: sorted('read_file,write_file') },
      ].sort((a, b) => (a.path < b.path ? -1 : 1)),
      ports: ['bind 8080', 'connect 443'],
      scopes: abi >= 6 ? ['signal'] : [],
      mounts: [],
      symlinks: [],
      rlimits: { as: 4000000000 },
    });
    expect(applied.landlock).toMatchObject({ abi, kernelAbi: abi, handledNet: ['bind_tcp', 'connect_tcp'], nested: false });
    expect(applied.landlock?.handledFs).toContain('truncate');
    expect(applied.cwd).toBe(tmp);
    // In the order the helper applies them: the limits last, right where exec would be.
    expect(applied.records.map((r) => r.kind).filter((k) => k !== 'landlock-fs' && k !== 'landlock-port')).toEqual([
      'command',
      'no-new-privs',
      'capabilities-dropped',
      'cwd',
      'landlock',
      'seccomp',
      'fds-closed',
      'rlimit',
    ]);
  });

  it('still prints under a one-byte rlimit-as: the records made after the limits need no new memory', async () => {
    const applied = await appliedBySpec(specOf(`fs read_dir ${tmp}`, 'rlimit-as 1', 'rlimit-nproc 3'));
    expect(applied.rlimits).toEqual({ as: 1, nproc: 3 });
  });

  it('names what best-effort dropped or skipped, and adds only what is left', async () => {
    const missing = path.join(tmp, 'missing');
    const applied = await appliedBySpec(
      specOf('abi-cap 2', 'best-effort 1', 'net block', `fs read_file,truncate ${tmp}`, `fs read_file ${missing}`),
    );
    expect(applied.landlock).toMatchObject({ abi: 2, kernelAbi: abi, handledNet: [] });
    expect(applied.landlockRules).toEqual([{ path: tmp, rights: ['read_file'] }]);
    expect(applied.dropped).toEqual([
      { kind: 'dropped', what: 'net block', needs_abi: 4, abi: 2 },
      { kind: 'dropped', what: `truncate on ${tmp}`, needs_abi: 3, abi: 2 },
    ]);
    expect(applied.skipped).toEqual([{ kind: 'skipped', record: 'fs', path: missing, error: 'No such file or directory' }]);
    expect(applied.seccomp).toBe('block');
  });

  it('prints paths as their bytes: UTF-8 as is, other bytes as lone surrogates, JSON escapes for the rest', async () => {
    const names = [Buffer.from('café'), Buffer.from([0x62, 0x61, 0x64, 0xff, 0xc3]), Buffer.from('q"b\\s\nn\tx')];
    const dirs = names.map((name) => Buffer.concat([Buffer.from(`${tmp}/`), name]));
    for (const dir of dirs) mkdirSync(dir);
    const applied = await appliedBySpec(specOf(...dirs.map((dir) => Buffer.concat([Buffer.from('fs read_dir '), dir]))));
    expect(applied.landlockRules.map((r) => r.path)).toEqual(dirs.map((dir) => nameFromBytes(dir)));
    expect(applied.landlockRules[1]!.path).toBe(`${tmp}/bad\udcff\udcc3`);
  });
});

describe('view', () => {
  const mount = (path: string, type: AppliedMount['type'], role: AppliedMount['role'], readOnly: boolean, source?: string): AppliedMount => ({
    path,
    type,
    role,
    ...(source === undefined ? {} : { source }),
    readOnly,
  });

  it('prints the spec rules plus the view’s own /dev, /tmp and Landlock rules, and runs nothing', async () => {
    const work = path.join(tmp, 'work');
    const git = path.join(work, '.git');
    const hooks = path.join(git, 'hooks');
    const secretFile = path.join(work, 'secret.env');
    const secretDir = path.join(work, 'private');
    const tool = path.join(work, 'tool');
    const skeleton = path.join(tmp, 'skel');
    const inner = path.join(skeleton, 'inner');
    const sessionTmp = path.join(tmp, 'session-tmp');
    for (const dir of [work, git, hooks, secretDir, inner, sessionTmp]) mkdirSync(dir, { recursive: true });
    writeFileSync(secretFile, 'secret\n');
    writeFileSync(tool, '#!/bin/sh\n', { mode: 0o755 });
    const rw = 'read_file,read_dir,write_file,make_reg,make_dir,remove_file,truncate';

    const applied = await appliedBySpec(
      specOf(
        'view 1',
        'net block',
        `cwd ${work}`,
        `fs ${READ} /usr`,
        'fs read_file,write_file /dev/null',
        'fs read_file,read_dir /proc',
        `fs ${rw} ${work}`,
        `skeleton read_dir ${skeleton}`,
        `fs read_file,read_dir ${inner}`,
        'symlink /nono-link',
        'symlink-target usr/bin',
        `pin ${git}`,
        `readonly ${hooks}`,
        `stub ${tool}`,
        'stub-message tool is blocked',
        `mask ${secretFile}`,
        `mask ${secretDir}`,
        `mask ${path.join(work, 'absent')}`,
        `symlink ${path.join(work, 'link')}`,
        'symlink-target elsewhere',
        `tmp ${sessionTmp}`,
        'rlimit-nproc 64',
      ),
      [],
      touchMarker,
    );

    expect(existsSync(marker)).toBe(false);
    expect(applied.command).toEqual(touchMarker);
    const normal = normaliseApplied(applied);
    expect(normal.view).toBe(true);
    expect(normal.network).toBe('block');
    expect(normal.rlimits).toEqual({ nproc: 64 });
    expect(normal.landlock).toEqual(
      [
        { path: '/usr', rights: sorted(READ) },
        { path: '/dev/null', rights: sorted('read_file,write_file') },
        { path: '/proc', rights: sorted('read_file,read_dir') },
        { path: work, rights: sorted(rw) },
        { path: skeleton, rights: ['read_dir'] },
        { path: inner, rights: sorted('read_file,read_dir') },
        // The helper's own: the session's /tmp, the view's ptys and shared memory.
        { path: '/tmp', rights: sorted('execute,read_file,read_dir,write_file,remove_dir,remove_file,make_dir,make_reg,make_sock,make_fifo,make_sym,refer,truncate') },
        { path: '/dev/pts', rights: sorted('read_file,write_file,ioctl_dev') },
        { path: '/dev/shm', rights: sorted('read_file,write_file,read_dir,make_reg,make_dir,remove_file,remove_dir,truncate') },
      ].sort((a, b) => (a.path < b.path ? -1 : 1)),
    );
    expect(normal.mounts).toEqual(
      [
        mount('/', 'tmpfs', 'root', true),
        mount('/dev', 'tmpfs', 'dev', false),
        mount('/dev/pts', 'devpts', 'dev-pts', false),
        mount('/dev/shm', 'tmpfs', 'dev-shm', false),
        mount('/tmp', 'bind', 'tmp', false, sessionTmp),
        mount('/usr', 'bind', 'grant', true, '/usr'),
        mount('/dev/null', 'bind', 'grant', false, '/dev/null'),
        mount('/proc', 'proc', 'proc', false),
        mount(work, 'bind', 'grant', false, work),
        mount(skeleton, 'tmpfs', 'skeleton', true),
        mount(inner, 'bind', 'grant', true, inner),
        mount(git, 'bind', 'pin', false, git),
        mount(hooks, 'bind', 'readonly', true, hooks),
        mount(tool, 'bind', 'stub', true),
        mount(secretFile, 'bind', 'mask', true),
        mount(secretDir, 'tmpfs', 'mask', true),
      ].sort((a, b) => (a.path < b.path ? -1 : 1)),
    );
    expect(normal.symlinks).toEqual([
      { path: '/dev/fd', target: '/proc/self/fd' },
      { path: '/dev/ptmx', target: 'pts/ptmx' },
      { path: '/dev/stderr', target: '/proc/self/fd/2' },
      { path: '/dev/stdin', target: '/proc/self/fd/0' },
      { path: '/dev/stdout', target: '/proc/self/fd/1' },
      { path: '/nono-link', target: 'usr/bin' },
    ]);
    expect(applied.skipped).toEqual([
      { kind: 'skipped', record: 'symlink', path: path.join(work, 'link'), error: 'inside a bound grant' },
      { kind: 'skipped', record: 'mask', path: path.join(work, 'absent'), error: 'No such file or directory' },
    ]);
    expect(applied.landlock).toMatchObject({ abi, nested: true });
    const kinds = applied.records.map((r) => r.kind);
    expect(kinds.indexOf('namespaces')).toBe(1);
    expect(kinds.indexOf('view-root')).toBeLessThan(kinds.indexOf('no-new-privs'));
    expect(kinds.indexOf('seccomp')).toBeLessThan(kinds.indexOf('landlock-nested'));
    expect(kinds.at(-1)).toBe('rlimit');
  });

  it('net proxied: prints the network namespace, the proxy socket’s bind and where the relay listens', async () => {
    const proxySocket = path.join(tmp, 'proxy.sock');
    const proxy = net.createServer((c) => c.destroy());
    await new Promise<void>((resolve) => proxy.listen(proxySocket, resolve));
    try {
      const applied = await appliedBySpec(
        specOf(
          'view 1',
          'net proxied',
          `proxy-socket ${proxySocket}`,
          'proxy-port 3128',
          'proxy-auth dTpw',
          'forward 127.0.0.1 5432',
          `fs ${READ} /usr`,
        ),
        [],
        touchMarker,
      );
      expect(existsSync(marker)).toBe(false);
      expect(applied.records.find((r) => r.kind === 'namespaces')).toMatchObject({ net: true });
      expect(applied.records.map((r) => r.kind)).toContain('loopback-up');
      expect(applied.mounts).toContainEqual(mount('/run/nono/proxy.sock', 'bind', 'proxy-socket', true, proxySocket));
      const listening = applied.records.filter((r) => r.kind === 'relay-listen');
      expect(listening).toContainEqual({ kind: 'relay-listen', address: '127.0.0.1', port: 3128, forward: false });
      expect(listening).toContainEqual({ kind: 'relay-listen', address: '127.0.0.1', port: 5432, forward: true });
      expect(applied.records.map((r) => r.kind)).toContain('relay-started');
      expect(applied.seccomp).toBe('proxied');
      // The namespace is the boundary: Landlock leaves TCP alone.
      expect(applied.landlock?.handledNet).toEqual([]);
      expect(applied.ports).toEqual([]);
    } finally {
      proxy.close();
    }
  });

  it('a set-up failure in the sandbox’s init still exits 125 through the helper outside, printing nothing', async () => {
    const error = await refusal(appliedBySpec(specOf('view 1', `fs read_dir ${tmp}`, `pin ${path.join(tmp, 'gone')}`), [], touchMarker));
    expect(error.code).toBe(125);
    expect(error.stderr).toMatch(/^nono-helper: cannot pin .*gone in the view: No such file or directory/);
    expect(error.stdout).toBe('');
    expect(existsSync(marker)).toBe(false);
  });

  it('with --no-userns refuses the view instead of printing a sandbox without it', async () => {
    const error = await refusal(appliedBySpec(specOf('view 1', `fs read_dir ${tmp}`), ['--no-userns'], touchMarker));
    expect(error.code).toBe(125);
    expect(error.stderr).toMatch(/user namespaces are unavailable \(disabled by --no-userns\); nothing was run/);
    expect(error.stdout).toBe('');
  });
});

describe('refusals', () => {
  it('a bad spec fails closed with the usual error and prints no record', async () => {
    const error = await refusal(appliedBySpec(specOf(`fs read_file,fly ${tmp}`), [], touchMarker));
    expect(error.code).toBe(125);
    expect(error.stderr).toMatch(/^nono-helper: bad spec: record 2 .*unknown right "fly"/);
    expect(error.stdout).toBe('');
    expect(existsSync(marker)).toBe(false);
  });

  it('a truncated spec and a missing path are refused as without --print-applied', async () => {
    const truncated = Buffer.from(`nono-spec 1\0fs read_dir ${tmp}\0`);
    expect((await refusal(appliedBySpec(truncated))).stderr).toMatch(/bad spec/);
    const missing = await refusal(appliedBySpec(specOf(`fs read_dir ${path.join(tmp, 'missing')}`)));
    expect(missing.stderr).toMatch(/cannot open .*missing for an fs rule: No such file or directory/);
    expect(missing.stdout).toBe('');
  });

  it('comes only before the spec arguments', () => {
    const late = spawnSync(path.join(helperDir, 'build', 'nono-helper'), ['--spec-fd', '3', '--print-applied', '--', 'true'], {
      encoding: 'utf8',
    });
    expect(late.status).toBe(125);
    expect(late.stderr).toMatch(/unexpected argument "--print-applied"/);
  });
});
