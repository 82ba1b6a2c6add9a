// `nono snapshot diff ID [TO]`: what changed since a snapshot, live or up to a later one.
import { printChanges } from '../output/change-list.js';
import { detailOption, type DetailFlags } from './diff-detail.js';
import { defineCommand, type CommandInput } from './define-command.js';

export const registerSnapshotDiff = defineCommand({
  declare: (snapshot) =>
    snapshot
      .command('diff')
      .description('What changed since a snapshot (in the directory now, or in a later snapshot TO)')
      .argument('<id>', 'snapshot id, name, tag (its newest snapshot) or unique id prefix')
      .argument('[to]', 'a later snapshot of the same directory')
      .option('--stat', 'line counts per file')
      .option('--patch', 'unified diffs of text files'),
  method: 'snapshot.diff',
  params: ({ args: [id, to], options }: CommandInput<[string, string | undefined], DetailFlags>) => {
    const detail = detailOption(options);
    return { id, ...(to !== undefined ? { to } : {}), ...(detail ? { detail } : {}) };
  },
  render: (result) => printChanges(result.tree, result.changes),
});
