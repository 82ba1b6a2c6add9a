// `nono run-report JSON`, not for people (hidden from help): the `nono` launcher runs it after a
// `nono run` that nonod served itself (daemon/src/launch/launcher-run.ts) when there is more to
// say than the command's output: a refusal's one line, or what the audit log and snapshots say
// after the run. Printed by the code `nono run` prints it with, then it exits with the run's status.
import type { Command } from 'commander';
import { ERROR_KINDS, NonoError, type ErrorKind } from '@nono/shared/protocol/errors';
import { NonoClient } from '../index.js';
import { reportError } from '../output/report-error.js';
import type { AfterRun } from '@nono/shared/cli/run-notices';
import { reportAfterRun } from './run.js';

interface RunReport {
  exitCode: number;
  json?: boolean;
  error?: { kind: string; message: string };
  session?: AfterRun;
  snapshots?: boolean;
}

async function report(text: string): Promise<number> {
  const given = JSON.parse(text) as RunReport;
  if (given.error !== undefined) {
    const kind = (given.error.kind in ERROR_KINDS ? given.error.kind : 'INTERNAL') as ErrorKind;
    reportError(new NonoError(kind, given.error.message), given.json === true);
  } else if (given.session !== undefined) {
    const client = await NonoClient.connect().catch(() => undefined);
    if (client !== undefined) {
      await reportAfterRun(client, given.session, given.snapshots !== false);
      client.close();
    }
  }
  return given.exitCode;
}

export function registerRunReport(program: Command): void {
  program
    .command('run-report', { hidden: true })
    .argument('<report>', 'what nonod said there is to print, as JSON')
    .action(async (text: string) => {
      process.exitCode = await report(text).catch(() => 125);
    });
}
