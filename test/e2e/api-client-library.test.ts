// The client library as a plugin author uses it (`import { connect } from '@nono/client'`):
// typed methods with kinds on errors, sessions and logs as async iterators whose early exit
// unsubscribes on the daemon too, progress as an iterator, reconnecting across a daemon
// restart, and the docs' example script run for real, auto-starting its daemon.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, NonoError, type NonoClient, type SessionEvent } from '@nono/client';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, usePrivateDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { REPO, runCli, runCommand } from '../support/run-cli.js';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function clientsOf(client: NonoClient, name: string): Promise<number | undefined> {
  const { sessions } = await client.methods.session.list();
  return sessions.find((s) => s.name === name)?.clients;
}

describe('on a running daemon', () => {
  const ctx = usePrivateDaemon();
  let client: NonoClient;
  const env = () => ({ PATH: ctx.world.env.PATH!, HOME: ctx.world.home, LANG: 'C.UTF-8' });

  beforeAll(async () => {
    client = await connect({ env: ctx.world.env, autoStart: false, clientName: 'api-client-library.test' });
  });
  afterAll(() => client?.close());

  it('calls methods by area with typed params, and reports failures as NonoError with a kind', async () => {
    const status = await client.methods.daemon.status();
    expect(status.pid).toBe(ctx.daemon.process.pid);
    expect(await client.methods.session.list({ all: true })).toEqual({ sessions: expect.any(Array) });
    const bad = await client.methods.session.resize({ session: 'nope', rows: 'tall' as never, cols: 80 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(NonoError);
    expect(bad).toMatchObject({ kind: 'INVALID_PARAMS', details: { field: 'rows', method: 'session.resize' } });
    await expect(client.methods.session.inspect({ session: 'no-such-session' })).rejects.toMatchObject({ kind: 'SESSION_NOT_FOUND' });
    await expect(client.call('session.frobnicate' as never, {} as never)).rejects.toMatchObject({ kind: 'METHOD_NOT_FOUND' });
  });

  it('runs a command and iterates its output and exit, the loop ending with the session', async () => {
    const run = await client.run({ argv: ['sh', '-c', 'echo one; echo two >&2; exit 4'], cwd: ctx.world.work, env: env(), terminal: null });
    const events: SessionEvent[] = [];
    for await (const event of run) events.push(event);
    const text = (stream: string) => events.flatMap((e) => (e.type === 'output' && e.stream === stream ? [e.data.toString()] : [])).join('');
    expect(text('stdout')).toBe('one\n');
    expect(text('stderr')).toBe('two\n');
    expect(events.at(-1)).toEqual({ type: 'exit', session: run.id, exitCode: 4, code: 4, signal: null, denials: 0, snapshots: false });
  });

  it('attaches a terminal view, types into it, and leaving the loop detaches on the daemon', async () => {
    await client.methods.session.run({ argv: ['cat'], cwd: ctx.world.work, env: env(), terminal: { rows: 24, cols: 80 }, detached: true, name: 'lib-cat' });
    const view = await client.attach('lib-cat', { size: { rows: 24, cols: 80 } });
    expect(view.info).toMatchObject({ name: 'lib-cat', state: 'running' });
    expect(view.screen).toBeInstanceOf(Buffer);
    expect(await clientsOf(client, 'lib-cat')).toBe(1);
    await view.input('marco\n');
    let seen = '';
    for await (const event of view) {
      if (event.type === 'output') seen += event.data.toString();
      if (seen.split('marco').length >= 3) break;
    }
    await settle(100);
    expect(await clientsOf(client, 'lib-cat')).toBe(0);

    // A second view, cancelled with detach() while it waits for output.
    const again = await client.attach('lib-cat', { readOnly: true, replay: false });
    await expect(again.input('x')).rejects.toMatchObject({ kind: 'SESSION_READ_ONLY' });
    const iterator = again[Symbol.asyncIterator]();
    const pending = iterator.next();
    await again.detach();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await clientsOf(client, 'lib-cat')).toBe(0);
    await client.methods.session.stop({ session: 'lib-cat', force: true });
  });

  it('follows logs to the end: every line once, in order, whether recorded before or written after', async () => {
    await client.methods.session.run({
      argv: ['sh', '-c', 'for i in $(seq 1 60); do echo line-$i; sleep 0.01; done'],
      cwd: ctx.world.work,
      env: env(),
      terminal: null,
      detached: true,
      name: 'lib-logs',
    });
    await settle(150);
    const chunks: Buffer[] = [];
    for await (const chunk of client.logs('lib-logs', { follow: true })) chunks.push(chunk);
    // Detached sessions run on a terminal, which ends lines with CR LF.
    const lines = Buffer.concat(chunks).toString().trim().split('\r\n');
    expect(lines).toEqual(Array.from({ length: 60 }, (_, i) => `line-${i + 1}`));
  });

  it('iterates notifications of one name until the loop is left', async () => {
    const exits = client.notifications('session.exit');
    const run = await client.run({ argv: ['true'], cwd: ctx.world.work, env: env(), terminal: null });
    const { value } = await exits.next();
    expect(value).toMatchObject({ session: run.id, exitCode: 0 });
    expect(await exits.return!()).toEqual({ value: undefined, done: true });
  });

  it('reports progress of a long call as an iterator that ends with the call', async () => {
    const tree = join(ctx.world.root, 'tree');
    mkdirSync(tree);
    for (let i = 0; i < 200; i++) writeFileSync(join(tree, `f${i}.txt`), `file ${i}\n`.repeat(i + 1));
    const call = client.withProgress('snapshot.create', { path: tree, label: 'library test' });
    const updates = [];
    for await (const update of call.progress) updates.push(update);
    const result = await call.result;
    expect(result.snapshot).toMatchObject({ files: 200, label: 'library test' });
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.at(-1)).toMatchObject({ files: 200, totalFiles: 200 });
    await expect(client.withProgress('snapshot.verify', { id: 'nosuchsnap' }).result).rejects.toMatchObject({ kind: 'SNAPSHOT_NOT_FOUND' });
  });
});

