// `nono prune`: forget ended sessions and their logs.
import type { Command } from 'commander';
import { printJson, withDaemon } from './call-daemon.js';

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('Remove the records and logs of sessions that ended')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('session.prune', {});
        if (options.json) printJson(result);
        else process.stdout.write(`removed ${result.removed} ended session${result.removed === 1 ? '' : 's'}\n`);
        return 0;
      });
    });
}
