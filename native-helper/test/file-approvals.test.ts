// File approvals against the real kernel: the test plays nonod on the --approvals-fd socket,
// answering each JSON line by path, and checks that what the sandboxed command got matches the
// decision for the file it really opened, and that opens inside the grants never reach it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net, { type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const helperDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(helperDir, 'build');
const helper = path.join(buildDir, 'nono-helper');
const openThreads = path.join(buildDir, 'open-threads');
const openRace = path.join(buildDir, 'open-race');

const make = spawnSync('make', ['-s', '-C', helperDir], { encoding: 'utf8' });
if (make.status !== 0) throw new Error(`make failed: ${make.stderr}`);

const systemGrants = [
  ...['/usr', '/bin', '/lib', '/lib64', '/etc'].map((p) => `fs read_file,read_dir,execute ${p}`),
  'fs read_file,write_file /dev/null',
  `fs read_file,execute ${buildDir}`,
];
const grantedRoots = ['/usr', '/bin', '/lib', '/lib64', '/etc', '/dev/null', buildDir];

function spec(...records: string[]): string {
  return ['nono-spec 1', ...systemGrants, ...records, 'end'].map((r) => `${r}\0`).join('');
}

interface Request {
  id: number;
  pid: number;
  path: string;
  access: 'read' | 'write';
  flags: number;
}

interface Answer {
  allow: boolean;
  readOnly?: boolean;
}

/** What the harness answers for one request; a raw string is sent as the line itself. */
type Decide = (request: Request) => Answer | string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  requests: Request[];
}

interface RunOptions {
  /** Close nonod's end right away, as if the daemon had gone. */
  closeChannel?: boolean;
  approvalsFd?: boolean;
  /** Hand the channel over as a unix socket the helper connects to (--approvals-socket). */
  socketPath?: string;
}

function runWithApprovals(
  specText: string,
  command: string[],
  decide: Decide,
  options: RunOptions = {},
): Promise<Run> {
  const approvals = options.approvalsFd ?? true;
  const channelArgs = options.socketPath
    ? ['--approvals-socket', options.socketPath]
    : approvals
      ? ['--approvals-fd', '4']
      : [];
  const requests: Request[] = [];
  const play = (channel: Socket) => {
    let pending = '';
    channel.on('error', () => {});
    if (options.closeChannel) channel.destroy();
    channel.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const request = JSON.parse(pending.slice(0, nl)) as Request;
        pending = pending.slice(nl + 1);
        requests.push(request);
        const answer = decide(request);
        channel.write(
          typeof answer === 'string'
            ? answer
            : `${JSON.stringify({ id: request.id, allow: answer.allow, readOnly: answer.readOnly ?? false })}\n`,
        );
      }
    });
  };
  const server = options.socketPath ? net.createServer(play).listen(options.socketPath) : undefined;
  const child = spawn(helper, ['--spec-fd', '3', ...channelArgs, '--', ...command], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
  });
  const specPipe = child.stdio[3] as Writable;
  specPipe.on('error', () => {});
  specPipe.end(specText);
  child.stdin?.end();
  if (!server) play(child.stdio[4] as Socket);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      server?.close();
      resolve({ code, stdout, stderr, requests });
    });
  });
}

const allowAll: Decide = () => ({ allow: true });
const denyAll: Decide = () => ({ allow: false });

function expectNoneInsideGrants(requests: Request[]): void {
  for (const r of requests) {
    for (const root of grantedRoots) expect(r.path === root || r.path.startsWith(`${root}/`)).toBe(false);
  }
}

