// `nono snapshot list`: snapshots in the store, newest first.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { printJson, withDaemon } from './call-daemon.js';

export function registerSnapshotList(snapshot: Command): void {
  snapshot
    .command('list')
    .description('List snapshots, newest first: taken by hand or around --snapshot sessions')
    .option('--dir <dir>', 'only snapshots of this directory')
    .option('--session <session>', 'only snapshots of this session')
    .option('--json', 'machine-readable output')
    .action(async (options: { dir?: string; session?: string; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const { snapshots } = await client.call('snapshot.list', {
          ...(options.dir !== undefined ? { path: resolve(options.dir) } : {}),
          ...(options.session !== undefined ? { session: options.session } : {}),
        });
        if (options.json) printJson(snapshots);
        else if (snapshots.length === 0) process.stdout.write('no snapshots\n');
        else {
          for (const s of snapshots) {
            const origin = s.session ? `${s.role} of session ${s.session.slice(0, 8)}` : 'manual';
            const called = [s.name, ...s.tags.map((t) => `#${t}`)].filter((n) => n !== null).join(' ');
            process.stdout.write(`${s.id}  ${called ? `${called}  ` : ''}${s.created}  ${s.files} files  ${origin}  ${s.tree}${s.label ? `  "${s.label}"` : ''}\n`);
          }
        }
        return 0;
      });
    });
}
