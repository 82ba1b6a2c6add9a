// `nono doctor`: what this machine's kernel gives the sandbox, and what to change if not; and,
// when nono's database is damaged, moving it aside so the daemon can start on a new one.
import { existsSync, renameSync } from 'node:fs';
import type { Command } from 'commander';
import { lockHolder } from '@nono/shared/daemon-lock';
import { resolveNonoPaths } from '@nono/shared/paths';
import { NonoError } from '@nono/shared/protocol/errors';
import { NonoClient } from '../index.js';
import { reportError } from '../output/report-error.js';
import { bold, dim } from '../output/style.js';
import { printJson } from './call-daemon.js';

/**
 * Renames nono.db and its WAL files aside, never deleting them: the old file may still be read
 * by hand (sqlite3 .recover) for its sessions and audit rows. Done by the client because a
 * daemon cannot start on the file it is about.
 */
function moveDatabase(json: boolean): number {
  const paths = resolveNonoPaths();
  const pid = lockHolder(paths.lockPath);
  if (pid !== undefined) {
    reportError(new NonoError('DAEMON_STOPPING', `nonod (pid ${pid}) is running on ${paths.dbPath}; stop it first with \`nono daemon stop\``), json);
    return 1;
  }
  if (!existsSync(paths.dbPath)) {
    reportError(new NonoError('PATH_NOT_FOUND', `there is no database at ${paths.dbPath} to move`, { path: paths.dbPath }), json);
    return 1;
  }
  const target = `${paths.dbPath}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const moved: string[] = [];
  for (const suffix of ['', '-wal', '-shm']) {
    if (!existsSync(`${paths.dbPath}${suffix}`)) continue;
    renameSync(`${paths.dbPath}${suffix}`, `${target}${suffix}`);
    moved.push(`${target}${suffix}`);
  }
  if (json) printJson({ moved });
  else process.stdout.write(`moved ${paths.dbPath} aside to ${target}; the next nono command starts nonod on a new database (sessions and audit rows of the old one stay in that file)\n`);
  return 0;
}

async function report(json: boolean): Promise<number> {
  let client: NonoClient | undefined;
  try {
    client = await NonoClient.connect();
    const result = await client.call('daemon.doctor', {});
    if (json) {
      printJson(result);
      return 0;
    }
    const out = process.stdout;
    for (const check of result.checks) {
      out.write(`${(check.ok ? 'ok' : 'MISSING').padEnd(7)} ${bold(out, check.name)}: ${check.value}\n     ${dim(out, check.meaning)}\n`);
    }
    out.write(`isolation: ${result.isolation === 'view' ? 'private view + Landlock' : 'Landlock alone'}\n`);
    return result.checks.every((c) => c.ok) ? 0 : 1;
  } catch (error) {
    reportError(error, json);
    if (error instanceof NonoError && error.kind === 'DATABASE_CORRUPT' && !json) {
      process.stderr.write('nono: `nono doctor --move-database` moves it aside (renamed, not deleted) so nonod can start on a new one\n');
    }
    return 1;
  } finally {
    client?.close();
  }
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description("Check the kernel features nono's sandbox needs and say what each means")
    .option('--json', 'machine-readable output')
    .option('--move-database', "move a damaged nono.db aside (renamed, never deleted) so the daemon starts on a new one")
    .action(async (options: { json?: boolean; moveDatabase?: boolean }) => {
      process.exitCode = options.moveDatabase ? moveDatabase(options.json === true) : await report(options.json === true);
    });
}
