// `nono snapshot verify [ID]`: re-hash the objects of one snapshot or of all of them.
import type { Command } from 'commander';
import { progressBar } from '../output/progress-bar.js';
import { printVerify } from '../output/verify-report.js';
import { printJson, withDaemon } from './call-daemon.js';

export function registerSnapshotVerify(snapshot: Command): void {
  snapshot
    .command('verify')
    .description('Re-hash every object a snapshot (default: every snapshot) names and check Merkle roots; exit 1 on damage')
    .argument('[id]', 'snapshot id, name, tag (its newest snapshot) or unique id prefix')
    .option('--json', 'machine-readable output')
    .action(async (id: string | undefined, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const progress = progressBar(client, options.json);
        const report = await client
          .call('snapshot.verify', { ...(id !== undefined ? { id } : {}), ...(progress.token ? { progressToken: progress.token } : {}) })
          .finally(progress.done);
        if (options.json) printJson(report);
        else printVerify(report);
        return report.ok ? 0 : 1;
      });
    });
}
