// `nono trust sign FILE…|--all [--key NAME]`: writes FILE.bundle beside each instruction file.
import { resolve } from 'node:path';
import { defineCommand, type CommandInput } from './define-command.js';

export const registerTrustSign = defineCommand({
  declare: (trust) =>
    trust
      .command('sign')
      .description('Sign instruction files (CLAUDE.md, AGENTS.md, …): each gets a FILE.bundle beside it')
      .argument('[files...]', 'files inside the current directory')
      .option('--all', "every file the trust policy's include globs match here")
      .option('--key <name>', 'key id', 'default'),
  method: 'trust.sign',
  params: ({ args: [files], options }: CommandInput<[string[]], { all?: boolean; key: string }>) => ({
    workdir: process.cwd(),
    files: files.map((f) => resolve(f)),
    all: options.all === true,
    key: options.key,
  }),
  jsonOf: ({ signed }) => signed,
  render: ({ signed }) => {
    if (signed.length === 0) process.stdout.write('no instruction files to sign\n');
    for (const s of signed) process.stdout.write(`signed ${s.file} -> ${s.bundlePath}\n`);
  },
});
