// What nono-helper itself costs per command: parse a 50-rule spec from fd 3, no_new_privs,
// Landlock, seccomp, close fds, exec. Both sides go through the same `bash -c 'exec 3<spec;
// exec …'` so bash's start-up and the fd set-up cancel out and only the helper is left.
// A second row prices the private filesystem view (`view 1`: namespaces, binds, pivot, init)
// against the same spec without it.
import { lstatSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createWorld } from './support/private-world.mjs';
import { commandLine, timeInterleaved } from './support/interleaved-runs.mjs';

const RULES = 50;
const TARGET_EXTRA_MS = 1;
const TARGET_VIEW_EXTRA_MS = 2;

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

/** With a view the root symlinks of a merged-/usr system are records, as the daemon sends them. */
function viewRecords() {
  const records = ['view 1'];
  for (const path of ['/bin', '/sbin', '/lib', '/lib64']) {
    try {
      if (lstatSync(path).isSymbolicLink()) records.push(`symlink ${path}`, `symlink-target ${readlinkSync(path)}`);
    } catch {
      // not on this system
    }
  }
  return records;
}

function specBytes(paths, extra = []) {
  const records = ['nono-spec 1', 'net allow', 'scope signal', 'scope abstract-unix', ...extra];
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
    const viewSpecPath = join(world.root, 'bench-view.spec');
    writeFileSync(viewSpecPath, specBytes(paths, viewRecords()), { mode: 0o600 });

    // The numbers only mean something if the helper really confines: it must run true and
    // must refuse a directory the spec does not grant.
    const run = (argv) => spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
    for (const spec of [specPath, viewSpecPath]) {
      const ok = run(viaSpecFd(spec, [helper, '--spec-fd', '3', '--', '/usr/bin/true']));
      if (ok.status !== 0) throw new Error(`nono-helper did not run /usr/bin/true with ${spec} (exit ${ok.status}): ${ok.stderr.trim()}`);
      const denied = run(viaSpecFd(spec, [helper, '--spec-fd', '3', '--', '/usr/bin/ls', world.root]));
      if (denied.status === 0) throw new Error(`nono-helper let ls read ${world.root}, which ${spec} does not grant: the sandbox is not applied`);
    }

    const helperArgv = (spec) => viaSpecFd(spec, [helper, '--spec-fd', '3', '--', '/usr/bin/true']);
    const time = (label, measuredArgv, baselineArgv) =>
      timeInterleaved({
        measured: { argv: measuredArgv },
        baseline: { argv: baselineArgv },
        blocks: Math.max(2, Math.round(20 * scale)),
        runsPerBlock: 50,
        warmup: 5,
        cwd: world.root,
        onBlock: (done, total) => progress(`${label}: block ${done}/${total}`),
      });
    const timing = await time('helper overhead', helperArgv(specPath), viaSpecFd(specPath, ['/usr/bin/true']));
    const viewTiming = await time('view overhead', helperArgv(viewSpecPath), helperArgv(specPath));
    const row = (name, { measured, baseline }, baselineLabel, targetMs, note) => {
      const deltaMs = measured.medianMs - baseline.medianMs;
      return {
        name,
        measured,
        baseline,
        baselineLabel,
        deltaMs,
        ratio: measured.medianMs / baseline.medianMs,
        target: `Δ ≤ +${targetMs} ms`,
        status: deltaMs <= targetMs ? 'pass' : 'fail',
        note: `${note}; p90 Δ ${(measured.p90Ms - baseline.p90Ms).toFixed(2)} ms`,
      };
    };
    return [
      row('helper overhead (50-rule spec, true)', timing, "bash -c 'exec 3<spec; exec true'", TARGET_EXTRA_MS, `${paths.length} fs rules`),
      row(
        'view overhead (view 1, same 50-rule spec, true)',
        viewTiming,
        'the same helper run without view 1',
        TARGET_VIEW_EXTRA_MS,
        'user, mount and pid namespaces, skeleton with a private /dev, pivot, init + command process; ' +
          `of the ${paths.length} grants only /usr and /etc need mounts of their own (the rest lie inside them, equally read-only)`,
      ),
    ];
  } finally {
    world.cleanup();
  }
}
