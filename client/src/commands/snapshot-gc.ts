// `nono snapshot gc`: retention from config.json, then objects nothing names any more.
import { defineCommand, type CommandInput } from './define-command.js';

export const registerSnapshotGc = defineCommand({
  declare: (snapshot) =>
    snapshot
      .command('gc')
      .description('Drop session snapshots beyond the retention policy (config.json "snapshots"), then unreferenced objects')
      .option('--dry-run', 'report what would be removed, remove nothing'),
  method: 'snapshot.gc',
  params: ({ options }: CommandInput<[], { dryRun?: boolean }>) => ({ dryRun: options.dryRun === true }),
  render: (result) => {
    const verb = result.dryRun ? 'would remove' : 'removed';
    process.stdout.write(
      `${verb} ${result.removedSnapshots.length} snapshots and ${result.removedObjects} objects (${result.freedBytes} bytes); kept ${result.keptObjects} objects (${result.keptBytes} bytes)\n`,
    );
  },
});
