// `nono audit verify` and `nono audit export`: proving the log unedited, here or elsewhere.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { green, red } from '../output/style.js';
import type { ResultOf } from '@nono/shared';
import { defineCommand, type CommandInput } from './define-command.js';

export function registerAuditVerify(audit: Command): void {
  defineCommand({
    declare: (parent) =>
      parent
        .command('verify')
        .description('Walk the hash chain and signed checkpoints; exit 1 naming the first broken row')
        .option('--strict', 'also exit 1 when the newest rows come after the last signed checkpoint, so their deletion could not be shown'),
    method: 'audit.verify',
    params: (_input: CommandInput<[], { strict?: boolean }>) => ({}),
    render: (result, { options }) => {
      if (!result.ok) {
        process.stdout.write(`${red(process.stdout, 'BROKEN')} at seq ${result.firstBadSeq} (${result.reason}): ${result.message}\n`);
        return;
      }
      const key = result.keySource === 'keychain' ? 'key in the keychain' : result.keySource === 'file' ? 'key file in the state dir' : 'not signed: no keychain and no usable key file (see nono doctor)';
      process.stdout.write(`${green(process.stdout, 'ok')}: ${result.rows} events through seq ${result.lastSeq}, ${result.checkpoints} signed checkpoints (${key})\n`);
      if (unproven(result)) {
        const from = (result.provenThroughSeq ?? 0) + 1;
        const rows = from === result.lastSeq ? `row ${from} comes` : `rows ${from}..${result.lastSeq} come`;
        process.stdout.write(
          `${red(process.stdout, 'not provable')}: ${rows} after the last signed checkpoint, so deleting them would not show; the daemon signs one every minute and when it stops${options.strict ? '' : ' (--strict makes this exit 1)'}\n`,
        );
      }
    },
    exitCode: (result, { options }) => (!result.ok || (options.strict && unproven(result)) ? 1 : 0),
  })(audit);
  defineCommand({
    declare: (parent) =>
      parent
        .command('export')
        .description('Write every event with its hashes to FILE, for verification elsewhere (docs/audit.md, docs/audit-verify.py)')
        .argument('<file>', 'where to write the export')
        .option('--format <format>', 'ndjson or json', 'ndjson'),
    method: 'audit.export',
    params: ({ args: [file], options }: CommandInput<[string], { format: string }>) => ({ path: resolve(file), format: options.format as 'ndjson' | 'json' }),
    render: (result) => {
      process.stdout.write(`wrote ${result.events} events and ${result.checkpoints} checkpoints to ${result.path}\n`);
    },
  })(audit);
}

/** Verified, but the newest rows come after the last signed checkpoint. */
function unproven(result: ResultOf<'audit.verify'>): boolean {
  return result.ok && result.tailProven === false;
}
