// File approvals against the real kernel: the test plays nonod on the --approvals-fd socket,
// answering each JSON line by path, and checks that what the sandboxed command got matches the
// decision for the file it really opened, and that opens inside the grants never reach it.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net, { type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unprivilegedUser } from '../../test/support/unprivileged-user.js';

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
  /** Run the helper as this user (the tests run as root). */
  user?: { uid: number; gid: number };
  /** Called with the helper's pid once it is started. */
  started?: (pid: number) => void;
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
    ...options.user,
  });
  options.started?.(child.pid!);
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

  it('an approved FIFO nobody reads does not hold the supervisor: the write gets ENXIO, later opens are answered', async () => {
    const fifo = path.join(notes, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const result = await runWithApprovals(
      spec('approvals-file 1'),
      ['sh', '-c', `echo x > ${fifo}; echo status:$?; cat ${todo}`],
      allowAll,
    );
    expect(result.stdout).toBe('status:2\nbuy milk\n');
    expect(result.stderr).toMatch(/No such device or address/);
    expect(result.requests.map((r) => r.path)).toEqual([fifo, todo]);
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

  it.each([
    { name: 'as root', user: undefined },
    ...(process.getuid?.() === 0 ? [{ name: 'as an unprivileged user', user: unprivilegedUser() }] : []),
  ])("kernel interfaces (procfs, sysfs, cgroupfs) are never asked about: an allowed write to the supervisor's own mem would run code unconfined (attack), $name", async ({ user }) => {
    if (!existsSync('/usr/bin/python3')) return; // needs a python3 inside the grants
    // The parent of the command is the supervisor, outside Landlock: an fd it opened on its own
    // /proc/PID/mem would let the sandbox rewrite it. Through a symlink made in a grant, too.
    const granted = path.join(tmp, 'granted');
    mkdirSync(granted);
    chmodSync(tmp, 0o755);
    if (user) chownSync(granted, user.uid, user.gid);
    const script = [
      'import os, sys',
      'ppid = os.getppid()',
      `os.symlink(f'/proc/{ppid}/mem', ${JSON.stringify(path.join(granted, 'notes.txt'))})`,
      `for p in [f'/proc/{ppid}/mem', f'/proc/{ppid}/environ', ${JSON.stringify(path.join(granted, 'notes.txt'))}, '/sys/fs/cgroup/cgroup.procs', '/sys/kernel/mm/transparent_hugepage/enabled']:`,
      '    try:',
      '        os.open(p, os.O_RDWR)',
      "        print('opened', p)",
      '    except OSError as e:',
      "        print('refused', e.errno)",
    ].join('\n');
    const result = await runWithApprovals(
      spec('approvals-file 1', 'fs read_file,read_dir /proc', `fs read_file,read_dir,write_file,make_sym ${granted}`),
      ['/usr/bin/python3', '-S', '-c', script],
      allowAll,
      { user },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toContain('opened');
    expect(result.stdout.trim().split('\n')).toHaveLength(5);
    expect(result.requests.filter((r) => r.path.startsWith('/proc/') || r.path.startsWith('/sys/'))).toEqual([]);
  });

  it('a flood of unanswered questions does not starve the grants: past 256 held, opens outside are refused at once (attack)', async () => {
    if (!existsSync('/usr/bin/python3')) return; // needs a python3 inside the grants
    // 300 threads each hold an open nonod never answers; the 257th on get EACCES without a
    // question, and an open inside the grants is still answered while all of them wait.
    const script = [
      'import os, threading, time',
      'refused = []',
      'def hold(i):',
      '    try:',
      `        os.open(${JSON.stringify(notes)} + f'/held-{i}', os.O_RDONLY)`,
      '    except OSError as e:',
      '        refused.append(e.errno)',
      'for i in range(300):',
      '    threading.Thread(target=hold, args=(i,), daemon=True).start()',
      'deadline = time.time() + 20',
      'while len(refused) < 44 and time.time() < deadline:',
      '    time.sleep(0.05)',
      "print(len(refused), sorted(set(refused)), open('/etc/hostname').read() != '', flush=True)",
      'os._exit(0)',
    ].join('\n');
    for (let i = 0; i < 300; i++) writeFileSync(path.join(notes, `held-${i}`), 'x');
    // Only the held files go unanswered; whatever python opens at start outside the grants is denied.
    const held = (r: Request) => r.path.startsWith(`${notes}/held-`);
    const result = await runWithApprovals(spec('approvals-file 1'), ['/usr/bin/python3', '-S', '-c', script], (r) =>
      held(r) ? '' : { allow: false },
    );
    expect(result.stdout).toBe('44 [13] True\n');
    expect(result.requests.filter(held)).toHaveLength(256);
    expect(result.code).toBe(0);
  });

  it('a write approval never creates a set-id file: open, openat and creat with S_ISUID or S_ISGID fail with EPERM unasked (attack)', async () => {
    if (!existsSync('/usr/bin/python3')) return; // needs a python3 inside the grants
    const script = [
      'import os, ctypes',
      'libc = ctypes.CDLL(None, use_errno=True)',
      `d = ${JSON.stringify(notes)}`,
      'for name, mode in [("suid", 0o4755), ("sgid", 0o2755)]:',
      '    try:',
      '        os.open(d + "/" + name, os.O_WRONLY | os.O_CREAT, mode)',
      '        print("created", name)',
      '    except OSError as e:',
      '        print("refused", e.errno)',
      '    fd = libc.creat((d + "/creat-" + name).encode(), mode)',
      '    print("created" if fd >= 0 else "refused", ctypes.get_errno() if fd < 0 else name)',
    ].join('\n');
    const result = await runWithApprovals(spec('approvals-file 1'), ['/usr/bin/python3', '-S', '-c', script], allowAll);
    expect(result.stdout).toBe('refused 1\nrefused 1\nrefused 1\nrefused 1\n');
    expect(readdirSync(notes)).toEqual(['todo.txt']);
    expect(result.requests.filter((r) => r.path.startsWith(notes))).toEqual([]);
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

});


// In the view (spec `view 1`), where a path outside the grants does not exist at all: the
// supervisor is the helper outside, asked only about files the view does not hold, and an
// approved open is the host file it was asked about.
const isRoot = process.getuid?.() === 0;
const viewUsers = [
  { name: 'as root', user: undefined },
  ...(isRoot ? [{ name: 'as an unprivileged user', user: unprivilegedUser() }] : []),
];

describe.each(viewUsers)('file approvals in the view, $name', ({ user }) => {
  const rootLinks = ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32'].flatMap((p) => {
    const stats = lstatSync(p, { throwIfNoEntry: false });
    return stats?.isSymbolicLink() ? [`symlink ${p}`, `symlink-target ${readlinkSync(p)}`] : [];
  });
  const viewSpec = (...records: string[]) =>
    [
      'nono-spec 1',
      'view 1',
      'approvals-file 1',
      ...['/usr', '/etc'].map((p) => `fs read_file,read_dir,execute ${p}`),
      ...rootLinks,
      'fs read_file,write_file /dev/null',
      `fs read_file,execute ${buildDir}`,
      ...records,
      'end',
    ]
      .map((r) => `${r}\0`)
      .join('');
  const run = (specText: string, command: string[], decide: Decide, options: RunOptions = {}) =>
    runWithApprovals(specText, command, decide, { user, ...options });
  /** Files the test makes for the sandbox: the unprivileged user's, as the host would have them. */
  const own = (...paths: string[]) => {
    if (user) for (const p of paths) chownSync(p, user.uid, user.gid);
  };
  let granted: string;
  beforeEach(() => {
    chmodSync(tmp, 0o755);
    granted = path.join(tmp, 'granted');
    mkdirSync(granted);
    own(tmp, notes, todo, granted);
  });

  it('asks for a file the view does not hold and, allowed once, the command reads the host file', async () => {
    const result = await run(viewSpec(), ['sh', '-c', `cat ${todo}; cat ${todo}`], allowAll);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('buy milk\nbuy milk\n');
    expect(result.code).toBe(0);
    expect(result.requests).toEqual([todo, todo].map((p) => expect.objectContaining({ path: p, access: 'read' })));
  });

  it('denied, the open fails with EACCES; files the view holds are never asked about', async () => {
    writeFileSync(path.join(granted, 'a.txt'), 'inside\n');
    const result = await run(
      viewSpec(`fs read_file,read_dir ${granted}`),
      ['sh', '-c', `cat ${granted}/a.txt /etc/passwd >/dev/null; cat ${todo}; echo status $?`],
      denyAll,
    );
    expect(result.stdout).toBe('status 1\n');
    expect(result.stderr).toContain('Permission denied');
    expect(result.requests.map((r) => r.path)).toEqual([todo]);
  });

  it('a relative path from a changed cwd is asked about as the host file it names', async () => {
    // The cwd tmp is made in the view's skeleton; granted/ is bound; ../notes is neither.
    const result = await run(
      viewSpec(`fs read_file,read_dir ${granted}`, `cwd ${tmp}`),
      ['sh', '-c', 'cat notes/todo.txt && cd granted && cat ../notes/todo.txt'],
      (r) => ({ allow: r.path === todo }),
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('buy milk\nbuy milk\n');
    expect(result.requests.map((r) => r.path)).toEqual([todo, todo]);
  });

  it('a path relative to a directory fd of the view is asked about as the host file under it', async () => {
    if (!existsSync('/usr/bin/python3')) return; // needs a python3 inside the grants
    const script = `import os\nd = os.open(${JSON.stringify(granted)}, os.O_RDONLY | os.O_DIRECTORY)\nprint(os.read(os.open('../notes/todo.txt', os.O_RDONLY, dir_fd=d), 100).decode(), end='')\n`;
    const result = await run(viewSpec(`fs read_file,read_dir ${granted}`), ['/usr/bin/python3', '-S', '-c', script], allowAll);
    expect(result.stdout).toBe('buy milk\n');
    expect(result.requests.map((r) => r.path)).toEqual([todo]);
  });

  it('an approved directory is not handed into the view: its fd would lead out of it', async () => {
    if (!existsSync('/usr/bin/python3')) return; // needs a python3 inside the grants
    const script = `import os\ntry:\n  os.open(${JSON.stringify(notes)}, os.O_RDONLY | os.O_DIRECTORY)\nexcept PermissionError:\n  print('refused')\n`;
    const result = await run(viewSpec(), ['/usr/bin/python3', '-S', '-c', script], allowAll);
    expect(result.stdout).toBe('refused\n');
    expect(result.requests.map((r) => r.path)).toEqual([notes]);
  });

  it('a symlink in a grant leading out of the view is decided on, and opens, the file it leads to', async () => {
    symlinkSync(todo, path.join(granted, 'todo-link'));
    const secret = path.join(tmp, 'secret.txt');
    writeFileSync(secret, 'do not read\n');
    symlinkSync(secret, path.join(granted, 'innocent.txt'));
    const result = await run(
      viewSpec(`fs read_file,read_dir ${granted}`),
      ['sh', '-c', `cat ${granted}/todo-link; cat ${granted}/innocent.txt`],
      (r) => ({ allow: r.path === todo }),
    );
    expect(result.stdout).toBe('buy milk\n');
    expect(result.stderr).toContain('Permission denied');
    expect(result.requests.map((r) => r.path)).toEqual([todo, secret]);
  });

  it('a dangling symlink made in a grant, created through after an allowed write, is refused: nothing appears where it leads (attack)', async () => {
    // The sandbox's own link in its rw grant, aimed out of the view at a file that does not exist
    // yet: the question names the link (in the project), and an allowed create must not follow it.
    const target = path.join(notes, 'planted.sh');
    const result = await run(
      viewSpec(`fs read_file,read_dir,write_file,make_reg,make_sym,remove_file ${granted}`),
      ['sh', '-c', `ln -s ${target} ${granted}/notes.txt && echo planted > ${granted}/notes.txt; echo status $?`],
      allowAll,
    );
    expect(result.stdout).toBe('status 2\n');
    expect(existsSync(target)).toBe(false);
    expect(lstatSync(path.join(granted, 'notes.txt')).isSymbolicLink()).toBe(true);
    expect(result.requests.map((r) => r.path)).toEqual([path.join(granted, 'notes.txt')]);
  });

  it('16 threads opening different files at once each get the decision for their own file', async () => {
    const files = Array.from({ length: 16 }, (_, i) => path.join(notes, `file-${i}.txt`));
    files.forEach((f) => writeFileSync(f, `${path.basename(f)}\n`));
    const allowed = (p: string) => Number(/file-(\d+)\.txt$/.exec(p)?.[1]) % 2 === 0;
    const result = await run(viewSpec(), [openThreads, ...files], (r) => ({ allow: allowed(r.path) }));
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(
      files.map((f) => (allowed(f) ? `${f}: ${path.basename(f)}` : `${f}: error 13`)),
    );
    expect(result.requests.map((r) => r.path).sort()).toEqual([...files].sort());
    expect(new Set(result.requests.map((r) => r.pid)).size).toBe(16);
  });

  it('a read-only approval reads the file but a write fails, and the host file stays', async () => {
    const readOnly: Decide = () => ({ allow: true, readOnly: true });
    const result = await run(viewSpec(), ['sh', '-c', `cat ${todo}; echo overwritten > ${todo}`], readOnly);
    expect(result.stdout).toBe('buy milk\n');
    expect(result.stderr).toContain('Permission denied');
    expect(result.requests.map((r) => r.access)).toEqual(['read', 'write']);
    expect(readFileSync(todo, 'utf8')).toBe('buy milk\n');
  });

  it('a write approval creates the host file; a create in a directory the view holds is the kernel\'s', async () => {
    const created = path.join(notes, 'new.txt');
    const result = await run(
      viewSpec(`fs read_file,read_dir,write_file,make_reg ${granted}`),
      ['sh', '-c', `echo fresh > ${created}; echo inside > ${granted}/b.txt`],
      allowAll,
    );
    expect(result.code).toBe(0);
    expect(readFileSync(created, 'utf8')).toBe('fresh\n');
    expect(readFileSync(path.join(granted, 'b.txt'), 'utf8')).toBe('inside\n');
    expect(result.requests).toEqual([expect.objectContaining({ path: created, access: 'write' })]);
  });

  it('a masked or stubbed host file is refused without asking, even by another name', async () => {
    const hidden = path.join(granted, 'hidden');
    mkdirSync(hidden);
    writeFileSync(path.join(hidden, 'key'), 'PRIVATE\n');
    const tool = path.join(granted, 'tool');
    writeFileSync(tool, 'REAL TOOL\n');
    symlinkSync(path.join(hidden, 'key'), path.join(notes, 'key-link'));
    symlinkSync(tool, path.join(notes, 'tool-link'));
    own(hidden, path.join(hidden, 'key'), tool);
    const result = await run(
      viewSpec(`fs read_file,read_dir ${granted}`, `mask ${hidden}`, `stub ${tool}`, 'stub-message blocked'),
      ['sh', '-c', `cat ${hidden}/key; cat ${notes}/key-link; cat ${notes}/tool-link; echo end`],
      allowAll,
    );
    expect(result.stdout).toBe('end\n');
    expect(result.stdout + result.stderr).not.toMatch(/PRIVATE|REAL TOOL/);
    expect(result.requests).toEqual([]);
  });

  it('a masked file moved with its directory in a writable grant is still refused without asking (attack)', async () => {
    // Renaming a directory above a mask moves the mask in the view, but on the host the secret
    // now has a name no mask record spells: what the view keeps must be known by inode.
    const project = path.join(granted, 'project');
    const sub = path.join(project, 'config');
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, '.env'), 'PRIVATE\n');
    mkdirSync(path.join(project, 'vault'));
    writeFileSync(path.join(project, 'vault', 'key'), 'PRIVATE\n');
    own(project, sub, path.join(sub, '.env'), path.join(project, 'vault'), path.join(project, 'vault', 'key'));
    const rights = 'read_file,read_dir,write_file,make_reg,make_dir,remove_file,remove_dir,refer';
    const result = await run(
      viewSpec(`fs ${rights} ${granted}`, `mask ${path.join(sub, '.env')}`, `mask ${path.join(project, 'vault')}`),
      [
        'sh',
        '-c',
        `mv ${project} ${granted}/docs && cat ${granted}/docs/config/.env; cat ${granted}/docs/vault/key; echo end`,
      ],
      allowAll,
    );
    expect(result.stdout).toBe('end\n');
    expect(result.stdout + result.stderr).not.toMatch(/PRIVATE/);
    expect(result.requests).toEqual([]);
  });

  it('a masked directory moved to the asked-about path while the question is open is still refused at the open', async () => {
    // The check at the open is on the directories the supervisor walks through, by inode: the
    // path asked about was innocent, the tree under it changed before the answer came.
    const project = path.join(granted, 'project');
    mkdirSync(path.join(project, 'vault'), { recursive: true });
    writeFileSync(path.join(project, 'vault', 'key'), 'PRIVATE\n');
    const elsewhere = path.join(tmp, 'elsewhere');
    mkdirSync(path.join(elsewhere, 'vault'), { recursive: true });
    writeFileSync(path.join(elsewhere, 'vault', 'key'), 'innocent\n');
    own(project, path.join(project, 'vault'), path.join(project, 'vault', 'key'), elsewhere);
    const asked = path.join(elsewhere, 'vault', 'key');
    const result = await run(
      viewSpec(`fs read_file,read_dir ${granted}`, `mask ${path.join(project, 'vault')}`),
      ['sh', '-c', `cat ${asked}; echo end`],
      (r) => {
        renameSync(elsewhere, `${elsewhere}-old`);
        renameSync(project, elsewhere);
        return { allow: r.path === asked };
      },
    );
    expect(result.stdout).toBe('end\n');
    expect(result.stderr).toContain('Permission denied');
    expect(result.requests.map((r) => r.path)).toEqual([asked]);
  });

  it('a masked file moved to the asked-about path while a truncating write waits is refused and left whole', async () => {
    // The kept file is the last component here: checked on the fd before O_TRUNC may empty it.
    const project = path.join(granted, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'key'), 'PRIVATE\n');
    const elsewhere = path.join(tmp, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(path.join(elsewhere, 'key'), 'innocent\n');
    own(project, path.join(project, 'key'), elsewhere, path.join(elsewhere, 'key'));
    const asked = path.join(elsewhere, 'key');
    const result = await run(
      viewSpec(`fs read_file,read_dir ${granted}`, `mask ${path.join(project, 'key')}`),
      ['sh', '-c', `echo overwritten > ${asked}; echo status $?`],
      (r) => {
        renameSync(elsewhere, `${elsewhere}-old`);
        renameSync(project, elsewhere);
        return { allow: r.path === asked };
      },
    );
    expect(result.stdout).not.toBe('status 0\n');
    expect(result.stderr).toContain('Permission denied');
    expect(readFileSync(asked, 'utf8')).toBe('PRIVATE\n');
    expect(result.requests).toEqual([expect.objectContaining({ path: asked, access: 'write' })]);
  });

  it('a write-protected host file is refused for writing without asking, even by another name', async () => {
    const hooks = path.join(granted, 'hooks');
    mkdirSync(hooks);
    const hook = path.join(hooks, 'pre-commit');
    writeFileSync(hook, 'original\n');
    symlinkSync(hook, path.join(notes, 'hook-link'));
    own(hooks, hook);
    const result = await run(
      viewSpec(`fs read_file,read_dir,write_file ${granted}`, `readonly ${hooks}`),
      ['sh', '-c', `cat ${notes}/hook-link; echo changed > ${notes}/hook-link; echo end`],
      allowAll,
    );
    expect(result.stdout).toBe('original\nend\n');
    expect(result.stderr).toContain('Permission denied');
    expect(readFileSync(hook, 'utf8')).toBe('original\n');
    expect(result.requests.map((r) => [r.path, r.access])).toEqual([[hook, 'read']]);
  });

  it("the view's own /tmp, /dev and /proc are never looked up on the host", async () => {
    const sessionTmp = path.join(tmp, 'session-tmp');
    mkdirSync(sessionTmp);
    own(sessionTmp);
    const result = await run(
      viewSpec(`tmp ${sessionTmp}`, 'fs read_file,read_dir /proc'),
      ['sh', '-c', 'echo scratch > /tmp/s && cat /tmp/s /proc/self/comm; cat /dev/nothing /proc/nothing 2>/dev/null; echo end'],
      allowAll,
    );
    expect(result.stdout).toBe('scratch\ncat\nend\n');
    expect(readFileSync(path.join(sessionTmp, 's'), 'utf8')).toBe('scratch\n');
    expect(result.requests).toEqual([]);
  });

  describe('openat2 in the view: the same questions as openat, never past the view', () => {
    const openat2Call = path.join(buildDir, 'openat2-call');
    const [O_WRONLY, O_CREAT, O_DIRECTORY] = [0o1, 0o100, 0o200000];
    const RESOLVE_NO_SYMLINKS = 0x04;
    const [EPERM, EACCES, ENOSYS] = [1, 13, 38];
    const call = (dir: string, file: string, flags = 0, resolve = 0, mode = '0') => [
      openat2Call,
      dir,
      file,
      String(flags),
      String(resolve),
      mode,
    ];

    it('a file the view does not hold is asked about, and the allowed host file opened; from a view dirfd too', async () => {
      const absolute = await run(viewSpec(), call('-', todo), allowAll);
      expect(absolute.stdout).toBe('buy milk\n');
      expect(absolute.requests).toEqual([expect.objectContaining({ path: todo, access: 'read' })]);
      const relative = await run(viewSpec(`fs read_file,read_dir ${granted}`), call(granted, '../notes/todo.txt'), allowAll);
      expect(relative.stdout).toBe('buy milk\n');
      expect(relative.requests.map((r) => r.path)).toEqual([todo]);
    });

    it('denied, or a directory approved, fails with EACCES; a write approval writes the host file', async () => {
      expect((await run(viewSpec(), call('-', todo), denyAll)).stdout).toBe(`error ${EACCES}\n`);
      const directory = await run(viewSpec(), call('-', notes, O_DIRECTORY), allowAll);
      expect(directory.stdout).toBe(`error ${EACCES}\n`);
      expect(directory.requests.map((r) => r.path)).toEqual([notes]);
      const created = path.join(notes, 'new.txt');
      const write = await run(viewSpec(), call('-', created, O_WRONLY | O_CREAT, 0, '644'), allowAll);
      expect(write.stdout).toBe('written\n');
      expect(readFileSync(created, 'utf8')).toBe('written by openat2\n');
      expect(write.requests).toEqual([expect.objectContaining({ path: created, access: 'write' })]);
    });

    it('what the view holds, and any RESOLVE_* call, gets ENOSYS without a question (openat decides)', async () => {
      writeFileSync(path.join(granted, 'a.txt'), 'inside\n');
      own(path.join(granted, 'a.txt'));
      for (const argv of [call(granted, 'a.txt'), call('-', '/etc/hostname'), call('-', todo, 0, RESOLVE_NO_SYMLINKS)]) {
        const result = await run(viewSpec(`fs read_file,read_dir ${granted}`), argv, allowAll);
        expect(result.stdout).toBe(`error ${ENOSYS}\n`);
        expect(result.requests).toEqual([]);
      }
    });

    it('a masked or write-protected host file is refused without asking, and a set-id create with EPERM', async () => {
      const hidden = path.join(granted, 'hidden');
      mkdirSync(hidden);
      writeFileSync(path.join(hidden, 'key'), 'PRIVATE\n');
      symlinkSync(path.join(hidden, 'key'), path.join(notes, 'key-link'));
      own(hidden, path.join(hidden, 'key'));
      const masked = await run(viewSpec(`fs read_file,read_dir ${granted}`, `mask ${hidden}`), call('-', path.join(notes, 'key-link')), allowAll);
      expect(masked.stdout).toBe(`error ${EACCES}\n`);
      expect(masked.requests).toEqual([]);
      const hook = path.join(hidden, 'pre-commit');
      writeFileSync(hook, 'original\n');
      symlinkSync(hook, path.join(notes, 'hook-link'));
      own(hook);
      const readonly = await run(
        viewSpec(`fs read_file,read_dir,write_file ${granted}`, `readonly ${hidden}`),
        call('-', path.join(notes, 'hook-link'), O_WRONLY),
        allowAll,
      );
      expect(readonly.stdout).toBe(`error ${EACCES}\n`);
      expect(readonly.requests).toEqual([]);
      expect(readFileSync(hook, 'utf8')).toBe('original\n');
      const setid = await run(viewSpec(), call('-', path.join(notes, 'setuid'), O_WRONLY | O_CREAT, 0, '4755'), allowAll);
      expect(setid.stdout).toBe(`error ${EPERM}\n`);
      expect(setid.requests).toEqual([]);
      expect(existsSync(path.join(notes, 'setuid'))).toBe(false);
    });
  });

  it('keeps the command\'s exit status, and with nonod gone refuses what it would ask', async () => {
    expect((await run(viewSpec(), ['sh', '-c', 'exit 7'], denyAll)).code).toBe(7);
    const gone = await run(viewSpec(), ['sh', '-c', `sleep 0.2; cat ${todo}; echo after`], allowAll, { closeChannel: true });
    expect(gone.stdout).toBe('after\n');
    expect(gone.stderr).toContain('Permission denied');
  });

  it('the sandbox cannot signal or ptrace the supervisor (attack)', async () => {
    const pidFile = path.join(granted, 'supervisor-pid');
    const probe = path.join(buildDir, 'escape-probe');
    const result = await run(
      viewSpec(`fs read_file,read_dir ${granted}`),
      ['sh', '-c', `sleep 0.3; pid=$(cat ${pidFile}); ${probe} kill $pid 9; ${probe} kill $pid 0; ${probe} ptrace-attach $pid`],
      allowAll,
      { started: (pid) => writeFileSync(pidFile, `${pid}\n`) },
    );
    expect(result.stdout).toBe('denied: No such process (errno 3)\n'.repeat(3));
  });
});

/** Live `sleep MARKER` processes. */
function sleepers(marker: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `sleep\0${marker}\0` && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.each([
  {
    name: 'in the view',
    records: ['view 1', ...['/usr', '/etc'].map((p) => `fs read_file,read_dir,execute ${p}`), 'fs read_file,write_file /dev/null'],
  },
  { name: 'on Landlock alone', records: [] },
])('SIGKILL to the helper\'s process group with file approvals, $name', ({ records }) => {
  it('kills the command and everything it started', async () => {
    const rootLinks = ['/bin', '/sbin', '/lib', '/lib64'].flatMap((p) =>
      lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink() ? [`symlink ${p}`, `symlink-target ${readlinkSync(p)}`] : [],
    );
    const specText = records.length ? ['nono-spec 1', ...records, ...rootLinks, 'approvals-file 1', 'end'].map((r) => `${r}\0`).join('') : spec('approvals-file 1');
    const marker = `${(Math.random() * 1e6).toFixed(0)}.25`;
    const child = spawn(helper, ['--spec-fd', '3', '--approvals-fd', '4', '--', 'sh', '-c', `sleep ${marker} & sleep ${marker}`], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    (child.stdio[3] as Writable).end(specText);
    // 'exit', not 'close': a survivor would hold the stderr pipe open.
    const ended = new Promise((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 100 && sleepers(marker).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(sleepers(marker)).toHaveLength(2);
    process.kill(-child.pid!, 'SIGKILL');
    await ended;
    for (let i = 0; i < 40 && sleepers(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    const survivors = sleepers(marker);
    survivors.forEach((pid) => process.kill(pid, 'SIGKILL'));
    expect(survivors).toEqual([]);
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

  it('what only Landlock can decide (procfs, sysfs, a device, a FIFO, O_PATH) gets ENOSYS, so callers fall back to openat', async () => {
    const granted = path.join(tmp, 'granted');
    mkdirSync(granted);
    const fifo = path.join(granted, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const argv of [
      call('-', '/proc/self/status'),
      call('-', '/sys/kernel/mm/transparent_hugepage/enabled'),
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
