// `nono doctor`: what this machine's kernel gives the sandbox, and what to change if not.
import type { Command } from 'commander';
import { bold, dim } from '../output/style.js';
import { printJson, withDaemon } from './call-daemon.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description("Check the kernel features nono's sandbox needs and say what each means")
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const report = await client.call('daemon.doctor', {});
        if (options.json) {
          printJson(report);
          return 0;
        }
        const out = process.stdout;
        for (const check of report.checks) {
          out.write(`${(check.ok ? 'ok' : 'MISSING').padEnd(7)} ${bold(out, check.name)}: ${check.value}\n     ${dim(out, check.meaning)}\n`);
        }
        out.write(`isolation: ${report.isolation === 'view' ? 'private view + Landlock' : 'Landlock alone'}\n`);
        return report.checks.every((c) => c.ok) ? 0 : 1;
      });
    });
}
