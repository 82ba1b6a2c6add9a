// Secrets in the shell that runs nono stay out of the sandbox: variables that look like secrets
// are withheld (one line on stderr names them), passed only by name (--allow-env,
// environment.allow_vars), and a withheld key of a credential route the run uses, or an
// env:// source, is served by the daemon instead, read from the run's own environment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { METHODS, type OpenRpcDocument } from '@nono/shared';
import { connect } from '@nono/client';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { makeTestCa } from '../support/test-ca.mjs';
import { runCli } from '../support/run-cli.js';

const SHELL_SECRETS = { AWS_SECRET_ACCESS_KEY: `aws-${'5'.repeat(36)}`, GITHUB_TOKEN: `ghp_${'6'.repeat(36)}`, PLAIN_SETTING: 'plain-value' };
// What a security review found reaching the sandbox: a password with "/" in a URL, a token as a
// URL's user, names the underscore patterns missed, and keys in known formats under bland names.
const REVIEWED = {
  REDIS_URL: 'redis://:ab/cd+ef@cache:6379',
  GIT_REMOTE: 'https://ghp_x@github.com/o/r',
  SSHPASS: 'sshpass-e2e-value',
  npm_config__authToken: 'npm-authtoken-e2e-value',
  OPENAI_KEY: 'openai-key-e2e-value',
  STRIPE_KEY: 'stripe-key-e2e-value',
  BUILD_NOTE: `sk-ant-api03-${'e'.repeat(40)}`,
  DEPLOY_ID: 'AKIAE2ETESTVALUE0001',
  SIGNER: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-e2e\n-----END OPENSSH PRIVATE KEY-----\n',
  SESSION_BLOB: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlMmUifQ.c2lnbmF0dXJlLWUyZQ',
  CHAT_HOOK: `xoxb-${'1'.repeat(12)}-e2evalue`,
};
const ANTHROPIC_KEY = `sk-ant-real-${'8'.repeat(40)}`;
const OPENAI_KEY = `sk-openai-real-${'4'.repeat(40)}`;
let world: TestWorld;
let daemon: RunningDaemon;
let upstream: Server;
const seen: { host: string | undefined; key: string | undefined; auth: string | undefined; path: string | undefined }[] = [];

beforeAll(async () => {
  world = createWorld();
  const tls = makeTestCa(join(world.root, 'certs'), ['IP:127.0.0.7']);
  upstream = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    seen.push({ host: req.headers.host, key: req.headers['x-api-key'] as string | undefined, auth: req.headers.authorization, path: req.url });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.7', () => resolve()));
  const local = `https://127.0.0.7:${(upstream.address() as AddressInfo).port}`;
  // The daemon's own environment holds no key: whatever reaches the upstream came from the client.
  daemon = await startDaemon(world, {
    daemon: { credentialUpstreams: { anthropic: local, openai: local }, credentialCa: tls.ca },
  });
});
afterAll(async () => {
  upstream?.close();
  await daemon?.stop();
  world?.cleanup();
});

const WITHHELD_LINE = 'nono: withheld from the sandbox (look like secrets): AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN; pass one with --allow-env NAME\n';

