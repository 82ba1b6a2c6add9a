// `nono pack publish DIR --to OUT`: the files a static registry serves, signed with a trust key.
import { resolve } from 'node:path';
import { defineCommand, type CommandInput } from './define-command.js';

export const registerPackPublish = defineCommand({
  declare: (pack) =>
    pack
      .command('publish')
      .description('Build the pack in DIR, sign it with a trust key and write the registry files into OUT (serve OUT from any web server)')
      .argument('<dir>', 'the pack directory, with nono-pack.json')
      .requiredOption('--to <dir>', 'the registry directory to write into')
      .option('--key <id>', 'trust key id (nono trust keygen)', 'default'),
  method: 'pack.publish',
  params: ({ args: [dir], options }: CommandInput<[string], { to: string; key: string }>) => ({ dir: resolve(dir), to: resolve(options.to), key: options.key }),
  render: (result, { options }) => {
    if (!result.written) process.stdout.write(`${result.pack}@${result.version} is already published in ${options.to} with this content; nothing written\n`);
    else process.stdout.write(`published ${result.pack}@${result.version} (${result.size} bytes, sha256 ${result.sha256.slice(0, 12)}) signed by ${result.publisher.slice(0, 16)} into ${options.to}\n`);
  },
});
