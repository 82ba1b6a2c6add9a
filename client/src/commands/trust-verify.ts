// `nono trust verify FILE…|--all` and `nono trust list`: instruction files against the policy.
import { resolve } from 'node:path';
import type { ResultOf } from '@nono/shared';
import { green, red } from '../output/style.js';
import { defineCommand, type CommandInput } from './define-command.js';

type TrustResult = ResultOf<'trust.list'>['results'][number];

function printResults(results: TrustResult[]): void {
  if (results.length === 0) process.stdout.write('no instruction files here\n');
  for (const r of results) {
    const status = r.status === 'signed' ? green(process.stdout, 'signed') : red(process.stdout, r.status);
    const by = r.status === 'signed' ? ` by ${r.publisher ?? r.signer}` : r.reason ? `: ${r.reason}` : '';
    process.stdout.write(`${status.padEnd(14)} ${r.path}${by}\n`);
  }
}

export const registerTrustVerify = defineCommand({
  declare: (trust) =>
    trust
      .command('verify')
      .description('Verify instruction files against the trust policy; exit 1 if any is not signed by a publisher')
      .argument('[files...]', 'files inside the current directory')
      .option('--all', "every file the trust policy's include globs match here"),
  method: 'trust.verify',
  params: ({ args: [files], options }: CommandInput<[string[]], { all?: boolean }>) => ({ workdir: process.cwd(), files: files.map((f) => resolve(f)), all: options.all === true }),
  render: (report) => printResults(report.results),
  exitCode: (report) => (report.ok ? 0 : 1),
});

export const registerTrustList = defineCommand({
  declare: (trust) => trust.command('list').description('Every instruction file the trust policy covers here: signed by whom, modified, unsigned'),
  method: 'trust.list',
  params: () => ({ workdir: process.cwd() }),
  render: (report) => {
    process.stdout.write(`policy: ${report.policyFiles.length > 0 ? report.policyFiles.join(', ') : 'none (defaults)'}; enforcement ${report.enforcement}\n`);
    printResults(report.results);
  },
});
