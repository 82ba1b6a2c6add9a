// `nono audit verify` and `nono audit export`: proving the log unedited, here or elsewhere.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { green, red } from '../output/style.js';
import { printJson, withDaemon } from './call-daemon.js';

export function registerAuditVerify(audit: Command): void {
  audit
    .command('verify')
    .description('Walk the hash chain and signed checkpoints; exit 1 naming the first broken row')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('audit.verify', {});
        if (options.json) printJson(result);
        else if (result.ok) {
          const signed = result.signedCheckpoints ? `${result.checkpoints} signed checkpoints` : 'checkpoints not signed (no keychain)';
          process.stdout.write(`${green(process.stdout, 'ok')}: ${result.rows} events through seq ${result.lastSeq}, ${signed}\n`);
        } else process.stdout.write(`${red(process.stdout, 'BROKEN')} at seq ${result.firstBadSeq} (${result.reason}): ${result.message}\n`);
        return result.ok ? 0 : 1;
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
