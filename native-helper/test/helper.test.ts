// nono-helper against the real kernel: each test hands a spec over fd 3 (or a one-time
// file), runs a command or escape-probe inside the sandbox, and checks both the refusal
// and that nothing happened outside (file unchanged, no connection, process alive).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  readlinkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unprivilegedUser } from '../../test/support/unprivileged-user.js';

const helperDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(helperDir, 'build');
const helper = path.join(buildDir, 'nono-helper');
const escapeProbe = path.join(buildDir, 'escape-probe');

// Build once up front so `npx vitest` works without a prior `npm run build`.
const make = spawnSync('make', ['-s', '-C', helperDir], { encoding: 'utf8' });
if (make.status !== 0) throw new Error(`make failed: ${make.stderr}`);

const kernel = JSON.parse(spawnSync(helper, ['--probe'], { encoding: 'utf8' }).stdout) as {
  landlock: { abi: number };
};
const abi = kernel.landlock.abi;

/** What every command needs to start: libraries, config, /dev/null, and escape-probe. */
const systemGrants = [
  ...['/usr', '/bin', '/lib', '/lib64', '/etc'].map((p) => `fs read_file,read_dir,execute ${p}`),
  'fs read_file,write_file /dev/null',
  `fs read_file,execute ${buildDir}`,
];

function spec(...records: string[]): string {
  return ['nono-spec 1', ...systemGrants, ...records, 'end'].map((r) => `${r}\0`).join('');
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Only when the helper was killed by a signal. */
  signal?: NodeJS.Signals;
}

interface RunOptions {
  /** Pipes open on fds 4.. in the helper, to check they do not reach the command. */
  extraFds?: number;
  /** Replaces `--spec-fd 3` (then the spec argument is ignored). */
  specArgs?: string[];
  /** Run the helper as this user (needs root); gid defaults to uid. */
  uid?: number;
  gid?: number;
  /** Extra helper flags before the spec arguments (e.g. --no-userns). */
  flags?: string[];
}

function startHelper(specText: string, command: string[], options: RunOptions = {}): ChildProcess {
  const specArgs = options.specArgs ?? ['--spec-fd', '3'];
  const extra = Array.from({ length: options.extraFds ?? 0 }, () => 'pipe' as const);
  const child = spawn(helper, [...(options.flags ?? []), ...specArgs, '--', ...command], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe', ...extra],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
  });
  const specPipe = child.stdio[3] as Writable;
  specPipe.on('error', () => {}); // the helper may refuse before reading it all
  specPipe.end(options.specArgs ? '' : specText);
  child.stdin?.end();
  return child;
}

function runHelper(specText: string, command: string[], options: RunOptions = {}): Promise<Result> {
  return collect(startHelper(specText, command, options));
}

function collect(child: ChildProcess): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve(signal === null ? { code, stdout, stderr } : { code, stdout, stderr, signal }),
    );
  });
}

function probe(specText: string, ...args: string[]): Promise<Result> {
  return runHelper(specText, [escapeProbe, ...args]);
}

const settle = () => new Promise((r) => setTimeout(r, 150));

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'nono-helper-test-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('--probe', () => {
  it('prints the kernel features as one JSON object', async () => {
    const result = spawnSync(helper, ['--probe'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const features = JSON.parse(result.stdout);
    expect(features.landlock.abi).toBeGreaterThanOrEqual(1);
    expect(features.landlock.fs).toBe(true);
    expect(features.seccomp).toBe(true);
    expect(features.no_new_privs).toBe(true);
    expect(features.arch).toBe(os.machine());
    expect(features.kernel).toBe(os.release());
  });
});

