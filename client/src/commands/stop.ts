// `nono stop NAME`: end a session's whole process tree, and say what the sandbox refused it.
import { NonoError } from '@nono/shared/protocol/errors';
import { fileDenialLine, fileDenials } from '../output/denial-footer.js';
import { defineCommand, type CommandInput } from './define-command.js';

export const registerStop = defineCommand({
  declare: (program) =>
    program
      .command('stop')
      .description('End a session and every process in it (TERM, then KILL after the timeout)')
      .argument('<session>', 'session name, id or id prefix')
      .option('-f, --force', 'KILL at once')
      .option('-t, --timeout <seconds>', 'seconds between TERM and KILL', '10'),
  method: 'session.stop',
  params: ({ args: [ref], options }: CommandInput<[string], { force?: boolean; timeout: string }>) => {
    const seconds = Number(options.timeout);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
      throw new NonoError('INVALID_PARAMS', `--timeout ${options.timeout}: give seconds between 0 and 3600`);
    }
    return { session: ref, force: options.force === true, timeoutMs: Math.round(seconds * 1000) };
  },
  jsonOf: ({ session }) => session,
  render: async ({ session }, _input, client) => {
    process.stdout.write(`stopped ${session.name} (${session.state}, code ${session.exitCode})\n`);
    for (const denial of await fileDenials(client, session.id)) process.stderr.write(fileDenialLine(denial));
  },
});
