// `nono shell`: an interactive shell in the sandbox, the same session `nono run` would start
// (named, attachable, detachable), with the user's $SHELL when it is an absolute path.
import type { Command } from 'commander';
import { addPolicyFlags } from '@nono/shared/cli/policy-flags';
import { addRunFlags, type RunOptions } from '@nono/shared/cli/run-command';
import { run } from './run.js';

export function registerShell(program: Command): void {
  addRunFlags(addPolicyFlags(program.command('shell').description('Start an interactive shell ($SHELL, else /bin/sh) inside the sandbox'))).action(
    async (options: RunOptions) => {
      const shell = process.env.SHELL?.startsWith('/') ? process.env.SHELL : '/bin/sh';
      process.exitCode = await run([shell], options);
    },
  );
}
