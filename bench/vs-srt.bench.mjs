// nono against Anthropic's sandbox runtime (srt), both running `true` under the same intent:
// read system directories, write one work directory, no network. srt is installed for the
// bench only (bench/setup-srt.sh → bench/.srt/); when it cannot run here the row says why.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nonoArgv } from './support/nono-cli.mjs';
import { fileURLToPath } from 'node:url';
import { createWorld, startDaemon } from './support/private-world.mjs';
import { timeInterleaved } from './support/interleaved-runs.mjs';

const TARGET_RATIO = 0.3;
const NAME = 'nono run vs srt (true)';
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const SRT_DIR = join(BENCH_DIR, '.srt');
const SRT_PACKAGE = join(SRT_DIR, 'node_modules/@anthropic-ai/sandbox-runtime');

function skipped(reason) {
  return [{ name: NAME, status: 'skip', reason, target: `ratio ≤ ${TARGET_RATIO}` }];
}

function firstLines(text, n = 3) {
  return text.trim().split('\n').filter(Boolean).slice(0, n).join(' | ') || '(no output)';
}

function installedVersion() {
  try {
    return JSON.parse(readFileSync(join(SRT_PACKAGE, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Installs srt when missing (or when SRT_VERSION asks for another); returns its package.json or a reason. */
function ensureSrt(progress) {
  const installed = installedVersion();
  const wanted = process.env.SRT_VERSION;
  if (installed === undefined || (wanted !== undefined && wanted !== installed)) {
    progress('vs srt: installing srt into bench/.srt (bench/setup-srt.sh)');
    const setup = spawnSync('bash', [join(BENCH_DIR, 'setup-srt.sh')], { encoding: 'utf8', timeout: 180_000 });
    if (setup.status !== 0) return { reason: `bench/setup-srt.sh failed (exit ${setup.status}): ${firstLines(setup.stderr || setup.stdout)}` };
  }
  return { pkg: JSON.parse(readFileSync(join(SRT_PACKAGE, 'package.json'), 'utf8')) };
}

function missingTools() {
  return ['bwrap', 'socat', 'rg'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
}

export default async function versusSrt({ repo, scale, progress }) {
  const srt = ensureSrt(progress);
  if (srt.reason) return skipped(srt.reason);
  const missing = missingTools();
  if (missing.length > 0) return skipped(`srt needs ${missing.join(', ')} on Linux (apt: bubblewrap socat ripgrep), not found on PATH`);
  const srtCli = join(SRT_PACKAGE, srt.pkg.bin?.srt ?? 'dist/cli.js');

  const world = createWorld('nono-bench-srt-');
  let daemon;
  try {
    // srt reads everywhere unless told otherwise; deny / and re-allow what nono's default
    // profile reads (system trees), plus srt's own install (its seccomp helper runs from
    // there) and the work dir. Writes: the work dir only. Network: no domain allowed.
    const settings = {
      network: { allowedDomains: [], deniedDomains: [] },
      filesystem: {
        denyRead: ['/'],
        allowRead: ['/usr', '/etc', '/opt', SRT_DIR, world.work],
        allowWrite: [world.work],
        denyWrite: [],
      },
    };
    const settingsPath = join(world.root, 'srt-settings.json');
    writeFileSync(settingsPath, JSON.stringify(settings, null, 2));
    const srtArgv = [process.execPath, srtCli, '--settings', settingsPath, '--', 'true'];
    const nonoRun = nonoArgv(repo, ['run', '--net-block', '--allow', world.work, '--', 'true']);
    const run = (argv) => spawnSync(argv[0], argv.slice(1), { cwd: world.work, env: world.env, encoding: 'utf8', timeout: 60_000 });

    const srtCheck = run(srtArgv);
    if (srtCheck.status !== 0) {
      return skipped(`srt ${srt.pkg.version} cannot run here (exit ${srtCheck.status ?? srtCheck.signal}): ${firstLines(srtCheck.stderr || srtCheck.stdout)}`);
    }
    // srt must really confine, or we would be timing a plain exec.
    const srtDenied = run([process.execPath, srtCli, '--settings', settingsPath, '--', 'sh', '-c', `: > ${world.home}/escape`]);
    if (srtDenied.status === 0) return skipped(`srt ${srt.pkg.version} ran but did not confine writes (wrote to ${world.home}); not a fair baseline`);

    daemon = startDaemon(repo, world);
    const nonoCheck = run(nonoRun);
    if (nonoCheck.status !== 0) throw new Error(`nono run --net-block --allow WORK -- true exited ${nonoCheck.status}: ${nonoCheck.stderr.trim()}`);

    const timing = await timeInterleaved({
      measured: { argv: nonoRun },
      baseline: { argv: srtArgv },
      blocks: Math.max(2, Math.round(16 * scale)),
      runsPerBlock: 4,
      warmup: 1,
      env: world.env,
      cwd: world.work,
      onBlock: (done, total) => progress(`vs srt: block ${done}/${total}`),
    });
    const ratio = timing.measured.medianMs / timing.baseline.medianMs;
    return [
      {
        name: NAME,
        measured: timing.measured,
        baseline: timing.baseline,
        baselineLabel: `srt ${srt.pkg.version}`,
        deltaMs: timing.measured.medianMs - timing.baseline.medianMs,
        ratio,
        target: `ratio ≤ ${TARGET_RATIO}`,
        status: ratio <= TARGET_RATIO ? 'pass' : 'fail',
        note: `srt ${srt.pkg.version} (bwrap, denyRead / + allowRead system dirs, allowWrite work, no domains) vs nono run --net-block --allow WORK`,
      },
    ];
  } finally {
    daemon?.stop();
    world.cleanup();
  }
}
