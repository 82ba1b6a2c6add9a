// `nono snapshot gc`: retention from config.json, then objects nothing names any more.
import type { Command } from 'commander';
import { printJson, withDaemon } from './call-daemon.js';

export function registerSnapshotGc(snapshot: Command): void {
  snapshot
    .command('gc')
    .description('Drop session snapshots beyond the retention policy (config.json "snapshots"), then unreferenced objects')
    .option('--dry-run', 'report what would be removed, remove nothing')
    .option('--json', 'machine-readable output')
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('snapshot.gc', { dryRun: options.dryRun === true });
        if (options.json) printJson(result);
        else {
          const verb = result.dryRun ? 'would remove' : 'removed';
          process.stdout.write(
            `${verb} ${result.removedSnapshots.length} snapshots and ${result.removedObjects} objects (${result.freedBytes} bytes); kept ${result.keptObjects} objects (${result.keptBytes} bytes)\n`,
          );
        }
        return 0;
      });
    });
}