let tmp: string;
let notes: string;
let todo: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'nono-file-approvals-'));
  notes = path.join(tmp, 'notes');
  mkdirSync(notes);
  todo = path.join(notes, 'todo.txt');
  writeFileSync(todo, 'buy milk\n');
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('file approvals', () => {
  it('--probe says this kernel can do them', () => {
    const features = JSON.parse(spawnSync(helper, ['--probe'], { encoding: 'utf8' }).stdout) as {
      file_approvals: boolean;
    };
    expect(features.file_approvals).toBe(true);
  });

  it('asks for a file outside the grants and, allowed once, the command reads it', async () => {
    const result = await runWithApprovals(spec('approvals-file 1'), ['cat', todo], allowAll);
    expect(result.stdout).toBe('buy milk\n');
    expect(result.code).toBe(0);
    expect(result.requests).toEqual([
      { id: 1, pid: expect.any(Number), path: todo, access: 'read', flags: expect.any(Number) },
    ]);
  });

  it('asks over --approvals-socket too, for callers that cannot pass an fd', async () => {
    const socketPath = path.join(tmp, 'approvals.sock');
    const result = await runWithApprovals(spec('approvals-file 1'), ['cat', todo], allowAll, { socketPath });
    expect(result.stdout).toBe('buy milk\n');
    expect(result.requests.map((r) => r.path)).toEqual([todo]);
  });

  it('refuses to run when the approvals socket cannot be reached', async () => {
    const socketPath = path.join(tmp, 'nobody-listens.sock');
    const child = spawn(helper, ['--spec-fd', '3', '--approvals-socket', socketPath, '--', 'true'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    (child.stdio[3] as Writable).end(spec('approvals-file 1'));
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(125);
    expect(stderr).toContain('cannot connect to nonod');
  });

  it('asks again on the next open: allow-once is per open', async () => {
    const result = await runWithApprovals(
      spec('approvals-file 1'),
      ['sh', '-c', `cat ${todo}; cat ${todo}`],
      allowAll,
    );
    expect(result.stdout).toBe('buy milk\nbuy milk\n');
    expect(result.requests.map((r) => r.path)).toEqual([todo, todo]);
  });

  it('denied, the open fails with EACCES', async () => {
    const result = await runWithApprovals(spec('approvals-file 1'), ['cat', todo], denyAll);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Permission denied');
    expect(result.requests).toHaveLength(1);
  });

  it('a read-only approval lets the file be read but not written', async () => {
    const readOnly: Decide = () => ({ allow: true, readOnly: true });
    const write = await runWithApprovals(
      spec('approvals-file 1'),
      ['sh', '-c', `echo overwritten > ${todo}`],
      readOnly,
    );
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('Permission denied');
    expect(write.requests.map((r) => r.access)).toEqual(['write']);
    expect(readFileSync(todo, 'utf8')).toBe('buy milk\n');

    const read = await runWithApprovals(spec('approvals-file 1'), ['cat', todo], readOnly);
    expect(read.stdout).toBe('buy milk\n');
  });

  it('a write approval creates the file with the command\'s umask', async () => {
    const created = path.join(notes, 'new.txt');
    const result = await runWithApprovals(
      spec('approvals-file 1'),
      ['sh', '-c', `umask 077; echo fresh > ${created}`],
      allowAll,
    );
    expect(result.code).toBe(0);
    expect(readFileSync(created, 'utf8')).toBe('fresh\n');
    expect(result.requests).toEqual([expect.objectContaining({ path: created, access: 'write' })]);
    expect(spawnSync('stat', ['-c', '%a', created], { encoding: 'utf8' }).stdout.trim()).toBe('600');
  });

  it('a relative path after cd is asked about as the absolute path the command opens', async () => {
    const decide: Decide = (r) => ({ allow: r.path === todo || r.path === notes });
    const result = await runWithApprovals(
      spec('approvals-file 1', `cwd ${tmp}`),
      ['sh', '-c', 'cd notes && cat todo.txt'],
      decide,
    );
    expect(result.stdout).toBe('buy milk\n');
    expect(result.requests.map((r) => r.path)).toContain(todo);
  });

  it('a path relative to a directory fd is asked about as the file under that directory', async () => {
    const script = `import os\nd = os.open(${JSON.stringify(notes)}, os.O_RDONLY | os.O_DIRECTORY)\nprint(os.read(os.open('todo.txt', os.O_RDONLY, dir_fd=d), 100).decode(), end='')\n`;
    if (!existsSync('/usr/bin/python3')) return; // needs a python3 inside the grants
    const result = await runWithApprovals(spec('approvals-file 1'), ['/usr/bin/python3', '-S', '-c', script], allowAll);
    expect(result.stdout).toBe('buy milk\n');
    expect(result.requests.map((r) => r.path)).toEqual([notes, todo]);
  });

  it('an O_PATH open, which Landlock does not check, is not asked about', async () => {
    if (!existsSync('/usr/bin/python3')) return; // needs a python3 inside the grants
    const script = `import os\nos.open(${JSON.stringify(todo)}, os.O_PATH)\nprint('opened')\n`;
    const result = await runWithApprovals(spec('approvals-file 1'), ['/usr/bin/python3', '-S', '-c', script], denyAll);
    expect(result.stdout).toBe('opened\n');
    expect(result.requests).toEqual([]);
  });

  it('a path through a symlink is decided on, and opens, the file the link leads to', async () => {
    const secret = path.join(tmp, 'secret.txt');
    writeFileSync(secret, 'do not read\n');
    const link = path.join(notes, 'innocent.txt');
    symlinkSync(secret, link);
    // A harness that allows whatever is under notes/ must not be fooled by the link's own path.
    const decide: Decide = (r) => ({ allow: r.path.startsWith(`${notes}/`) });
    const result = await runWithApprovals(spec('approvals-file 1'), ['cat', link], decide);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Permission denied');
    expect(result.requests.map((r) => r.path)).toEqual([secret]);
  });

  it('a symlink inside a grant that leads outside it is asked about, not let through', async () => {
    const granted = path.join(tmp, 'granted');
    mkdirSync(granted);
    symlinkSync(todo, path.join(granted, 'todo-link'));
    const result = await runWithApprovals(
      spec('approvals-file 1', `fs read_file,read_dir ${granted}`),
      ['cat', path.join(granted, 'todo-link')],
      (r) => ({ allow: r.path === todo }),
    );
    expect(result.stdout).toBe('buy milk\n');
    expect(result.requests.map((r) => r.path)).toEqual([todo]);
  });

  it('16 threads opening different files at once each get the decision for their own file', async () => {
    const files = Array.from({ length: 16 }, (_, i) => path.join(notes, `file-${i}.txt`));
    files.forEach((f) => writeFileSync(f, `${path.basename(f)}\n`));
    const allowed = (p: string) => Number(/file-(\d+)\.txt$/.exec(p)?.[1]) % 2 === 0;
    const result = await runWithApprovals(spec('approvals-file 1'), [openThreads, ...files], (r) => ({
      allow: allowed(r.path),
    }));
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toEqual(
      files.map((f) => (allowed(f) ? `${f}: ${path.basename(f)}` : `${f}: error 13`)),
    );
    expect(result.requests.map((r) => r.path).sort()).toEqual([...files].sort());
    expect(new Set(result.requests.map((r) => r.pid)).size).toBe(16);
  });

  it('a path swapped in memory while its open is held: what is opened is what was decided', async () => {
    const first = path.join(notes, 'first.txt');
    const second = path.join(notes, 'secnd.txt');
    writeFileSync(first, 'first\n');
    writeFileSync(second, 'second\n');
    const result = await runWithApprovals(spec('approvals-file 1'), [openRace, first, second, '300'], (r) => ({
      allow: r.path === first,
    }));
    expect(result.code).toBe(0);
    const [, openedFirst, openedSecond, refused] = /opened first (\d+), opened second (\d+), refused (\d+)/
      .exec(result.stdout)!
      .map(Number);
    expect(openedSecond).toBe(0);
    expect(openedFirst + refused).toBe(300);
    expect(result.requests.filter((r) => r.path === first)).toHaveLength(openedFirst);
    // Both paths were seen, so the swap really raced the reads.
    expect(new Set(result.requests.map((r) => r.path))).toEqual(new Set([first, second]));
  });

  it('opens inside the grants never reach nonod', async () => {
    const granted = path.join(tmp, 'granted');
    mkdirSync(granted);
    writeFileSync(path.join(granted, 'a.txt'), 'inside\n');
    const result = await runWithApprovals(
      spec('approvals-file 1', `fs read_file,read_dir ${granted}`),
      ['sh', '-c', `cat ${granted}/a.txt /etc/passwd >/dev/null && head -c1 /dev/null && echo done`],
      denyAll,
    );
    expect(result.stdout).toBe('done\n');
    expect(result.requests).toEqual([]);
  });

  it('a write to a file granted only for reading is asked about as a write', async () => {
    const granted = path.join(tmp, 'granted');
    mkdirSync(granted);
    const file = path.join(granted, 'a.txt');
    writeFileSync(file, 'inside\n');
    const result = await runWithApprovals(
      spec('approvals-file 1', `fs read_file,read_dir ${granted}`),
      ['sh', '-c', `echo more >> ${file}`],
      denyAll,
    );
    expect(result.code).not.toBe(0);
    expect(result.requests).toEqual([expect.objectContaining({ path: file, access: 'write' })]);
    expect(readFileSync(file, 'utf8')).toBe('inside\n');
    expectNoneInsideGrants(result.requests);
  });

  it('with nonod gone, opens outside the grants are refused and the command still runs', async () => {
    const result = await runWithApprovals(
      spec('approvals-file 1'),
      ['sh', '-c', `sleep 0.2; cat ${todo}; echo after`],
      allowAll,
      { closeChannel: true },
    );
    expect(result.stdout).toBe('after\n');
    expect(result.stderr).toContain('Permission denied');
  });

  it('an answer line that is not an answer refuses the open and every later one', async () => {
    const result = await runWithApprovals(
      spec('approvals-file 1'),
      ['sh', '-c', `cat ${todo}; cat ${todo}; echo after`],
      () => '{"id":1,"allow":"yes"}\n',
    );
    expect(result.stdout).toBe('after\n');
    expect(result.stderr).toContain('out of step');
    expect(result.requests).toHaveLength(1);
  });

  it('keeps the command\'s exit status', async () => {
    const result = await runWithApprovals(spec('approvals-file 1'), ['sh', '-c', 'exit 7'], denyAll);
    expect(result.code).toBe(7);
  });

  it('refuses approvals-file 1 without --approvals-fd, and --approvals-fd without it', async () => {
    const missing = await runWithApprovals(spec('approvals-file 1'), ['true'], denyAll, {
      approvalsFd: false,
    });
    expect(missing.code).toBe(125);
    expect(missing.stderr).toContain('no --approvals-fd');
    const unasked = await runWithApprovals(spec(), ['true'], denyAll);
    expect(unasked.code).toBe(125);
    expect(unasked.stderr).toContain('does not ask for file approvals');
  });

  it('refuses file approvals with a view, for now', async () => {
    const result = await runWithApprovals(spec('approvals-file 1', 'view 1'), ['true'], denyAll);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('not available with a private filesystem view');
  });
});

describe('file approvals for openat2', () => {
  const openat2Call = path.join(buildDir, 'openat2-call');
  const O_WRONLY = 0o1;
  const O_CREAT = 0o100;
  const O_TRUNC = 0o1000;
  const O_PATH = 0o10000000;
  const RESOLVE_NO_SYMLINKS = 0x04;
  const RESOLVE_BENEATH = 0x08;
  const RESOLVE_IN_ROOT = 0x10;
  const [EPERM, EACCES, EXDEV, ENOSYS, ELOOP] = [1, 13, 18, 38, 40];
  const call = (dir: string, file: string, flags = 0, resolve = 0, mode = '0') => [
    openat2Call,
    dir,
    file,
    String(flags),
    String(resolve),
    mode,
  ];

  it('an openat2 outside the grants is asked about like an openat, and opens the allowed file', async () => {
    const result = await runWithApprovals(spec('approvals-file 1'), call('-', todo), allowAll);
    expect(result.stdout).toBe('buy milk\n');
    expect(result.requests).toEqual([expect.objectContaining({ path: todo, access: 'read' })]);
  });

  it('a denied openat2 fails with EACCES, and a write under a read-only approval too', async () => {
    const denied = await runWithApprovals(spec('approvals-file 1'), call('-', todo), denyAll);
    expect(denied.stdout).toBe(`error ${EACCES}\n`);
    const readOnly = await runWithApprovals(spec('approvals-file 1'), call('-', todo, O_WRONLY), () => ({
      allow: true,
      readOnly: true,
    }));
    expect(readOnly.stdout).toBe(`error ${EACCES}\n`);
    expect(readOnly.requests).toEqual([expect.objectContaining({ path: todo, access: 'write' })]);
    expect(readFileSync(todo, 'utf8')).toBe('buy milk\n');
  });

  it('an openat2 inside the grants is answered by the supervisor without a question', async () => {
    const granted = path.join(tmp, 'granted');
    mkdirSync(granted);
    writeFileSync(path.join(granted, 'a.txt'), 'inside\n');
    const result = await runWithApprovals(
      spec('approvals-file 1', `fs read_file,read_dir ${granted}`),
      call(granted, 'a.txt', 0, RESOLVE_BENEATH),
      denyAll,
    );
    expect(result.stdout).toBe('inside\n');
    expect(result.requests).toEqual([]);
  });

  it('a file created with openat2 in a granted directory needs every right Landlock would check', async () => {
    const granted = path.join(tmp, 'granted');
    mkdirSync(granted);
    const full = await runWithApprovals(
      spec('approvals-file 1', `fs read_file,read_dir,write_file,make_reg,truncate ${granted}`),
      call(granted, 'new.txt', O_WRONLY | O_CREAT | O_TRUNC, 0, '644'),
      denyAll,
    );
    expect(full.stdout).toBe('written\n');
    expect(full.requests).toEqual([]);
    expect(readFileSync(path.join(granted, 'new.txt'), 'utf8')).toBe('written by openat2\n');
    // write_file alone is not enough to create: the supervisor leaves it to Landlock (ENOSYS → openat).
    const partial = await runWithApprovals(
      spec('approvals-file 1', `fs read_file,read_dir,write_file ${granted}`),
      call(granted, 'other.txt', O_WRONLY | O_CREAT, 0, '644'),
      denyAll,
    );
    expect(partial.stdout).toBe(`error ${ENOSYS}\n`);
    expect(existsSync(path.join(granted, 'other.txt'))).toBe(false);
  });

  it('RESOLVE_* flags are honoured: an escape from BENEATH or a symlink under NO_SYMLINKS fails without a question', async () => {
    const beneath = await runWithApprovals(
      spec('approvals-file 1'),
      call(notes, '../notes/todo.txt', 0, RESOLVE_BENEATH),
      allowAll,
    );
    expect(beneath.stdout).toBe(`error ${EXDEV}\n`);
    symlinkSync(todo, path.join(tmp, 'link.txt'));
    const noSymlinks = await runWithApprovals(
      spec('approvals-file 1'),
      call(tmp, 'link.txt', 0, RESOLVE_NO_SYMLINKS),
      allowAll,
    );
    expect(noSymlinks.stdout).toBe(`error ${ELOOP}\n`);
    // Only the tool's own open of the directory it passes as dirfd was asked about.
    expect(beneath.requests.map((r) => r.path)).toEqual([notes]);
    expect(noSymlinks.requests.map((r) => r.path)).toEqual([tmp]);
  });

  it('RESOLVE_IN_ROOT takes an absolute path under the dirfd, and asks about the file it reaches', async () => {
    const result = await runWithApprovals(
      spec('approvals-file 1'),
      call(notes, '/todo.txt', 0, RESOLVE_IN_ROOT),
      (r) => ({ allow: r.path === notes || r.path === todo }),
    );
    expect(result.stdout).toBe('buy milk\n');
    expect(result.requests.map((r) => r.path)).toEqual([notes, todo]);
  });

  it('a set-id mode is refused with EPERM, as the main filter refuses it for openat', async () => {
    const result = await runWithApprovals(
      spec('approvals-file 1'),
      call(notes, 'setuid', O_WRONLY | O_CREAT, 0, '4755'),
      allowAll,
    );
    expect(result.stdout).toBe(`error ${EPERM}\n`);
    expect(result.requests.map((r) => r.path)).toEqual([notes]);
    expect(existsSync(path.join(notes, 'setuid'))).toBe(false);
  });

  it('what only Landlock can decide (procfs, a device, a FIFO, O_PATH) gets ENOSYS, so callers fall back to openat', async () => {
    const granted = path.join(tmp, 'granted');
    mkdirSync(granted);
    const fifo = path.join(granted, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const argv of [
      call('-', '/proc/self/status'),
      call('-', '/dev/null', O_WRONLY),
      call('-', fifo),
      call('-', todo, O_PATH),
    ]) {
      const result = await runWithApprovals(spec('approvals-file 1', `fs read_file,read_dir ${granted}`), argv, allowAll);
      expect(result.stdout).toBe(`error ${ENOSYS}\n`);
      expect(result.requests).toEqual([]);
    }
  });

  it('without file approvals openat2 stays ENOSYS, as the main filter answers it', async () => {
    const result = await runWithApprovals(spec(), call('-', '/etc/hostname'), denyAll, { approvalsFd: false });
    expect(result.stdout).toBe(`error ${ENOSYS}\n`);
  });
});
