// `nono prune`: forget ended sessions and their logs.
import { defineCommand } from './define-command.js';

export const registerPrune = defineCommand({
  declare: (program) => program.command('prune').description('Remove the records and logs of sessions that ended'),
  method: 'session.prune',
  params: () => ({}),
  render: (result) => {
    process.stdout.write(`removed ${result.removed} ended session${result.removed === 1 ? '' : 's'}\n`);
  },
});
