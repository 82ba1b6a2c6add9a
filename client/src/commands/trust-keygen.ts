// `nono trust keygen [--id NAME] [--enforce]`: a signing key for instruction files, kept in the keychain.
import { defineCommand, type CommandInput } from './define-command.js';

export const registerTrustKeygen = defineCommand({
  declare: (trust) =>
    trust
      .command('keygen')
      .description('Create an ECDSA P-256 signing key in the keychain (and a trust policy naming it, if you have none)')
      .option('--id <name>', 'key id', 'default')
      .option('--enforce', 'refuse runs on unsigned or modified instruction files (trust policy enforcement deny)'),
  method: 'trust.keygen',
  params: ({ options }: CommandInput<[], { id: string; enforce?: boolean }>) => ({ id: options.id, ...(options.enforce ? { enforce: true } : {}) }),
  render: (key) => {
    process.stdout.write(`trust key ${key.id} created in the keychain\nfingerprint ${key.fingerprint}\n`);
    if (key.policyCreated) process.stdout.write(`wrote ${key.policyCreated}: this key is a publisher, enforcement ${key.enforcement}\n`);
    else process.stdout.write('add it to your trust-policy.json publishers (nono trust export-key --pem prints the public key)\n');
    if (key.enforcement === 'warn') process.stdout.write('unsigned or modified instruction files are warned about; nono trust keygen --enforce (or "enforcement": "deny") refuses them\n');
  },
});
