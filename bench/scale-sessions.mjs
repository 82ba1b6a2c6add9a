// Many sessions on one daemon: 200 named detached `sleep 3600` sessions and 50 printing ones,
// started with `nono run -d` as a user would. Measures what `nono ps` costs with all of them
// (the session.list call it makes, through the client library, and the whole command), the
// daemon's resident memory, and then stops every session with `nono stop` and checks that no
// process the daemon started (helper, command, relay) is left. Not part of `npm run bench`:
// starting 250 sandboxes takes a minute or more on a 2-core machine.
//
//   node bench/scale-sessions.mjs [--idle N] [--printing N] [--json]
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { nonoArgv } from './support/nono-cli.mjs';
import { createWorld, startDaemon } from './support/private-world.mjs';
import { descendants, survivors } from './support/process-tree.mjs';
import { rssMb, spawnAsync } from './support/processes.mjs';
import { buildProblems } from './support/require-build.mjs';
import { quantile } from './support/stats.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const TARGET_PS_P99_MS = 100;
const TARGET_RSS_BASE_MB = 80;
const TARGET_RSS_PER_SESSION_MB = 1;
const LIST_CALLS = 200;
const PS_RUNS = 20;
// Client processes at once: enough to keep the daemon busy, few enough for 2 cores.
const CONCURRENCY = 6;

function parseArgs(argv) {
  const args = { idle: 200, printing: 50, json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') args.json = true;
    else if (argv[i] === '--idle') args.idle = Number(argv[++i]);
    else if (argv[i] === '--printing') args.printing = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; use --idle N, --printing N, --json`);
  }
  return args;
}

/** Runs `work` over `items`, CONCURRENCY at a time; returns the failures. */
async function pool(items, work) {
  const failures = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const item = items[next++];
        const failure = await work(item);
        if (failure) failures.push(failure);
      }
    }),
  );
  return failures;
}

async function timeCli(world, args) {
  const argv = nonoArgv(REPO, args);
  const t0 = performance.now();
  const r = await spawnAsync(argv, { cwd: world.work, env: world.env });
  if (r.status !== 0) throw new Error(`nono ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return performance.now() - t0;
}

const args = parseArgs(process.argv.slice(2));
const problems = buildProblems(REPO, { hyperfine: false });
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
const say = (line) => process.stderr.write(`scale: ${line}\n`);
const world = createWorld('nono-bench-scale-');
const daemon = startDaemon(REPO, world);
const pid = daemon.status.pid;
const rows = [];
let leftBehind = [];
try {
  const specs = [
    ...Array.from({ length: args.idle }, (_, i) => ({ name: `idle-${i}`, command: ['sleep', '3600'] })),
    ...Array.from({ length: args.printing }, (_, i) => ({ name: `tick-${i}`, command: ['sh', '-c', 'while :; do echo tick; sleep 0.1; done'] })),
  ];
  const sessions = specs.length;
  say(`starting ${sessions} sessions, ${CONCURRENCY} at a time`);
  const t0 = performance.now();
  const startFailures = await pool(specs, async ({ name, command }) => {
    const r = await spawnAsync(nonoArgv(REPO, ['run', '-d', '--name', name, '--', ...command]), { cwd: world.work, env: world.env });
    return r.status === 0 ? undefined : `${name}: ${r.stderr.trim()}`;
  });
  const startSeconds = (performance.now() - t0) / 1000;
  if (startFailures.length > 0) throw new Error(`${startFailures.length} sessions did not start; first: ${startFailures[0]}`);
  say(`started in ${startSeconds.toFixed(1)} s`);

  const { connect } = await import(pathToFileURL(join(REPO, 'client/dist/index.js')).href);
  const client = await connect({ env: world.env, autoStart: false });
  const listed = await client.call('session.list', {});
  const running = listed.sessions.filter((s) => s.state === 'running').length;
  if (running !== sessions) throw new Error(`session.list shows ${running} running sessions, not ${sessions}`);
  const samples = [];
  for (let i = 0; i < LIST_CALLS; i++) {
    const t = performance.now();
    await client.call('session.list', {});
    samples.push(performance.now() - t);
  }
  client.close();
  const psSamples = [];
  const idleSamples = [];
  for (let i = 0; i < PS_RUNS; i++) {
    psSamples.push(await timeCli(world, ['ps']));
    idleSamples.push(await timeCli(world, ['daemon', 'status']));
  }
  const rss = rssMb(pid);
  const rssTarget = TARGET_RSS_BASE_MB + TARGET_RSS_PER_SESSION_MB * sessions;
  const tree = descendants(pid);
  say(`daemon has ${tree.length} descendant processes`);

  const stopFailures = await pool(specs, async ({ name }) => {
    const r = await spawnAsync(nonoArgv(REPO, ['stop', '--timeout', '5', name]), { cwd: world.work, env: world.env });
    return r.status === 0 ? undefined : `${name}: ${r.stderr.trim()}`;
  });
  if (stopFailures.length > 0) throw new Error(`${stopFailures.length} sessions did not stop; first: ${stopFailures[0]}`);
  for (let waited = 0; waited < 5000; waited += 100) {
    leftBehind = [...survivors(tree), ...descendants(pid)];
    if (leftBehind.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const p99 = quantile(samples, 0.99);
  rows.push(
    { name: `session.list (what nono ps calls), ${sessions} sessions, ${LIST_CALLS} calls`, measured: `p50 ${quantile(samples, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`, target: `p99 ≤ ${TARGET_PS_P99_MS} ms`, status: p99 <= TARGET_PS_P99_MS ? 'PASS' : 'FAIL' },
    { name: `nono ps end to end, ${PS_RUNS} runs`, measured: `p50 ${quantile(psSamples, 0.5).toFixed(0)} ms, p99 ${quantile(psSamples, 0.99).toFixed(0)} ms`, target: `report (nono daemon status: p50 ${quantile(idleSamples, 0.5).toFixed(0)} ms)`, status: 'REPORT' },
    { name: `nonod RSS with ${sessions} sessions`, measured: `${rss.toFixed(0)} MB`, target: `≤ ${rssTarget} MB`, status: rss <= rssTarget ? 'PASS' : 'FAIL' },
    { name: `start ${sessions} sessions with nono run -d, ${CONCURRENCY} at a time`, measured: `${startSeconds.toFixed(1)} s`, target: 'report', status: 'REPORT' },
    { name: `processes left after nono stop of all (of ${tree.length})`, measured: `${leftBehind.length}`, target: '0', status: leftBehind.length === 0 ? 'PASS' : 'FAIL' },
  );
} finally {
  daemon.stop();
  world.cleanup();
}

if (args.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
else {
  process.stdout.write('| measure | measured | target | status |\n| --- | --- | --- | --- |\n');
  for (const row of rows) process.stdout.write(`| ${row.name} | ${row.measured} | ${row.target} | ${row.status} |\n`);
  if (leftBehind.length > 0) process.stdout.write(`left behind: ${leftBehind.map((p) => `${p.pid} ${p.comm}`).join(', ')}\n`);
}
if (rows.some((row) => row.status === 'FAIL')) process.exitCode = 1;
