// `nono detach NAME`: send every client of a session away; the session goes on.
import type { Command } from 'commander';
import { printJson, withDaemon } from './call-daemon.js';

export function registerDetach(program: Command): void {
  program
    .command('detach')
    .description('Detach every client from a session (it keeps running)')
    .argument('<session>', 'session name, id or id prefix')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('session.detach', { session: ref, all: true });
        if (options.json) printJson(result);
        else process.stdout.write(`detached ${result.detached} client${result.detached === 1 ? '' : 's'} from ${ref}\n`);
        return 0;
      });
    });
}
