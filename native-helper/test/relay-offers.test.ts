// The relay's side of spliced tunnels against the real kernel: a stand-in for nonod's proxy
// answers the first CONNECT with an offer (a message carrying an fd, SCM_RIGHTS) and the test
// checks what the command in the sandbox gets. Taken only from outside the sandbox's pid
// namespace, and only a TCP socket: anything else closes the tunnel with nothing passed on.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const helperDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(helperDir, 'build');
const helper = path.join(buildDir, 'nono-helper');

const make = spawnSync('make', ['-s', '-C', helperDir], { encoding: 'utf8' });
if (make.status !== 0) throw new Error(`make failed: ${make.stderr}`);

const PROXY_PORT = 3128;
const REPLY = 'HTTP/1.1 200 Connection Established\r\n\r\n';

// The stand-in proxy. bind: binds SOCK and waits on stdin for a pid (or "here"); then listens,
// from inside that pid's pid namespace (nsenter) unless "here", reads the CONNECT and offers
// OFFERED: "tcp" a connection to the test's upstream, "file" a regular file, "two" two fds; "tcp-then-close"
// as "tcp", then closes its end of the control and its copy of the socket, as nonod does on stop.
const STAND_IN = `
import os, socket, struct, subprocess, sys
mode, sock_path, offered, upstream_port = sys.argv[1:5]
if mode == 'bind':
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock_path)
    os.chmod(sock_path, 0o777)
    print('bound', flush=True)
    where = sys.stdin.readline().strip()
    if where != 'here':
        os.set_inheritable(s.fileno(), True)
        sys.exit(subprocess.call(['nsenter', '-t', where, '-p', '--', sys.executable, __file__, 'serve', str(s.fileno()), offered, upstream_port], close_fds=False))
else:
    s = socket.socket(fileno=int(sock_path))
s.listen()
c, _ = s.accept()
request = b''
while b'\\r\\n\\r\\n' not in request:
    request += c.recv(4096)
if offered == 'file':
    fds = [os.open('/etc/hostname', os.O_RDONLY)]
else:
    up = socket.create_connection(('127.0.0.1', int(upstream_port)))
    fds = [os.dup(up.fileno())] * (2 if offered == 'two' else 1)
reply = b'${REPLY.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'
socket.send_fds(c, [b'NONO-FD1' + struct.pack('<QI', len(request), len(reply)) + reply], fds)
os.close(fds[0])
print('offered', flush=True)
if offered == 'tcp-then-close':
    up.close()
    c.close()
    sys.exit(0)
c.recv(1)
print('control closed', flush=True)
`;

// In the sandbox: a CONNECT to the relay, then everything that comes back until the end.
const CLIENT = `
import socket, sys, time
time.sleep(float(sys.argv[1]))
s = socket.create_connection(('127.0.0.1', ${PROXY_PORT}), 5)
s.sendall(b'CONNECT upstream.test:443 HTTP/1.1\\r\\nHost: upstream.test:443\\r\\n\\r\\n')
s.settimeout(10)
got = b''
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    got += chunk
    if got.endswith(b'from-upstream\\n') and sys.argv[2] == 'ping':
        s.sendall(b'ping\\n')
print(repr(got))
`;

