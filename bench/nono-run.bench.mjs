// `nono run -- true` end to end against an already running private daemon (the launcher, its
// warm client's connect and auth, policy compile, spec hand-off, helper spawn, exit status back),
// measured against bare `node -e 0`, the start every Node program pays. Runs follow each other
// at once, so each warm client's replacement starts while the next runs.
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { nonoArgv } from './support/nono-cli.mjs';
import { createWorld, startDaemon } from './support/private-world.mjs';
import { timeInterleaved } from './support/interleaved-runs.mjs';

const TARGET_RATIO = 1.3;

export default async function nonoRun({ repo, scale, progress }) {
  const world = createWorld('nono-bench-run-');
  let daemon;
  try {
    daemon = startDaemon(repo, world);
    const nono = nonoArgv(repo, ['run', '--', 'true']);
    const check = spawnSync(nono[0], nono.slice(1), { cwd: world.work, env: world.env, encoding: 'utf8', timeout: 30_000 });
    if (check.status !== 0) throw new Error(`nono run -- true exited ${check.status}: ${check.stderr.trim()}`);

    const abi = daemon.status.sandbox?.landlock?.abi ?? '?';
    const shown = nono.map((arg) => (arg.startsWith(repo) ? relative(repo, arg) : arg)).join(' ');
    const row = (name, timing, how) => {
      const ratio = timing.measured.medianMs / timing.baseline.medianMs;
      return {
        name,
        measured: timing.measured,
        baseline: timing.baseline,
        baselineLabel: 'node -e 0',
        deltaMs: timing.measured.medianMs - timing.baseline.medianMs,
        ratio,
        target: `ratio ≤ ${TARGET_RATIO}`,
        status: ratio <= TARGET_RATIO ? 'pass' : 'fail',
        note: `${shown} ${how}, default profile, landlock ABI ${abi}`,
      };
    };
    const time = (label, prepare) =>
      timeInterleaved({
        measured: { argv: nono },
        baseline: { argv: [process.execPath, '-e', '0'] },
        blocks: Math.max(2, Math.round(20 * scale)),
        runsPerBlock: 5,
        warmup: 1,
        env: world.env,
        cwd: world.work,
        prepare,
        onBlock: (done, total) => progress(`nono run (${label}): block ${done}/${total}`),
      });
    // Back to back, each warm client's replacement starts while the next command runs; a person
    // or a tool that waits on the output starts the next one later, when a warm client is ready.
    const backToBack = await time('back to back');
    const spaced = await time('0.2 s apart', ['sleep', '0.2']);
    return [
      row('nono run -- true (daemon up)', backToBack, '5 at a time back to back'),
      row('nono run -- true (daemon up, 0.2 s apart)', spaced, 'each after 0.2 s idle (untimed, baseline too)'),
    ];
  } finally {
    daemon?.stop();
    world.cleanup();
  }
}
