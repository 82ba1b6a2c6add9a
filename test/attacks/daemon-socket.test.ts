// A sandboxed process cannot make the daemon do anything. Landlock does not mediate connect()
// on pathname unix sockets, so the view leaves the runtime dir out (or masks it inside a
// grant); behind that stands the per-daemon secret. The Landlock-only fallback, where the
// socket is reachable and grants around it are refused, is in landlock-fallback.test.ts.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
