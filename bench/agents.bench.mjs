// Each real agent CLI's scripted task (test/support/stand-in-apis) under `nono run -p <agent>`
// against the same agent run unsandboxed, in one run, alternating sides so drift on the machine
// lands on both. Warm runs: each side's home keeps the state of a first, untimed run; each run
// gets a fresh git workdir. Unsandboxed, the agent talks plain HTTP to the stand-in itself;
// under nono it talks to the session's proxy, which swaps the phantom key and speaks TLS.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { nonoArgv } from './support/nono-cli.mjs';
import { createWorld, startDaemon } from './support/private-world.mjs';
import { spawnAsync } from './support/processes.mjs';
import { summarize } from './support/stats.mjs';
import { makeTestCa } from '../test/support/test-ca.mjs';
import { startStandIn } from '../test/support/stand-in-apis/stand-in-server.mjs';
import { FINAL_ANSWER } from '../test/support/stand-in-apis/task-script.mjs';
import { AGENTS, agentFixture, credentialRouteOptions } from '../test/support/real-agents.mjs';

const TARGET_RATIO = 1.2;
const REAL_KEY = 'sk-bench-real-key';

function skipped(reason) {
  return AGENTS.map((agent) => ({ name: `${agent.profile} scripted task`, status: 'skip', reason, target: `ratio ≤ ${TARGET_RATIO}` }));
}

async function timedRun(argv, env, cwd) {
  const t0 = performance.now();
  const result = await spawnAsync(argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  if (result.status !== 0 || !result.stdout.includes(FINAL_ANSWER)) {
    throw new Error(`${argv.slice(0, 4).join(' ')} failed (exit ${result.status}): ${(result.stderr || result.stdout).trim().split('\n').slice(-2).join(' | ')}`);
  }
  return ms;
}

export default async function agents({ repo, scale, progress }) {
  const fixture = agentFixture();
  if (fixture instanceof Error) return skipped(fixture.message);
  const runs = Math.max(2, Math.round(4 * scale));
  const rows = [];
  for (const agent of AGENTS) {
    const world = createWorld(`nono-bench-${agent.profile}-`);
    let daemon;
    const standIns = [];
    try {
      const tls = makeTestCa(world.tmp, ['IP:127.0.0.1']);
      const viaNono = await startStandIn({ host: '127.0.0.1', key: tls.key, cert: tls.cert });
      const direct = await startStandIn({ host: '127.0.0.1' });
      standIns.push(viaNono, direct);
      Object.assign(world.env, { [agent.keyVariable]: REAL_KEY });
      daemon = startDaemon(repo, world, credentialRouteOptions(agent.credential, viaNono.url, tls.ca));
      const path = `${fixture.bin}:${world.env.PATH}`;
      const sides = {
        nono: {
          standIn: viaNono,
          home: world.home,
          argv: nonoArgv(repo, ['run', '-p', agent.profile, '--credential', agent.credential, '--read', fixture.dir, '--', ...agent.argv()]),
          env: (home) => ({ ...world.env, HOME: home, ...agent.env(), PATH: path }),
        },
        direct: {
          standIn: direct,
          home: join(world.root, 'direct-home'),
          argv: agent.argv(),
          env: (home) => ({ ...world.env, HOME: home, ...agent.env(), PATH: path, ...agent.baseUrl(direct.url) }),
        },
      };
      mkdirSync(sides.direct.home, { recursive: true });
      const samples = { nono: [], direct: [] };
      let n = 0;
      const once = async (name, keep) => {
        const side = sides[name];
        const work = join(world.root, `work-${name}-${n++}`);
        mkdirSync(work, { recursive: true });
        execFileSync('git', ['init', '-q'], { cwd: work });
        agent.prepare(work);
        side.standIn.workdir = work;
        const ms = await timedRun(side.argv, side.env(side.home), work);
        if (keep) samples[name].push(ms);
      };
      progress(`agents: ${agent.profile} first runs`);
      await once('nono', false);
      await once('direct', false);
      for (let i = 0; i < runs; i++) {
        progress(`agents: ${agent.profile} ${i + 1}/${runs}`);
        for (const name of i % 2 === 0 ? ['nono', 'direct'] : ['direct', 'nono']) await once(name, true);
      }
      const measured = summarize(samples.nono);
      const baseline = summarize(samples.direct);
      const ratio = measured.medianMs / baseline.medianMs;
      rows.push({
        name: `${agent.profile} scripted task`,
        measured,
        baseline,
        baselineLabel: 'unsandboxed',
        deltaMs: measured.medianMs - baseline.medianMs,
        ratio,
        target: `ratio ≤ ${TARGET_RATIO}`,
        status: ratio <= TARGET_RATIO ? 'pass' : 'fail',
        note: 'write, shell, git commit, read, answer: 5 tool turns and 6 model requests, warm home',
      });
    } catch (error) {
      rows.push({ name: `${agent.profile} scripted task`, status: 'error', reason: error.message, target: `ratio ≤ ${TARGET_RATIO}` });
    } finally {
      for (const standIn of standIns) await standIn.close();
      daemon?.stop();
      world.cleanup();
    }
  }
  return rows;
}
