// The control socket as any local process sees it: raw bytes on a real daemon's socket, in
// both framings. Bad input of every kind gets a JSON-RPC error with a stable kind, the
// connection stays usable where framing allows, and the daemon never dies of client input;
// a client that floods it or never reads is rationed or dropped (logged), never buffered for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';

type Framing = 'lsp' | 'ndjson';

interface RpcError {
  code: number;
  message: string;
  data?: { kind?: string; [key: string]: unknown };
}

interface Reply {
  jsonrpc: '2.0';
  id?: unknown;
  result?: any;
  error?: RpcError;
}

type Incoming = Reply | Reply[];

interface Frame {
  /** The LSP header block as received, or undefined for an NDJSON line. */
  header?: string;
  body: Buffer;
}

/**
 * One raw connection: frames what it sends in its own framing and parses what comes back with a
 * deliberately strict, independent reader (LSP replies must carry exactly a Content-Length
 * header counting bytes; NDJSON replies must be single JSON lines). Anything else is recorded
 * in `framingViolations`, which every test expects to stay empty.
 */
class RawClient {
  readonly received: Incoming[] = [];
  readonly frames: Frame[] = [];
  readonly framingViolations: string[] = [];
  readonly closed: Promise<void>;
  private readonly byId = new Map<unknown, Reply>();
  private readonly taken = new Set<number>();
  private pending = Buffer.alloc(0);
  private waiters = new Set<() => void>();
  private nextId = 1;
  private isClosed = false;

