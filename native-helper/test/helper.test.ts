// nono-helper against the real kernel: each test hands a spec over fd 3 (or a one-time
// file), runs a command or escape-probe inside the sandbox, and checks both the refusal
// and that nothing happened outside (file unchanged, no connection, process alive).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
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
}

interface RunOptions {
  /** Pipes open on fds 4.. in the helper, to check they do not reach the command. */
  extraFds?: number;
  /** Replaces `--spec-fd 3` (then the spec argument is ignored). */
  specArgs?: string[];
  /** Run the helper as this user (needs root). */
  uid?: number;
}

function runHelper(specText: string, command: string[], options: RunOptions = {}): Promise<Result> {
  const specArgs = options.specArgs ?? ['--spec-fd', '3'];
  const extra = Array.from({ length: options.extraFds ?? 0 }, () => 'pipe' as const);
  const child = spawn(helper, [...specArgs, '--', ...command], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe', ...extra],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  const specPipe = child.stdio[3] as Writable;
  specPipe.on('error', () => {}); // the helper may refuse before reading it all
  specPipe.end(options.specArgs ? '' : specText);
  child.stdin?.end();
  return collect(child);
}

function collect(child: ChildProcess): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
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

describe('network', () => {
  let server: net.Server;
  let port: number;
  let connections: number;
  let udp: dgram.Socket;
  let udpPort: number;
  let datagrams: number;

  beforeEach(async () => {
    connections = 0;
    server = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
    datagrams = 0;
    udp = dgram.createSocket('udp4');
    udp.on('message', () => datagrams++);
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    udpPort = udp.address().port;
  });
  afterEach(() => {
    server.close();
    udp.close();
  });

  it('reaches the listener with net allow (control)', async () => {
    const result = await probe(spec('net allow'), 'tcp-connect', '127.0.0.1', String(port));
    expect(result.stdout).toBe('ok\n');
    await settle();
    expect(connections).toBe(1);
  });

  it('net block: TCP connect fails and the listener sees nothing', async () => {
    const result = await probe(spec('net block'), 'tcp-connect', '127.0.0.1', String(port));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^denied: /);
    await settle();
    expect(connections).toBe(0);
  });

  it('net block: UDP send fails and nothing arrives', async () => {
    const result = await probe(spec('net block'), 'udp-send', '127.0.0.1', String(udpPort));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^denied: /);
    await settle();
    expect(datagrams).toBe(0);
  });

  it('net block: TCP bind fails', async () => {
    const result = await probe(spec('net block'), 'tcp-bind', '0');
    expect(result.code).toBe(1);
  });

  it.skipIf(abi < 4)('net filtered: only the granted TCP port connects', async () => {
    const other = net.createServer((s) => {
      connections++;
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
      expect(connections).toBe(1);
    } finally {
      other.close();
    }
  });

  it.skipIf(abi < 4)('net filtered: UDP is denied and nothing arrives', async () => {
    const filtered = spec('net filtered', `net-connect ${udpPort}`);
    const result = await probe(filtered, 'udp-send', '127.0.0.1', String(udpPort));
    expect(result.stdout).toBe('denied: Permission denied (errno 13)\n');
    await settle();
    expect(datagrams).toBe(0);
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
