// `nono audit verify` and `nono audit export`: proving the log unedited, here or elsewhere.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { green, red } from '../output/style.js';
import { printJson, withDaemon } from './call-daemon.js';

export function registerAuditVerify(audit: Command): void {
  audit
    .command('verify')
    .description('Walk the hash chain and signed checkpoints; exit 1 naming the first broken row')
    .option('--strict', 'also exit 1 when the newest rows come after the last signed checkpoint, so their deletion could not be shown')
    .option('--json', 'machine-readable output')
    .action(async (options: { strict?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('audit.verify', {});
        const unproven = result.ok && result.tailProven === false;
        if (options.json) printJson(result);
        else if (!result.ok) process.stdout.write(`${red(process.stdout, 'BROKEN')} at seq ${result.firstBadSeq} (${result.reason}): ${result.message}\n`);
        else {
          const key = result.keySource === 'keychain' ? 'key in the keychain' : result.keySource === 'file' ? 'key file in the state dir' : 'not signed: no keychain and no usable key file (see nono doctor)';
          process.stdout.write(`${green(process.stdout, 'ok')}: ${result.rows} events through seq ${result.lastSeq}, ${result.checkpoints} signed checkpoints (${key})\n`);
          if (unproven) {
            const from = (result.provenThroughSeq ?? 0) + 1;
            const rows = from === result.lastSeq ? `row ${from} comes` : `rows ${from}..${result.lastSeq} come`;
            process.stdout.write(
              `${red(process.stdout, 'not provable')}: ${rows} after the last signed checkpoint, so deleting them would not show; the daemon signs one every minute and when it stops${options.strict ? '' : ' (--strict makes this exit 1)'}\n`,
            );
          }
        }
        return !result.ok || (options.strict && unproven) ? 1 : 0;
      });
    });
  audit
    .command('export')
    .description('Write every event with its hashes to FILE, for verification elsewhere (docs/audit.md, docs/audit-verify.py)')
    .argument('<file>', 'where to write the export')
    .option('--format <format>', 'ndjson or json', 'ndjson')
    .option('--json', 'machine-readable output')
    .action(async (file: string, options: { format: string; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('audit.export', { path: resolve(file), format: options.format as 'ndjson' | 'json' });
        if (options.json) printJson(result);
        else process.stdout.write(`wrote ${result.events} events and ${result.checkpoints} checkpoints to ${result.path}\n`);
        return 0;
      });
    });
}
