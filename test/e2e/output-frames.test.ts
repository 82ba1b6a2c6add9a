// Session output to attached clients: the CLI's library asks for binary frames at attach and
// gets the raw bytes; an editor that does not ask (vscode-jsonrpc) and an NDJSON client that
// asks but cannot carry them keep JSON with base64, even while a binary client watches the same
// session. And after megabytes of output, what attach shows is what an emulator fed every byte
// of the log shows, on the normal screen and on the alternate one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as connectSocket, type Socket } from 'node:net';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import type { Terminal as XtermTerminal } from '@xterm/headless';
import type { SerializeAddon as XtermSerializeAddon } from '@xterm/addon-serialize';
import { connect, type NonoClient } from '@nono/client';
import { encodeFrame, FrameDecoder, type Framing, type OutputFrameHeader } from '@nono/shared';
import { usePrivateDaemon } from '../support/daemon-process.js';

const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as { Terminal: typeof XtermTerminal };
const { SerializeAddon } = require('@xterm/addon-serialize') as { SerializeAddon: typeof XtermSerializeAddon };

interface RawPeer {
  request(method: string, params: unknown): Promise<any>;
  /** JSON notifications, and binary frames as { header, data }. */
  readonly notifications: { method: string; params: any }[];
  readonly frames: { header: OutputFrameHeader; data: Buffer }[];
  readonly errors: string[];
  close(): void;
}

/** A client on the bare socket, speaking the given framing with the shared framer. */
async function rawPeer(socketPath: string, secretPath: string, framing: Framing): Promise<RawPeer> {
  const socket: Socket = connectSocket(socketPath);
  await once(socket, 'connect');
  const replies = new Map<number, (reply: any) => void>();
  const peer = { notifications: [] as RawPeer['notifications'], frames: [] as RawPeer['frames'], errors: [] as string[] };
  const decoder = new FrameDecoder(
    {
      message: (json) => {
        const message = JSON.parse(json);
        if (message.id === undefined) peer.notifications.push({ method: message.method, params: message.params });
        else replies.get(message.id)?.(message);
      },
      output: (header, data) => peer.frames.push({ header, data: Buffer.from(data) }),
      error: (_reason, detail) => peer.errors.push(detail),
    },
    framing,
  );
  socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  let nextId = 1;
  const request = (method: string, params: unknown): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      replies.set(id, (reply) => (reply.error ? reject(reply.error) : resolve(reply.result)));
      socket.write(encodeFrame(JSON.stringify({ jsonrpc: '2.0', id, method, params }), framing));
    });
  await request('auth.hello', { token: readFileSync(secretPath, 'utf8').trim(), client: `raw ${framing}` });
  return { ...peer, request, close: () => socket.destroy() };
}