describe('secret-looking variables of the shell', () => {
  it('are withheld from `nono run -- env`, named once on stderr, while the rest passes', async () => {
    const r = await runCli(['run', '--', 'env'], world, { env: SHELL_SECRETS });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PLAIN_SETTING=plain-value$/m);
    expect(r.stdout).not.toMatch(/AWS_SECRET_ACCESS_KEY|GITHUB_TOKEN/);
    expect(r.stderr).toBe(WITHHELD_LINE);
  });

  it('are withheld by the form of their value too, and the names the review found: none of the values is in the sandbox', async () => {
    const harmless = { GPG_TTY: '/dev/pts/3', SSH_AGENT_PID: '4242', npm_config_cache: '/tmp/npm-cache', AWS_REGION: 'eu-west-1' };
    const r = await runCli(['run', '--', 'sh', '-c', 'env; cat /proc/self/environ'], world, { env: { ...REVIEWED, ...harmless } });
    expect(r.code, r.stderr).toBe(0);
    for (const [name, value] of Object.entries(harmless)) expect(r.stdout).toContain(`${name}=${value}`);
    for (const value of Object.values(REVIEWED)) expect(r.stdout + r.stderr, value).not.toContain(value);
    expect(r.stderr).toBe(`nono: withheld from the sandbox (look like secrets): ${Object.keys(REVIEWED).sort().join(', ')}; pass one with --allow-env NAME\n`);
  });

  it('pass one at a time with --allow-env NAME', async () => {
    const r = await runCli(['run', '--allow-env', 'GITHUB_TOKEN', '--', 'env'], world, { env: SHELL_SECRETS });
    expect(r.stdout).toContain(`GITHUB_TOKEN=${SHELL_SECRETS.GITHUB_TOKEN}\n`);
    expect(r.stdout).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(r.stderr).toBe('nono: withheld from the sandbox (look like secrets): AWS_SECRET_ACCESS_KEY; pass one with --allow-env NAME\n');
  });

  it('pass when the profile names them in environment.allow_vars', async () => {
    const profiles = join(world.root, 'config', 'nono', 'profiles');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'with-token.json'), JSON.stringify({ extends: 'default', environment: { allow_vars: ['PATH', 'HOME', 'GITHUB_TOKEN'] } }));
    const r = await runCli(['run', '-p', 'with-token', '--', 'env'], world, { env: SHELL_SECRETS });
    expect(r.stdout).toContain(`GITHUB_TOKEN=${SHELL_SECRETS.GITHUB_TOKEN}\n`);
    expect(r.stdout).not.toMatch(/AWS_SECRET_ACCESS_KEY|PLAIN_SETTING/);
  });

  it('are listed as withheld by the plan (--dry-run, --json), names only', async () => {
    const json = await runCli(['run', '--dry-run', '--json', '--', 'true'], world, { env: SHELL_SECRETS });
    const plan = JSON.parse(json.stdout);
    expect(plan.env.withheld).toEqual(['AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN']);
    expect(plan.env.passed).toContain('PLAIN_SETTING');
    expect(plan.env.passed).not.toContain('GITHUB_TOKEN');
    const human = await runCli(['run', '--dry-run', '--', 'true'], world, { env: SHELL_SECRETS });
    expect(human.stdout).toMatch(/withheld \(look like secrets\): AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN/);
    for (const out of [json.stdout, human.stdout, json.stderr, human.stderr]) {
      expect(out).not.toContain(SHELL_SECRETS.GITHUB_TOKEN);
      expect(out).not.toContain(SHELL_SECRETS.AWS_SECRET_ACCESS_KEY);
    }
  });

  it('work the same under `nono shell --allow-env`', async () => {
    const r = await runCli(['shell', '--allow-env', 'GITHUB_TOKEN'], world, { env: { ...SHELL_SECRETS, SHELL: '/bin/sh' }, input: 'echo "gh=$GITHUB_TOKEN aws=$AWS_SECRET_ACCESS_KEY"\n' });
    expect(r.stdout).toBe(`gh=${SHELL_SECRETS.GITHUB_TOKEN} aws=\n`);
  });

  it('--allow-env is one contract: the session.run descriptor, rpc.discover and the flags of run and shell', async () => {
    const descriptor = JSON.parse(JSON.stringify(METHODS['session.run'].params)).properties.allowEnv;
    expect(descriptor).toMatchObject({ type: 'array', items: { type: 'string' } });
    const client = await connect({ env: world.env, autoStart: false, clientName: 'secret-environment.test' });
    const doc = (await client.call('rpc.discover', {})) as OpenRpcDocument;
    client.close();
    expect(doc.methods.find((m) => m.name === 'session.run')!.params.find((p) => p.name === 'allowEnv')?.schema).toEqual(descriptor);
    for (const command of ['run', 'shell']) {
      const help = await runCli([command, '--help'], world);
      expect(help.stdout, command).toMatch(/--allow-env <name>/);
    }
  });
});

describe('credential keys from the shell', () => {
  it('ANTHROPIC_API_KEY under -p claude-code: the sandbox gets a phantom, the upstream the real key from the client', async () => {
    const before = seen.length;
    const script = 'echo "key=$ANTHROPIC_API_KEY"; curl -sS --max-time 10 -H "x-api-key: $ANTHROPIC_API_KEY" "$ANTHROPIC_BASE_URL/v1/messages"';
    const r = await runCli(['run', '-p', 'claude-code', '--', 'sh', '-c', script], world, { env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY }, timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/^key=nono-phantom-[0-9a-f]{48}$/m);
    expect(r.stdout).toContain('{"ok":true}');
    expect(seen.slice(before)).toEqual([expect.objectContaining({ key: ANTHROPIC_KEY, path: '/v1/messages' })]);
    expect(r.stdout + r.stderr).not.toContain(ANTHROPIC_KEY);
    expect(r.stderr).toContain('nono: withheld from the sandbox (look like secrets): ANTHROPIC_API_KEY (served to the anthropic route; the sandbox gets a phantom)\n');
  });

  it('without the key in the shell, -p claude-code sets up no route and asks for none', async () => {
    const r = await runCli(['run', '-p', 'claude-code', '--dry-run', '--json', '--', 'true'], world);
    expect(JSON.parse(r.stdout).hosts.credentials).toEqual([]);
  });

  it('--credential NAME=env://VAR reads VAR from the client, and VAR never enters the sandbox', async () => {
    const before = seen.length;
    const script = 'echo "var=${MY_OPENAI:-absent}"; curl -sS --max-time 10 -H "Authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/models"';
    const r = await runCli(['run', '--credential', 'openai=env://MY_OPENAI', '--allow-env', 'MY_OPENAI', '--', 'sh', '-c', script], world, {
      env: { MY_OPENAI: OPENAI_KEY },
      timeoutMs: 60_000,
    });
    expect(r.stdout).toMatch(/^var=absent$/m);
    expect(r.stdout).toContain('{"ok":true}');
    expect(seen.slice(before)).toEqual([expect.objectContaining({ auth: `Bearer ${OPENAI_KEY}`, path: '/v1/models' })]);
    expect(r.stdout + r.stderr).not.toContain(OPENAI_KEY);
  });

  it('says where to export an env:// variable the client lacks, and runs nothing', async () => {
    const r = await runCli(['run', '--credential', 'openai=env://NOT_EXPORTED', '--', 'touch', join(world.work, 'ran')], world);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/credential openai: env:\/\/NOT_EXPORTED is empty or unset; export it in the shell you run nono from/);
    expect(existsSync(join(world.work, 'ran'))).toBe(false);
  });
});
