// `nono profile schema`: the JSON Schema of the profile format (for editors and CI checks).
import type { Command } from 'commander';
import { printJson, withDaemon } from './call-daemon.js';

export function registerProfileSchema(profile: Command): void {
  profile
    .command('schema')
    .description('Print the JSON Schema of the profile format')
    .action(async () => {
      process.exitCode = await withDaemon(false, async (client) => {
        printJson(await client.call('profile.schema', {}));
        return 0;
      });
    });
}
