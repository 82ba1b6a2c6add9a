// Spliced tunnels hand a host-side TCP socket to the relay over the proxy's unix socket, which
// is bound into the view where the command can reach it too. A command that speaks CONNECT on
// that socket itself must never receive the fd: a socket of the host's network namespace could be
// disconnected (connect AF_UNSPEC) and connected anywhere, or listened on, past the proxy.
// Bytes pipelined behind the CONNECT must neither be lost nor sent twice by the hand-off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

// Inside the sandbox: CONNECT on the proxy's unix socket directly, take any fd that comes with
// the answer, disconnect it and connect it to a host the profile does not allow.
const THIEF = `
import array, base64, ctypes, os, socket, sys
from urllib.parse import urlparse
proxy = urlparse(os.environ['HTTP_PROXY'])
auth = base64.b64encode(f'{proxy.username}:{proxy.password}'.encode()).decode()
target, other = sys.argv[1], sys.argv[2]
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    u.connect('/run/nono/proxy.sock')
except OSError as e:
    print('UNIX_CONNECT_FAILED', e, flush=True); sys.exit(0)
u.sendall(f'CONNECT {target} HTTP/1.1\\r\\nHost: {target}\\r\\nProxy-Authorization: Basic {auth}\\r\\n\\r\\n'.encode())
u.settimeout(10)
fds = array.array('i')
msg, anc, flags, addr = u.recvmsg(4096, socket.CMSG_SPACE(4 * fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
print('ANSWER', msg.split(b'\\r\\n')[0].decode('latin1'), flush=True)
if not fds:
    print('NO_FD', flush=True); sys.exit(0)
print('GOT_FD', flush=True)
libc = ctypes.CDLL(None, use_errno=True)
print('DISCONNECT', libc.connect(fds[0], (ctypes.c_char * 16)(), 16), flush=True)
s = socket.socket(fileno=fds[0])
s.setblocking(True)
s.settimeout(5)
host, port = other.rsplit(':', 1)
try:
    s.connect((host, int(port)))
    print('RECONNECTED', flush=True)
except OSError as e:
    print('RECONNECT_FAILED', e, flush=True)
`;

// Inside the sandbox, through the relay: CONNECT and the first bytes in one write, more bytes
// before the 200 could have arrived; everything must reach the server once, in order.
const EAGER = `
import base64, os, socket, sys
from urllib.parse import urlparse
proxy = urlparse(os.environ['HTTP_PROXY'])
auth = base64.b64encode(f'{proxy.username}:{proxy.password}'.encode()).decode()
target = sys.argv[1]
data = bytes(i % 251 for i in range(200000))
s = socket.create_connection((proxy.hostname, proxy.port), 10)
s.sendall(f'CONNECT {target} HTTP/1.1\\r\\nHost: {target}\\r\\nProxy-Authorization: Basic {auth}\\r\\n\\r\\n'.encode() + data[:1000])
s.sendall(data[1000:])
got = b''
while len(got) < len(data) + 39:
    chunk = s.recv(65536)
    if not chunk:
        break
    got += chunk
head, _, body = got.partition(b'\\r\\n\\r\\n')
print('STATUS', head.split(b'\\r\\n')[0].decode(), flush=True)
print('ECHO', body == data, len(body), flush=True)
`;

const ctx = usePrivateDaemon();

function tcpServer(): Promise<{ server: TcpServer; port: number; hits: () => number }> {
  let hits = 0;
  const server = createTcpServer((socket) => {
    hits++;
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.9', () => resolve({ server, port: (server.address() as AddressInfo).port, hits: () => hits })));
}

describe('spliced tunnel fd theft', () => {
  let allowed: Awaited<ReturnType<typeof tcpServer>>;
  let forbidden: Awaited<ReturnType<typeof tcpServer>>;
  let thief: string;

  beforeAll(async () => {
    allowed = await tcpServer();
    forbidden = await tcpServer();
    thief = join(ctx.world.root, 'thief.py');
    writeFileSync(thief, THIEF);
    writeFileSync(join(ctx.world.root, 'eager.py'), EAGER);
  });
  afterAll(() => {
    allowed?.server.close();
    forbidden?.server.close();
  });

  it('a CONNECT sent on the proxy socket by the command gets the tunnel in-band, never the socket', async () => {
    const r = await runCli(['run', '--allow-domain', `127.0.0.9:${allowed.port}`, '--read', ctx.world.root, '--', '/usr/bin/python3', thief, `127.0.0.9:${allowed.port}`, `127.0.0.9:${forbidden.port}`], ctx.world, { timeoutMs: 60_000 });
    expect(r.stdout, r.stderr).not.toMatch(/GOT_FD|RECONNECTED/);
    expect(r.stdout).toMatch(/ANSWER HTTP\/1\.1 200|UNIX_CONNECT_FAILED/);
    expect(forbidden.hits()).toBe(0);
  });

  it('bytes sent with or right after the CONNECT reach the server once and in order, whoever carries the tunnel', async () => {
    const r = await runCli(['run', '--allow-domain', `127.0.0.9:${allowed.port}`, '--read', ctx.world.root, '--', '/usr/bin/python3', join(ctx.world.root, 'eager.py'), `127.0.0.9:${allowed.port}`], ctx.world, { timeoutMs: 60_000 });
    expect(r.stdout, r.stderr).toMatch(/STATUS HTTP\/1\.1 200 Connection Established/);
    expect(r.stdout).toMatch(/ECHO True 200000/);
    expect(forbidden.hits()).toBe(0);
  });
});
