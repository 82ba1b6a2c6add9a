// The control socket against what the latest changes opened: handlers loaded on first call,
// binary session.output frames on the same framing, and session.list rows spliced in as kept
// JSON. A peer without the secret gets UNAUTHENTICATED for every method and loads nothing; frames
// only the daemon may send are discarded without harm; no argv can break a list reply.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { connect as connectSocket, type Socket } from 'node:net';
import { connect } from '@nono/client';
import { FrameDecoder, METHODS, encodeFrame } from '@nono/shared';
import { usePrivateDaemon } from '../support/daemon-process.js';

const ctx = usePrivateDaemon();

interface Peer {
  socket: Socket;
  received: any[];
  texts: string[];
  send(message: unknown): void;
}

async function rawPeer(socketPath: string): Promise<Peer> {
  const socket = connectSocket(socketPath);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const received: any[] = [];
  const texts: string[] = [];
  const decoder = new FrameDecoder(
    {
      message: (json) => {
        texts.push(json);
        received.push(JSON.parse(json));
      },
      error: (_r, detail) => received.push({ framing: detail }),
    },
    'lsp',
  );
  socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  return { socket, received, texts, send: (message) => socket.write(encodeFrame(JSON.stringify(message), 'lsp')) };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const replyTo = (peer: Peer, id: unknown) => peer.received.find((m) => m.id === id);

describe('lazily loaded handlers on the control socket', () => {
  it('every method that needs auth is UNAUTHENTICATED before auth.hello, pipelined, and a right auth.hello still authenticates the call behind it', async () => {
    const peer = await rawPeer(ctx.world.socketPath);
    try {
      const guarded = Object.entries(METHODS).filter(([, m]) => m.auth).map(([name]) => name);
      guarded.forEach((method, i) => peer.send({ jsonrpc: '2.0', id: i, method, params: {} }));
      await until(() => peer.received.length >= guarded.length, 'a reply to each call');
      for (const [i, method] of guarded.entries()) expect(replyTo(peer, i), method).toMatchObject({ error: { data: { kind: 'UNAUTHENTICATED' } } });
      const secret = readFileSync(ctx.world.secretPath, 'utf8').trim();
      peer.send({ jsonrpc: '2.0', id: 'hello', method: 'auth.hello', params: { token: secret } });
      peer.send({ jsonrpc: '2.0', id: 'groups', method: 'policy.groups', params: {} });
      await until(() => replyTo(peer, 'groups') !== undefined, 'policy.groups');
      expect(replyTo(peer, 'hello').error).toBeUndefined();
      expect(replyTo(peer, 'groups').error).toBeUndefined();
    } finally {
      peer.socket.destroy();
    }
  });
});

describe('binary output frames sent to the daemon', () => {
  it('discards output frames, malformed ones and a huge one, answers the call after them, and serves others meanwhile', async () => {
    const peer = await rawPeer(ctx.world.socketPath);
    const other = await connect({ env: ctx.world.env, autoStart: false, clientName: 'daemon-frames.test' });
    try {
      const body = Buffer.from('{"jsonrpc":"2.0","id":"smuggled","method":"daemon.stop","params":{}}');
      peer.socket.write(Buffer.concat([Buffer.from(`Nono-Output: 0123456789abcdef 1 pty\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
      peer.socket.write(Buffer.concat([Buffer.from(`Nono-Output: x\r\n\r\n 1 pty\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
      peer.socket.write(Buffer.from('Nono-Output: 0123456789abcdef 2 pty\r\nContent-Length: 9999999999\r\n\r\n'));
      peer.socket.write(Buffer.alloc(1 << 20, 0x7b));
      expect((await other.call('daemon.status', {})) as object).toBeTruthy();
      await until(() => peer.received.length >= 2, 'the framing errors');
      // Whether the daemon then ends this connection (it sent garbage) depends on timing; what
      // matters is that the smuggled call never ran and the daemon serves everyone else.
      expect(peer.received.some((m) => m.id === 'smuggled')).toBe(false);
    } finally {
      peer.socket.destroy();
      other.close();
    }
    // The daemon is still there and was never stopped.
    const after = await connect({ env: ctx.world.env, autoStart: false, clientName: 'daemon-frames.test' });
    expect((await after.call('daemon.status', {})) as object).toBeTruthy();
    after.close();
  });
});

describe('session.list rows kept as JSON', () => {
  it('an argv with line separators, lone surrogates and quotes come back as they went in, with no field added', async () => {
    const client = await connect({ env: ctx.world.env, autoStart: false, clientName: 'daemon-frames.test' });
    const argv = ['/bin/true', '\u2028\u2029', '\ud800 lone', '"},{"id":"forged","state":"running"},{"x":"', '\\u0000\n\r\t', 'é\u{1F600}'];
    try {
      const run = (await client.call('session.run', { argv, cwd: ctx.world.work, env: {}, detached: true } as never)) as { session: { id: string } };
      const peer = await rawPeer(ctx.world.socketPath);
      const secret = readFileSync(ctx.world.secretPath, 'utf8').trim();
      peer.send({ jsonrpc: '2.0', id: 1, method: 'auth.hello', params: { token: secret } });
      for (const id of [2, 3]) {
        peer.send({ jsonrpc: '2.0', id, method: 'session.list', params: { all: true } });
        await until(() => replyTo(peer, id) !== undefined, 'session.list');
        // Once while running or just ended, once settled (the kept JSON).
        await new Promise((r) => setTimeout(r, 500));
      }
      for (const id of [2, 3]) {
        const rows = replyTo(peer, id).result.sessions as { id: string; argv: string[] }[];
        expect(rows.some((r) => r.id === 'forged')).toBe(false);
        const row = rows.find((r) => r.id === run.session.id)!;
        expect(row.argv).toEqual(argv);
        expect(Object.keys(replyTo(peer, id)).sort()).toEqual(['id', 'jsonrpc', 'result']);
        expect(Object.keys(replyTo(peer, id).result)).toEqual(['sessions']);
      }
      peer.socket.destroy();
    } finally {
      client.close();
    }
  });
});
