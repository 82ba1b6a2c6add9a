// `nono snapshot verify [ID]`: re-hash the objects of one snapshot or of all of them.
import { printVerify } from '../output/verify-report.js';
import { defineCommand } from './define-command.js';

export const registerSnapshotVerify = defineCommand({
  declare: (snapshot) =>
    snapshot
      .command('verify')
      .description('Re-hash every object a snapshot (default: every snapshot) names and check Merkle roots; exit 1 on damage')
      .argument('[id]', 'snapshot id, name, tag (its newest snapshot) or unique id prefix'),
  method: 'snapshot.verify',
  progress: true,
  params: ({ args: [id] }: { args: [string | undefined] }) => (id !== undefined ? { id } : {}),
  render: printVerify,
  exitCode: (report) => (report.ok ? 0 : 1),
});
