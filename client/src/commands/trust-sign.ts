// `nono trust sign FILE…|--all [--key NAME]`: writes FILE.bundle beside each instruction file.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { printJson, withDaemon } from './call-daemon.js';

export function registerTrustSign(trust: Command): void {
  trust
    .command('sign')
    .description('Sign instruction files (CLAUDE.md, AGENTS.md, …): each gets a FILE.bundle beside it')
    .argument('[files...]', 'files inside the current directory')
    .option('--all', "every file the trust policy's include globs match here")
    .option('--key <name>', 'key id', 'default')
    .option('--json', 'machine-readable output')
    .action(async (files: string[], options: { all?: boolean; key: string; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const { signed } = await client.call('trust.sign', { workdir: process.cwd(), files: files.map((f) => resolve(f)), all: options.all === true, key: options.key });
        if (options.json) printJson(signed);
        else if (signed.length === 0) process.stdout.write('no instruction files to sign\n');
        else for (const s of signed) process.stdout.write(`signed ${s.file} -> ${s.bundlePath}\n`);
        return 0;
      });
    });
}
