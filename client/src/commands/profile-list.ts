// `nono profile list`: built-in and user profiles.
import type { Command } from 'commander';
import { bold, dim } from '../output/style.js';
import { printJson, withDaemon } from './call-daemon.js';

/** Also `nono policy profiles`, the Rust nono's spelling. */
export function registerProfileList(parent: Command, name = 'list'): void {
  parent
    .command(name)
    .description('List built-in and user profiles')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const { profiles } = await client.call('profile.list', {});
        if (options.json) {
          printJson(profiles);
          return 0;
        }
        const out = process.stdout;
        for (const p of profiles) {
          out.write(`${bold(out, p.name.padEnd(14))} ${dim(out, p.builtin ? 'built-in' : 'user    ')}  ${p.description}\n`);
        }
        return 0;
      });
    });
}