describe('relay offers', () => {
  let tmp: string;
  let upstream: net.Server;
  let upstreamPort: number;
  /** This test's upstream: what it was sent and how many connections closed (a late close of the last test's is not counted). */
  let seen: { pings: string[]; closed: number };

  /** Canonical grants, and the root symlinks of a merged-/usr system recreated as records. */
  const rootLinks = ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32'].flatMap((p) => {
    const stats = lstatSync(p, { throwIfNoEntry: false });
    return stats?.isSymbolicLink() ? [`symlink ${p}`, `symlink-target ${readlinkSync(p)}`] : [];
  });
  const spec = () =>
    [
      'nono-spec 1',
      'view 1',
      ...['/usr', '/etc'].map((p) => `fs read_file,read_dir,execute ${p}`),
      ...rootLinks,
      'fs read_file,write_file /dev/null',
      `fs read_file,read_dir ${tmp}`,
      'net proxied',
      `proxy-socket ${path.join(tmp, 'proxy.sock')}`,
      `proxy-port ${PROXY_PORT}`,
      'end',
    ]
      .map((r) => `${r}\0`)
      .join('');

  beforeEach(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'nono-relay-offers-'));
    chmodSync(tmp, 0o755);
    writeFileSync(path.join(tmp, 'stand-in.py'), STAND_IN);
    writeFileSync(path.join(tmp, 'client.py'), CLIENT);
    const mine = { pings: [] as string[], closed: 0 };
    seen = mine;
    upstream = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('close', () => mine.closed++);
      socket.write('from-upstream\n');
      socket.on('data', (d) => {
        mine.pings.push(d.toString());
        socket.end();
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    upstreamPort = (upstream.address() as net.AddressInfo).port;
  });
  afterEach(() => {
    upstream.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  function lines(child: ChildProcess): { text: () => string; next: (line: string) => Promise<void> } {
    let text = '';
    const waiters: (() => void)[] = [];
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      waiters.splice(0).forEach((w) => w());
    });
    return {
      text: () => text,
      next: (line) =>
        new Promise<void>((resolve, reject) => {
          const check = () => (text.includes(`${line}\n`) ? resolve() : waiters.push(check));
          child.once('exit', () => (text.includes(`${line}\n`) ? resolve() : reject(new Error(`no "${line}": ${text}`))));
          check();
        }),
    };
  }

  /** Runs the stand-in and the sandboxed client; where is "here" or "sandbox" (the stand-in listens from its pid namespace). */
  async function run(offered: 'tcp' | 'tcp-then-close' | 'file' | 'two', where: 'here' | 'sandbox'): Promise<{ client: string; standIn: string }> {
    rmSync(path.join(tmp, 'proxy.sock'), { force: true });
    const standIn = spawn('python3', [path.join(tmp, 'stand-in.py'), 'bind', path.join(tmp, 'proxy.sock'), offered, String(upstreamPort)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out = lines(standIn);
    await out.next('bound');
    const sandbox = spawn(helper, ['--spec-fd', '3', '--', '/usr/bin/python3', path.join(tmp, 'client.py'), where === 'here' ? '0' : '1.5', offered === 'tcp-then-close' ? 'quiet' : 'ping'], { stdio: ['pipe', 'pipe', 'inherit', 'pipe'] });
    (sandbox.stdio[3] as Writable).end(spec());
    let client = '';
    sandbox.stdout!.setEncoding('utf8').on('data', (d: string) => (client += d));
    const exited = new Promise<void>((resolve) => sandbox.once('exit', () => resolve()));
    if (where === 'here') standIn.stdin!.end('here\n');
    else {
      let init = '';
      for (let i = 0; i < 100 && !init; i++) {
        init = readFileSync(`/proc/${sandbox.pid}/task/${sandbox.pid}/children`, 'utf8').trim().split(' ')[0] ?? '';
        if (!init) await new Promise((r) => setTimeout(r, 20));
      }
      standIn.stdin!.end(`${init}\n`);
    }
    await exited;
    // The stand-in notices the control's end after the sandbox has gone: give it a moment to say so.
    await Promise.race([out.next('control closed').catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    standIn.kill();
    return { client, standIn: out.text() };
  }

  it('takes a TCP socket offered from outside the sandbox: the command reaches the upstream through it', async () => {
    const { client, standIn } = await run('tcp', 'here');
    expect(client).toBe("b'HTTP/1.1 200 Connection Established\\r\\n\\r\\nfrom-upstream\\n'\n");
    expect(seen.pings).toEqual(['ping\n']);
    expect(standIn).toMatch(/offered\ncontrol closed\n/);
  });

  it('closes a spliced tunnel when the proxy closes the control, though the upstream has not ended', async () => {
    const { client, standIn } = await run('tcp-then-close', 'here');
    expect(standIn).toMatch(/offered\n/);
    expect(client).toMatch(/^b'HTTP\/1\.1 200 Connection Established\\r\\n\\r\\n(from-upstream\\n)?'\n$/);
    for (let i = 0; i < 50 && seen.closed === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen.closed).toBe(1);
    expect(seen.pings).toEqual([]);
  });

  it('refuses an fd offered by a process inside the sandbox\'s pid namespace: the tunnel closes with nothing passed on', async () => {
    const { client, standIn } = await run('tcp', 'sandbox');
    expect(standIn).toMatch(/offered\n/);
    expect(client).toBe("b''\n");
    expect(seen.pings).toEqual([]);
  });

  it('refuses an offered fd that is not a TCP socket, and an offer of two fds', async () => {
    for (const offered of ['file', 'two'] as const) {
      const { client, standIn } = await run(offered, 'here');
      expect(standIn).toMatch(/offered\n/);
      expect(client).toBe("b''\n");
    }
    expect(seen.pings).toEqual([]);
  });
});
