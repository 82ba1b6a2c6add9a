// `nono profile guide`: how to write a profile.
import type { Command } from 'commander';
import { withDaemon } from './call-daemon.js';

export function registerProfileGuide(profile: Command): void {
  profile
    .command('guide')
    .description('Print a short guide to writing profiles')
    .action(async () => {
      process.exitCode = await withDaemon(false, async (client) => {
        process.stdout.write((await client.call('profile.guide', {})).markdown);
        return 0;
      });
    });
}
