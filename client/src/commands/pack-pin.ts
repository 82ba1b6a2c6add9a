// `nono pack pin|unpin NS/NAME[@VERSION]`: a pinned pack stays at its version through updates.
import { defineCommand } from './define-command.js';

const pinCommand = (pinned: boolean) =>
  defineCommand({
    declare: (pack) =>
      pack
        .command(pinned ? 'pin' : 'unpin')
        .description(pinned ? 'Keep a pack at its active version (or the installed version named) through updates' : 'Let nono pack update move a pack again')
        .argument('<pack>', pinned ? 'NAMESPACE/NAME or NAMESPACE/NAME@VERSION' : 'NAMESPACE/NAME'),
    method: 'pack.pin',
    params: ({ args: [pack] }: { args: [string] }) => ({ pack, pinned }),
    render: (result) => {
      process.stdout.write(`${result.pack}@${result.version} ${result.pinned ? 'pinned' : 'unpinned'}\n`);
    },
  });

export const registerPackPin = pinCommand(true);
export const registerPackUnpin = pinCommand(false);
