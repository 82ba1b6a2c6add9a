#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.mjs (each default-exports an async function that
// times its subject and its baseline in the same run and returns rows) and prints one table
// of ratios. Speed is measured here and nowhere else; tests never time anything.
//
//   node bench/run-all.mjs [--json] [--quick] [--only SUBSTRING]
//
// Exit status: 0 when every row passes or is skipped, 1 when a row fails or errors, or the
// tree is not built.
import { readdirSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildProblems } from './support/require-build.mjs';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(BENCH_DIR, '..');

function parseArgs(argv) {
  const args = { json: false, quick: false, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') args.json = true;
    else if (argv[i] === '--quick') args.quick = true;
    else if (argv[i] === '--only') args.only = argv[++i];
    else {
      process.stderr.write(`bench: unknown argument ${argv[i]}; usage: node bench/run-all.mjs [--json] [--quick] [--only SUBSTRING]\n`);
      process.exit(2);
    }
  }
  return args;
}

const amount = (unit) => (value) => (Number.isFinite(value) ? `${value.toFixed(Math.abs(value) < 10 ? 2 : 1)} ${unit}` : '—');
const ms = amount('ms');
// Rows measure milliseconds unless they say otherwise (memory rows say MB).
const timing = (s, unit = 'ms') => (s ? (s.runs === 1 ? amount(unit)(s.medianMs) : `${amount(unit)(s.medianMs)} / p90 ${amount(unit)(s.p90Ms)}`) : '—');
const signed = (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${ms(value)}` : '—');

function cells(row) {
  const result = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', error: 'ERROR' }[row.status];
  const notRun = row.status === 'skip' ? 'not run, see note' : row.status === 'error' ? 'failed, see note' : '—';
  return [
    row.name,
    row.measured ? timing(row.measured, row.unit) : notRun,
    row.baseline ? `${timing(row.baseline, row.unit)} (${row.baselineLabel})` : '—',
    signed(row.deltaMs),
    Number.isFinite(row.ratio) ? `${row.ratio.toFixed(2)}×` : '—',
    row.target ?? '—',
    result,
  ];
}

function printTable(rows) {
  const header = ['bench', 'measured (median / p90)', 'baseline (median / p90)', 'Δ median', 'ratio', 'target', 'result'];
  const body = rows.map(cells);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)];
  const notes = rows
    .map((row, i) => {
      const detail = row.reason ? `${row.status === 'skip' ? 'SKIPPED' : 'ERROR'}: ${row.reason}` : row.note;
      const runs = row.measured && row.baseline && row.measured.runs > 1 ? `${row.measured.runs}+${row.baseline.runs} runs; ` : '';
      return detail || runs ? `  [${i + 1}] ${row.name}: ${runs}${detail ?? ''}` : undefined;
    })
    .filter(Boolean);
  process.stdout.write(`${out.join('\n')}\n\n${notes.join('\n')}\n`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const problems = buildProblems(REPO);
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`bench: ${problem}\n`);
    process.exit(1);
  }

  const files = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.bench.mjs') && (args.only === undefined || f.includes(args.only)))
    .sort();
  if (files.length === 0) {
    process.stderr.write(`bench: no bench/*.bench.mjs${args.only ? ` matching ${args.only}` : ''}\n`);
    process.exit(1);
  }
  const progress = (text) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  };
  const started = Date.now();
  const rows = [];
  for (const file of files) {
    progress(`${file}…`);
    if (!process.stderr.isTTY) process.stderr.write(`bench: ${file}\n`);
    const t0 = Date.now();
    try {
      const { default: bench } = await import(pathToFileURL(join(BENCH_DIR, file)).href);
      const produced = await bench({ repo: REPO, scale: args.quick ? 0.25 : 1, progress });
      rows.push(...produced.map((row) => ({ ...row, file, seconds: (Date.now() - t0) / 1000 })));
    } catch (error) {
      rows.push({ name: file.replace(/\.bench\.mjs$/, ''), file, status: 'error', reason: error.message, seconds: (Date.now() - t0) / 1000 });
    }
  }
  progress('');

  if (args.json) {
    const machine = { node: process.version, kernel: release(), cpus: cpus().length, cpu: cpus()[0]?.model };
    process.stdout.write(`${JSON.stringify({ machine, seconds: (Date.now() - started) / 1000, rows }, null, 2)}\n`);
  } else {
    printTable(rows);
    process.stdout.write(`\n${rows.length} rows in ${((Date.now() - started) / 1000).toFixed(0)} s on ${cpus().length} CPUs, node ${process.version}, kernel ${release()}\n`);
  }
  process.exitCode = rows.some((row) => row.status === 'fail' || row.status === 'error') ? 1 : 0;
}

await main();
