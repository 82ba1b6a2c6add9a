// `nono session diff|rollback|verify NAME`: what a --snapshot session changed, putting it back
// the way it was before the session started, and checking its snapshots are intact.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { printJson, withDaemon } from './call-daemon.js';

type Tree = { tree: string; changes: { kind: string; path: string }[] };

function printChanges(trees: Tree[]): void {
  for (const { tree, changes } of trees) {
    process.stdout.write(`${tree}: ${changes.length} change${changes.length === 1 ? '' : 's'}\n`);
    for (const change of changes) process.stdout.write(`  ${change.kind} ${change.path}\n`);
  }
}

export function registerSessionChanges(program: Command): void {
  const session = program.command('session').description('What a --snapshot session changed, and undoing it');
  session
    .command('diff')
    .description('List what the session changed: + added, ~ modified, - deleted, p mode')
    .argument('<session>', 'session name, id or id prefix')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const { trees } = await client.call('session.diff', { session: ref });
        if (options.json) printJson(trees);
        else printChanges(trees);
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
        const { trees } = await client.call('session.rollback', { session: ref, ...(absolute.length > 0 ? { paths: absolute } : {}), dryRun: options.dryRun === true });
        if (options.json) printJson(trees);
        else {
          printChanges(trees);
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
        const report = await client.call('session.verify', { session: ref });
        if (options.json) printJson(report);
        else {
          for (const s of report.snapshots) {
            process.stdout.write(`${s.tree} ${s.manifest}: ${s.rootMatches && s.problems.length === 0 ? 'ok' : 'DAMAGED'}\n`);
            for (const p of s.problems) process.stdout.write(`  ${p.state} object ${p.hash} (${p.path})\n`);
          }
        }
        return report.ok ? 0 : 1;
      });
    });
}

