// `nono profile use NAME`: the profile nono run and nono shell use when -p is not given.
import { resolve } from 'node:path';
import { defineCommand } from './define-command.js';

// `NS/NAME[@VERSION]` is an installed pack, not a path below cwd (the daemon resolves it).
const PACK_REF = /^[a-z0-9][a-z0-9_-]*\/[a-z0-9][a-z0-9_-]*(@[0-9A-Za-z.+-]+)?$/;
const looksLikeFile = (name: string): boolean => /\.(json|jsonc|toml|ya?ml)$/.test(name) || (name.includes('/') && !PACK_REF.test(name));

export const registerProfileUse = defineCommand({
  declare: (profile) => profile.command('use').description('Make a profile the default for nono run and nono shell').argument('<name>', 'a profile name, or a path to a profile file'),
  method: 'profile.use',
  params: ({ args: [name] }: { args: [string] }) => ({ name: looksLikeFile(name) ? resolve(name) : name }),
  render: (result) => {
    process.stdout.write(`nono run and nono shell now use profile ${result.profile} when none is given (${result.file})\n`);
  },
});
