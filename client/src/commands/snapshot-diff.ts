// `nono snapshot diff ID [TO]`: what changed since a snapshot, live or up to a later one.
import type { Command } from 'commander';
import { printChanges } from '../output/change-list.js';
import { detailOption, type DetailFlags } from './diff-detail.js';
import { printJson, withDaemon } from './call-daemon.js';

export function registerSnapshotDiff(snapshot: Command): void {
  snapshot
    .command('diff')
    .description('What changed since a snapshot (in the directory now, or in a later snapshot TO)')
    .argument('<id>', 'snapshot id, name, tag (its newest snapshot) or unique id prefix')
    .argument('[to]', 'a later snapshot of the same directory')
    .option('--stat', 'line counts per file')
    .option('--patch', 'unified diffs of text files')
    .option('--json', 'machine-readable output')
    .action(async (id: string, to: string | undefined, options: DetailFlags & { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const detail = detailOption(options);
        const result = await client.call('snapshot.diff', { id, ...(to !== undefined ? { to } : {}), ...(detail ? { detail } : {}) });
        if (options.json) printJson(result);
        else printChanges(result.tree, result.changes);
        return 0;
      });
    });
}
