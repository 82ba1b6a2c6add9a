// `nono profile validate FILE`: exit 0 when valid, 1 with every problem located by file and key.
import type { Command } from 'commander';
import { green, red } from '../output/style.js';
import { printJson, withDaemon } from './call-daemon.js';

/** Also `nono policy validate`, the Rust nono's spelling. */
export function registerProfileValidate(parent: Command): void {
  parent
    .command('validate')
    .description('Check a profile file: syntax, keys, types, extends, groups, and what a run here would refuse')
    .argument('<file>')
    .option('--json', 'machine-readable output')
    .action(async (file: string, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('profile.validate', { file, cwd: process.cwd(), env: process.env as Record<string, string> });
        if (options.json) printJson(result);
        else if (result.valid) process.stdout.write(`${green(process.stdout, 'valid')} ${result.file}\n`);
        else for (const p of result.problems) process.stderr.write(`${red(process.stderr, 'nono:')} ${p.message}\n`);
        return result.valid ? 0 : 1;
      });
    });
}
