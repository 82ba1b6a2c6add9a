// Trust checks run before every agent start, so they must cost next to nothing: scan + verify on
// a generated 20,000-file workdir (a third of it in a .gitignore'd node_modules) with 20 signed
// instruction files, side by side with a plain recursive readdir of the same tree, alternated
// in one process. Once with the default include globs, once with a `**/CLAUDE.md` that walks.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { summarize } from './support/stats.mjs';

const FILES = 20_000;
const TARGET_MS = 150;

const SIGNED = [
  'CLAUDE.md',
  'AGENTS.md',
  'GEMINI.md',
  'SKILLS-review.md',
  ...Array.from({ length: 10 }, (_, i) => `.claude/commands/cmd${i}.md`),
  ...Array.from({ length: 6 }, (_, i) => `.cursor/rules/rule${i}.mdc`),
];
// Found only by the walking policy, which then checks 25 files.
const NESTED = Array.from({ length: 5 }, (_, i) => `pkg${i}/CLAUDE.md`);

function write(root, path, text) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

function generateTree(root, files) {
  const dependencies = Math.floor(files / 3);
  for (let i = 0; i < files - dependencies; i++) write(root, `pkg${i % 50}/mod${i % 17}/f${i}.ts`, `export const v${i} = ${i};\n`);
  for (let i = 0; i < dependencies; i++) write(root, `node_modules/dep${i % 200}/lib/f${i}.js`, `module.exports = ${i};\n`);
  write(root, '.gitignore', 'node_modules/\ndist/\n');
  for (const path of [...SIGNED, ...NESTED]) write(root, path, `# ${path}\nFollow the project conventions.\n`);
}

/** The baseline: every entry of the tree, no globs, no ignore rules, no hashing. */
async function walk(dir) {
  let count = 0;
  const entries = await readdir(dir, { withFileTypes: true });
  const below = [];
  for (const entry of entries) {
    if (entry.isDirectory()) below.push(walk(join(dir, entry.name)));
    else count++;
  }
  for (const n of await Promise.all(below)) count += n;
  return count;
}

async function alternate(subject, baseline, runs) {
  const samples = { measured: [], baseline: [] };
  for (let i = 0; i < 3; i++) await Promise.all([subject(), baseline()]);
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['measured', 'baseline'] : ['baseline', 'measured'];
    for (const side of order) {
      const t0 = performance.now();
      await (side === 'measured' ? subject : baseline)();
      samples[side].push(performance.now() - t0);
    }
  }
  return { measured: summarize(samples.measured), baseline: summarize(samples.baseline) };
}

export default async function trust({ repo, scale, progress }) {
  const { TrustKeyStore, mergeTrustPolicies, parseTrustPolicy, signInstructionFile, verifyAll, DEFAULT_INCLUDE } = await import(join(repo, 'daemon/dist/trust/index.js'));
  const root = mkdtempSync(join(tmpdir(), 'nono-bench-trust-'));
  try {
    const files = Math.max(5000, Math.round(FILES * scale));
    const runs = Math.max(10, Math.round(40 * scale));
    const work = join(root, 'work');
    progress(`trust: generating ${files} files`);
    generateTree(work, files);
    const secrets = new Map();
    const store = new TrustKeyStore({ set: async (n, s) => void secrets.set(n, s), get: async (n) => secrets.get(n), remove: async (n) => secrets.delete(n), list: async () => [...secrets.keys()] });
    await store.generate();
    const key = await store.load();
    for (const path of [...SIGNED, ...NESTED]) await signInstructionFile(work, path, key);
    const policyFor = (include) => mergeTrustPolicies(parseTrustPolicy(JSON.stringify({ include, publishers: [{ name: 'bench', public_key: key.publicKeyPem }] }), 'bench-policy.json'), undefined);

    const cases = [
      { label: 'default globs', policy: policyFor([...DEFAULT_INCLUDE]), expected: SIGNED.length },
      { label: 'default globs + **/CLAUDE.md', policy: policyFor([...DEFAULT_INCLUDE, '**/CLAUDE.md']), expected: SIGNED.length + NESTED.length },
    ];
    const rows = [];
    for (const { label, policy, expected } of cases) {
      // A fast check that lets a file through is worse than none: prove it finds and verifies them all first.
      const report = await verifyAll(work, policy);
      const signed = report.results.filter((r) => r.status === 'signed').length;
      if (report.decision !== 'proceed' || signed !== expected) throw new Error(`${label}: expected ${expected} signed files, got ${signed} (${report.failures.map((f) => f.reason).join('; ')})`);
      progress(`trust: ${label}`);
      const { measured, baseline } = await alternate(() => verifyAll(work, policy), () => walk(work), runs);
      rows.push({
        name: `trust scan + verify, ${files} files, ${label}`,
        measured,
        baseline,
        baselineLabel: 'recursive readdir of the whole tree',
        deltaMs: measured.medianMs - baseline.medianMs,
        ratio: measured.medianMs / baseline.medianMs,
        target: `≤ ${TARGET_MS} ms`,
        status: measured.medianMs <= TARGET_MS ? 'pass' : 'fail',
        note: `${signed} signed files verified; in-process, warm, alternated with the baseline`,
      });
    }
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
