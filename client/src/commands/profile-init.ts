// `nono profile init NAME`: write a starting profile into the user profile dir.
import type { Command } from 'commander';
import { printJson, withDaemon } from './call-daemon.js';

export function registerProfileInit(profile: Command): void {
  profile
    .command('init')
    .description('Create a user profile that extends a base profile')
    .argument('<name>')
    .option('--extends <base>', 'base profile (default: default)')
    .option('--groups <a,b>', 'security groups to include, comma separated')
    .option('--force', 'replace an existing profile of that name')
    .option('--json', 'machine-readable output')
    .action(async (name: string, options: { extends?: string; groups?: string; force?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('profile.init', {
          name,
          ...(options.extends !== undefined ? { extends: options.extends } : {}),
          ...(options.groups !== undefined ? { groups: options.groups.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
          force: options.force === true,
        });
        if (options.json) printJson(result);
        else process.stdout.write(`created ${result.file}\n`);
        return 0;
      });
    });
}
