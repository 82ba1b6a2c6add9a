// `nono snapshot create [DIR]`: snapshot a directory now, outside any session.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { progressBar } from '../output/progress-bar.js';
import { printJson, withDaemon } from './call-daemon.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerSnapshotCreate(snapshot: Command): void {
  snapshot
    .command('create')
    .description('Snapshot a directory (default: the current one) so it can be restored later')
    .argument('[dir]', 'directory to snapshot', '.')
    .option('--label <text>', 'a note shown by snapshot list')
    .option('--exclude <glob>', 'leave paths matching this tree-relative glob out (repeatable)', collect, [])
    .option('--include <glob>', 'bring paths back in, even inside node_modules and the like (repeatable)', collect, [])
    .option('--json', 'machine-readable output')
    .action(async (dir: string, options: { label?: string; exclude: string[]; include: string[]; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const progress = progressBar(client, options.json);
        const result = await client
          .call('snapshot.create', {
            path: resolve(dir),
            exclude: options.exclude,
            include: options.include,
            ...(options.label !== undefined ? { label: options.label } : {}),
            ...(progress.token ? { progressToken: progress.token } : {}),
          })
          .finally(progress.done);
        if (options.json) printJson(result);
        else {
          const { snapshot } = result;
          process.stdout.write(`snapshot ${snapshot.id} of ${snapshot.tree}: ${snapshot.files} files, ${snapshot.bytes} bytes (${result.filesHashed} read, ${result.filesCached} unchanged)\n`);
        }
        return 0;
      });
    });
}
