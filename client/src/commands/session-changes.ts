// `nono session diff|rollback|verify NAME`: what a --snapshot session changed, putting it back
// the way it was before the session started, and checking its snapshots are intact.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { printChanges } from '../output/change-list.js';
import { formatQuarantine } from '../output/quarantine-footer.js';
import { progressBar } from '../output/progress-bar.js';
import { printVerify } from '../output/verify-report.js';
import { detailOption, type DetailFlags } from './diff-detail.js';
import { finishInterrupted, printJson, withDaemon } from './call-daemon.js';

export function registerSessionChanges(program: Command): void {
  const session = program.command('session').description('What a --snapshot session changed, and undoing it');
  session
    .command('diff')
    .description('List what the session changed: + added, ~ modified, - deleted, p mode')
    .argument('<session>', 'session name, id or id prefix')
    .option('--stat', 'line counts per file')
    .option('--patch', 'unified diffs of text files')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, options: DetailFlags & { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const detail = detailOption(options);
        const { trees, quarantined } = await client.call('session.diff', { session: ref, ...(detail ? { detail } : {}) });
        // --json keeps its array of trees; the moved-aside list is in `nono audit list --kind sandbox.quarantine`.
        if (options.json) printJson(trees);
        else {
          for (const { tree, changes } of trees) printChanges(tree, changes);
          process.stdout.write(formatQuarantine(quarantined));
        }
        return 0;
      });
    });
  session
    .command('rollback')
    .description('Restore the writable directories (or only PATHs) to before the session')
    .argument('<session>', 'session name, id or id prefix')
    .argument('[paths...]', 'only these paths (inside the snapshot)')
    .option('--dry-run', 'show what would be restored, change nothing')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, paths: string[], options: { dryRun?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const absolute = paths.map((p) => resolve(p));
        const progress = progressBar(client, options.json);
        const { trees } = await client
          .call('session.rollback', {
            session: ref,
            ...(absolute.length > 0 ? { paths: absolute } : {}),
            dryRun: options.dryRun === true,
            ...(progress.token ? { progressToken: progress.token } : {}),
          })
          .catch(finishInterrupted(options.dryRun ? null : `nono session rollback ${ref}`))
          .finally(progress.done);
        if (options.json) printJson(trees);
        else {
          for (const { tree, changes } of trees) printChanges(tree, changes);
          process.stdout.write(options.dryRun ? 'dry run: nothing was changed\n' : 'restored\n');
        }
        return 0;
      });
    });
  session
    .command('verify')
    .description("Re-hash a session's snapshots and name any damaged object")
    .argument('<session>', 'session name, id or id prefix')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const progress = progressBar(client, options.json);
        const report = await client.call('session.verify', { session: ref, ...(progress.token ? { progressToken: progress.token } : {}) }).finally(progress.done);
        if (options.json) printJson(report);
        else printVerify(report);
        return report.ok ? 0 : 1;
      });
    });
}
