// A sandboxed process cannot make the daemon do anything. Landlock does not mediate connect()
// on pathname unix sockets, so the socket is reachable from inside; what stops the agent is
// the per-daemon secret it cannot read, and the policy refusing any grant that would expose
// nono's runtime or state dir.
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
  it('refuses a grant of the socket directory or any parent of it, naming the runtime dir', async () => {
    for (const path of [dirname(ctx.world.socketPath), dirname(dirname(ctx.world.socketPath)), ctx.world.root]) {
      const r = await runCli(['run', '--allow', path, '--', 'true'], ctx.world);
      expect(r.code, path).toBe(125);
      expect(r.stderr, path).toMatch(/runtime dir/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const state = await runCli(['run', '--read', join(ctx.world.root, 'state'), '--', 'true'], ctx.world);
    expect(state.code).toBe(125);
    expect(state.stderr).toMatch(/state dir/);
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
    expect(report.secret).toBe('EACCES');
    expect(report.state).toBe('EACCES');
    expect(report.replies.map((reply: { error?: { data?: { kind?: string } } }) => reply.error?.data?.kind)).toEqual([
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
    ]);
    expect(existsSync(marker)).toBe(false);
    const status = await runCli(['daemon', 'status', '--json'], ctx.world);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).pid).toBe(ctx.daemon.process.pid);
  });

  it('refuses a socket moved elsewhere by NONO_SOCKET from being granted', async () => {
    const r = await runCli(['run', '--allow', ctx.world.root, '--', 'true'], ctx.world, {
      env: { NONO_SOCKET: ctx.world.socketPath },
    });
    expect(r.code).toBe(125);
  });
});

describe('with the runtime dir under /tmp (XDG_RUNTIME_DIR unset)', () => {
  const tmp = usePrivateDaemon({ world: { noRuntimeDir: true } });

  it('refuses --allow /tmp, which would expose the socket and its secret', async () => {
    const r = await runCli(['run', '--allow', '/tmp', '--', 'true'], tmp.world);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(new RegExp(`/tmp: /tmp contains /tmp/nono-${process.getuid!()}`));
  });

  it('gives the sandbox a private TMPDIR instead of /tmp, and removes it afterwards', async () => {
    const r = await runCli(
      ['run', '--', 'sh', '-c', `echo scratch > "$TMPDIR/x" && cat "$TMPDIR/x" && echo "$TMPDIR"; ls /tmp/nono-${process.getuid!()} && echo LISTED`],
      tmp.world,
    );
    const [content, tmpdir] = r.stdout.split('\n');
    expect(content).toBe('scratch');
    expect(tmpdir).toMatch(/^\/tmp\/nono-sandbox-/);
    expect(r.stdout).not.toMatch(/LISTED/);
    expect(existsSync(tmpdir!)).toBe(false);
    expect(readdirSync('/tmp').some((e) => tmpdir!.endsWith(e))).toBe(false);
  });

  it('says so in the dry-run plan', async () => {
    const r = await runCli(['run', '--dry-run', '--json', '--', 'true'], tmp.world);
    const plan = JSON.parse(r.stdout);
    expect(plan.notes.join(' ')).toMatch(/private TMPDIR/);
    expect(plan.rules.map((rule: { path: string }) => rule.path)).not.toContain('/tmp');
  });
});
