// The daemon's side of a spliced tunnel on real sockets: the offer's bytes on the wire, the
// tunnel's end when the relay closes its connection, a decline (client bytes after the offer)
// falling back to the piped tunnel with nothing lost, and the cases that are never offered.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offerToRelay } from '../../src/network/tunnel-handoff.js';

let dir: string;
let proxy: Server;
let upstreamServer: Server;
let relay: Socket;
let served: Socket;
let upstream: Socket;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nono-handoff-'));
  upstreamServer = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => upstreamServer.listen(0, '127.0.0.1', () => resolve()));
  proxy = createServer();
  await new Promise<void>((resolve) => proxy.listen(join(dir, 'proxy.sock'), () => resolve()));
  const accepted = new Promise<Socket>((resolve) => proxy.once('connection', resolve));
  relay = connect(join(dir, 'proxy.sock'));
  served = await accepted;
  upstream = connect((upstreamServer.address() as AddressInfo).port, '127.0.0.1');
  upstream.pause();
  await new Promise((resolve) => upstream.once('connect', resolve));
});
afterEach(() => {
  relay.destroy();
  served.destroy();
  upstream.destroy();
  proxy.close();
  upstreamServer.close();
  rmSync(dir, { recursive: true, force: true });
});

const firstData = (socket: Socket) => new Promise<Buffer>((resolve) => socket.once('data', resolve));

describe('offerToRelay', () => {
  it('sends NONO-FD1, the bytes read so far and the reply in one message', async () => {
    const request = 'CONNECT example.test:443 HTTP/1.1\r\n\r\n';
    relay.write(request);
    await new Promise<void>((resolve) => served.once('data', () => resolve()));
    const message = firstData(relay);
    expect(offerToRelay(served, upstream, Buffer.alloc(0), 'REPLY', () => undefined)).toBe(true);
    const bytes = await message;
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('NONO-FD1');
    expect(bytes.readBigUInt64LE(8)).toBe(BigInt(request.length));
    expect(bytes.readUInt32LE(16)).toBe(5);
    expect(bytes.subarray(20).toString()).toBe('REPLY');
  });

  it('ends the tunnel here when the relay closes its connection: the upstream copy is closed', async () => {
    expect(offerToRelay(served, upstream, Buffer.alloc(0), '', () => undefined)).toBe(true);
    relay.end();
    await new Promise((resolve) => upstream.once('close', resolve));
    expect(served.destroyed).toBe(true);
  });

  it('falls back to the piped tunnel when client bytes follow the offer, with those bytes first', async () => {
    let piped = false;
    expect(
      offerToRelay(served, upstream, Buffer.alloc(0), '', () => {
        piped = true;
      }),
    ).toBe(true);
    await firstData(relay);
    relay.write('late bytes');
    await new Promise<void>((resolve) => {
      const wait = () => (piped ? resolve() : setTimeout(wait, 5));
      wait();
    });
    expect(String(served.read())).toBe('late bytes');
    expect(upstream.destroyed).toBe(false);
  });

  it('offers nothing when bytes after the request are already here, or an answer was written', () => {
    expect(offerToRelay(served, upstream, Buffer.from('early'), '', () => undefined)).toBe(false);
    served.write('HTTP/1.1 200 OK\r\n\r\n');
    expect(offerToRelay(served, upstream, Buffer.alloc(0), '', () => undefined)).toBe(false);
  });
});
