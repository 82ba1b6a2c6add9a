// `nono detach NAME`: send every client of a session away; the session goes on.
import { defineCommand } from './define-command.js';

export const registerDetach = defineCommand({
  declare: (program) => program.command('detach').description('Detach every client from a session (it keeps running)').argument('<session>', 'session name, id or id prefix'),
  method: 'session.detach',
  params: ({ args: [ref] }: { args: [string] }) => ({ session: ref, all: true }),
  render: (result, { args: [ref] }) => {
    process.stdout.write(`detached ${result.detached} client${result.detached === 1 ? '' : 's'} from ${ref}\n`);
  },
});
