// `nono doctor`: what this machine's kernel gives the sandbox, and what to change if not; and,
// when nono's database is damaged, moving it aside so the daemon can start on a new one.
import { existsSync, renameSync } from 'node:fs';
import { lockHolder } from '@nono/shared/daemon-lock';
import { resolveNonoPaths } from '@nono/shared/paths';
import { NonoError } from '@nono/shared/protocol/errors';
import { reportError } from '../output/report-error.js';
import { bold, dim } from '../output/style.js';
import { defineCommand, printJson, type CommandInput } from './define-command.js';

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

export const registerDoctor = defineCommand({
  declare: (program) =>
    program
      .command('doctor')
      .description("Check the kernel features nono's sandbox needs and say what each means")
      .option('--move-database', "move a damaged nono.db aside (renamed, never deleted) so the daemon starts on a new one"),
  before: ({ options }: CommandInput<[], { moveDatabase?: boolean }>) => (options.moveDatabase ? moveDatabase(options.json === true) : undefined),
  method: 'daemon.doctor',
  params: () => ({}),
  render: (result) => {
    const out = process.stdout;
    for (const check of result.checks) {
      out.write(`${(check.ok ? 'ok' : 'MISSING').padEnd(7)} ${bold(out, check.name)}: ${check.value}\n     ${dim(out, check.meaning)}\n`);
    }
    out.write(`isolation: ${result.isolation === 'view' ? 'private view + Landlock' : 'Landlock alone'}\n`);
  },
  exitCode: (result, { options }) => (options.json || result.checks.every((c) => c.ok) ? 0 : 1),
  afterError: (error, { options }) => {
    if (error instanceof NonoError && error.kind === 'DATABASE_CORRUPT' && !options.json) {
      process.stderr.write('nono: `nono doctor --move-database` moves it aside (renamed, not deleted) so nonod can start on a new one\n');
    }
  },
});
