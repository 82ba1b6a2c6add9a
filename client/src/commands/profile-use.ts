// `nono profile use NAME`: the profile nono run and nono shell use when -p is not given.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { printJson, withDaemon } from './call-daemon.js';

const looksLikeFile = (name: string): boolean => name.includes('/') || /\.(json|jsonc|toml|ya?ml)$/.test(name);

export function registerProfileUse(profile: Command): void {
  profile
    .command('use')
    .description('Make a profile the default for nono run and nono shell')
    .argument('<name>', 'a profile name, or a path to a profile file')
    .option('--json', 'machine-readable output')
    .action(async (name: string, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('profile.use', { name: looksLikeFile(name) ? resolve(name) : name });
        if (options.json) printJson(result);
        else process.stdout.write(`nono run and nono shell now use profile ${result.profile} when none is given (${result.file})\n`);
        return 0;
      });
    });
}
