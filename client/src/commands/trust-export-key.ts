// `nono trust export-key [--id NAME] [--pem]`: the public half, for someone else's publishers.
import type { Command } from 'commander';
import { printJson, withDaemon } from './call-daemon.js';

export function registerTrustExportKey(trust: Command): void {
  trust
    .command('export-key')
    .description('Print the public key of a trust key (fingerprint by default, PEM with --pem)')
    .option('--id <name>', 'key id', 'default')
    .option('--pem', 'print the SPKI PEM public key')
    .option('--json', 'machine-readable output')
    .action(async (options: { id: string; pem?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const key = await client.call('trust.exportKey', { id: options.id });
        if (options.json) printJson(key);
        else process.stdout.write(options.pem ? key.publicKeyPem : `${key.id} ${key.fingerprint}\n`);
        return 0;
      });
    });
}
