// `nono trust export-key [--id NAME] [--pem]`: the public half, for someone else's publishers.
import { defineCommand, type CommandInput } from './define-command.js';

export const registerTrustExportKey = defineCommand({
  declare: (trust) =>
    trust
      .command('export-key')
      .description('Print the public key of a trust key (fingerprint by default, PEM with --pem)')
      .option('--id <name>', 'key id', 'default')
      .option('--pem', 'print the SPKI PEM public key'),
  method: 'trust.exportKey',
  params: ({ options }: CommandInput<[], { id: string; pem?: boolean }>) => ({ id: options.id }),
  render: (key, { options }) => {
    process.stdout.write(options.pem ? key.publicKeyPem : `${key.id} ${key.fingerprint}\n`);
  },
});