  private constructor(
    readonly socket: Socket,
    readonly framing: Framing,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static open(path: string, framing: Framing): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('connect', () => resolve(new RawClient(socket, framing)));
      socket.once('error', reject);
    });
  }

  static async authenticated(path: string, framing: Framing, secret: string): Promise<RawClient> {
    const client = await RawClient.open(path, framing);
    const hello = await client.request('auth.hello', { token: secret, client: 'control-socket.test' });
    expect(hello.error).toBeUndefined();
    return client;
  }

  frame(json: string): Buffer {
    const body = Buffer.from(json, 'utf8');
    if (this.framing === 'ndjson') return Buffer.concat([body, Buffer.from('\n')]);
    return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
  }

  /** Writes bytes as they are and resolves once the kernel has them. */
  writeRaw(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Frames one message: a value is JSON-encoded, a string is sent as the JSON text it is. */
  send(message: unknown): Promise<void> {
    return this.writeRaw(this.frame(typeof message === 'string' ? message : JSON.stringify(message)));
  }

  allocateId(): number {
    return this.nextId++;
  }

  /** Sends a request and returns its id, for a reply that may take a while. */
  async allocateAndSend(method: string, params: unknown = {}): Promise<number> {
    const id = this.allocateId();
    await this.send({ jsonrpc: '2.0', id, method, params });
    return id;
  }

  async request(method: string, params?: unknown): Promise<Reply> {
    const id = this.allocateId();
    await this.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    return this.reply(id);
  }

  /** The reply with this id, waiting for it. */
  reply(id: unknown, timeoutMs = 15_000): Promise<Reply> {
    return this.waitUntil(() => this.byId.get(id), `reply to id ${JSON.stringify(id)}`, timeoutMs);
  }

  /** The next not yet consumed message matching `match`, in arrival order. */
  next(match: (m: Incoming) => boolean, what: string, timeoutMs = 15_000): Promise<Incoming> {
    return this.waitUntil(
      () => {
        const index = this.received.findIndex((m, i) => !this.taken.has(i) && match(m));
        if (index < 0) return undefined;
        this.taken.add(index);
        return this.received[index];
      },
      what,
      timeoutMs,
    );
  }

  /** The next error not tied to a request (id null): framing, parse and invalid-request errors. */
  async nextUnattributedError(): Promise<RpcError> {
    const m = (await this.next((r) => !Array.isArray(r) && r.id === null && r.error !== undefined, 'an error with id null')) as Reply;
    return m.error!;
  }

  close(): void {
    this.socket.destroy();
  }

  private waitUntil<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = probe();
        if (found !== undefined) {
          cleanup();
          resolve(found);
          return true;
        }
        if (this.isClosed) {
          cleanup();
          reject(new Error(`connection closed while waiting for ${what}; got ${JSON.stringify(this.received).slice(0, 500)}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.received).slice(0, 500)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = () => void check();
      if (!check()) this.waiters.add(waiter);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private onData(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const frame = this.framing === 'lsp' ? this.takeLspFrame() : this.takeLine();
      if (!frame) break;
      this.frames.push(frame);
      let message: Incoming;
      try {
        message = JSON.parse(frame.body.toString('utf8')) as Incoming;
      } catch {
        this.framingViolations.push(`unparseable ${this.framing} frame: ${frame.body.toString('utf8').slice(0, 200)}`);
        continue;
      }
      this.received.push(message);
      for (const reply of Array.isArray(message) ? message : [message]) {
        if (reply.id !== null && reply.id !== undefined) this.byId.set(reply.id, reply);
      }
    }
    this.wake();
  }

  private takeLspFrame(): Frame | undefined {
    const end = this.pending.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const header = this.pending.subarray(0, end).toString('ascii');
    const match = /^Content-Length: (\d+)$/.exec(header);
    if (!match) {
      this.framingViolations.push(`unexpected LSP header ${JSON.stringify(header.slice(0, 200))}`);
      this.pending = this.pending.subarray(end + 4);
      return undefined;
    }
    const length = Number(match[1]);
    if (this.pending.length < end + 4 + length) return undefined;
    const body = this.pending.subarray(end + 4, end + 4 + length);
    this.pending = this.pending.subarray(end + 4 + length);
    return { header, body };
  }

  private takeLine(): Frame | undefined {
    const nl = this.pending.indexOf(0x0a);
    if (nl < 0) return undefined;
    const body = this.pending.subarray(0, nl);
    this.pending = this.pending.subarray(nl + 1);
    if (body.length === 0 || body.includes(0x0d)) this.framingViolations.push(`NDJSON reply line is empty or has a CR: ${JSON.stringify(body.toString())}`);
    return { body };
  }
}

function expectError(reply: Incoming, code: number, kind: string): RpcError {
  expect(Array.isArray(reply)).toBe(false);
  const { error, result } = reply as Reply;
  expect(result).toBeUndefined();
  expect(error).toMatchObject({ code, data: { kind } });
  expect(typeof error!.message).toBe('string');
  return error!;
}

/** Resolves after `ms`, to give a reply that should not come time to arrive. */
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

let world: TestWorld;
let daemon: RunningDaemon;
let secret: string;
let daemonStderr = '';
const clients: RawClient[] = [];

async function open(framing: Framing, authenticated = true): Promise<RawClient> {
  const client = authenticated ? await RawClient.authenticated(world.socketPath, framing, secret) : await RawClient.open(world.socketPath, framing);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  world = createWorld();
  daemon = await startDaemon(world);
  daemon.process.stderr!.on('data', (d: Buffer) => (daemonStderr += d.toString()));
  secret = readFileSync(world.secretPath, 'utf8').trim();
});

afterAll(async () => {
  for (const client of clients) {
    expect(client.framingViolations, `framing of replies on a ${client.framing} connection`).toEqual([]);
    client.close();
  }
  await daemon?.stop();
  world?.cleanup();
});

describe.each(['lsp', 'ndjson'] as const)('control socket over %s', (framing) => {
  it('refuses calls before auth.hello with UNAUTHENTICATED', async () => {
    const c = await open(framing, false);
    for (const method of ['session.list', 'daemon.status', 'rpc.discover']) {
      const reply = await c.request(method, {});
      const error = expectError(reply, -32001, 'UNAUTHENTICATED');
      expect(error.message).toContain(method);
    }
  });

  it('refuses a wrong token and leaves the connection unauthenticated', async () => {
    const c = await open(framing, false);
    const wrongSameLength = secret.replace(/^./, (ch) => (ch === '0' ? '1' : '0'));
    for (const token of [wrongSameLength, 'nope', `${secret}x`]) {
      expectError(await c.request('auth.hello', { token }), -32001, 'UNAUTHENTICATED');
    }
    expectError(await c.request('session.list', {}), -32001, 'UNAUTHENTICATED');
  });

  it('authenticates with the secret from the runtime dir and then serves calls', async () => {
    const c = await open(framing, false);
    const hello = await c.request('auth.hello', { token: secret });
    expect(hello.error).toBeUndefined();
    expect(hello.result).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), pid: daemon.process.pid, protocol: expect.any(Number) });
    const list = await c.request('session.list', {});
    expect(list.result).toEqual({ sessions: expect.any(Array) });
  });

  it('answers invalid JSON with PARSE_ERROR and keeps answering on the same connection', async () => {
    const c = await open(framing);
    for (const text of ['{"jsonrpc":"2.0","id":1,"method":', '{not json}', "{'single':'quotes'}", '{"a":1}}']) {
      await c.send(text);
      const error = await c.nextUnattributedError();
      expect(error).toMatchObject({ code: -32700, data: { kind: 'PARSE_ERROR' } });
      const after = await c.request('session.list', {});
      expect(after.result).toEqual({ sessions: expect.any(Array) });
    }
  });

  it('answers JSON that is not a request with INVALID_REQUEST and keeps answering', async () => {
    const c = await open(framing);
    const notRequests = [
      '42',
      'null',
      '"session.list"',
      'true',
      '{"foo":1}',
      '{"jsonrpc":"2.0","id":3}',
      '{"jsonrpc":"1.0","id":3,"method":"session.list"}',
      '{"id":3,"method":"session.list"}',
      '[1,2,3]',
    ];
    for (const text of notRequests) {
      await c.send(text);
      const error = await c.nextUnattributedError();
      expect(error, text).toMatchObject({ code: -32600, data: { kind: 'INVALID_REQUEST' } });
      const after = await c.request('session.list', {});
      expect(after.result, `after ${text}`).toEqual({ sessions: expect.any(Array) });
    }
  });

  it('answers an unknown method with METHOD_NOT_FOUND naming it', async () => {
    const c = await open(framing);
    for (const method of ['no.such.method', 'session.frobnicate', '__proto__', 'constructor', 'toString']) {
      const error = expectError(await c.request(method, {}), -32601, 'METHOD_NOT_FOUND');
      expect(error.data!.method).toBe(method);
      expect(error.message).toContain(method);
    }
  });

  it('answers wrong param types with INVALID_PARAMS naming the field', async () => {
    const c = await open(framing);
    const cases: { method: string; params: unknown; field: string }[] = [
      { method: 'session.run', params: { argv: 'ls', cwd: world.work, env: {} }, field: 'argv' },
      { method: 'session.run', params: { argv: [], cwd: world.work, env: {} }, field: 'argv' },
      { method: 'session.run', params: { argv: ['ls'], cwd: 7, env: {} }, field: 'cwd' },
      { method: 'session.run', params: { argv: ['ls'], cwd: world.work, env: { A: 1 } }, field: 'env.A' },
      { method: 'session.run', params: { argv: ['ls'], cwd: world.work, env: {}, name: '../x' }, field: 'name' },
      { method: 'session.resize', params: { session: 'abc', rows: 5000, cols: 80 }, field: 'rows' },
      { method: 'session.resize', params: { session: 'abc', rows: 24, cols: 'wide' }, field: 'cols' },
      { method: 'session.resize', params: { session: 'abc', rows: 24.5, cols: 80 }, field: 'rows' },
      { method: 'session.list', params: { bogus: 1 }, field: 'bogus' },
      { method: 'auth.hello', params: { token: 42 }, field: 'token' },
      { method: 'session.run', params: { argv: ['ls'], cwd: world.work, env: {}, terminal: { rows: 'tall', cols: 80 } }, field: 'terminal.rows' },
      { method: 'session.run', params: { argv: ['ls'], cwd: world.work, env: {}, terminal: 'big' }, field: 'terminal' },
      { method: 'session.signal', params: { session: 'abc', signal: 'SIGFOO' }, field: 'signal' },
      { method: 'session.diff', params: { session: 'abc', detail: 'full' }, field: 'detail' },
    ];
    for (const { method, params, field } of cases) {
      const reply = await c.request(method, params);
      const error = expectError(reply, -32602, 'INVALID_PARAMS');
      expect(error.data, `${method} ${JSON.stringify(params)}`).toMatchObject({ kind: 'INVALID_PARAMS', method, field });
      expect(error.message).toContain(`${method}: ${field}:`);
    }
    const positional = await c.request('session.list', []);
    expect(expectError(positional, -32602, 'INVALID_PARAMS').data).toMatchObject({ field: '(params)' });
  });

  it('answers a batch with an array of replies, and rejects a malformed batch cleanly', async () => {
    const c = await open(framing);
    const [a, b, d] = [c.allocateId(), c.allocateId(), c.allocateId()];
    await c.send([
      { jsonrpc: '2.0', id: a, method: 'session.list', params: {} },
      { jsonrpc: '2.0', method: 'session.list', params: {} },
      { jsonrpc: '2.0', id: b, method: 'daemon.status', params: {} },
      { jsonrpc: '2.0', id: d, method: 'no.such.method' },
    ]);
    const batch = (await c.next(Array.isArray, 'a batch reply')) as Reply[];
    expect(batch).toHaveLength(3);
    const byId = new Map(batch.map((r) => [r.id, r]));
    expect(byId.get(a)!.result).toEqual({ sessions: expect.any(Array) });
    expect(byId.get(b)!.result).toMatchObject({ pid: daemon.process.pid });
    expectError(byId.get(d)!, -32601, 'METHOD_NOT_FOUND');

    // A batch with one non-request in it is refused as a whole, with one error.
    await c.send([{ jsonrpc: '2.0', id: c.allocateId(), method: 'session.list' }, 42]);
    expect(await c.nextUnattributedError()).toMatchObject({ code: -32600, data: { kind: 'INVALID_REQUEST' } });

    // An empty batch is an invalid request (JSON-RPC 2.0 §6).
    await c.send([]);
    expect(await c.nextUnattributedError()).toMatchObject({ code: -32600, data: { kind: 'INVALID_REQUEST' } });

    expect((await c.request('session.list', {})).result).toEqual({ sessions: expect.any(Array) });
  });

  it('sends no reply to notifications, even for an unknown method or bad params', async () => {
    const c = await open(framing);
    const before = c.received.length;
    await c.send({ jsonrpc: '2.0', method: 'no.such.method', params: {} });
    await c.send({ jsonrpc: '2.0', method: 'session.resize', params: { session: 'x', rows: 5000, cols: 1 } });
    await c.send({ jsonrpc: '2.0', method: 'session.list', params: {} });
    const id = c.allocateId();
    await c.send({ jsonrpc: '2.0', id, method: 'session.list', params: {} });
    await c.reply(id);
    await settle(150);
    expect(c.received.slice(before)).toEqual([expect.objectContaining({ id })]);
  });

  it('discards a message over 16 MiB with FRAME_TOO_LARGE and keeps answering', async () => {
    const c = await open(framing);
    const size = 17 * 1024 * 1024;
    const head = framing === 'lsp' ? `Content-Length: ${size}\r\n\r\n` : '';
    const body = Buffer.alloc(size, 0x61);
    body.write('{"jsonrpc":"2.0","id":"big","method":"session.list","params":{"pad":"');
    if (framing === 'ndjson') body[size - 1] = 0x0a;
    await c.writeRaw(Buffer.concat([Buffer.from(head), body]));
    const error = await c.nextUnattributedError();
    expect(error).toMatchObject({ code: -32700, data: { kind: 'FRAME_TOO_LARGE' } });
    const after = await c.request('session.list', {});
    expect(after.result).toEqual({ sessions: expect.any(Array) });
    await settle(50);
    expect(c.received.filter((m) => !Array.isArray(m) && m.error)).toHaveLength(1);
  });

  it('replies in the framing the client used', async () => {
    const c = await open(framing);
    const method = 'méthode.漢字🙂';
    const reply = await c.request(method, {});
    expectError(reply, -32601, 'METHOD_NOT_FOUND');
    expect(reply.error!.data!.method).toBe(method);
    expect(c.frames.length).toBeGreaterThanOrEqual(2);
    const last = c.frames.at(-1)!;
    if (framing === 'lsp') {
      expect(last.header).toBe(`Content-Length: ${last.body.length}`);
      // The length counts UTF-8 bytes: the body has more bytes than characters.
      expect(last.body.length).toBeGreaterThan(last.body.toString('utf8').length);
    } else {
      expect(last.header).toBeUndefined();
      expect(JSON.parse(last.body.toString('utf8'))).toEqual(reply);
    }
    expect(c.framingViolations).toEqual([]);
  });

  it('answers 1000 pipelined session.list requests with 1000 replies with matching ids', async () => {
    const c = await open(framing);
    const ids = Array.from({ length: 1000 }, (_, i) => `p${i}`);
    const wire = Buffer.concat(ids.map((id) => c.frame(JSON.stringify({ jsonrpc: '2.0', id, method: 'session.list', params: {} }))));
    // Written in uneven pieces so frames straddle writes.
    for (let offset = 0, step = 1; offset < wire.length; offset += step, step = (step * 7 + 13) % 4093 + 1) {
      c.socket.write(wire.subarray(offset, offset + step));
    }
    const replies = await Promise.all(ids.map((id) => c.reply(id, 20_000)));
    for (const [i, reply] of replies.entries()) {
      expect(reply.id).toBe(ids[i]);
      expect(reply.error).toBeUndefined();
      expect(reply.result).toEqual({ sessions: expect.any(Array) });
    }
    const pipelined = c.received.filter((m) => !Array.isArray(m) && typeof m.id === 'string' && m.id.startsWith('p'));
    expect(pipelined).toHaveLength(1000);
  });
});

describe('LSP framing errors the stream cannot recover from', () => {
  const malformed: [string, string][] = [
    ['a non-numeric Content-Length', 'Content-Length: abc\r\n\r\n{}'],
    ['a missing Content-Length', 'Content-Type: application/json\r\n\r\n{}'],
    ['an HTTP request', 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['a header with no end', `Content-Length: 2\r\nX-Pad: ${'p'.repeat(9000)}`],
  ];

  it.each(malformed)('answers %s with PARSE_ERROR, closes that connection, and serves new ones', async (_what, bytes) => {
    const c = await open('lsp');
    await c.writeRaw(bytes);
    const error = await c.nextUnattributedError();
    expect(error).toMatchObject({ code: -32700, data: { kind: 'PARSE_ERROR' } });
    expect(error.message).toMatch(/Closing the connection/);
    await c.closed;

    const fresh = await open('lsp');
    const status = await fresh.request('daemon.status', {});
    expect(status.result).toMatchObject({ pid: daemon.process.pid });
  });
});

describe('connections that go away', () => {
  it.each(['lsp', 'ndjson'] as const)('answers everything a %s client sent before it shut its sending side, then closes', async (framing) => {
    const c = await open(framing);
    const ids = Array.from({ length: 300 }, (_, i) => `eof${i}`);
    await c.writeRaw(Buffer.concat(ids.map((id) => c.frame(JSON.stringify({ jsonrpc: '2.0', id, method: 'session.list', params: {} })))));
    c.socket.end();
    const replies = await Promise.all(ids.map((id) => c.reply(id)));
    expect(replies.map((r) => r.error)).toEqual(ids.map(() => undefined));
    await c.closed;
  });

  it('survives 20 connections dropped mid-frame', async () => {
    const partials = [
      'Content-Len',
      'Content-Length: 500\r\n',
      'Content-Length: 500\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"session.list"',
      '{"jsonrpc":"2.0","id":1,"meth',
      '\xff\xfe\x00garbage',
    ];
    const dropped: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const framing: Framing = i % 2 === 0 ? 'lsp' : 'ndjson';
      const c = i % 4 < 2 ? await RawClient.open(world.socketPath, framing) : await RawClient.authenticated(world.socketPath, framing, secret);
      if (i % 5 === 4) {
        // Asks for something, then leaves before the reply can be read.
        c.socket.write(c.frame(JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'daemon.status', params: {} })));
      }
      await c.writeRaw(i % 4 < 2 ? partials[i % partials.length]! : c.frame('{"jsonrpc":"2.0","id":2,"method":"session.list"}').subarray(0, 30));
      dropped.push(c.closed);
      if (i % 3 === 0) c.socket.end();
      else c.socket.destroy();
    }
    await Promise.all(dropped);
    await settle(100);
    for (const framing of ['lsp', 'ndjson'] as const) {
      const fresh = await open(framing);
      expect((await fresh.request('daemon.status', {})).result).toMatchObject({ pid: daemon.process.pid });
    }
  });
});

/** Lines of the daemon's log (pino NDJSON) with this message, waiting (for pino's async writes) until there are at least `atLeast`. */
async function loggedLines(msg: string, match: (line: Record<string, unknown>) => boolean, atLeast = 1, timeoutMs = 5000): Promise<Record<string, unknown>[]> {
  const path = join(world.root, 'state', 'nono', 'nonod.log');
  for (let waited = 0; ; waited += 50) {
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === msg && match(line));
    if (lines.length >= atLeast || waited > timeoutMs) return lines;
    await settle(50);
  }
}

function daemonRssMb(): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${daemon.process.pid}/status`, 'utf8'));
  return Number(match![1]) / 1024;
}

/** Writes until the daemon hangs up on us (a write fails or the socket closes), or the deadline passes. */
async function writeUntilDropped(c: RawClient, bytes: Buffer, timeoutMs = 30_000): Promise<boolean> {
  let dropped = false;
  void c.closed.then(() => (dropped = true));
  const deadline = Date.now() + timeoutMs;
  while (!dropped && Date.now() < deadline) {
    await c.writeRaw(bytes).catch(() => (dropped = true));
  }
  return dropped;
}

describe('clients that abuse the connection', () => {
  it('a client flooding notifications does not starve other clients, and is still served afterwards', async () => {
    const flooder = await open('ndjson');
    const other = await open('lsp');
    const notes = [
      '{"jsonrpc":"2.0","method":"session.list","params":{}}',
      '{"jsonrpc":"2.0","method":"no.such.method","params":{}}',
      '{"jsonrpc":"2.0","method":"session.resize","params":{"session":"x","rows":"tall","cols":1}}',
      '{"jsonrpc":"2.0","method":"rpc.discover"}',
    ];
    const burst = Buffer.from(`${Array.from({ length: 1000 }, (_, i) => notes[i % notes.length]).join('\n')}\n`);
    let flooding = true;
    let sent = 0;
    const flood = (async () => {
      while (flooding) {
        await flooder.writeRaw(burst);
        sent += 1000;
      }
    })();
    await settle(200);
    const sentBefore = sent;
    for (let i = 0; i < 50; i++) {
      const reply = await other.request('session.list', {});
      expect(reply.result).toEqual({ sessions: expect.any(Array) });
    }
    const sentDuring = sent - sentBefore;
    flooding = false;
    await flood;
    expect(sentBefore + sentDuring).toBeGreaterThanOrEqual(5000);
    // Notifications get no reply; once the daemon has worked through them, the flooder's own request is answered.
    const after = await flooder.reply(await flooder.allocateAndSend('session.list'), 120_000);
    expect(after.result).toEqual({ sessions: expect.any(Array) });
    expect(flooder.received.filter((m) => !Array.isArray(m) && m.id === null)).toEqual([]);
    expect(daemon.process.exitCode).toBeNull();
  }, 180_000);

  it('drops a client that sends requests but never reads the replies, and logs why', async () => {
    const rssBefore = daemonRssMb();
    const c = await open('ndjson');
    c.socket.pause();
    const request = c.frame(JSON.stringify({ jsonrpc: '2.0', id: 'unread', method: 'rpc.discover', params: {} }));
    expect(await writeUntilDropped(c, Buffer.concat(Array.from({ length: 50 }, () => request)))).toBe(true);
    const logged = await loggedLines('dropping client', (line) => /not reading/.test(String(line.reason)));
    expect(logged, 'a "dropping client" line in nonod.log').toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 40, client: expect.any(Number), reason: expect.stringMatching(/bytes queued for it \(limit \d+\)/) });
    expect(daemonRssMb() - rssBefore).toBeLessThan(256);
    const fresh = await open('lsp');
    expect((await fresh.request('daemon.status', {})).result).toMatchObject({ pid: daemon.process.pid });
  }, 60_000);

  const sessionRow = async (watcher: RawClient, id: string) =>
    ((await watcher.request('session.list', {})).result as { sessions: { id: string; state: string; usage: { cpuMs: number } | null }[] }).sessions.find((s) => s.id === id);

  it('holds back the command of a client that started a run and never reads, not its output; the run ends when it leaves', async () => {
    const c = await open('ndjson');
    const rssBefore = daemonRssMb();
    const run = await c.request('session.run', { argv: ['yes', 'nono never-reading client '.repeat(4)], cwd: world.work, env: { PATH: world.env.PATH! }, terminal: null });
    expect(run.error).toBeUndefined();
    const id: string = run.result.session.id;
    c.socket.pause();
    // On pipes the starting client paces the command: past 1 MiB unread, `yes` waits in write(2).
    await settle(2000);
    const watcher = await open('lsp');
    const held = await sessionRow(watcher, id);
    expect(held?.state).toBe('running');
    await settle(1000);
    const later = await sessionRow(watcher, id);
    expect((later?.usage?.cpuMs ?? 0) - (held?.usage?.cpuMs ?? 0)).toBeLessThan(200);
    expect(daemonRssMb() - rssBefore).toBeLessThan(40);
    c.close();
    let state: string | undefined = 'running';
    for (let waited = 0; state === 'running' && waited < 10_000; waited += 100) {
      await settle(100);
      state = (await sessionRow(watcher, id))?.state;
    }
    expect(state).toBe('exited');
  }, 60_000);

  it('drops a client that attached to a run and never reads; the command goes on for the client that does', async () => {
    const notReading = (line: Record<string, unknown>) => /not reading/.test(String(line.reason));
    const before = (await loggedLines('dropping client', notReading, 0)).length;
    const owner = await open('ndjson');
    const run = await owner.request('session.run', { argv: ['yes', 'nono attached follower '.repeat(4)], cwd: world.work, env: { PATH: world.env.PATH! }, terminal: null });
    expect(run.error).toBeUndefined();
    const id: string = run.result.session.id;
    const follower = await open('ndjson');
    expect((await follower.request('session.attach', { session: id })).error).toBeUndefined();
    follower.socket.pause();
    // A paused socket learns of the hang-up only when it next reads or writes, so the daemon's log says it.
    const logged = await loggedLines('dropping client', notReading, before + 1, 30_000);
    expect(logged).toHaveLength(before + 1);
    const watcher = await open('lsp');
    expect((await sessionRow(watcher, id))?.state).toBe('running');
    expect((await watcher.request('session.stop', { session: id })).error).toBeUndefined();
    owner.close();
    follower.close();
  }, 60_000);
});

describe('after all of that', () => {
  it('the daemon is still alive, logged no internal error, and answers daemon.status', async () => {
    expect(daemon.process.exitCode).toBeNull();
    expect(daemon.process.signalCode).toBeNull();
    const c = await open('ndjson');
    const status = await c.request('daemon.status', {});
    expect(status.result).toMatchObject({ pid: daemon.process.pid, socket: world.socketPath, sessions: expect.any(Object) });
    expect(daemonStderr).not.toMatch(/internal error/);
  });
});
