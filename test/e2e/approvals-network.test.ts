// Network approvals end to end: a sandboxed curl to a host no rule allows is held by the session
// proxy until an editor client (vscode-jsonrpc over the control socket) answers; allow-once lets
// one request through, allow-session stops the questions, deny is a 403, an unanswered request
// times out denied, `nono approve` answers from a shell, a flood is cut off by the rate limit,
// and every decision is in the audit log with the chain intact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { makeTestCa } from '../support/test-ca.mjs';
import { NONO_BIN, runCli } from '../support/run-cli.js';
import { openTerminal } from '../support/real-terminal.js';

const ctx = usePrivateDaemon({ daemon: { resolve: { 'unlisted.test': '127.0.0.5', 'other.test': '127.0.0.5' } } });

interface Notification {
  method: string;
  params: any;
}

let server: HttpsServer;
let port: number;
let certs: string;
let editor: MessageConnection;
let socket: ReturnType<typeof connect>;
const notifications: Notification[] = [];

beforeAll(async () => {
  certs = join(ctx.world.root, 'certs');
  const tls = makeTestCa(certs, ['DNS:unlisted.test', 'DNS:other.test']);
  server = createHttpsServer(tls, (_req, res) => res.end('hello from unlisted\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.5', () => resolve()));
  port = (server.address() as AddressInfo).port;
  socket = connect(ctx.world.socketPath);
  await once(socket, 'connect');
  editor = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
  editor.onNotification((method: string, params: unknown) => notifications.push({ method, params }));
  editor.listen();
  await editor.sendRequest('auth.hello', { token: readFileSync(ctx.world.secretPath, 'utf8').trim(), client: 'vscode' });
  expect(await editor.sendRequest('approval.subscribe', {})).toEqual({ subscribed: true, pending: [] });
});
afterAll(() => {
  editor?.dispose();
  socket?.destroy();
  server?.close();
});

const configDir = () => join(ctx.world.root, 'config', 'nono');

function setApprovalConfig(approvals: Record<string, unknown> | undefined): void {
  mkdirSync(configDir(), { recursive: true });
  if (approvals === undefined) rmSync(join(configDir(), 'config.json'), { force: true });
  else writeFileSync(join(configDir(), 'config.json'), JSON.stringify({ approvals }));
}

