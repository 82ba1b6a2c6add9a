// `nono snapshot restore REF [PATH...]`: put a directory (or some paths) back as a snapshot had it.
import { resolve } from 'node:path';
import { printChanges } from '../output/change-list.js';
import { defineCommand, type CommandInput } from './define-command.js';

export const registerSnapshotRestore = defineCommand({
  declare: (snapshot) =>
    snapshot
      .command('restore')
      .description('Restore the directory (or only PATHs in it) to the snapshot; excluded paths are left alone')
      .argument('<id>', 'snapshot id, name, tag (its newest snapshot) or unique id prefix')
      .argument('[paths...]', 'only these paths (inside the snapshot)')
      .option('--dry-run', 'show what would be restored, change nothing'),
  method: 'snapshot.restore',
  progress: true,
  params: ({ args: [id, paths], options }: CommandInput<[string, string[]], { dryRun?: boolean }>) => ({
    id,
    ...(paths.length > 0 ? { paths: paths.map((p) => resolve(p)) } : {}),
    dryRun: options.dryRun === true,
  }),
  interrupted: ({ args: [id], options }) => (options.dryRun ? null : `nono snapshot restore ${id}`),
  render: (result, { options }) => {
    for (const { tree, changes } of result.trees ?? [result]) printChanges(tree, changes);
    if (result.resumed > 0) process.stdout.write(`finished ${result.resumed} operations of an interrupted restore first\n`);
    process.stdout.write(options.dryRun ? 'dry run: nothing was changed\n' : 'restored\n');
  },
});
