// What `nono learn` costs: a file-heavy command learned (strace -f, then parse, classify and
// collapse) against the same command run plain, and how fast a recorded trace is read, the
// part of learn that is ours to make fast (strace's own slowdown is the kernel's and ptrace's).
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWorld } from './support/private-world.mjs';
import { timeInterleaved } from './support/interleaved-runs.mjs';
import { summarize } from './support/stats.mjs';

const WORKLOAD = 'find /usr -type f | head -100000 > /dev/null';
const TARGET_LINES_PER_SECOND = 200_000;
const OVERHEAD = `learn: ${WORKLOAD}`;
const THROUGHPUT = 'learn: trace parse throughput';

function skipped(reason) {
  return [
    { name: OVERHEAD, status: 'skip', reason, target: 'report' },
    { name: THROUGHPUT, status: 'skip', reason, target: `≥ ${TARGET_LINES_PER_SECOND.toLocaleString('en')} lines/s` },
  ];
}

export default async function learnBench({ repo, scale, progress }) {
  const strace = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  if (strace.error || strace.status !== 0) return skipped('strace is not installed (apt-get install strace)');
  const modulePath = join(repo, 'learn/dist/index.js');
  const { analyzeTraceFile, traceCommand } = await import(pathToFileURL(modulePath).href);
  const world = createWorld('nono-bench-learn-');
  try {
    // The learned side as one process, like `nono learn` would be: node start-up included.
    const script = `
      import { learn } from ${JSON.stringify(modulePath)};
      const r = await learn(['sh', '-c', ${JSON.stringify(WORKLOAD)}], { cwd: process.cwd(), env: { PATH: process.env.PATH, HOME: process.env.HOME }, noRdns: true });
      console.log(JSON.stringify(r.counts));
      if (r.counts.system === 0 || r.exitCode !== 0) process.exit(3);`;
    const learned = [process.execPath, '--input-type=module', '-e', script];
    progress('learn: checking that the trace sees the workload');
    const check = spawnSync(learned[0], learned.slice(1), { cwd: world.work, env: world.env, encoding: 'utf8', timeout: 120_000 });
    if (check.status !== 0) throw new Error(`learn of the workload failed (exit ${check.status}): ${(check.stderr || check.stdout).trim().split('\n').slice(-2).join(' | ')}`);
    const counts = JSON.parse(check.stdout);

    const timing = await timeInterleaved({
      measured: { argv: learned },
      baseline: { argv: ['sh', '-c', WORKLOAD] },
      blocks: Math.max(1, Math.round(2 * scale)),
      runsPerBlock: 2,
      warmup: 0,
      env: world.env,
      cwd: world.work,
      onBlock: (done, total) => progress(`learn: block ${done}/${total}`),
    });

    progress('learn: recording a trace to parse');
    const run = await traceCommand(['sh', '-c', WORKLOAD], { cwd: world.work, env: world.env });
    let rates;
    let lines;
    try {
      await analyzeTraceFile(run.traceFile, world.work);
      rates = [];
      for (let i = 0; i < Math.max(3, Math.round(10 * scale)); i++) {
        const t0 = performance.now();
        const analysis = await analyzeTraceFile(run.traceFile, world.work);
        rates.push(analysis.lines / ((performance.now() - t0) / 1000));
        lines = analysis.lines;
      }
      lines = `${lines.toLocaleString('en')} lines, ${(statSync(run.traceFile).size / 1048576).toFixed(1)} MB`;
    } finally {
      run.discard();
    }
    const throughput = summarize(rates);
    const ratio = timing.measured.medianMs / timing.baseline.medianMs;
    return [
      {
        name: OVERHEAD,
        measured: timing.measured,
        baseline: timing.baseline,
        baselineLabel: 'the same command, plain',
        deltaMs: timing.measured.medianMs - timing.baseline.medianMs,
        ratio,
        target: 'report',
        status: 'pass',
        note: `node + learn() end to end, strace -f --seccomp-bpf -yy; ${counts.lines.toLocaleString('en')} trace lines, ${counts.system.toLocaleString('en')} system paths counted`,
      },
      {
        name: THROUGHPUT,
        measured: throughput,
        unit: 'lines/s',
        target: `≥ ${TARGET_LINES_PER_SECOND.toLocaleString('en')} lines/s`,
        status: throughput.medianMs >= TARGET_LINES_PER_SECOND ? 'pass' : 'fail',
        note: `analyzeTraceFile on a recorded trace of the same command (${lines}), ${rates.length} reads after one warm-up; p90 is the faster end`,
      },
    ];
  } finally {
    world.cleanup();
  }
}
