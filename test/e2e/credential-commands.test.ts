// Keys from commands: a credential backed by cmd://COMMAND reaches the upstream through the
// phantom-token proxy (a local HTTPS server with a test CA standing in for api.openai.com),
// and what the command printed is nowhere else: not in the sandbox, the daemon log, the audit
// log or an error, even when the command fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { makeTestCa } from '../support/test-ca.mjs';
import { runCli } from '../support/run-cli.js';

// Printed in two pieces, so the command line itself (which the plan shows) never holds the key.
const KEY = 'sk-cmd-8f3a9c2e71';
const KEY_COMMAND = "cmd://printf '%s%s' sk-cmd- 8f3a9c2e71";
const FAILED_OUTPUT = 'sk-failed-4242';
const FAILING_COMMAND = "cmd://printf '%s' sk-failed-; printf 4242; exit 3";

let world: TestWorld;
let daemon: RunningDaemon;
let upstream: Server;
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  world = createWorld();
  const tls = makeTestCa(join(world.root, 'certs'), ['IP:127.0.0.7']);
  upstream = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: req.url }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.7', () => resolve()));
  daemon = await startDaemon(world, {
    daemon: { credentialUpstreams: { openai: `https://127.0.0.7:${(upstream.address() as AddressInfo).port}` }, credentialCa: tls.ca },
  });
});
afterAll(async () => {
  upstream?.close();
  await daemon?.stop();
  world?.cleanup();
});

const callUpstream = (credential: string) =>
  runCli(
    ['run', '--credential', credential, '--allow-cwd', '--', 'sh', '-c', 'echo "key=$OPENAI_API_KEY"; curl -sS --max-time 10 -H "Authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/models"'],
    world,
    { timeoutMs: 60_000 },
  );

describe('cmd:// credential sources', () => {
  it('sends what cmd://printf secret prints to the upstream, in place of the phantom', async () => {
    const before = seen.length;
    // One argv element: the shell quoting keeps the space; nono takes the command verbatim.
    const r = await callUpstream('openai=cmd://printf secret');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^key=nono-phantom-[0-9a-f]{48}$/m);
    expect(r.stdout).toMatch(/\{"ok":true,"path":"\/v1\/models"\}/);
    expect(seen.slice(before)).toEqual(['Bearer secret']);
  });

  it('keeps the key out of the sandbox, the daemon log and the audit log', async () => {
    const before = seen.length;
    const r = await callUpstream(`openai=${KEY_COMMAND}`);
    expect(seen.slice(before)).toEqual([`Bearer ${KEY}`]);
    expect(r.stdout + r.stderr).not.toContain(KEY);
    const audit = await runCli(['audit', 'list', '--limit', '10000', '--json'], world);
    expect(audit.code, audit.stderr).toBe(0);
    const events = JSON.parse(audit.stdout) as { kind: string; payload: Record<string, unknown> }[];
    expect(events.filter((e) => e.kind === 'credential.use').map((e) => e.payload.route)).toContain('openai');
    expect(audit.stdout).not.toContain(KEY);
    expect(readFileSync(join(world.root, 'state', 'nono', 'nonod.log'), 'utf8')).not.toContain(KEY);
  });

  it('refuses to start when the command fails, naming the credential and exit status, never the output', async () => {
    const before = seen.length;
    const r = await callUpstream(`openai=${FAILING_COMMAND}`);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`credential openai: ${FAILING_COMMAND} exited with status 3; run it yourself to see why (nono never shows its output)`);
    expect(seen.length).toBe(before);
    const log = readFileSync(join(world.root, 'state', 'nono', 'nonod.log'), 'utf8');
    const audit = await runCli(['audit', 'list', '--limit', '10000', '--json'], world);
    for (const text of [r.stdout, r.stderr, log, audit.stdout]) expect(text).not.toContain(FAILED_OUTPUT);
  });
});
