// `nono pack update [NS/NAME]`: the newest version of each pack that is not pinned.
import { defineCommand, type CommandInput } from './define-command.js';

export const registerPackUpdate = defineCommand({
  declare: (pack) => pack.command('update').description('Pull the newest version of every installed pack (or the one named) that is not pinned').argument('[pack]', 'NAMESPACE/NAME'),
  method: 'pack.update',
  progress: true,
  params: ({ args: [pack] }: CommandInput<[string | undefined], object>) => (pack ? { pack } : {}),
  render: (result) => {
    for (const p of result.pulled) process.stdout.write(`${p.installed ? 'updated to' : 'up to date:'} ${p.pack}@${p.version}\n`);
    for (const s of result.skipped) process.stdout.write(`skipped ${s.pack}: ${s.reason}\n`);
  },
});
