// nono entry point: parse the command line and dispatch to one command module.
import { Command, CommanderError } from 'commander';
import { NONO_VERSION } from '@nono/shared/version';
import { COMMANDS } from './commands/command-table.js';

const program = new Command('nono')
  .description('Run AI coding agents and other untrusted commands inside a kernel sandbox')
  .version(NONO_VERSION, '-V, --version')
  .enablePositionalOptions()
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();
program.configureOutput({ outputError: (text, write) => write(`nono: ${text.replace(/^error: /, '')}`) });
for (const register of COMMANDS) register(program);

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else {
      process.stderr.write(`nono: ${(error as Error).message}\n`);
      process.exitCode = 125;
    }
  }
}

void main();
