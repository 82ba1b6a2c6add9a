// `nono pack remove NS/NAME`: every installed version of it, and its lock entry.
import { NonoError } from '@nono/shared/protocol/errors';
import { defineCommand } from './define-command.js';

export const registerPackRemove = defineCommand({
  declare: (pack) => pack.command('remove').alias('rm').description('Remove an installed pack (every version)').argument('<pack>', 'NAMESPACE/NAME'),
  method: 'pack.remove',
  params: ({ args: [pack] }: { args: [string] }) => ({ pack }),
  render: (result) => {
    if (!result.removed) throw new NonoError('PACK_NOT_FOUND', `pack ${result.pack} is not installed; nono pack list shows what is`, { pack: result.pack });
    process.stdout.write(`removed ${result.pack}\n`);
  },
});
