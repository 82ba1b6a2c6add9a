// `nono pack verify [NS/NAME]`: installed files against the digests recorded at install; exit 1 on any change.
import { defineCommand, type CommandInput } from './define-command.js';

export const registerPackVerify = defineCommand({
  declare: (pack) => pack.command('verify').description('Check installed packs (or the one named) against what was verified at install').argument('[pack]', 'NAMESPACE/NAME'),
  method: 'pack.verify',
  params: ({ args: [pack] }: CommandInput<[string | undefined], object>) => (pack ? { pack } : {}),
  render: (result) => {
    for (const p of result.packs) {
      process.stdout.write(`${p.ok ? 'ok      ' : 'CHANGED '} ${p.pack}@${p.version}\n`);
      for (const problem of p.problems) process.stdout.write(`         ${problem}\n`);
    }
    if (!result.ok) process.stdout.write('a changed pack may be someone else\'s policy now: nono pack remove it and pull it again\n');
  },
  exitCode: (result) => (result.ok ? 0 : 1),
});
