// A sandboxed process cannot make the daemon do anything. Landlock does not mediate connect()
// on pathname unix sockets, so the view leaves the runtime dir out (or masks it inside a
// grant); behind that stands the per-daemon secret. The Landlock-only fallback, where the
// socket is reachable and grants around it are refused, is in landlock-fallback.test.ts.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect as connectSocket, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { connect } from '@nono/client';
import { FrameDecoder, encodeFrame } from '@nono/shared';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

const ctx = usePrivateDaemon();

// Runs inside the sandbox: every way in that a patient agent would try.
const ATTACKER = `
const net = require('net');
const fs = require('fs');
const [socketPath, secretPath, stateDir, marker] = process.argv.slice(2);
const report = {};
try { fs.readFileSync(secretPath); report.secret = 'READ'; } catch (e) { report.secret = e.code; }
try { fs.readdirSync(stateDir); report.state = 'LISTED'; } catch (e) { report.state = e.code; }
const calls = [
  { jsonrpc: '2.0', id: 1, method: 'session.run', params: { argv: ['touch', marker], cwd: '/', env: {} } },
  { jsonrpc: '2.0', id: 2, method: 'auth.hello', params: { token: 'a'.repeat(64) } },
  { jsonrpc: '2.0', id: 3, method: 'session.run', params: { argv: ['touch', marker], cwd: '/', env: {} } },
  { jsonrpc: '2.0', id: 4, method: 'daemon.stop', params: {} },
];
const s = net.connect(socketPath);
let buf = '';
s.on('connect', () => { report.connected = true; s.write(calls.map((c) => JSON.stringify(c)).join('\\n') + '\\n'); });
s.on('data', (d) => {
  buf += d;
  const lines = buf.split('\\n').filter(Boolean);
  if (lines.length >= calls.length) {
    report.replies = lines.map((l) => JSON.parse(l));
    s.end();
  }
});
s.on('error', (e) => { report.connectError = e.code; });
s.on('close', () => console.log(JSON.stringify(report)));
`;

