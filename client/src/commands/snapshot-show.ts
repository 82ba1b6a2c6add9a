// `nono snapshot show ID`: one snapshot's record, rules and (with --entries) contents.
import { quoteName } from '@nono/shared';
import { displayPath } from '../output/change-list.js';
import { defineCommand, type CommandInput } from './define-command.js';

export const registerSnapshotShow = defineCommand({
  declare: (snapshot) =>
    snapshot
      .command('show')
      .description('Show one snapshot: where, when, how much, its exclusions and Merkle root')
      .argument('<id>', 'snapshot id, name, tag (its newest snapshot) or unique id prefix')
      .option('--entries', 'also list every file, symlink and empty directory'),
  method: 'snapshot.show',
  params: ({ args: [id], options }: CommandInput<[string], { entries?: boolean }>) => ({ id, entries: options.entries === true }),
  render: (result) => {
    const s = result.snapshot;
    const lines = [
      `id       ${s.id}`,
      `tree     ${s.tree}`,
      `created  ${s.created}`,
      `origin   ${s.session ? `${s.role} of session ${s.session}` : 'manual'}`,
      ...(s.label ? [`label    ${s.label}`] : []),
      `files    ${s.files} (${s.bytes} bytes)`,
      `root     ${s.root}`,
      ...(result.exclude.length > 0 ? [`exclude  ${result.exclude.join(' ')}`] : []),
      ...(result.include.length > 0 ? [`include  ${result.include.join(' ')}`] : []),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    for (const e of result.entries ?? []) {
      const detail = e.type === 'symlink' ? `-> ${e.targetBase64 !== undefined ? e.target : quoteName(e.target ?? '')}` : `${(e.mode ?? 0).toString(8).padStart(4, '0')}${e.size !== undefined ? ` ${e.size}` : ''}`;
      process.stdout.write(`  ${e.type.padEnd(7)} ${displayPath(e)} ${detail}\n`);
    }
  },
});
