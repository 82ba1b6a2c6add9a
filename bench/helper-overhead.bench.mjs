// What nono-helper itself costs per command: parse a 50-rule spec from fd 3, no_new_privs,
// Landlock, seccomp, close fds, exec. Both sides go through the same `bash -c 'exec 3<spec;
// exec …'` so bash's start-up and the fd set-up cancel out and only the helper is left.
import { lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createWorld } from './support/private-world.mjs';
import { commandLine, timeInterleaved } from './support/interleaved-runs.mjs';

const RULES = 50;
const TARGET_EXTRA_MS = 2;

function isRealDir(path) {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** 50 existing paths: what exec needs first, then real directories from system trees. */
function rulePaths() {
  const paths = ['/usr', '/lib', '/lib64', '/bin', '/etc'].filter((p) => {
    try {
      lstatSync(p);
      return true;
    } catch {
      return false;
    }
  });
  for (const tree of ['/usr/share', '/usr/lib', '/etc']) {
    for (const name of readdirSync(tree).sort()) {
      if (paths.length >= RULES) return paths;
      const path = join(tree, name);
      if (isRealDir(path)) paths.push(path);
    }
  }
  if (paths.length < RULES) throw new Error(`found only ${paths.length} directories for a ${RULES}-rule spec`);
  return paths;
}

function specBytes(paths) {
  const records = ['nono-spec 1', 'net allow', 'scope signal', 'scope abstract-unix'];
  for (const path of paths) records.push(`fs read_file,read_dir,execute ${path}`);
  records.push('end');
  return Buffer.from(records.map((r) => `${r}\0`).join(''));
}

function viaSpecFd(specPath, argv) {
  return ['bash', '-c', `exec 3<${commandLine([specPath])}; exec ${commandLine(argv)}`];
}

export default async function helperOverhead({ repo, scale, progress }) {
  const helper = join(repo, 'native-helper/build/nono-helper');
  const world = createWorld('nono-bench-helper-');
  try {
    const paths = rulePaths();
    const specPath = join(world.root, 'bench.spec');
    writeFileSync(specPath, specBytes(paths), { mode: 0o600 });

    // The numbers only mean something if the helper really confines: it must run true and
    // must refuse a directory the spec does not grant.
    const run = (argv) => spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
    const ok = run(viaSpecFd(specPath, [helper, '--spec-fd', '3', '--', '/usr/bin/true']));
    if (ok.status !== 0) throw new Error(`nono-helper did not run /usr/bin/true (exit ${ok.status}): ${ok.stderr.trim()}`);
    const denied = run(viaSpecFd(specPath, [helper, '--spec-fd', '3', '--', '/usr/bin/ls', world.root]));
    if (denied.status === 0) throw new Error(`nono-helper let ls read ${world.root}, which the spec does not grant: Landlock is not applied`);

    const timing = await timeInterleaved({
      measured: { argv: viaSpecFd(specPath, [helper, '--spec-fd', '3', '--', '/usr/bin/true']) },
      baseline: { argv: viaSpecFd(specPath, ['/usr/bin/true']) },
      blocks: Math.max(2, Math.round(20 * scale)),
      runsPerBlock: 50,
      warmup: 5,
      cwd: world.root,
      onBlock: (done, total) => progress(`helper overhead: block ${done}/${total}`),
    });
    const extra = timing.measured.medianMs - timing.baseline.medianMs;
    return [
      {
        name: 'helper overhead (50-rule spec, true)',
        measured: timing.measured,
        baseline: timing.baseline,
        baselineLabel: "bash -c 'exec 3<spec; exec true'",
        deltaMs: extra,
        ratio: timing.measured.medianMs / timing.baseline.medianMs,
        target: `Δ ≤ +${TARGET_EXTRA_MS} ms`,
        status: extra <= TARGET_EXTRA_MS ? 'pass' : 'fail',
        note: `${paths.length} fs rules; p90 Δ ${(timing.measured.p90Ms - timing.baseline.p90Ms).toFixed(2)} ms`,
      },
    ];
  } finally {
    world.cleanup();
  }
}
