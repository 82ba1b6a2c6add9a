// Real agent CLIs (pinned, from scripts/install-test-agents.sh) under their built-in profiles on
// a home that never ran them: each does a scripted task against a stand-in model API, its key a
// phantom swapped for the real one by nono's credential proxy, its state created on the first
// run and reused on the second, and the user's SSH key out of its reach. Codex runs with
// --dangerously-bypass-approvals-and-sandbox: its own sandbox (bubblewrap) cannot make
// namespaces inside nono's, so the sandboxing is nono's alone, as it would be for a user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld, type TestWorld } from '../support/sandbox-env.js';
import { startDaemon, type RunningDaemon } from '../support/daemon-process.js';
import { runCli, runCommand } from '../support/run-cli.js';
import { makeTestCa } from '../support/test-ca.mjs';
import { startStandIn } from '../support/stand-in-apis/stand-in-server.mjs';
import { FINAL_ANSWER, NOTES } from '../support/stand-in-apis/task-script.mjs';
import { AGENTS, agentFixture, credentialRouteOptions } from '../support/real-agents.mjs';

const REAL_KEY = `sk-real-${'7'.repeat(40)}`;
const STAND_IN_HOST = '127.0.0.7';

const fixture = agentFixture();

describe.each(AGENTS)('$profile under -p $profile', (agent) => {
  let world: TestWorld;
  let daemon: RunningDaemon;
  let standIn: Awaited<ReturnType<typeof startStandIn>>;

  beforeAll(async () => {
    if (fixture instanceof Error) throw fixture;
    world = createWorld();
    const tls = makeTestCa(join(world.root, 'certs'), [`IP:${STAND_IN_HOST}`]);
    standIn = await startStandIn({ host: STAND_IN_HOST, key: tls.key, cert: tls.cert });
    standIn.workdir = world.work;
    daemon = await startDaemon(world, { env: { [agent.keyVariable]: REAL_KEY }, daemon: credentialRouteOptions(agent.credential, standIn.url, tls.ca) });
    execFileSync('git', ['init', '-q'], { cwd: world.work });
    agent.prepare(world.work);
  }, 60_000);
  afterAll(async () => {
    await daemon?.stop();
    await standIn?.close();
    world?.cleanup();
  });

  const runAgent = () => {
    if (fixture instanceof Error) throw fixture;
    return runCli(['run', '-p', agent.profile, '--credential', agent.credential, '--read', fixture.dir, '--', ...agent.argv()], world, {
      env: { ...agent.env(), PATH: `${fixture.bin}:${world.env.PATH}` },
      timeoutMs: 90_000,
    });
  };

  it('does the scripted task on a fresh home, with the real key reaching only the API', async () => {
    for (const path of agent.state(world.env)) expect(existsSync(path), `${path} before the first run`).toBe(false);
    const r = await runAgent();
    expect(r.code, `stderr: ${r.stderr.slice(-1500)}\nstdout: ${r.stdout.slice(-1500)}`).toBe(0);
    expect(r.stdout).toContain(FINAL_ANSWER);
    expect(readFileSync(join(world.work, 'notes.txt'), 'utf8')).toBe(NOTES);
    expect(readFileSync(join(world.work, 'uname.txt'), 'utf8')).toBe('Linux\n');
    expect(execFileSync('git', ['log', '--format=%s'], { cwd: world.work, encoding: 'utf8' })).toBe('agent commit\n');
    // The shell tool tried the SSH key and was refused; nothing of it reached the workdir.
    const attempt = readFileSync(join(world.work, 'ssh-attempt.txt'), 'utf8');
    expect(attempt).toMatch(/No such file or directory|Permission denied/);
    expect(attempt).not.toContain('PRIVATE KEY');
    const keys = standIn.requests.filter((q) => q.method === 'POST').map((q) => JSON.stringify(q.headers));
    expect(keys.length).toBeGreaterThan(4);
    for (const headers of keys) {
      expect(headers).toContain(REAL_KEY);
      expect(headers).not.toMatch(/nono-phantom-/);
    }
    // The agent kept its state where the profile said, in paths it could not have created.
    const kept = agent.state(world.env).map((path) => (statSync(path).isDirectory() ? readdirSync(path).length : statSync(path).size));
    expect(Math.max(...kept), 'entries or bytes the agent left in its state paths').toBeGreaterThan(2);
    for (const path of agent.state(world.env)) {
      const mode = statSync(path).mode;
      expect((mode & 0o777).toString(8), path).toBe(statSync(path).isDirectory() ? '700' : '600');
    }
  }, 120_000);

  it('adds nothing of nono\'s to what the agent prints on stderr, compared with an unsandboxed run', async () => {
    if (fixture instanceof Error) throw fixture;
    // The same task unsandboxed: own home, own workdir, a plain stand-in the agent is pointed at directly.
    const direct = await startStandIn({ host: STAND_IN_HOST });
    try {
      const work = join(world.root, 'direct-work');
      const home = join(world.root, 'direct-home');
      mkdirSync(work, { recursive: true });
      mkdirSync(home, { recursive: true });
      execFileSync('git', ['init', '-q'], { cwd: work });
      agent.prepare(work);
      direct.workdir = work;
      const [command, ...args] = agent.argv();
      const plain = await runCommand([command!, ...args], world, {
        cwd: work,
        env: { ...agent.env(), ...agent.baseUrl(direct.url), HOME: home, [agent.keyVariable]: REAL_KEY, PATH: `${fixture.bin}:${world.env.PATH}` },
        timeoutMs: 90_000,
      });
      expect(plain.code, plain.stderr.slice(-1500)).toBe(0);
      const sandboxed = await runAgent();
      expect(sandboxed.code).toBe(0);
      const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);
      const expected = new Set(lines(plain.stderr));
      // nono's own report comes after the agent has exited (its footer: hosts the agent tried
      // that the profile does not allow); everything before it is the agent's.
      const all = lines(sandboxed.stderr);
      const footer = all.findIndex((line) => line.startsWith('nono: '));
      const agentsOwn = footer < 0 ? all : all.slice(0, footer);
      // Known difference, not nono's output: Codex tries a WebSocket seven times in both runs and
      // falls back to HTTPS in both, but logs the attempts at ERROR only when the 404 comes back
      // through the proxy. Its timestamps make the lines unique anyway; they are named here so
      // nothing else can hide behind them.
      const codexWebSocket = /^\S+Z ERROR codex_api::endpoint::responses_websocket: failed to connect to Responses WebSocket/;
      // Gemini CLI times its own start-up phases and, when a phase's end mark is missed (seen on
      // a loaded machine in a full test run), says so: its own timing, not nono's output.
      const geminiStartupMetrics = /^\[STARTUP\] (Phase '\w+' was started but never ended|Cannot measure phase '\w+')/;
      expect(agentsOwn.filter((line) => !expected.has(line) && !codexWebSocket.test(line) && !geminiStartupMetrics.test(line))).toEqual([]);
    } finally {
      await direct.close();
    }
  }, 200_000);

  it('reuses on the second run the state the first one left', async () => {
    const marker = join(agent.state(world.env)[0]!, 'left-by-the-test');
    execFileSync('touch', [marker]);
    const r = await runAgent();
    expect(r.code, `stderr: ${r.stderr.slice(-1500)}\nstdout: ${r.stdout.slice(-1500)}`).toBe(0);
    expect(r.stdout).toContain(FINAL_ANSWER);
    expect(existsSync(marker)).toBe(true);
  }, 120_000);
});
