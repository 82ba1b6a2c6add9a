// `nono trust verify FILE…|--all` and `nono trust list`: instruction files against the policy.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ResultOf } from '@nono/shared';
import { green, red } from '../output/style.js';
import { printJson, withDaemon } from './call-daemon.js';

type TrustResult = ResultOf<'trust.list'>['results'][number];

function printResults(results: TrustResult[]): void {
  if (results.length === 0) process.stdout.write('no instruction files here\n');
  for (const r of results) {
    const status = r.status === 'signed' ? green(process.stdout, 'signed') : red(process.stdout, r.status);
    const by = r.status === 'signed' ? ` by ${r.publisher ?? r.signer}` : r.reason ? `: ${r.reason}` : '';
    process.stdout.write(`${status.padEnd(14)} ${r.path}${by}\n`);
  }
}

export function registerTrustVerify(trust: Command): void {
  trust
    .command('verify')
    .description('Verify instruction files against the trust policy; exit 1 if any is not signed by a publisher')
    .argument('[files...]', 'files inside the current directory')
    .option('--all', "every file the trust policy's include globs match here")
    .option('--json', 'machine-readable output')
    .action(async (files: string[], options: { all?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const report = await client.call('trust.verify', { workdir: process.cwd(), files: files.map((f) => resolve(f)), all: options.all === true });
        if (options.json) printJson(report);
        else printResults(report.results);
        return report.ok ? 0 : 1;
      });
    });
}

export function registerTrustList(trust: Command): void {
  trust
    .command('list')
    .description('Every instruction file the trust policy covers here: signed by whom, modified, unsigned')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const report = await client.call('trust.list', { workdir: process.cwd() });
        if (options.json) printJson(report);
        else {
          process.stdout.write(`policy: ${report.policyFiles.length > 0 ? report.policyFiles.join(', ') : 'none (defaults)'}; enforcement ${report.enforcement}\n`);
          printResults(report.results);
        }
        return 0;
      });
    });
}
