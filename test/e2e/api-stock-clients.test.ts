// Clients nono does not write can use the control socket: vscode-jsonrpc's own
// StreamMessageReader/Writer over the Unix socket (LSP framing), and socat relaying
// newline-delimited JSON. Each authenticates with the secret file, lists sessions, runs a
// command and reads its output notifications, attaches to a running session and types into it.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { REPO } from '../support/run-cli.js';

interface Notification {
  method: string;
  params: any;
}

/** What each stock client is driven through: requests, and the notifications seen so far. */
interface Peer {
  request(method: string, params: unknown): Promise<any>;
  readonly notifications: Notification[];
  close(): void;
}

interface PeerError {
  code: number;
  data?: { kind?: string; field?: string };
}

async function vscodePeer(socketPath: string): Promise<Peer> {
  const socket = connect(socketPath);
  await once(socket, 'connect');
  const connection: MessageConnection = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
  const notifications: Notification[] = [];
  connection.onNotification((method: string, params: unknown) => notifications.push({ method, params }));
  connection.listen();
  return {
    notifications,
    request: async (method, params) => {
      try {
        return await connection.sendRequest(method, params);
      } catch (error) {
        if (error instanceof ResponseError) throw { code: error.code, data: error.data } satisfies PeerError;
        throw error;
      }
    },
    close: () => {
      connection.dispose();
      socket.destroy();
    },
  };
}

/** `socat - UNIX-CONNECT:PATH`, one JSON object per line each way. */
async function socatPeer(socketPath: string): Promise<Peer> {
  const child: ChildProcessWithoutNullStreams = spawn('socat', ['-', `UNIX-CONNECT:${socketPath}`]);
  const notifications: Notification[] = [];
  const replies = new Map<number, (reply: any) => void>();
  let pending = '';
  let nextId = 1;
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    pending += text;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const message = JSON.parse(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (message.id === undefined) notifications.push({ method: message.method, params: message.params });
      else replies.get(message.id)?.(message);
    }
  });
  await once(child, 'spawn');
  return {
    notifications,
    request: (method, params) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        replies.set(id, (reply) => (reply.error ? reject(reply.error) : resolve(reply.result)));
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      }),
    close: () => child.kill(),
  };
}

async function until<T>(probe: () => T | undefined, what: string, peer: Peer, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; notifications: ${JSON.stringify(peer.notifications).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const outputOf = (peer: Peer, session: string, stream?: string): string =>
  peer.notifications
    .filter((n) => n.method === 'session.output' && n.params.session === session && (stream === undefined || n.params.stream === stream))
    .map((n) => Buffer.from(n.params.data, 'base64').toString('utf8'))
    .join('');

const ctx = usePrivateDaemon();
const peers: Peer[] = [];
afterAll(() => peers.forEach((p) => p.close()));

it('socat is installed (scripts/install-system-packages.sh build installs it)', () => {
  expect(spawnSync('socat', ['-V']).status).toBe(0);
});

it("docs/api.md's socat example works as written: it sends its requests, closes stdin, and gets every reply", () => {
  const doc = readFileSync(join(REPO, 'docs/api.md'), 'utf8');
  const script = /From a shell[^]*?```sh\n([^]*?)```/.exec(doc)![1]!;
  const result = spawnSync('sh', ['-c', script], { env: ctx.world.env, encoding: 'utf8', timeout: 10_000 });
  expect(result.stderr).toBe('');
  const replies = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
  expect(replies).toEqual([
    { jsonrpc: '2.0', id: 1, result: expect.objectContaining({ pid: ctx.daemon.process.pid }) },
    { jsonrpc: '2.0', id: 2, result: { sessions: expect.any(Array) } },
  ]);
});

describe.each([
  ['vscode-jsonrpc over LSP framing', vscodePeer],
  ['socat with newline-delimited JSON', socatPeer],
] as const)('%s', (label, open) => {
  const tag = label.split(' ')[0]!;
  let peer: Peer;
  const env = () => ({ PATH: ctx.world.env.PATH!, HOME: ctx.world.home, LANG: 'C.UTF-8' });

  it('authenticates with the secret file and lists sessions', async () => {
    peer = await open(ctx.world.socketPath);
    peers.push(peer);
    await expect(peer.request('session.list', {})).rejects.toMatchObject({ code: -32001, data: { kind: 'UNAUTHENTICATED' } });
    const token = readFileSync(ctx.world.secretPath, 'utf8').trim();
    expect(await peer.request('auth.hello', { token, client: tag })).toMatchObject({ pid: ctx.daemon.process.pid });
    expect(await peer.request('session.list', {})).toEqual({ sessions: expect.any(Array) });
  });

  it('runs a command and receives its output and exit as notifications', async () => {
    const { session } = await peer.request('session.run', {
      argv: ['sh', '-c', `echo out-${tag}; echo err-${tag} >&2; exit 3`],
      cwd: ctx.world.work,
      env: env(),
      terminal: null,
    });
    expect(session).toEqual({ id: expect.any(String), name: expect.any(String) });
    const exit = await until(() => peer.notifications.find((n) => n.method === 'session.exit' && n.params.session === session.id), 'session.exit', peer);
    expect(exit.params).toMatchObject({ exitCode: 3, code: 3, signal: null });
    expect(outputOf(peer, session.id, 'stdout')).toBe(`out-${tag}\n`);
    expect(outputOf(peer, session.id, 'stderr')).toBe(`err-${tag}\n`);
    const seqs = peer.notifications.filter((n) => n.method === 'session.output' && n.params.session === session.id).map((n) => n.params.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const listed = await peer.request('session.list', {});
    expect(listed.sessions.find((s: { id: string }) => s.id === session.id)).toMatchObject({ state: 'exited', exitCode: 3 });
  });

  it('attaches to a running session, types into it, sees the echo, and detaches', async () => {
    const name = `cat-${tag}`;
    await peer.request('session.run', { argv: ['cat'], cwd: ctx.world.work, env: env(), terminal: { rows: 24, cols: 80 }, detached: true, name });
    const attached = await peer.request('session.attach', { session: name, size: { rows: 24, cols: 80 } });
    expect(attached.session).toMatchObject({ name, state: 'running', clients: 1 });
    const id: string = attached.session.id;
    await peer.request('session.input', { session: name, data: Buffer.from(`ping-${tag}\n`).toString('base64') });
    // The terminal echoes the line and cat writes it back: it appears twice.
    await until(() => (outputOf(peer, id).split(`ping-${tag}`).length >= 3 ? true : undefined), 'the echoed line', peer);
    expect(await peer.request('session.detach', { session: name })).toEqual({ detached: 1 });
    const before = outputOf(peer, id);
    expect((await peer.request('session.list', {})).sessions.find((s: { id: string }) => s.id === id)).toMatchObject({ clients: 0, state: 'running' });
    await peer.request('session.stop', { session: name, force: true });
    await new Promise((r) => setTimeout(r, 200));
    // Detached: nothing more of that session reaches this client, not even its exit.
    expect(outputOf(peer, id)).toBe(before);
    expect(peer.notifications.some((n) => n.method === 'session.exit' && n.params.session === id)).toBe(false);
  });

  it('gets an error naming the field for wrong param types', async () => {
    const error = (await peer.request('session.resize', { session: 'x', rows: 'tall', cols: 80 }).catch((e: PeerError) => e)) as PeerError;
    expect(error).toMatchObject({ code: -32602, data: { kind: 'INVALID_PARAMS', field: 'rows' } });
  });
});