describe('across a daemon restart', () => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  beforeAll(async () => {
    world = createWorld();
    daemon = await startDaemon(world);
  });
  afterAll(async () => {
    await daemon?.stop();
    world?.cleanup();
  });

  it('reconnects and authenticates to the new daemon; a stream open at the time ends with DAEMON_UNREACHABLE', async () => {
    const client = await connect({ env: world.env, autoStart: false, reconnect: { waitMs: 10_000 } });
    const seen: string[] = [];
    client.onDisconnect(() => seen.push('disconnect'));
    client.onReconnect(() => seen.push('reconnect'));
    client.onClose(() => seen.push('close'));
    const before = await client.methods.daemon.status();
    await client.methods.session.run({ argv: ['cat'], cwd: world.work, env: { PATH: world.env.PATH! }, terminal: { rows: 24, cols: 80 }, detached: true, name: 'restart' });
    const view = await client.attach('restart', { readOnly: true });
    const streamEnd = (async () => {
      for await (const _ of view);
    })().then(
      () => 'ended quietly',
      (error: NonoError) => error.kind,
    );

    await daemon.stop();
    expect(await streamEnd).toBe('DAEMON_UNREACHABLE');
    // A call made while no daemon answers waits for the next one.
    const during = client.methods.daemon.status();
    await settle(300);
    daemon = await startDaemon(world);
    const after = await during;
    expect(after.pid).toBe(daemon.process.pid);
    expect(after.pid).not.toBe(before.pid);
    expect(seen).toEqual(['disconnect', 'reconnect']);
    expect(await client.methods.session.list()).toEqual({ sessions: expect.any(Array) });
    client.close();
    await settle(50);
    expect(seen).toEqual(['disconnect', 'reconnect', 'close']);
    await expect(client.methods.daemon.status()).rejects.toMatchObject({ kind: 'DAEMON_UNREACHABLE' });
  });

  it('without reconnect, closes with the connection, as the CLI expects', async () => {
    const client = await connect({ env: world.env, autoStart: false });
    const closed = new Promise<void>((resolve) => client.onClose(resolve));
    await client.methods.daemon.stop();
    await closed;
    await expect(client.methods.daemon.status()).rejects.toMatchObject({ kind: 'DAEMON_UNREACHABLE' });
    await daemon.stop();
  });
});

describe('docs/examples/editor-plugin.mjs', () => {
  let world: TestWorld;
  beforeAll(() => {
    world = createWorld();
  });
  afterAll(async () => {
    await runCli(['daemon', 'stop'], world);
    world?.cleanup();
  });

  it('runs: starts the daemon, lists, runs, types into the terminal view, shows the diff and rolls it back', async () => {
    expect(existsSync(world.socketPath)).toBe(false);
    const before = readdirSync(world.work).sort();
    const result = await runCommand([process.execPath, join(REPO, 'docs/examples/editor-plugin.mjs'), world.work], world, { timeoutMs: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain('0 session(s)');
    expect(out).toMatch(/ready> hello from the editor\nwrote NOTES-\d+\.md/);
    expect(out).toContain('agent exited with 0');
    expect(out).toMatch(/^\+ NOTES-\d+\.md \(\+1 -0\)$/m);
    expect(out).toContain('+hello from the editor');
    expect(out).toMatch(/^rolled back: \+ NOTES-\d+\.md$/m);
    expect(readdirSync(world.work).sort()).toEqual(before);
    expect(existsSync(world.socketPath)).toBe(true);
  });
});
