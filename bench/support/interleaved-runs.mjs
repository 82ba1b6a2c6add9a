// Times a subject and its baseline in the same run with hyperfine, in alternating blocks
// (A B, B A, A B, …) so drift on the machine (thermal, other jobs, page cache) lands on both
// sides alike. hyperfine runs each command without a shell (-N) and we keep every sample.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize } from './stats.mjs';

/** Quotes one argv word for hyperfine's -N word splitting (POSIX shell-words rules). */
function quoteWord(word) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv) {
  return argv.map(quoteWord).join(' ');
}

function runHyperfine(args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn('hyperfine', args, { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`hyperfine exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** hyperfine only says "non-zero exit code"; rerun each side once to say which and why. */
function explainFailure(sides, env, cwd) {
  for (const [side, { argv }] of Object.entries(sides)) {
    const result = spawnSync(argv[0], argv.slice(1), { env: env ?? process.env, cwd, encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) {
      const output = (result.stderr || result.stdout || '').trim().split('\n').filter(Boolean).slice(0, 2).join(' | ');
      return `the ${side} command failed mid-bench (exit ${result.status ?? result.signal}): ${commandLine(argv)}: ${output || '(no output)'}`;
    }
  }
  return undefined;
}

/**
 * measured, baseline: { argv: string[] }. Returns { measured, baseline } summaries in ms plus
 * the raw samples. blocks × runsPerBlock timed runs per side, warmup untimed runs per block;
 * `prepare` (argv) runs untimed before every run of either side.
 */
export async function timeInterleaved({ measured, baseline, blocks, runsPerBlock, warmup, env, cwd, onBlock, prepare }) {
  const scratch = mkdtempSync(join(tmpdir(), 'nono-bench-hf-'));
  const samples = { measured: [], baseline: [] };
  const lines = { measured: commandLine(measured.argv), baseline: commandLine(baseline.argv) };
  try {
    for (let block = 0; block < blocks; block++) {
      const order = block % 2 === 0 ? ['measured', 'baseline'] : ['baseline', 'measured'];
      const file = join(scratch, `block-${block}.json`);
      try {
        await runHyperfine(
          [
            '-N', '--style', 'none', '--warmup', String(warmup), '--runs', String(runsPerBlock), '--export-json', file,
            ...(prepare ? order.flatMap(() => ['--prepare', commandLine(prepare)]) : []),
            ...order.map((side) => lines[side]),
          ],
          { env: env ?? process.env, cwd },
        );
      } catch (error) {
        throw new Error(`${explainFailure({ measured, baseline }, env, cwd) ?? error.message} (block ${block + 1} of ${blocks})`);
      }
      const { results } = JSON.parse(readFileSync(file, 'utf8'));
      results.forEach((result, i) => samples[order[i]].push(...result.times.map((s) => s * 1000)));
      onBlock?.(block + 1, blocks);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return {
    measured: summarize(samples.measured),
    baseline: summarize(samples.baseline),
    samples,
    commands: lines,
  };
}
