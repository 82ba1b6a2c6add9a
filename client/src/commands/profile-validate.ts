// `nono profile validate FILE`: exit 0 when valid, 1 with every problem located by file and key.
import { green, red } from '../output/style.js';
import { defineCommand } from './define-command.js';

/** Also `nono policy validate`, the Rust nono's spelling. */
export const registerProfileValidate = defineCommand({
  declare: (parent) =>
    parent.command('validate').description('Check a profile file: syntax, keys, types, extends, groups, and what a run here would refuse').argument('<file>'),
  method: 'profile.validate',
  params: ({ args: [file] }: { args: [string] }) => ({ file, cwd: process.cwd(), env: process.env as Record<string, string> }),
  render: (result) => {
    if (result.valid) process.stdout.write(`${green(process.stdout, 'valid')} ${result.file}\n`);
    else for (const p of result.problems) process.stderr.write(`${red(process.stderr, 'nono:')} ${p.message}\n`);
  },
  exitCode: (result) => (result.valid ? 0 : 1),
});