async function until<T>(probe: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What xterm.js shows after every byte of data, as the daemon serialises a screen. */
async function emulated(data: Buffer, size: { rows: number; cols: number }): Promise<{ screen: string; alternate: boolean }> {
  const terminal = new Terminal({ ...size, scrollback: 1000, allowProposedApi: true });
  const serializer = new SerializeAddon();
  terminal.loadAddon(serializer);
  await new Promise<void>((resolve) => terminal.write(data, resolve));
  const result = { screen: serializer.serialize({ scrollback: 1000 }), alternate: terminal.buffer.active.type === 'alternate' };
  terminal.dispose();
  return result;
}

const ctx = usePrivateDaemon();
const env = () => ({ PATH: ctx.world.env.PATH!, HOME: ctx.world.home, LANG: 'C.UTF-8' });
const size = { rows: 24, cols: 80 };
const peers: RawPeer[] = [];
let client: NonoClient;
beforeAll(async () => {
  client = await connect({ env: ctx.world.env, autoStart: false, clientName: 'output-frames.test' });
});
afterAll(() => {
  client?.close();
  for (const peer of peers) peer.close();
});

describe('binary output frames', () => {
  it('go to an LSP client that asks at attach, JSON to an editor that does not, on the same session', async () => {
    await client.methods.session.run({ argv: ['cat'], cwd: ctx.world.work, env: env(), terminal: size, detached: true, name: 'frames-cat' });
    const binary = await rawPeer(ctx.world.socketPath, ctx.world.secretPath, 'lsp');
    peers.push(binary);
    const socket = connectSocket(ctx.world.socketPath);
    await once(socket, 'connect');
    const editor = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
    const editorOutput: string[] = [];
    editor.onNotification('session.output', (params: { data: string }) => editorOutput.push(Buffer.from(params.data, 'base64').toString()));
    editor.listen();
    await editor.sendRequest('auth.hello', { token: readFileSync(ctx.world.secretPath, 'utf8').trim(), client: 'editor' });

    const attached = await binary.request('session.attach', { session: 'frames-cat', size, binaryOutput: true });
    expect(attached.binaryOutput).toBe(true);
    expect(await editor.sendRequest('session.attach', { session: 'frames-cat', readOnly: true })).toMatchObject({ binaryOutput: false });
    await binary.request('session.input', { session: 'frames-cat', data: Buffer.from('héllo-frames\n').toString('base64') });

    const text = () => Buffer.concat(binary.frames.map((f) => f.data)).toString();
    await until(() => text().split('héllo-frames').length >= 3, 'the echo and cat in binary frames');
    await until(() => editorOutput.join('').split('héllo-frames').length >= 3, 'the same output as JSON for the editor');
    expect(binary.frames.every((f) => f.header.session === attached.session.id && f.header.stream === 'pty')).toBe(true);
    const seqs = binary.frames.map((f) => f.header.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(binary.notifications.filter((n) => n.method === 'session.output')).toEqual([]);
    expect(binary.errors).toEqual([]);
    editor.dispose();
    socket.destroy();
    await client.methods.session.stop({ session: 'frames-cat', force: true });
  });

  it('are refused on NDJSON, which cannot carry raw bytes: that client keeps JSON', async () => {
    const ndjson = await rawPeer(ctx.world.socketPath, ctx.world.secretPath, 'ndjson');
    peers.push(ndjson);
    const run = await ndjson.request('session.run', { argv: ['sh', '-c', 'echo over-ndjson'], cwd: ctx.world.work, env: env(), terminal: null, binaryOutput: true });
    expect(run.binaryOutput).toBe(false);
    await until(() => ndjson.notifications.some((n) => n.method === 'session.exit'), 'session.exit');
    const output = ndjson.notifications.filter((n) => n.method === 'session.output').map((n) => Buffer.from(n.params.data, 'base64').toString());
    expect(output.join('')).toBe('over-ndjson\n');
    expect(ndjson.frames).toEqual([]);
  });

  it('carry what the library hands its users as Buffers, exactly', async () => {
    const run = await client.run({ argv: ['sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" "z"; printf "\\377\\376end"'], cwd: ctx.world.work, env: env(), terminal: null });
    const chunks: Buffer[] = [];
    for await (const event of run) if (event.type === 'output') chunks.push(event.data);
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(300_005);
    expect(all.subarray(-5)).toEqual(Buffer.from([0xff, 0xfe, 0x65, 0x6e, 0x64]));
  });
});

describe('attach after megabytes of output', () => {
  const cases: [string, string][] = [
    ['the normal screen, coloured last lines', 'seq 1 250000; printf "\\033[1;31mDONE\\033[0m $ "; exec cat'],
    ['the alternate screen a program drew on after it', 'seq 1 200000; printf "\\033[?1049h\\033[2J\\033[HALT SCREEN\\033[5;10H\\033[7mcursor\\033[0m"; exec cat'],
  ];
  for (const [label, script] of cases) {
    it(`shows what an emulator fed every byte of the log shows: ${label}`, async () => {
      const name = `big-${label.split(' ')[1]}`;
      await client.methods.session.run({ argv: ['sh', '-c', script], cwd: ctx.world.work, env: env(), terminal: size, detached: true, name });
      let data = Buffer.alloc(0);
      const deadline = Date.now() + 60_000;
      while (!/DONE|cursor/.test(data.subarray(-64).toString()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        data = Buffer.from((await client.methods.session.logs({ session: name })).data, 'base64');
      }
      expect(data.length).toBeGreaterThan(1_000_000);
      const view = await client.attach(name, { readOnly: true, size });
      const expected = await emulated(data, size);
      // Drawn from the top of a cleared screen, then exactly what the emulator shows.
      expect(view.screen!.toString()).toBe(`\x1b[H\x1b[2J${expected.screen}`);
      await view.detach();
      await client.methods.session.stop({ session: name, force: true });
    });
  }
});
