// `nono profile init NAME`: write a starting profile into the user profile dir (or --output FILE).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NonoError } from '@nono/shared/protocol/errors';
import { defineCommand, type CommandInput } from './define-command.js';

function readFragment(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new NonoError('PATH_NOT_FOUND', `cannot read ${file} (${(error as NodeJS.ErrnoException).code}); give the file nono learn --json wrote`, { path: file });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below, with the file named.
  }
  throw new NonoError('PROFILE_INVALID', `${file} is not a JSON object; write it with nono learn --json > ${file}`, { file });
}

interface InitFlags {
  extends?: string;
  groups?: string;
  force?: boolean;
  full?: boolean;
  output?: string;
  description?: string;
  fromLearn?: string;
}

export const registerProfileInit = defineCommand({
  declare: (profile) =>
    profile
      .command('init')
      .description('Create a user profile that extends a base profile')
      .argument('<name>')
      .option('--extends <base>', 'base profile (default: default)')
      .option('--groups <a,b>', 'security groups to include, comma separated')
      .option('--force', 'replace an existing profile of that name')
      .option('--full', 'write every section with its empty default, as a template to fill in')
      .option('-o, --output <file>', 'write the profile to FILE instead of the user profile dir')
      .option('--description <text>', 'meta.description of the new profile')
      .option('--from-learn <file>', 'take the grants from a nono learn --json fragment'),
  method: 'profile.init',
  params: ({ args: [name], options }: CommandInput<[string], InitFlags>) => {
    const fromLearn = options.fromLearn === undefined ? undefined : { fragment: readFragment(options.fromLearn), file: resolve(options.fromLearn) };
    return {
      name,
      ...(options.extends !== undefined ? { extends: options.extends } : {}),
      ...(options.groups !== undefined ? { groups: options.groups.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
      force: options.force === true,
      ...(options.full ? { full: true } : {}),
      ...(options.output !== undefined ? { output: resolve(options.output) } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(fromLearn ? { fromLearn } : {}),
    };
  },
  render: (result) => {
    process.stdout.write(`created ${result.file}\n`);
  },
});
