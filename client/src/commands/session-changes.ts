// `nono session diff|rollback|verify [NAME]`: what a --snapshot session changed, putting it back
// the way it was before the session started, and checking its snapshots are intact. Without a
// name, the most recent session with snapshots started in this directory (as the Rust nono does).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { printChanges } from '../output/change-list.js';
import { formatQuarantine } from '../output/quarantine-footer.js';
import { progressBar } from '../output/progress-bar.js';
import { printVerify } from '../output/verify-report.js';
import { NonoError } from '@nono/shared/protocol/errors';
import type { NonoClient } from '../index.js';
import { detailOption, type DetailFlags } from './diff-detail.js';
import { finishInterrupted, printJson, withDaemon } from './call-daemon.js';

const SESSION_ARGUMENT = ['[session]', 'session name, id or id prefix (default: the last one with snapshots started here)'] as const;

/** The session named, or the newest with snapshots whose cwd is this directory. */
async function sessionOrLast(client: NonoClient, ref: string | undefined): Promise<string> {
  if (ref !== undefined) return ref;
  const cwd = process.cwd();
  const [{ sessions }, { snapshots }] = await Promise.all([client.call('session.list', { all: true }), client.call('snapshot.list', {})]);
  const withSnapshots = new Set(snapshots.map((s) => s.session));
  const last = sessions.find((s) => s.cwd === cwd && withSnapshots.has(s.id));
  if (!last) throw new NonoError('SESSION_NOT_FOUND', `no session with snapshots was started in ${cwd}; name one (nono ps --all lists them)`, { session: null });
  process.stderr.write(`nono: session ${last.name} (${last.id}), the last with snapshots started here\n`);
  return last.id;
}

export function registerSessionChanges(program: Command): void {
  const session = program.command('session').description('What a --snapshot session changed, and undoing it');
  session
    .command('diff')
    .description('List what the session changed: + added, ~ modified, - deleted, p mode')
    .argument(...SESSION_ARGUMENT)
    .option('--stat', 'line counts per file')
    .option('--patch', 'unified diffs of text files')
    .option('--json', 'machine-readable output')
    .action(async (ref: string | undefined, options: DetailFlags & { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const detail = detailOption(options);
        const session = await sessionOrLast(client, ref);
        const { trees, quarantined } = await client.call('session.diff', { session, ...(detail ? { detail } : {}) });
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
    .argument(...SESSION_ARGUMENT)
    .argument('[paths...]', 'only these paths (inside the snapshot)')
    .option('--dry-run', 'show what would be restored, change nothing')
    .option('--json', 'machine-readable output')
    .action(async (ref: string | undefined, paths: string[], options: { dryRun?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const absolute = paths.map((p) => resolve(p));
        const session = await sessionOrLast(client, ref);
        const progress = progressBar(client, options.json);
        const { trees } = await client
          .call('session.rollback', {
            session,
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
    .argument(...SESSION_ARGUMENT)
    .option('--json', 'machine-readable output')
    .action(async (ref: string | undefined, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const session = await sessionOrLast(client, ref);
        const progress = progressBar(client, options.json);
        const report = await client.call('session.verify', { session, ...(progress.token ? { progressToken: progress.token } : {}) }).finally(progress.done);
        if (options.json) printJson(report);
        else printVerify(report);
        return report.ok ? 0 : 1;
      });
    });
}
