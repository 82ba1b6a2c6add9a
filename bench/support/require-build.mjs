// Refuses to benchmark a tree that is not built: timing a missing helper or a client that
// cannot start would print numbers that mean nothing, so the runner stops with the one
// command that fixes it.
import { accessSync, constants, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { nonoArgv } from './nono-cli.mjs';

/**
 * Returns a list of problems, each one line; empty when the bench can run. Scripts that time
 * nothing with hyperfine (fault injection, scale) pass `{ hyperfine: false }`.
 */
export function buildProblems(repo, { hyperfine: needsHyperfine = true } = {}) {
  const problems = [];
  if (!existsSync(join(repo, 'node_modules'))) problems.push('node_modules is missing; run npm ci (it also builds)');
  try {
    accessSync(join(repo, 'native-helper/build/nono-helper'), constants.X_OK);
  } catch {
    problems.push('native-helper/build/nono-helper is missing or not executable; run npm run build first');
  }
  for (const built of ['shared/dist', 'daemon/dist']) {
    if (!existsSync(join(repo, built))) problems.push(`${built} is missing; run npm run build first`);
  }
  let argv;
  try {
    argv = nonoArgv(repo, ['--version']);
  } catch (error) {
    problems.push(`${error.message}; run npm run build first`);
  }
  if (argv) {
    const version = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
    if (version.status !== 0) {
      const why = (version.stderr || '').split('\n').find((l) => /Error|error:/.test(l))?.trim() ?? `exit ${version.status}`;
      problems.push(`${relative(repo, argv[1])} --version fails (${why}); run npm run build first`);
    }
  }
  const hyperfine = needsHyperfine ? spawnSync('hyperfine', ['--version'], { encoding: 'utf8' }) : undefined;
  if (hyperfine && (hyperfine.error || hyperfine.status !== 0)) {
    problems.push('hyperfine is not installed; install it (apt-get install hyperfine) and run npm run bench again');
  }
  return problems;
}
