// `nono snapshot list`: snapshots in the store, newest first.
import { resolve } from 'node:path';
import { defineCommand, type CommandInput } from './define-command.js';

export const registerSnapshotList = defineCommand({
  declare: (snapshot) =>
    snapshot
      .command('list')
      .description('List snapshots, newest first: taken by hand or around --snapshot sessions')
      .option('--dir <dir>', 'only snapshots of this directory')
      .option('--session <session>', 'only snapshots of this session'),
  method: 'snapshot.list',
  params: ({ options }: CommandInput<[], { dir?: string; session?: string }>) => ({
    ...(options.dir !== undefined ? { path: resolve(options.dir) } : {}),
    ...(options.session !== undefined ? { session: options.session } : {}),
  }),
  jsonOf: ({ snapshots }) => snapshots,
  render: ({ snapshots }) => {
    if (snapshots.length === 0) process.stdout.write('no snapshots\n');
    for (const s of snapshots) {
      const origin = s.session ? `${s.role} of session ${s.session.slice(0, 8)}` : 'manual';
      const called = [s.name, ...s.tags.map((t) => `#${t}`)].filter((n) => n !== null).join(' ');
      process.stdout.write(`${s.id}  ${called ? `${called}  ` : ''}${s.created}  ${s.files} files  ${origin}  ${s.tree}${s.label ? `  "${s.label}"` : ''}\n`);
    }
  },
});
