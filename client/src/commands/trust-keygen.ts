// `nono trust keygen [--id NAME] [--enforce]`: a signing key for instruction files, kept in the keychain.
import type { Command } from 'commander';
import { printJson, withDaemon } from './call-daemon.js';

export function registerTrustKeygen(trust: Command): void {
  trust
    .command('keygen')
    .description('Create an ECDSA P-256 signing key in the keychain (and a trust policy naming it, if you have none)')
    .option('--id <name>', 'key id', 'default')
    .option('--enforce', 'refuse runs on unsigned or modified instruction files (trust policy enforcement deny)')
    .option('--json', 'machine-readable output')
    .action(async (options: { id: string; enforce?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const key = await client.call('trust.keygen', { id: options.id, ...(options.enforce ? { enforce: true } : {}) });
        if (options.json) printJson(key);
        else {
          process.stdout.write(`trust key ${key.id} created in the keychain\nfingerprint ${key.fingerprint}\n`);
          if (key.policyCreated) process.stdout.write(`wrote ${key.policyCreated}: this key is a publisher, enforcement ${key.enforcement}\n`);
          else process.stdout.write('add it to your trust-policy.json publishers (nono trust export-key --pem prints the public key)\n');
          if (key.enforcement === 'warn') process.stdout.write('unsigned or modified instruction files are warned about; nono trust keygen --enforce (or "enforcement": "deny") refuses them\n');
        }
        return 0;
      });
    });
}
