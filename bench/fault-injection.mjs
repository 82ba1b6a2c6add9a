// The fault-injection suite (test/faults/) with more kill points than CI runs and a seed of
// your choosing, then one summary: per operation, how many points left each valid state, and
// every failing point with its seed, point and what was wrong, so it can be replayed with
// `NONO_FAULT_SEED=S npx vitest run test/faults/FILE -t 'point P:'` (the same points come
// back for the same seed and count). Not part of `npm run bench`: 25 points per operation take
// several minutes.
//
//   node bench/fault-injection.mjs [--seed N] [--points N] [--only NAME]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProblems } from './support/require-build.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CRASH_FILES = ['snapshot-create', 'restore', 'session-start', 'audit-append'];

function parseArgs(argv) {
  const args = { seed: Math.floor(Math.random() * 2 ** 31), points: 25, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--seed') args.seed = Number(value);
    else if (argv[i] === '--points') args.points = Number(value);
    else if (argv[i] === '--only') args.only = value;
    else throw new Error(`unknown argument ${argv[i]}; use --seed N, --points N, --only NAME`);
    i++;
  }
  if (!Number.isInteger(args.seed) || !Number.isInteger(args.points) || args.points < 1) throw new Error('--seed and --points take whole numbers (points ≥ 1)');
  return args;
}

function runVitest(files, env, jsonFile) {
  return new Promise((resolve) => {
    const argv = ['vitest', 'run', ...files.map((f) => `test/faults/${f}.test.ts`), '--reporter=dot', '--reporter=json', `--outputFile.json=${jsonFile}`, '--testTimeout=120000'];
    const child = spawn('npx', argv, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', resolve);
  });
}

function readLines(file) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  } catch {
    return [];
  }
}

const args = parseArgs(process.argv.slice(2));
const problems = buildProblems(REPO, { hyperfine: false });
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
const files = CRASH_FILES.filter((f) => args.only === undefined || f.includes(args.only));
const scratch = mkdtempSync(join(tmpdir(), 'nono-faults-'));
const reportFile = join(scratch, 'outcomes.jsonl');
const jsonFile = join(scratch, 'vitest.json');
process.stderr.write(`fault injection: seed ${args.seed}, ${args.points} points per operation, ${files.join(', ')}\n`);
const started = performance.now();
await runVitest(files, { NONO_FAULT_SEED: String(args.seed), NONO_FAULT_POINTS: String(args.points), NONO_FAULT_REPORT: reportFile }, jsonFile);
const seconds = (performance.now() - started) / 1000;

const outcomes = readLines(reportFile);
let results = { testResults: [] };
try {
  results = JSON.parse(readFileSync(jsonFile, 'utf8'));
} catch {
  process.stderr.write('fault injection: vitest wrote no JSON report (see its output above)\n');
}
rmSync(scratch, { recursive: true, force: true });

const byOperation = new Map();
for (const o of outcomes) {
  const entry = byOperation.get(o.operation) ?? { passed: 0, states: new Map(), abandoned: 0 };
  entry.passed++;
  entry.states.set(o.state, (entry.states.get(o.state) ?? 0) + 1);
  entry.abandoned = Math.max(entry.abandoned, o.abandonedTemps?.length ?? 0);
  byOperation.set(o.operation, entry);
}
const failures = results.testResults.flatMap((file) =>
  file.assertionResults
    .filter((t) => t.status === 'failed')
    .map((t) => ({ file: file.name.replace(`${REPO}`, ''), name: t.fullName, why: (t.failureMessages[0] ?? '').split('\n')[0] })),
);
const suiteErrors = results.testResults.filter((file) => file.status === 'failed' && file.assertionResults.every((t) => t.status !== 'failed'));

process.stdout.write(`\nseed ${args.seed}, ${args.points} points per operation, ${seconds.toFixed(0)} s\n\n`);
process.stdout.write('| operation | points passed | states left by the crash | abandoned temp files (max) |\n| --- | --- | --- | --- |\n');
for (const [operation, entry] of byOperation) {
  const states = [...entry.states].map(([state, n]) => `${state}: ${n}`).join('; ');
  process.stdout.write(`| ${operation} | ${entry.passed} | ${states} | ${entry.abandoned} |\n`);
}
if (failures.length > 0 || suiteErrors.length > 0) {
  process.stdout.write(`\n${failures.length} failing points (replay with NONO_FAULT_SEED=${args.seed} NONO_FAULT_POINTS=${args.points}):\n`);
  for (const f of failures) process.stdout.write(`- ${f.file}: ${f.name}\n  ${f.why}\n`);
  for (const f of suiteErrors) process.stdout.write(`- ${f.name}: ${f.message ?? 'suite failed before its points ran'}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write('\nevery point recovered to a valid state\n');
}
