// `nono stop NAME`: end a session's whole process tree, and say what the sandbox refused it.
import type { Command } from 'commander';
import { NonoError } from '@nono/shared/protocol/errors';
import { fileDenialLine, fileDenials } from '../output/denial-footer.js';
import { printJson, withDaemon } from './call-daemon.js';

export function registerStop(program: Command): void {
  program
    .command('stop')
    .description("End a session and every process in it (TERM, then KILL after the timeout)")
    .argument('<session>', 'session name, id or id prefix')
    .option('-f, --force', 'KILL at once')
    .option('-t, --timeout <seconds>', 'seconds between TERM and KILL', '10')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, options: { force?: boolean; timeout: string; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const seconds = Number(options.timeout);
        if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
          throw new NonoError('INVALID_PARAMS', `--timeout ${options.timeout}: give seconds between 0 and 3600`);
        }
        const { session } = await client.call('session.stop', { session: ref, force: options.force === true, timeoutMs: Math.round(seconds * 1000) });
        if (options.json) printJson(session);
        else {
          process.stdout.write(`stopped ${session.name} (${session.state}, code ${session.exitCode})\n`);
          for (const denial of await fileDenials(client, session.id)) process.stderr.write(fileDenialLine(denial));
        }
        return 0;
      });
    });
}