describe('filesystem', () => {
  it('lets a granted file be read and prints nothing of its own', async () => {
    const file = path.join(tmp, 'granted.txt');
    writeFileSync(file, 'granted content\n');
    const result = await runHelper(spec(`fs read_file ${file}`), ['cat', file]);
    expect(result).toEqual({ code: 0, stdout: 'granted content\n', stderr: '' });
  });

  it('denies reading a file outside the grants', async () => {
    const file = path.join(tmp, 'secret.txt');
    writeFileSync(file, 'secret\n');
    const result = await runHelper(spec(), ['cat', file]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Permission denied');
  });

  it('denies writing outside the grants and leaves the file unchanged', async () => {
    const file = path.join(tmp, 'keep.txt');
    writeFileSync(file, 'original\n');
    const result = await probe(spec(`fs read_file ${file}`), 'write-file', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('denied: Permission denied (errno 13)\n');
    expect(readFileSync(file, 'utf8')).toBe('original\n');
  });

  it('denies creating a file outside the grants', async () => {
    const file = path.join(tmp, 'new.txt');
    const result = await probe(spec(), 'write-file', file);
    expect(result.code).toBe(1);
    expect(existsSync(file)).toBe(false);
  });

  it('denies truncate when only write_file is granted', async () => {
    const file = path.join(tmp, 'keep.txt');
    writeFileSync(file, 'original\n');
    const result = await probe(spec(`fs read_file,write_file,read_dir ${tmp}`), 'truncate', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('denied: Permission denied (errno 13)\n');
    expect(readFileSync(file, 'utf8')).toBe('original\n');
  });

  it('allows truncate when granted', async () => {
    const file = path.join(tmp, 'cut.txt');
    writeFileSync(file, 'original\n');
    const result = await probe(spec(`fs read_file,write_file,truncate ${tmp}`), 'truncate', file);
    expect(result.stdout).toBe('ok\n');
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('denies unlink when remove_file is not granted', async () => {
    const file = path.join(tmp, 'keep.txt');
    writeFileSync(file, 'original\n');
    const grants = spec(`fs read_file,write_file,read_dir,truncate ${tmp}`);
    const result = await probe(grants, 'unlink', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('denied: Permission denied (errno 13)\n');
    expect(existsSync(file)).toBe(true);
  });

  it('changes to the spec cwd before applying Landlock', async () => {
    const dir = path.join(tmp, 'work dir');
    mkdirSync(dir);
    const result = await runHelper(spec(`cwd ${dir}`), ['pwd']);
    expect(result).toEqual({ code: 0, stdout: `${dir}\n`, stderr: '' });
  });
});

describe('bad specs are refused before anything runs', () => {
  const marker = () => path.join(tmp, 'ran');
  const touch = () => ['sh', '-c', `: > '${marker()}'`];
  const grantTmp = () => `fs read_file,write_file,make_reg,read_dir ${tmp}`;

  it('runs the marker command with a good spec (control)', async () => {
    const result = await runHelper(spec(grantTmp()), touch());
    expect(result.code).toBe(0);
    expect(existsSync(marker())).toBe(true);
  });

  it('refuses a spec without an end record', async () => {
    const truncated = spec(grantTmp()).replace(/end\0$/, '');
    const result = await runHelper(truncated, touch());
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/^nono-helper: bad spec: no end record.*\n$/);
    expect(existsSync(marker())).toBe(false);
  });

  it('refuses bytes after the end record', async () => {
    const result = await runHelper(`${spec(grantTmp())}net allow\0`, touch());
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('after the end record');
    expect(existsSync(marker())).toBe(false);
  });

  it('refuses an unknown directive', async () => {
    const result = await runHelper(spec(grantTmp(), 'fs-maybe read_file /'), touch());
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('unknown directive "fs-maybe"');
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(existsSync(marker())).toBe(false);
  });

  it('refuses an unknown right', async () => {
    const result = await runHelper(spec(grantTmp(), 'fs read_file,read_everything /'), touch());
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('unknown right "read_everything"');
  });

  it('refuses a spec over 1 MiB', async () => {
    const rule = `fs read_file ${tmp}/${'x'.repeat(60)}`;
    const big = spec(...Array.from({ length: 20000 }, () => rule));
    const result = await runHelper(big, ['true']);
    expect(result.code).toBe(125);
    expect(result.stderr).toBe('nono-helper: spec from fd 3 is larger than 1 MiB (refusing it)\n');
  });

  it('refuses a wrong first record', async () => {
    const result = await runHelper(spec().replace('nono-spec 1', 'nono-spec 2'), ['true']);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('the first record must be "nono-spec 1"');
  });

  it('refuses port rules without net filtered', async () => {
    const result = await runHelper(spec('net block', 'net-connect 443'), ['true']);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('need "net filtered"');
  });

  it('refuses a path that cannot be opened, naming it', async () => {
    const missing = path.join(tmp, 'no such dir', 'x');
    const result = await runHelper(spec(grantTmp(), `fs read_file ${missing}`), touch());
    expect(result.code).toBe(125);
    expect(result.stderr).toBe(
      `nono-helper: cannot open ${missing} for an fs rule: No such file or directory ` +
        '(does it exist? remove it from the profile, or allow best-effort)\n',
    );
    expect(existsSync(marker())).toBe(false);
  });

  it('skips a missing path under best-effort and says so', async () => {
    const missing = path.join(tmp, 'missing');
    const result = await runHelper(spec('best-effort 1', `fs read_file ${missing}`), ['true']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `nono-helper: best-effort: skipped fs rule for ${missing}: No such file or directory\n`,
    );
  });

  it('refuses rlimit values that are not a decimal number from 1 to 2^62, naming the record', async () => {
    const values = ['0', '-1', '+5', ' 5', '5 ', '1e6', '0x10', 'abc', '', '4611686018427387905', '99999999999999999999999'];
    for (const record of ['rlimit-as', 'rlimit-nproc']) {
      for (const value of values) {
        const result = await runHelper(spec(grantTmp(), `${record} ${value}`), touch());
        expect(result.code).toBe(125);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(new RegExp(`^nono-helper: bad spec: record \\d+ "${record} ${value.replace(/[+]/g, '\\+')}": expected .* from 1 to 2\\^62.*\n$`));
      }
      const twice = await runHelper(spec(`${record} 1000`, `${record} 1000`), touch());
      expect(twice.stderr).toContain(`"${record}" may appear only once`);
    }
    expect(existsSync(marker())).toBe(false);
  });

  it('escapes control characters so each error stays one line', async () => {
    const missing = path.join(tmp, 'new\nline');
    const result = await runHelper(spec(`fs read_file ${missing}`), ['true']);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('new\\x0aline');
    expect(result.stderr.split('\n')).toHaveLength(2);
  });
});

describe('Landlock ABI compatibility', () => {
  it('refuses net block on ABI 3 without best-effort', async () => {
    const result = await runHelper(spec('abi-cap 3', 'net block'), ['true']);
    expect(result).toEqual({
      code: 125,
      stdout: '',
      stderr:
        'nono-helper: cannot apply sandbox: net block needs Landlock ABI 4, kernel has 3 ' +
        '(upgrade the kernel, or allow best-effort in the profile)\n',
    });
  });

  it('drops net block on ABI 3 under best-effort, and TCP stays blocked by seccomp', async () => {
    const server = net.createServer();
    let connections = 0;
    server.on('connection', (s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const result = await probe(
        spec('abi-cap 3', 'best-effort 1', 'net block'),
        'tcp-connect',
        '127.0.0.1',
        String(port),
      );
      expect(result.stderr).toBe(
        'nono-helper: best-effort: dropped net block (needs Landlock ABI 4, kernel has 3); ' +
          'the seccomp filter still denies every non-unix socket, so TCP stays blocked\n',
      );
      expect(result.stdout).toBe('denied: Permission denied (errno 13)\n');
      await settle();
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it('refuses truncate on ABI 2 and drops it under best-effort', async () => {
    const refused = await runHelper(spec('abi-cap 2', `fs read_file,truncate ${tmp}`), ['true']);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain(`truncate on ${tmp} needs Landlock ABI 3, kernel has 2`);

    const dropped = await runHelper(
      spec('abi-cap 2', 'best-effort 1', `fs read_file,truncate ${tmp}`),
      ['true'],
    );
    expect(dropped.code).toBe(0);
    expect(dropped.stderr).toBe(
      `nono-helper: best-effort: dropped truncate on ${tmp} (needs Landlock ABI 3, kernel has 2)\n`,
    );
  });

  it('refuses scopes on ABI 5', async () => {
    const result = await runHelper(spec('abi-cap 5', 'scope signal'), ['true']);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('scope signal needs Landlock ABI 6, kernel has 5');
  });

  it('refuses to run without Landlock unless best-effort', async () => {
    const refused = await runHelper(spec('abi-cap 0'), ['true']);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain('filesystem confinement needs Landlock ABI 1, kernel has 0');
  });
});

/** A TCP and a UDP listener on the host's 127.0.0.1, counting what reaches them. */
interface HostListeners {
  port: number;
  udpPort: number;
  connections: number;
  datagrams: number;
  close(): void;
}

async function hostListeners(): Promise<HostListeners> {
  const server = net.createServer((s) => {
    listeners.connections++;
    s.destroy();
  });
  const udp = dgram.createSocket('udp4');
  const listeners: HostListeners = {
    port: 0,
    udpPort: 0,
    connections: 0,
    datagrams: 0,
    close: () => {
      server.close();
      udp.close();
    },
  };
  udp.on('message', () => listeners.datagrams++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  listeners.port = (server.address() as net.AddressInfo).port;
  listeners.udpPort = udp.address().port;
  return listeners;
}

describe('network', () => {
  let host: HostListeners;
  let port: number;
  let udpPort: number;

  beforeEach(async () => {
    host = await hostListeners();
    ({ port, udpPort } = host);
  });
  afterEach(() => host.close());

  it('reaches the listener with net allow (control)', async () => {
    const result = await probe(spec('net allow'), 'tcp-connect', '127.0.0.1', String(port));
    expect(result.stdout).toBe('ok\n');
    await settle();
    expect(host.connections).toBe(1);
  });

  it('net block: TCP connect fails and the listener sees nothing', async () => {
    const result = await probe(spec('net block'), 'tcp-connect', '127.0.0.1', String(port));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^denied: /);
    await settle();
    expect(host.connections).toBe(0);
  });

  it('net block: UDP send fails and nothing arrives', async () => {
    const result = await probe(spec('net block'), 'udp-send', '127.0.0.1', String(udpPort));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^denied: /);
    await settle();
    expect(host.datagrams).toBe(0);
  });

  it('net block: TCP bind fails', async () => {
    const result = await probe(spec('net block'), 'tcp-bind', '0');
    expect(result.code).toBe(1);
  });

  it.skipIf(abi < 4)('net filtered: only the granted TCP port connects', async () => {
    const other = net.createServer((s) => {
      host.connections++;
      s.destroy();
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherPort = (other.address() as net.AddressInfo).port;
    try {
      const filtered = spec('net filtered', `net-connect ${port}`);
      expect((await probe(filtered, 'tcp-connect', '127.0.0.1', String(port))).stdout).toBe('ok\n');
      const denied = await probe(filtered, 'tcp-connect', '127.0.0.1', String(otherPort));
      expect(denied.stdout).toBe('denied: Permission denied (errno 13)\n');
      await settle();
      expect(host.connections).toBe(1);
    } finally {
      other.close();
    }
  });

  it.skipIf(abi < 4)('net filtered: UDP is denied and nothing arrives', async () => {
    const filtered = spec('net filtered', `net-connect ${udpPort}`);
    const result = await probe(filtered, 'udp-send', '127.0.0.1', String(udpPort));
    expect(result.stdout).toBe('denied: Permission denied (errno 13)\n');
    await settle();
    expect(host.datagrams).toBe(0);
  });

  it.skipIf(abi < 4)('net filtered: bind only on granted ports', async () => {
    const filtered = spec('net filtered', 'net-bind 0');
    expect((await probe(filtered, 'tcp-bind', '0')).stdout).toBe('ok\n');
    expect((await probe(filtered, 'tcp-bind', String(port + 1))).code).toBe(1);
  });
});

describe('abstract unix sockets', () => {
  const name = `nono-helper-test-${process.pid}`;
  let server: net.Server;
  let connections: number;

  beforeEach(async () => {
    connections = 0;
    server = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(`\0${name}`, r));
  });
  afterEach(() => {
    server.close();
  });

  it('connects without the scope (control)', async () => {
    const result = await probe(spec(), 'abstract-connect', name);
    expect(result.stdout).toBe('ok\n');
  });

  it.skipIf(abi < 6)('scope abstract-unix: connecting outside the sandbox fails', async () => {
    const result = await probe(spec('scope abstract-unix'), 'abstract-connect', name);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^denied: /);
    await settle();
    expect(connections).toBe(0);
  });
});

describe('processes outside the sandbox', () => {
  let sleeper: ChildProcess;
  beforeEach(() => {
    sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  });
  afterEach(() => {
    sleeper.kill('SIGKILL');
  });

  const alive = (pid: number) => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      state: /^State:\s+(\S)/m.exec(status)?.[1],
      tracer: /^TracerPid:\s+(\d+)/m.exec(status)?.[1],
    };
  };

  it('can signal it without the scope (control)', async () => {
    const result = await probe(spec(), 'kill', String(sleeper.pid), '0');
    expect(result.stdout).toBe('ok\n');
  });

  it.skipIf(abi < 6)('scope signal: kill fails and the process lives', async () => {
    const pid = sleeper.pid as number;
    const result = await probe(spec('scope signal'), 'kill', String(pid), '15');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('denied: Operation not permitted (errno 1)\n');
    await settle();
    expect(sleeper.exitCode).toBeNull();
    expect(alive(pid).state).toBe('S');
  });

  it('can be ptraced by escape-probe outside the sandbox (control)', () => {
    const result = spawnSync(escapeProbe, ['ptrace-attach', String(sleeper.pid)], {
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('ok\n');
  });

  it('ptrace attach fails and the process is not traced', async () => {
    const pid = sleeper.pid as number;
    const result = await probe(spec(), 'ptrace-attach', String(pid));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^denied: /);
    expect(alive(pid)).toEqual({ state: 'S', tracer: '0' });
  });
});

describe('seccomp', () => {
  it('denies io_uring', async () => {
    const result = await probe(spec(), 'io-uring');
    expect(result.stdout).toBe('denied: Operation not permitted (errno 1)\n');
  });

  it('denies keyrings', async () => {
    const result = await probe(spec(), 'keyctl');
    expect(result.stdout).toBe('denied: Operation not permitted (errno 1)\n');
  });

  it('denies TIOCSTI (EPERM from the filter, not ENOTTY from the pipe)', async () => {
    const result = await probe(spec(), 'tiocsti');
    expect(result.stdout).toBe('denied: Operation not permitted (errno 1)\n');
  });
});

describe('exec', () => {
  it('exits 127 for a missing command', async () => {
    const result = await runHelper(spec(), ['nono-no-such-command']);
    expect(result).toEqual({
      code: 127,
      stdout: '',
      stderr: 'nono-helper: command not found: nono-no-such-command\n',
    });
  });

  it('exits 126 for a file that is not executable', async () => {
    const file = path.join(tmp, 'script.sh');
    writeFileSync(file, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const result = await runHelper(spec(`fs read_file ${tmp}`), [file]);
    expect(result).toEqual({
      code: 126,
      stdout: '',
      stderr:
        `nono-helper: cannot execute ${file}: Permission denied ` +
        '(is its path granted execute?)\n',
    });
  });

  it('exits 126 for an executable file whose path lacks the execute grant', async () => {
    const file = path.join(tmp, 'script.sh');
    writeFileSync(file, '#!/bin/sh\necho hi\n', { mode: 0o755 });
    const result = await runHelper(spec(`fs read_file ${tmp}`), [file]);
    expect(result.code).toBe(126);
  });

  it('closes inherited fds >= 3 before exec', async () => {
    const result = await runHelper(spec('fs read_file,read_dir /proc'), ['ls', '/proc/self/fd'], {
      extraFds: 3,
    });
    // 3 is the directory ls itself opened to list /proc/self/fd.
    expect(result).toEqual({ code: 0, stdout: '0\n1\n2\n3\n', stderr: '' });
  });

  it('passes the environment through unchanged', async () => {
    const child = spawn(helper, ['--spec-fd', '3', '--', 'printenv', 'NONO_TEST_VAR'], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, NONO_TEST_VAR: 'kept as is' },
    });
    (child.stdio[3] as Writable).end(spec());
    expect(await collect(child)).toEqual({ code: 0, stdout: 'kept as is\n', stderr: '' });
  });
});

describe('as an unprivileged user', () => {
  const nobody = 65534;

  it.skipIf(process.getuid?.() !== 0)('applies the same sandbox without root', async () => {
    const granted = await runHelper(spec(), ['cat', '/etc/hostname'], { uid: nobody });
    expect(granted.code).toBe(0);
    // World-readable, so only Landlock can be what refuses it.
    const outside = await runHelper(spec(), [escapeProbe, 'read-file', '/proc/version'], {
      uid: nobody,
    });
    expect(outside.stdout).toBe('denied: Permission denied (errno 13)\n');
    const uring = await runHelper(spec(), [escapeProbe, 'io-uring'], { uid: nobody });
    expect(uring.stdout).toBe('denied: Operation not permitted (errno 1)\n');
  });
});

/**
 * A python3 program that forks sleepers until a fork is refused (at most 50), prints how many
 * it started and why it stopped, then kills them: a fork bomb that cleans up after itself.
 */
const forkUntilRefused = [
  'python3',
  '-c',
  [
    'import os, signal, time',
    'kids, error = [], "none"',
    'for _ in range(50):',
    '    try: pid = os.fork()',
    '    except OSError as e: error = e.strerror; break',
    '    if pid == 0: time.sleep(30); os._exit(0)',
    '    kids.append(pid)',
    'print(len(kids), error)',
    'for pid in kids: os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0)',
  ].join('\n'),
];

/** What `ulimit -Hv` prints for rlimit-as 200000000 (KiB), then whether raising either limit failed. */
const hardLimitsScript = [
  'ulimit -Hv',
  'ulimit -v unlimited 2>/dev/null || echo as-refused',
  `python3 -c 'import resource as r; r.setrlimit(r.RLIMIT_NPROC, (r.RLIM_INFINITY, r.RLIM_INFINITY))' 2>/dev/null || echo nproc-refused`,
].join('; ');

/** Processes the user runs right now, anywhere on the machine. */
function processCount(uid: number): number {
  return spawnSync('ps', ['-o', 'pid=', '-u', String(uid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
}

describe('resource limits', () => {
  const isRoot = process.getuid?.() === 0;
  const python = (code: string) => ['python3', '-c', code];

  it('rlimit-as: 50 MB can be allocated, 400 MB fails with MemoryError', async () => {
    const limited = spec('rlimit-as 200000000');
    const small = await runHelper(limited, python('bytearray(50 * 1024 * 1024); print("ok")'));
    expect(small).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    const big = await runHelper(limited, python('bytearray(400 * 1024 * 1024)'));
    expect(big.code).toBe(1);
    expect(big.stderr).toContain('MemoryError');
    // Control: without the record the same allocation succeeds.
    expect((await runHelper(spec(), python('bytearray(400 * 1024 * 1024)'))).code).toBe(0);
  });

  // Root with CAP_SYS_RESOURCE could raise a hard limit; the daemon runs as the user.
  it.skipIf(!isRoot)('both limits are hard: the command cannot raise them', async () => {
    const user = unprivilegedUser();
    const result = await runHelper(spec('rlimit-as 200000000', 'rlimit-nproc 1000'), ['sh', '-c', hardLimitsScript], user);
    expect(result).toEqual({ code: 0, stdout: '195312\nas-refused\nnproc-refused\n', stderr: '' });
  });

  it.skipIf(!isRoot)('a limit above the caller\'s own hard limit is refused, naming that limit', async () => {
    const user = unprivilegedUser();
    const child = spawn('sh', ['-c', `ulimit -v 150000; exec ${helper} --spec-fd 3 -- true`], { ...user, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    (child.stdio[3] as Writable).end(spec('rlimit-as 200000000'));
    expect(await collect(child)).toEqual({
      code: 125,
      stdout: '',
      stderr:
        'nono-helper: cannot set rlimit-as 200000000: Operation not permitted (nonod\'s own hard ' +
        'limit is 153600000; ask for at most that, or raise nonod\'s hard limit)\n',
    });
  });

  it.skipIf(!isRoot)('rlimit-nproc without a view counts the user\'s processes machine-wide: forks fail with EAGAIN', async () => {
    const user = unprivilegedUser();
    const result = await runHelper(spec(`rlimit-nproc ${processCount(user.uid) + 5}`), forkUntilRefused, user);
    expect(result.code).toBe(0);
    const [started, error] = result.stdout.trim().split(/ (.*)/);
    expect(error).toBe('Resource temporarily unavailable');
    // The fork bomb itself is one of the five; others of the user may come and go meanwhile.
    expect(Number(started)).toBeLessThan(50);
    // The limit went with the sandboxed process: the same user can still fork outside it.
    expect(spawnSync('sh', ['-c', 'true & wait'], user).status).toBe(0);
  });
});

describe('--spec-file', () => {
  const specFile = () => path.join(tmp, 'spec');

  it('reads a 0600 file once and unlinks it', async () => {
    writeFileSync(specFile(), spec(), { mode: 0o600 });
    const result = await runHelper('', ['echo', 'ran'], { specArgs: ['--spec-file', specFile()] });
    expect(result).toEqual({ code: 0, stdout: 'ran\n', stderr: '' });
    expect(existsSync(specFile())).toBe(false);
  });

  it('refuses a 0644 file', async () => {
    writeFileSync(specFile(), spec(), { mode: 0o644 });
    chmodSync(specFile(), 0o644);
    const result = await runHelper('', ['echo', 'ran'], { specArgs: ['--spec-file', specFile()] });
    expect(result.code).toBe(125);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `nono-helper: spec file ${specFile()} has mode 0644, not 0600 ` +
        '(refusing it: it may be planted or read by others)\n',
    );
  });

  it('refuses a symlink to a good spec file', async () => {
    const real = path.join(tmp, 'real-spec');
    writeFileSync(real, spec(), { mode: 0o600 });
    symlinkSync(real, specFile());
    const result = await runHelper('', ['echo', 'ran'], { specArgs: ['--spec-file', specFile()] });
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('cannot open spec file');
    expect(existsSync(real)).toBe(true);
  });

  // Only root can give a file to another user here.
  it.skipIf(process.getuid?.() !== 0)('refuses a file owned by another user', async () => {
    writeFileSync(specFile(), spec(), { mode: 0o600 });
    spawnSync('chown', ['65534', specFile()]);
    const result = await runHelper('', ['echo', 'ran'], { specArgs: ['--spec-file', specFile()] });
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('is owned by uid 65534');
  });
});

describe('usage', () => {
  it('prints the version', () => {
    const result = spawnSync(helper, ['--version'], { encoding: 'utf8' });
    expect(result.stdout).toBe('nono-helper 0.1.0\n');
    expect(result.status).toBe(0);
  });

  it('exits 125 with one line for bad usage', () => {
    const result = spawnSync(helper, ['--spec-fd', '3'], { encoding: 'utf8' });
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/^nono-helper: no command given after -- .*\n$/);
  });
});

// The private filesystem view (spec `view 1`): only granted paths exist, bound from the host
// onto a read-only tmpfs root, with the sandbox's own /dev and /proc.
describe('view', () => {
  /** Canonical grants, and the root symlinks of a merged-/usr system recreated as records. */
  const rootLinks = ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32'].flatMap((p) => {
    const stats = lstatSync(p, { throwIfNoEntry: false });
    return stats?.isSymbolicLink() ? [`symlink ${p}`, `symlink-target ${readlinkSync(p)}`] : [];
  });
  const viewGrants = [
    'view 1',
    ...['/usr', '/etc'].map((p) => `fs read_file,read_dir,execute ${p}`),
    ...rootLinks,
    'fs read_file,write_file /dev/null',
    `fs read_file,execute ${buildDir}`,
  ];
  const viewSpec = (...records: string[]) =>
    ['nono-spec 1', ...viewGrants, ...records, 'end'].map((r) => `${r}\0`).join('');
  const rw = (p: string) => `fs read_file,read_dir,write_file,make_reg,make_dir,remove_file,truncate ${p}`;
  const ro = (p: string) => `fs read_file,read_dir ${p}`;
  const sh = (script: string) => ['/bin/sh', '-c', script];
  const viewProbe = (specText: string, ...args: string[]) => runHelper(specText, [escapeProbe, ...args]);
  const gone = (pid: number) => !existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

  describe('grants', () => {
    it('reads a granted file (control)', async () => {
      writeFileSync(path.join(tmp, 'a.txt'), 'granted\n');
      const result = await runHelper(viewSpec(ro(tmp)), ['cat', path.join(tmp, 'a.txt')]);
      expect(result).toEqual({ code: 0, stdout: 'granted\n', stderr: '' });
    });

    it('a write in a read-write grant lands on the host disk', async () => {
      const file = path.join(tmp, 'out.txt');
      const result = await viewProbe(viewSpec(rw(tmp)), 'write-file', file);
      expect(result.stdout).toBe('ok\n');
      expect(readFileSync(file, 'utf8')).toBe('escaped\n');
    });

    it('a read-only grant refuses writes even where Landlock would allow them (EROFS) and the file stays', async () => {
      const file = path.join(tmp, 'keep.txt');
      writeFileSync(file, 'original\n');
      // Landlock grants write_file here on purpose: only the read-only mount can refuse it.
      const grants = viewSpec(`fs read_file,read_dir ${tmp}`, `fs write_file ${file}`);
      const result = await viewProbe(grants, 'write-file', file);
      expect(result.stdout).toMatch(/^denied: (Read-only file system|Permission denied)/);
      expect(readFileSync(file, 'utf8')).toBe('original\n');
    });

    it('a path outside every grant does not exist, and ls / shows only the skeleton', async () => {
      const secret = path.join(tmp, 'secret.txt');
      writeFileSync(secret, 'secret\n');
      const result = await viewProbe(viewSpec(), 'read-file', secret);
      expect(result.stdout).toBe('denied: No such file or directory (errno 2)\n');
      const listing = await runHelper(viewSpec('fs read_dir /', 'cwd /'), ['ls', '-A', '/']);
      const links = rootLinks.filter((r) => r.startsWith('symlink /')).map((r) => r.slice('symlink /'.length));
      const expected = ['dev', 'etc', 'usr', ...buildDir.split('/').slice(1, 2), ...links];
      expect(listing.stdout.trim().split('\n').sort()).toEqual([...new Set(expected)].sort());
    });

    it('writing outside the grants fails with EROFS and leaves nothing behind', async () => {
      const result = await viewProbe(viewSpec('fs read_dir,write_file,make_reg /'), 'write-file', '/planted');
      expect(result.stdout).toBe('denied: Read-only file system (errno 30)\n');
      expect(existsSync('/planted')).toBe(false);
    });

    it('symlink records recreate /bin -> usr/bin so #!/bin/sh works', async () => {
      const script = path.join(tmp, 'script');
      writeFileSync(script, '#!/bin/sh\necho from sh\n', { mode: 0o755 });
      const result = await runHelper(viewSpec(`fs read_file,execute ${tmp}`), [script]);
      expect(result).toEqual({ code: 0, stdout: 'from sh\n', stderr: '' });
      expect((await runHelper(viewSpec(), ['/bin/sh', '-c', 'true'])).code).toBe(0);
    });

    it('creates a cwd no grant holds in the skeleton, and starts there', async () => {
      const dir = path.join(tmp, 'not granted');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'host-file'), '');
      const result = await runHelper(viewSpec(`cwd ${dir}`, 'fs read_dir /'), ['sh', '-c', 'pwd; ls -A']);
      // Empty: the skeleton's directory, not the host's one with host-file in it.
      expect(result).toEqual({ code: 0, stdout: `${dir}\n`, stderr: '' });
    });
  });

  describe('masks and readonly paths', () => {
    let home: string;
    beforeEach(() => {
      home = path.join(tmp, 'home');
      mkdirSync(path.join(home, '.ssh'), { recursive: true });
      writeFileSync(path.join(home, '.ssh', 'id_ed25519'), 'PRIVATE KEY\n');
      writeFileSync(path.join(home, '.netrc'), 'password\n');
    });

    it('reads the key without the mask (control)', async () => {
      const result = await runHelper(viewSpec(rw(home)), ['cat', path.join(home, '.ssh/id_ed25519')]);
      expect(result.stdout).toBe('PRIVATE KEY\n');
    });

    it('a masked directory is empty and its key cannot be read', async () => {
      const grants = viewSpec(rw(home), `mask ${home}/.ssh`);
      const listing = await runHelper(grants, ['ls', '-A', path.join(home, '.ssh')]);
      expect(listing.stdout).toBe('');
      const key = await viewProbe(grants, 'read-file', path.join(home, '.ssh/id_ed25519'));
      expect(key.stdout).toBe('denied: No such file or directory (errno 2)\n');
      const plant = await viewProbe(grants, 'write-file', path.join(home, '.ssh/authorized_keys'));
      expect(plant.code).toBe(1);
      expect(existsSync(path.join(home, '.ssh/authorized_keys'))).toBe(false);
    });

    it('a masked file reads empty (or is refused) and cannot be written', async () => {
      const netrc = path.join(home, '.netrc');
      const grants = viewSpec(rw(home), `mask ${netrc}`);
      const read = await runHelper(grants, ['cat', netrc]);
      expect(read.stdout).toBe('');
      const write = await viewProbe(grants, 'write-file', netrc);
      expect(write.stdout).toMatch(/^denied: (Read-only file system|Permission denied)/);
      expect(readFileSync(netrc, 'utf8')).toBe('password\n');
    });

    it('readonly .git/hooks refuses pre-commit while the rest of work stays writable', async () => {
      const work = path.join(tmp, 'work');
      mkdirSync(path.join(work, '.git/hooks'), { recursive: true });
      const grants = viewSpec(rw(work), `readonly ${work}/.git/hooks`);
      const hook = path.join(work, '.git/hooks/pre-commit');
      const refused = await viewProbe(grants, 'write-file', hook);
      expect(refused.stdout).toBe('denied: Read-only file system (errno 30)\n');
      expect(existsSync(hook)).toBe(false);
      const allowed = await viewProbe(grants, 'write-file', path.join(work, 'main.c'));
      expect(allowed.stdout).toBe('ok\n');
      expect(existsSync(path.join(work, 'main.c'))).toBe(true);
    });

    it('refuses a readonly path that does not exist (it could be created, then written)', async () => {
      const result = await runHelper(viewSpec(rw(tmp), `readonly ${tmp}/.git/hooks`), ['true']);
      expect(result.code).toBe(125);
      expect(result.stderr).toContain(`cannot make ${tmp}/.git/hooks read-only in the view`);
    });

    it('a skeleton rebuilds a directory from the grants inside it: hidden entries are not even listed', async () => {
      writeFileSync(path.join(home, 'notes.txt'), 'notes\n');
      mkdirSync(path.join(home, 'project'));
      const grants = viewSpec(
        `skeleton read_file,read_dir,write_file,make_reg ${home}`,
        rw(path.join(home, 'project')),
        `fs read_file ${path.join(home, 'notes.txt')}`,
      );
      const listing = await runHelper(grants, ['ls', '-A', home]);
      expect(listing.stdout.trim().split('\n').sort()).toEqual(['notes.txt', 'project']);
      const key = await viewProbe(grants, 'read-file', path.join(home, '.ssh/id_ed25519'));
      expect(key.stdout).toBe('denied: No such file or directory (errno 2)\n');
      const planted = await viewProbe(grants, 'write-file', path.join(home, '.bashrc'));
      expect(planted.stdout).toBe('denied: Read-only file system (errno 30)\n');
      expect(existsSync(path.join(home, '.bashrc'))).toBe(false);
      const inside = await viewProbe(grants, 'write-file', path.join(home, 'project', 'kept.txt'));
      expect(inside.stdout).toBe('ok\n');
      expect(existsSync(path.join(home, 'project', 'kept.txt'))).toBe(true);
    });

    it('tmp mounts a host directory at /tmp, read-write, and hides the host /tmp', async () => {
      const scratch = path.join(tmp, 'scratch');
      mkdirSync(scratch);
      writeFileSync('/tmp/nono-helper-test-host-file', 'host\n');
      try {
        const result = await runHelper(viewSpec(`tmp ${scratch}`, 'cwd /'), sh('echo made > /tmp/made && ls -A /tmp'));
        // Grants under /tmp (this checkout's build dir, in CI) get their mount points in it too.
        expect(result.code).toBe(0);
        expect(result.stdout.split('\n')).toContain('made');
        expect(result.stdout).not.toMatch(/nono-helper-test-host-file/);
        expect(readFileSync(path.join(scratch, 'made'), 'utf8')).toBe('made\n');
      } finally {
        rmSync('/tmp/nono-helper-test-host-file', { force: true });
      }
    });

    it('refuses skeleton and tmp records without view 1', async () => {
      const bare = ['nono-spec 1', `skeleton read_dir ${home}`, 'end'].map((r) => `${r}\0`).join('');
      const result = await runHelper(bare, ['true']);
      expect(result.code).toBe(125);
      expect(result.stderr).toMatch(/skeleton, stub and tmp records need "view 1"/);
    });

    describe('a listening unix socket inside a grant', () => {
      let server: net.Server;
      let connections: number;
      let socketPath: string;
      beforeEach(async () => {
        connections = 0;
        socketPath = path.join(tmp, 'agent.sock');
        server = net.createServer((c) => {
          connections++;
          c.destroy();
        });
        await new Promise<void>((r) => server.listen(socketPath, r));
      });
      afterEach(() => {
        server.close();
      });

      it('connects without the mask (control)', async () => {
        const result = await viewProbe(viewSpec(rw(tmp)), 'unix-connect', socketPath);
        expect(result.stdout).toBe('ok\n');
      });

      it('masked: connect fails and the listener sees nothing', async () => {
        const result = await viewProbe(viewSpec(rw(tmp), `mask ${socketPath}`), 'unix-connect', socketPath);
        expect(result.stdout).toBe('denied: Connection refused (errno 111)\n');
        await settle();
        expect(connections).toBe(0);
      });
    });
  });

  describe('processes', () => {
    const procGrant = 'fs read_file,read_dir /proc';

    it('/proc shows only the sandbox: pid 1 is the helper, out of the command\'s reach, the root is the view, host pids are absent', async () => {
      const script = `cat /proc/1/comm; readlink /proc/1/root 2>/dev/null || echo init-out-of-reach; readlink /proc/self/root; test -e /proc/${process.pid} && echo host-visible; ls /proc | grep -c '^[0-9]'`;
      const result = await runHelper(viewSpec(procGrant), sh(script));
      expect(result.stderr).toBe('');
      const [comm, initRoot, root, count] = result.stdout.trim().split('\n');
      expect(comm).toBe('nono-helper');
      expect(initRoot).toBe('init-out-of-reach');
      expect(root).toBe('/');
      // init, sh and ls (grep counts on its own line of pids, no host process shows up)
      expect(Number(count)).toBeLessThanOrEqual(4);
    });

    it('mount, umount of a mask and unshare -rm all fail, and the mask holds', async () => {
      const home = path.join(tmp, 'home');
      mkdirSync(path.join(home, '.ssh'), { recursive: true });
      writeFileSync(path.join(home, '.ssh/id'), 'KEY\n');
      const script = [
        `mount -t tmpfs none ${home} 2>/dev/null && echo mounted`,
        `umount ${home}/.ssh 2>/dev/null && echo unmounted`,
        `umount -l ${home}/.ssh 2>/dev/null && echo lazily-unmounted`,
        'unshare -rm true 2>/dev/null && echo unshared',
        `cat ${home}/.ssh/id 2>/dev/null`,
        'true & wait', // fork without namespace flags still works
        'echo done',
      ].join('; ');
      const result = await runHelper(viewSpec(rw(home), `mask ${home}/.ssh`), sh(script));
      expect(result.stdout).toBe('done\n');
    });

    it('exit codes propagate: 0, 3, 127, 126', async () => {
      expect((await runHelper(viewSpec(), ['true'])).code).toBe(0);
      expect((await runHelper(viewSpec(), sh('exit 3'))).code).toBe(3);
      const missing = await runHelper(viewSpec(), ['nono-no-such-command']);
      expect(missing).toEqual({ code: 127, stdout: '', stderr: 'nono-helper: command not found: nono-no-such-command\n' });
      const file = path.join(tmp, 'script.sh');
      writeFileSync(file, '#!/bin/sh\necho hi\n', { mode: 0o644 });
      expect((await runHelper(viewSpec(ro(tmp)), [file])).code).toBe(126);
    });

    it('a command killed by SIGTERM kills the helper with SIGTERM', async () => {
      const result = await runHelper(viewSpec(), sh('kill -TERM $$'));
      expect(result).toEqual({ code: null, stdout: '', stderr: '', signal: 'SIGTERM' });
    });

    it('SIGTERM sent to the helper reaches the command', async () => {
      const child = startHelper(viewSpec(), sh('trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done'));
      const done = collect(child);
      await new Promise<void>((r) => child.stdout?.once('data', () => r()));
      child.kill('SIGTERM');
      const result = await done;
      expect(result.stdout).toBe('ready\ngot TERM\n');
      expect(result.code).toBe(7);
    });

    it('SIGKILL to the helper kills the whole sandbox, a setsid grandchild included', async () => {
      const child = startHelper(viewSpec(), sh('setsid sleep 1000 & echo ready; wait'));
      const done = collect(child);
      await new Promise<void>((r) => child.stdout?.once('data', () => r()));
      // Its host pid: the process running "sleep 1000" with the helper as an ancestor.
      const sleeper = findDescendant(child.pid as number, 'sleep\0' + '1000\0');
      expect(sleeper).toBeDefined();
      child.kill('SIGKILL');
      const result = await done;
      expect(result.signal).toBe('SIGKILL');
      for (let i = 0; i < 20 && !gone(sleeper as number); i++) await settle();
      expect(gone(sleeper as number)).toBe(true);
    });
  });

  // net proxied: a private network namespace whose only way out is the relay to the proxy
  // socket. The stand-in here plays nonod's filtering proxy: "proxy-ok\n" then an echo, or an
  // HTTP 200 with that body when the first bytes are an HTTP request (for curl).
  describe('net proxied', () => {
    const proxyPort = 3128;
    const hasCurl = existsSync('/usr/bin/curl');
    let proxy: net.Server;
    let proxySocket: string;
    let proxyConnections: number;
    let host: HostListeners;
    const proxied = (...records: string[]) =>
      viewSpec('net proxied', `proxy-socket ${proxySocket}`, `proxy-port ${proxyPort}`, ...records);

    beforeEach(async () => {
      proxyConnections = 0;
      proxySocket = path.join(tmp, 'proxy.sock');
      proxy = net.createServer((c) => {
        proxyConnections++;
        let first = true;
        c.on('data', (d) => {
          if (first && /^[A-Z]+ \S+ HTTP\/1/.test(d.toString('latin1'))) {
            c.end('HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nproxy-ok\n');
          } else {
            if (first) c.write('proxy-ok\n');
            c.write(d);
          }
          first = false;
        });
        c.on('end', () => c.end());
        c.on('error', () => {});
      });
      await new Promise<void>((r) => proxy.listen(proxySocket, r));
      chmodSync(proxySocket, 0o777);
      chmodSync(tmp, 0o755);
      host = await hostListeners();
    });
    afterEach(() => {
      proxy.close();
      host.close();
    });

    it('reaches the proxy on 127.0.0.1:PORT, and 10 MB make a byte-exact round trip', async () => {
      expect(await viewProbe(proxied(), 'tcp-roundtrip', '127.0.0.1', String(proxyPort), '10000000')).toEqual({
        code: 0,
        stdout: 'ok\n',
        stderr: '',
      });
      expect(proxyConnections).toBe(1);
    });

    it.skipIf(!hasCurl)('curl through the proxy by address and by name (localhost, ::1 first when IPv6 is up)', async () => {
      for (const proxyUrl of [`http://127.0.0.1:${proxyPort}`, `http://localhost:${proxyPort}`]) {
        const result = await runHelper(proxied(), ['curl', '-sS', '-x', proxyUrl, 'http://example.com/']);
        expect(result).toEqual({ code: 0, stdout: 'proxy-ok\n', stderr: '' });
      }
    });

    it('nothing else is reachable: host TCP listener, other loopback addresses, UDP, DNS', async () => {
      const tcp = await viewProbe(proxied(), 'tcp-connect', '127.0.0.1', String(host.port));
      expect(tcp.stdout).toMatch(/^denied: (Connection refused|Permission denied)/);
      const other = await viewProbe(proxied(), 'tcp-connect', '127.0.0.2', String(proxyPort));
      expect(other.stdout).toBe('denied: Connection refused (errno 111)\n');
      const udpResult = await viewProbe(proxied(), 'udp-send', '127.0.0.1', String(host.udpPort));
      expect(udpResult.stdout).toBe('denied: Permission denied (errno 13)\n');
      const dns = await runHelper(proxied(), ['getent', 'hosts', 'example.com']);
      expect(dns.code).not.toBe(0);
      expect(dns.stdout).toBe('');
      if (hasCurl) {
        const direct = await runHelper(proxied(), ['curl', '-sS', '-m', '5', `http://127.0.0.1:${host.port}/`]);
        expect(direct.code).not.toBe(0);
      }
      await settle();
      expect(host.connections).toBe(0);
      expect(host.datagrams).toBe(0);
      expect(proxyConnections).toBe(0);
    });

    it('200 concurrent connections through the relay all complete', async () => {
      const result = await viewProbe(proxied(), 'tcp-many', '127.0.0.1', String(proxyPort), '200');
      expect(result).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
      expect(proxyConnections).toBe(200);
    });

    it('the relay is outside the command\'s process group and dies with the sandbox', async () => {
      const marker = `nono-relay-test-${process.pid}-${Date.now()}`;
      const child = startHelper(proxied(), sh(`echo ready; sleep 1 # ${marker}`));
      const done = collect(child);
      await new Promise<void>((r) => child.stdout?.once('data', () => r()));
      // Init is the helper's child; the relay is init's child running the helper's own argv.
      const init = findDescendant(child.pid as number, readFileSync(`/proc/${child.pid}/cmdline`, 'utf8'), child.pid);
      expect(init).toBeDefined();
      const relay = findDescendant(init as number, readFileSync(`/proc/${child.pid}/cmdline`, 'utf8'), init);
      expect(relay).toBeDefined();
      const pgrp = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2];
      const command = findDescendant(init as number, `/bin/sh\0-c\0echo ready; sleep 1 # ${marker}\0`);
      expect(command).toBeDefined();
      expect(pgrp(relay as number)).not.toBe(pgrp(command as number));
      expect((await done).code).toBe(0);
      for (let i = 0; i < 20 && !gone(relay as number); i++) await settle();
      expect(gone(relay as number)).toBe(true);
      const left = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
      expect(left).toEqual([]);
    });

    it('if the relay dies the command keeps running without network, with one line from init', async () => {
      const child = startHelper(proxied(), sh(`echo ready; sleep 0.5; ${escapeProbe} tcp-connect 127.0.0.1 ${proxyPort}; exit 4`));
      const done = collect(child);
      await new Promise<void>((r) => child.stdout?.once('data', () => r()));
      const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
      const init = findDescendant(child.pid as number, argv, child.pid);
      const relay = findDescendant(init as number, argv, init);
      process.kill(relay as number, 'SIGKILL');
      const result = await done;
      expect(result.code).toBe(4);
      expect(result.stdout).toBe('ready\ndenied: Connection refused (errno 111)\n');
      expect(result.stderr).toMatch(/^nono-helper: the proxy relay \(pid \d+\) ended \(killed by signal 9\); the command keeps running without network\n$/);
    });

    it('refuses net proxied without a view, proxy records, or a valid port', async () => {
      const bare = (...records: string[]) => ['nono-spec 1', ...records, 'end'].map((r) => `${r}\0`).join('');
      const cases = [
        bare('net proxied', `proxy-socket ${proxySocket}`, 'proxy-port 3128'),
        viewSpec('net proxied', 'proxy-port 3128'),
        viewSpec('net proxied', `proxy-socket ${proxySocket}`),
        proxied().replace('proxy-port 3128', 'proxy-port 0'),
        proxied().replace('proxy-port 3128', 'proxy-port 70000'),
        viewSpec('net block', `proxy-socket ${proxySocket}`),
        viewSpec('net proxied', 'proxy-socket relative.sock', 'proxy-port 3128'),
      ];
      for (const bad of cases) {
        const result = await runHelper(bad, sh(`: > ${tmp}/ran`));
        expect(result.code).toBe(125);
        expect(result.stderr).toMatch(/^nono-helper: bad spec: [^\n]*\n$/);
      }
      expect(existsSync(path.join(tmp, 'ran'))).toBe(false);
      const missing = await runHelper(proxied().replace(proxySocket, `${tmp}/none.sock`), ['true']);
      expect(missing.code).toBe(125);
      expect(missing.stderr).toContain(`proxy socket ${tmp}/none.sock: No such file or directory`);
    });

    it.skipIf(!hasCurl)('forwards a loopback port: a CONNECT for that address and port, with the credentials, before the client\'s bytes', async () => {
      const received: string[] = [];
      proxy.on('connection', (c) => c.once('data', (d) => received.push(d.toString('latin1'))));
      const spec = proxied('proxy-auth bm9ubzp0b2tlbg==', 'forward 127.0.0.1 18321', 'forward ::1 18321');
      const result = await runHelper(spec, sh(`curl -sS --max-time 5 http://127.0.0.1:18321/; ${escapeProbe} tcp-connect 127.0.0.1 18322`));
      expect(result.stdout).toBe('proxy-ok\ndenied: Connection refused (errno 111)\n');
      expect(received[0]).toMatch(/^CONNECT 127\.0\.0\.1:18321 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:18321\r\nProxy-Authorization: Basic bm9ubzp0b2tlbg==\r\nX-Nono-Forward: 1\r\n\r\n/);
    });

    it('refuses forward records that are not loopback, lack credentials or take the relay\'s port', async () => {
      const cases = [
        proxied('proxy-auth QUJD', 'forward 10.0.0.1 80'),
        proxied('proxy-auth QUJD', 'forward example.com 80'),
        proxied('proxy-auth QUJD', 'forward 127.0.0.1 0'),
        proxied('proxy-auth QUJD', `forward 127.0.0.1 ${proxyPort}`),
        proxied('forward 127.0.0.1 8080'),
        proxied('proxy-auth QUJD\r\nX: y', 'forward 127.0.0.1 8080'),
        viewSpec('net block', 'proxy-auth QUJD'),
      ];
      for (const bad of cases) {
        const result = await runHelper(bad, sh(`: > ${tmp}/ran`));
        expect(result.code, bad).toBe(125);
        expect(result.stderr).toMatch(/^nono-helper: bad spec: [^\n]*\n$/);
      }
      expect(existsSync(path.join(tmp, 'ran'))).toBe(false);
    });

    it.skipIf(process.getuid?.() !== 0)('holds as the unprivileged user too', async () => {
      const user = unprivilegedUser();
      const as = { uid: user.uid, gid: user.gid };
      const roundtrip = await runHelper(proxied(), [escapeProbe, 'tcp-roundtrip', '127.0.0.1', String(proxyPort), '1000000'], as);
      expect(roundtrip).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
      const tcp = await runHelper(proxied(), [escapeProbe, 'tcp-connect', '127.0.0.1', String(host.port)], as);
      expect(tcp.stdout).toMatch(/^denied: /);
      const udpResult = await runHelper(proxied(), [escapeProbe, 'udp-send', '127.0.0.1', String(host.udpPort)], as);
      expect(udpResult.stdout).toMatch(/^denied: /);
      await settle();
      expect(host.connections).toBe(0);
      expect(host.datagrams).toBe(0);
    });
  });

  describe('refusals', () => {
    it('--no-userns: the probe says why and a view spec exits 125 without running anything', async () => {
      const probeResult = spawnSync(helper, ['--no-userns', '--probe'], { encoding: 'utf8' });
      const features = JSON.parse(probeResult.stdout);
      expect(features.userns).toBe(false);
      expect(features.userns_error).toBe('disabled by --no-userns');
      expect(JSON.parse(spawnSync(helper, ['--probe'], { encoding: 'utf8' }).stdout).userns).toBe(true);

      const marker = path.join(tmp, 'ran');
      const result = await runHelper(viewSpec(rw(tmp)), sh(`: > ${marker}`), { flags: ['--no-userns'] });
      expect(result.code).toBe(125);
      expect(result.stderr).toMatch(/^nono-helper: cannot build the private filesystem view .*user namespaces are unavailable \(disabled by --no-userns\).*\n$/);
      expect(existsSync(marker)).toBe(false);
      // Without a view the switch changes nothing.
      expect((await runHelper(spec(), ['true'], { flags: ['--no-userns'] })).code).toBe(0);
    });

    it('refuses view records without view 1, an unpaired symlink, and non-canonical paths', async () => {
      expect((await runHelper(spec(`mask ${tmp}`), ['true'])).stderr).toContain('need "view 1"');
      expect((await runHelper(viewSpec('symlink /x', 'cwd /'), ['true'])).stderr).toContain(
        'must be followed by its "symlink-target"',
      );
      expect((await runHelper(viewSpec(`fs read_file ${tmp}/../etc`), ['true'])).stderr).toContain('is not a canonical path');
    });
  });

  describe('as an unprivileged user', () => {
    const isRoot = process.getuid?.() === 0;
    const user = isRoot ? unprivilegedUser() : { uid: 0, gid: 0 };
    const as = { uid: user.uid, gid: user.gid };
    let own: string;
    beforeEach(() => {
      own = path.join(tmp, 'own');
      mkdirSync(own);
      chmodSync(tmp, 0o755);
      if (isRoot) chownSync(own, user.uid, user.gid);
    });

    it.skipIf(!isRoot)('grants, masks, readonly, /proc and refusals hold without root', async () => {
      mkdirSync(path.join(own, '.ssh'));
      writeFileSync(path.join(own, '.ssh/id'), 'KEY\n');
      mkdirSync(path.join(own, 'hooks'));
      for (const p of [path.join(own, '.ssh'), path.join(own, '.ssh/id'), path.join(own, 'hooks')]) chownSync(p, user.uid, user.gid);
      const grants = viewSpec(rw(own), `mask ${own}/.ssh`, `readonly ${own}/hooks`, 'fs read_file,read_dir /proc');
      const script = [
        `echo written > ${own}/out`,
        `cat ${own}/.ssh/id 2>/dev/null`,
        `{ true > ${own}/hooks/pre-commit; } 2>/dev/null && echo hooked`,
        'unshare -rm true 2>/dev/null && echo unshared',
        'cat /proc/1/comm',
        'id -u',
      ].join('; ');
      const result = await runHelper(grants, sh(script), as);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toBe(`nono-helper\n${user.uid}\n`);
      expect(readFileSync(path.join(own, 'out'), 'utf8')).toBe('written\n');
      expect(existsSync(path.join(own, 'hooks/pre-commit'))).toBe(false);
      const outside = await runHelper(grants, [escapeProbe, 'read-file', '/var/log'], as);
      expect(outside.stdout).toBe('denied: No such file or directory (errno 2)\n');
    });

    it.skipIf(!isRoot)('exit codes and signals propagate without root', async () => {
      expect((await runHelper(viewSpec(), sh('exit 3'), as)).code).toBe(3);
      expect((await runHelper(viewSpec(), sh('kill -TERM $$'), as)).signal).toBe('SIGTERM');
      const child = startHelper(viewSpec(rw(own)), sh(`setsid sleep 1000 & echo ready; wait`), as);
      const done = collect(child);
      await new Promise<void>((r) => child.stdout?.once('data', () => r()));
      const sleeper = findDescendant(child.pid as number, 'sleep\0' + '1000\0');
      expect(sleeper).toBeDefined();
      child.kill('SIGKILL');
      await done;
      for (let i = 0; i < 20 && !gone(sleeper as number); i++) await settle();
      expect(gone(sleeper as number)).toBe(true);
    });

    it.skipIf(!isRoot)('rlimit-as and rlimit-nproc hold in a view, and nproc counts only the sandbox\'s processes', async () => {
      const limits = await runHelper(viewSpec('rlimit-as 200000000', 'rlimit-nproc 1000'), sh(hardLimitsScript), as);
      expect(limits).toEqual({ code: 0, stdout: '195312\nas-refused\nnproc-refused\n', stderr: '' });
      const big = await runHelper(viewSpec('rlimit-as 200000000'), ['python3', '-c', 'bytearray(400 * 1024 * 1024)'], as);
      expect(big.code).toBe(1);
      expect(big.stderr).toContain('MemoryError');

      // The sandbox has its own user namespace, and since Linux 5.14 RLIMIT_NPROC counts per
      // user namespace: the user's six sleepers outside do not count, init and python do.
      const outside = Array.from({ length: 6 }, () => spawn('sleep', ['30'], { ...as, stdio: 'ignore' }));
      try {
        for (let i = 0; i < 20 && processCount(user.uid) < 6; i++) await settle();
        expect(processCount(user.uid)).toBeGreaterThanOrEqual(6);
        const result = await runHelper(viewSpec('rlimit-nproc 10'), forkUntilRefused, as);
        expect(result).toEqual({ code: 0, stdout: '8 Resource temporarily unavailable\n', stderr: '' });
      } finally {
        for (const sleeper of outside) sleeper.kill('SIGKILL');
      }
    });

    it.skipIf(!isRoot)('--no-userns refuses a view without root too', async () => {
      const result = await runHelper(viewSpec(), ['true'], { ...as, flags: ['--no-userns'] });
      expect(result.code).toBe(125);
    });
  });

  it.skipIf(process.getuid?.() !== 0)('root keeps write access to files of other uids in a rw grant (full id map)', async () => {
    const file = path.join(tmp, 'theirs.txt');
    writeFileSync(file, 'original\n', { mode: 0o600 });
    chownSync(file, unprivilegedUser().uid, unprivilegedUser().gid);
    const result = await viewProbe(viewSpec(rw(tmp)), 'write-file', file);
    expect(result.stdout).toBe('ok\n');
    expect(readFileSync(file, 'utf8')).toBe('escaped\n');
  });
});

/** The host pid of a process below root whose /proc cmdline is exactly cmdline (other than not). */
function findDescendant(root: number, cmdline: string, not?: number): number | undefined {
  const parentOf = (pid: number) => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const name of readdirSync('/proc')) {
      const pid = Number(name);
      if (!Number.isInteger(pid)) continue;
      try {
        if (pid === not || readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== cmdline) continue;
        for (let p = pid; p > 1; p = parentOf(p)) if (p === root) return pid;
      } catch {
        // the process ended while being looked at
      }
    }
    spawnSync('sleep', ['0.05']);
  }
  return undefined;
}