const setTimeoutSeconds = (seconds: number | undefined): void => setApprovalConfig(seconds === undefined ? undefined : { timeout_seconds: seconds });

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; notifications: ${JSON.stringify(notifications.filter((n) => n.method.startsWith('approval'))).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const requested = (session?: string): Notification[] => notifications.filter((n) => n.method === 'approval.requested' && (session === undefined || n.params.session === session));

/** The nth approval.requested (0-based) for the session, once it arrives. */
const nthRequest = (session: string, n: number) => until(() => requested(session)[n], `approval request ${n + 1} of ${session}`);

const output = (session: string): string =>
  notifications
    .filter((n) => n.method === 'session.output' && n.params.session === session)
    .map((n) => Buffer.from(n.params.data, 'base64').toString('utf8'))
    .join('');

// 127.0.0.5 is named as an address so the loopback stand-in passes the address check; the
// name unlisted.test is on no list, so every request for it is a question.
const curl = (host: string) => `curl -sS --max-time 30 --cacert ${join(certs, 'ca.pem')} https://${host}:${port}/; echo "exit $?"`;

async function runInSandbox(script: string, extra: Record<string, unknown> = {}): Promise<string> {
  const { session } = (await editor.sendRequest('session.run', {
    argv: ['sh', '-c', script],
    cwd: ctx.world.work,
    env: { PATH: ctx.world.env.PATH!, HOME: ctx.world.home, LANG: 'C.UTF-8' },
    terminal: null,
    ask: true,
    allowDomain: ['127.0.0.5'],
    grants: { read: [certs] },
    ...extra,
  })) as { session: { id: string } };
  return session.id;
}

const exited = (session: string) => until(() => notifications.find((n) => n.method === 'session.exit' && n.params.session === session), `exit of ${session}`, 60_000);

describe('a sandboxed curl to a host no rule allows', () => {
  it('blocks until the editor answers allow-once, asks again next time, stops asking after allow-session, and gets 403 on deny', async () => {
    setTimeoutSeconds(undefined);
    const id = await runInSandbox([curl('unlisted.test'), curl('unlisted.test'), curl('unlisted.test'), curl('other.test')].join('; '));
    const first = await nthRequest(id, 0);
    expect(first.params).toMatchObject({ kind: 'network', host: 'unlisted.test', port, subject: `unlisted.test:${port}`, session: id, answer: null });
    expect(Date.parse(first.params.expiresAt)).toBeGreaterThan(Date.now());
    // Held: nothing has come back while nobody answered.
    await new Promise((r) => setTimeout(r, 300));
    expect(output(id)).toBe('');
    await editor.sendRequest('approval.answer', { id: first.params.id, answer: 'allow-once' });
    await until(() => (output(id).includes('hello from unlisted') ? true : undefined), 'the first response');
    const second = await nthRequest(id, 1);
    await editor.sendRequest('approval.answer', { id: second.params.id, answer: 'allow-session' });
    const third = await nthRequest(id, 2);
    expect(third.params).toMatchObject({ host: 'other.test' });
    await editor.sendRequest('approval.answer', { id: third.params.id, answer: 'deny' });
    await exited(id);
    const text = output(id);
    expect(text.match(/hello from unlisted/g)).toHaveLength(3);
    expect(text).toMatch(/CONNECT tunnel failed, response 403[^]*exit 56/);
    expect(requested(id)).toHaveLength(3);
    const resolved = notifications.filter((n) => n.method === 'approval.resolved' && n.params.session === id).map((n) => n.params.answer);
    expect(resolved).toEqual(['allow-once', 'allow-session', 'deny']);
    // A second answer to an answered request is refused: the first one won.
    await expect(editor.sendRequest('approval.answer', { id: first.params.id, answer: 'deny' })).rejects.toMatchObject({ data: { kind: 'APPROVAL_NOT_FOUND' } });
    const inspected = (await editor.sendRequest('session.inspect', { session: id })) as { plan: { approvals: unknown; network: string } };
    expect(inspected.plan).toMatchObject({ approvals: { network: true }, network: 'proxied' });
  });

  it('denies a request nobody answers within the timeout (2 s)', async () => {
    setTimeoutSeconds(2);
    const started = Date.now();
    const id = await runInSandbox(curl('unlisted.test'));
    await nthRequest(id, 0);
    await exited(id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(output(id)).toMatch(/403[^]*exit 56/);
    const resolved = await until(() => notifications.find((n) => n.method === 'approval.resolved' && n.params.session === id), 'the timeout');
    expect(resolved.params).toMatchObject({ answer: 'deny', by: 'timeout' });
    setTimeoutSeconds(undefined);
  });

  it('withdraws a question when the program gives up on the connection held for it', async () => {
    const id = await runInSandbox(`curl -sS --max-time 2 --cacert ${join(certs, 'ca.pem')} https://unlisted.test:${port}/; echo "exit $?"; sleep 30`);
    const asked = await nthRequest(id, 0);
    const resolved = await until(() => notifications.find((n) => n.method === 'approval.resolved' && n.params.id === asked.params.id), 'the withdrawal');
    expect(resolved.params).toMatchObject({ answer: 'deny', by: 'withdrawn', outcome: 'withdrawn' });
    await until(() => (/exit 28/.test(output(id)) ? true : undefined), 'curl giving up');
    await expect(editor.sendRequest('approval.answer', { id: asked.params.id, answer: 'allow-once' })).rejects.toMatchObject({
      data: { kind: 'APPROVAL_NOT_FOUND' },
      message: `no pending approval request ${asked.params.id}: it was withdrawn (the program closed its connection)`,
    });
    await editor.sendRequest('session.stop', { session: id });
  });

  it('is answered by `nono approve` from a shell, after `nono approvals` lists it', async () => {
    const id = await runInSandbox(curl('unlisted.test'));
    const asked = await nthRequest(id, 0);
    const listed = await runCli(['approvals', '--json'], ctx.world);
    expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ id: asked.params.id, answer: null, subject: `unlisted.test:${port}` })]));
    const approved = await runCli(['approve', asked.params.id, '--once'], ctx.world);
    expect(approved.stderr).toBe('');
    expect(approved.stdout).toContain(`${asked.params.id}: allow-once`);
    await exited(id);
    expect(output(id)).toContain('hello from unlisted');
  });

  it('denies at once, and lists for later, when nobody could be asked', async () => {
    await editor.sendRequest('approval.subscribe', { off: true });
    // Detached, and no editor subscribed: no terminal, no editor, no webhook to ask.
    const started = Date.now();
    const id = await runInSandbox(curl('unlisted.test'), { detached: true });
    let listed: { by: string | null; subject: string }[] = [];
    for (let i = 0; i < 200 && !listed.some((r) => r.by === 'nobody'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      listed = ((await editor.sendRequest('approval.list', { session: id })) as { requests: typeof listed }).requests;
    }
    expect(listed).toEqual([expect.objectContaining({ by: 'nobody', subject: `unlisted.test:${port}` })]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(requested(id)).toHaveLength(0);
    await editor.sendRequest('approval.subscribe', {});
  });

  it('turns 1,000 requests in a second into a bounded number of prompts and one rate-limit denial line', async () => {
    setTimeoutSeconds(2);
    // Raw CONNECTs to the proxy, each to its own unlisted name, all at once.
    const flood = `const net=require('net');const u=new URL(process.env.HTTPS_PROXY);const auth=Buffer.from(decodeURIComponent(u.username)+':'+decodeURIComponent(u.password)).toString('base64');let done=0;const n=1000;for(let i=0;i<n;i++){const s=net.connect(Number(u.port),u.hostname,()=>s.write('CONNECT h'+i+'.flood.test:443 HTTP/1.1\\r\\nHost: h'+i+'.flood.test:443\\r\\nProxy-Authorization: Basic '+auth+'\\r\\n\\r\\n'));s.on('data',()=>s.destroy());s.on('close',()=>{if(++done===n)console.log('all answered')});s.on('error',()=>{})}`;
    const id = await runInSandbox(`node -e "${flood}"`);
    await exited(id);
    expect(output(id)).toContain('all answered');
    expect(requested(id).length).toBeGreaterThan(0);
    expect(requested(id).length).toBeLessThanOrEqual(20);
    const audit = JSON.parse((await runCli(['audit', 'list', '--kind', 'approval', '--session', id, '--json'], ctx.world)).stdout) as { payload: { by: string } }[];
    expect(audit.filter((e) => e.payload.by === 'rate-limit')).toHaveLength(1);
    setTimeoutSeconds(undefined);
  }, 90_000);

  it('asks on the attached terminal (a real PTY): a one-line prompt on the bottom row, answered with a key', async () => {
    const script = `echo agent-start; ${curl('unlisted.test')}; sleep 0.5`;
    const terminal = openTerminal(`${process.execPath} ${NONO_BIN} run --ask --allow-domain 127.0.0.5 --read ${certs} -- sh -c '${script}'`, ctx.world, { cols: 120, rows: 24 });
    await terminal.waitFor(/\[y\] once \[s\] session \[a\] always \[n\] deny/, 30_000);
    const screen = await terminal.screen();
    expect(screen[23]).toMatch(new RegExp(`asks to connect to unlisted\\.test:${port}`));
    expect(screen.join('\n')).toContain('agent-start');
    terminal.type('y');
    await terminal.waitFor(/hello from unlisted/, 30_000);
    expect(await terminal.exit).toBe(0);
    expect((await terminal.screen()).join('\n')).not.toMatch(/\[y\] once/);
    const audit = JSON.parse((await runCli(['audit', 'list', '--kind', 'approval', '--json'], ctx.world)).stdout) as { payload: { answer: string; by: string } }[];
    expect(audit.at(-1)!.payload).toMatchObject({ answer: 'allow-once', by: expect.stringMatching(/^nono .*\(root\)$/) });
  }, 60_000);

  it('writes an always answer to a draft beside the profile, returns it as a diff, and stops asking', async () => {
    const id = await runInSandbox(`${curl('unlisted.test')}; ${curl('unlisted.test')}`);
    const asked = await nthRequest(id, 0);
    const reply = (await editor.sendRequest('approval.answer', { id: asked.params.id, answer: 'always' })) as { diff: string };
    expect(reply.diff).toContain(`+      "unlisted.test:${port}"`);
    await exited(id);
    expect(output(id).match(/hello from unlisted/g)).toHaveLength(2);
    expect(requested(id)).toHaveLength(1);
    const draft = JSON.parse(readFileSync(join(configDir(), 'profiles', 'default-draft.json'), 'utf8'));
    expect(draft).toEqual({ extends: 'default', network: { allow_domain: [`unlisted.test:${port}`] } });
    const check = await runCli(['profile', 'validate', join(configDir(), 'profiles', 'default-draft.json')], ctx.world);
    expect(check.code).toBe(0);
  });

  it('asks a webhook with a signed POST, whose JSON answer decides', async () => {
    const secret = 'webhook-secret';
    const bodies: { signature: string | undefined; body: string }[] = [];
    const hook = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        bodies.push({ signature: req.headers['x-nono-signature'] as string | undefined, body });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ answer: 'allow-once' }));
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', () => resolve()));
    setApprovalConfig({ webhook: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/nono`, secret } });
    try {
      await editor.sendRequest('approval.subscribe', { off: true });
      const id = await runInSandbox(curl('unlisted.test'), { detached: true });
      let listed: { by: string | null }[] = [];
      for (let i = 0; i < 200 && !listed.some((r) => r.by === 'webhook'); i++) {
        await new Promise((r) => setTimeout(r, 50));
        listed = ((await editor.sendRequest('approval.list', { session: id })) as { requests: typeof listed }).requests;
      }
      expect(listed).toEqual([expect.objectContaining({ answer: 'allow-once', by: 'webhook' })]);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]!.signature).toBe(`sha256=${createHmac('sha256', secret).update(bodies[0]!.body).digest('hex')}`);
      expect(JSON.parse(bodies[0]!.body)).toMatchObject({ session: id, kind: 'network', subject: `unlisted.test:${port}` });
    } finally {
      hook.close();
      setApprovalConfig(undefined);
      await editor.sendRequest('approval.subscribe', {});
    }
  });

  it('records every decision in the audit log (kind approval), and the chain verifies', async () => {
    const list = await runCli(['audit', 'list', '--kind', 'approval', '--json'], ctx.world);
    const events = JSON.parse(list.stdout) as { kind: string; payload: Record<string, unknown> }[];
    const answers = events.map((e) => `${e.payload.answer} ${e.payload.by}`);
    expect(answers).toEqual(expect.arrayContaining(['allow-once vscode (root)', 'allow-session vscode (root)', 'deny vscode (root)', 'deny timeout', 'deny nobody', 'deny rate-limit', 'always vscode (root)', 'allow-once webhook']));
    expect(answers.some((a) => /^allow-once nono .*\(root\)$/.test(a))).toBe(true);
    expect(events.every((e) => e.kind === 'approval' && typeof e.payload.subject === 'string' && typeof e.payload.grant === 'string')).toBe(true);
    const verify = await runCli(['audit', 'verify'], ctx.world);
    expect(verify.code).toBe(0);
  });
});
