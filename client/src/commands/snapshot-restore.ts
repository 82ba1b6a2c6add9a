// `nono snapshot restore REF [PATH...]`: put a directory (or some paths) back as a snapshot had it.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { printChanges } from '../output/change-list.js';
import { progressBar } from '../output/progress-bar.js';
import { finishInterrupted, printJson, withDaemon } from './call-daemon.js';

export function registerSnapshotRestore(snapshot: Command): void {
  snapshot
    .command('restore')
    .description('Restore the directory (or only PATHs in it) to the snapshot; excluded paths are left alone')
    .argument('<id>', 'snapshot id, name, tag (its newest snapshot) or unique id prefix')
    .argument('[paths...]', 'only these paths (inside the snapshot)')
    .option('--dry-run', 'show what would be restored, change nothing')
    .option('--json', 'machine-readable output')
    .action(async (id: string, paths: string[], options: { dryRun?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const progress = progressBar(client, options.json);
        const result = await client
          .call('snapshot.restore', {
            id,
            ...(paths.length > 0 ? { paths: paths.map((p) => resolve(p)) } : {}),
            dryRun: options.dryRun === true,
            ...(progress.token ? { progressToken: progress.token } : {}),
          })
          .catch(finishInterrupted(options.dryRun ? null : `nono snapshot restore ${id}`))
          .finally(progress.done);
        if (options.json) printJson(result);
        else {
          for (const { tree, changes } of result.trees ?? [result]) printChanges(tree, changes);
          if (result.resumed > 0) process.stdout.write(`finished ${result.resumed} operations of an interrupted restore first\n`);
          process.stdout.write(options.dryRun ? 'dry run: nothing was changed\n' : 'restored\n');
        }
        return 0;
      });
    });
}