describe('the control socket from inside a sandbox', () => {
  it('hides the runtime and state dirs inside any grant of their parents', async () => {
    const itself = await runCli(['run', '--allow', dirname(ctx.world.socketPath), '--', 'true'], ctx.world);
    expect(itself.code).toBe(125);
    expect(itself.stderr).toMatch(/is protected \(nono's runtime dir.*never granted/);
    for (const path of [dirname(dirname(ctx.world.socketPath)), ctx.world.root]) {
      const r = await runCli(['run', '--allow', path, '--', 'sh', '-c', `ls -a ${dirname(ctx.world.socketPath)}; cat ${ctx.world.secretPath} && echo READ; true`], ctx.world);
      expect(r.code, path).toBe(0);
      expect(r.stdout, path).not.toMatch(/nono\.sock|secret|READ/);
    }
    const state = await runCli(['run', '--read', join(ctx.world.root, 'state'), '--', 'sh', '-c', `ls -a ${join(ctx.world.root, 'state', 'nono')}; true`], ctx.world);
    expect(state.stdout).not.toMatch(/nono\.db|\.log/);
  });

  it('gets nothing done: no secret, no state, every method refused, the daemon unharmed', async () => {
    writeFileSync(join(ctx.world.work, 'attack.cjs'), ATTACKER);
    const marker = join(ctx.world.work, 'pwned');
    const r = await runCli(
      ['run', '--allow-cwd', '--', 'node', 'attack.cjs', ctx.world.socketPath, ctx.world.secretPath, join(ctx.world.root, 'state', 'nono'), marker],
      ctx.world,
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    // Outside every grant, so absent from the view: not even the socket can be reached.
    expect(report).toEqual({ secret: 'ENOENT', state: 'ENOENT', connectError: 'ENOENT' });
    expect(existsSync(marker)).toBe(false);
    const status = await runCli(['daemon', 'status', '--json'], ctx.world);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).pid).toBe(ctx.daemon.process.pid);
  });

  it('hides a socket moved elsewhere by NONO_SOCKET inside a grant', async () => {
    const r = await runCli(['run', '--allow', ctx.world.root, '--', 'sh', '-c', `test -S ${ctx.world.socketPath} && echo REACHABLE; true`], ctx.world, {
      env: { NONO_SOCKET: ctx.world.socketPath },
    });
    expect(r.stdout).not.toMatch(/REACHABLE/);
  });
});

/** A raw connection that sends whole frames and collects every parsed message it gets back. */
async function rawPeer(socketPath: string): Promise<{ socket: Socket; received: any[] }> {
  const socket = connectSocket(socketPath);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const received: any[] = [];
  const decoder = new FrameDecoder({ message: (json) => received.push(JSON.parse(json)), error: (_r, detail) => received.push({ framing: detail }) }, 'lsp');
  socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  return { socket, received };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a batch flood on the control socket', () => {
  it('refuses an unauthenticated batch whole, and other clients keep their latency meanwhile', async () => {
    const client = await connect({ env: ctx.world.env, autoStart: false, clientName: 'daemon-socket.test' });
    const attacker = await rawPeer(ctx.world.socketPath);
    try {
      // The same calls without a flood first: on a loaded machine (CI running other suites) the
      // budget scales with what this machine gives a quiet daemon; unloaded that is the 50 ms.
      const quiet: number[] = [];
      for (let i = 0; i < 300; i++) {
        const start = performance.now();
        await client.call('session.list', {});
        quiet.push(performance.now() - start);
      }
      quiet.sort((a, b) => a - b);
      const budget = Math.max(50, 4 * quiet[Math.floor(quiet.length * 0.99)]!);
      const calls = Array.from({ length: 10_000 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'auth.hello', params: { token: 'f'.repeat(64) } }));
      const frame = encodeFrame(JSON.stringify(calls), 'lsp');
      // Twenty such frames: before batches were refused, each held the event loop ~0.4 s.
      const floods = 20;
      const latencies: number[] = [];
      for (let i = 0; i < floods; i++) attacker.socket.write(frame);
      while (attacker.received.length < floods || latencies.length < 300) {
        const start = performance.now();
        await client.call('session.list', {});
        latencies.push(performance.now() - start);
        if (latencies.length > 20_000) break;
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(attacker.received).toHaveLength(floods);
      for (const reply of attacker.received) {
        expect(reply).toMatchObject({ id: null, error: { code: -32007, data: { kind: 'BATCH_REFUSED', limit: 0 } } });
        expect(reply.error.message).toMatch(/only after auth\.hello succeeded/);
      }
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
      // A flood that stalled the daemon made this seconds; the refusal keeps it near the quiet p99.
      expect(p99, `p99 of ${latencies.length} session.list calls during the flood (quiet p99 budget ${budget.toFixed(1)} ms)`).toBeLessThan(budget);
      // None of its calls ran: the connection is still unauthenticated and no failure was audited.
      attacker.socket.write(encodeFrame(JSON.stringify({ jsonrpc: '2.0', id: 'after', method: 'session.list', params: {} }), 'lsp'));
      await until(() => attacker.received.length > floods, 'the reply to session.list');
      expect(attacker.received.at(-1)).toMatchObject({ id: 'after', error: { data: { kind: 'UNAUTHENTICATED' } } });
    } finally {
      attacker.socket.destroy();
      client.close();
    }
  });

  it('caps an authenticated batch at 100 calls', async () => {
    const peer = await rawPeer(ctx.world.socketPath);
    try {
      const secret = readFileSync(ctx.world.secretPath, 'utf8').trim();
      peer.socket.write(encodeFrame(JSON.stringify({ jsonrpc: '2.0', id: 'hello', method: 'auth.hello', params: { token: secret } }), 'lsp'));
      await until(() => peer.received.length === 1, 'the auth.hello reply');
      expect(peer.received[0].result).toBeDefined();
      const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'session.list', params: {} }));
      peer.socket.write(encodeFrame(JSON.stringify(batch(101)), 'lsp'));
      await until(() => peer.received.length === 2, 'the refusal');
      expect(peer.received[1]).toMatchObject({ id: null, error: { data: { kind: 'BATCH_REFUSED', limit: 100, size: 101 } } });
      peer.socket.write(encodeFrame(JSON.stringify(batch(100)), 'lsp'));
      await until(() => peer.received.length === 3, 'the batch reply');
      expect(peer.received[2]).toHaveLength(100);
    } finally {
      peer.socket.destroy();
    }
  });
});
