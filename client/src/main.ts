// nono entry point: parse the command line and dispatch to one command module.
import { Command, CommanderError } from 'commander';
import { NONO_VERSION } from '@nono/shared/version';
import { COMMANDS, commandsFor } from './commands/command-table.js';
import { foreignSpelling } from './commands/foreign-spellings.js';
import { spellSnapshotName } from '@nono/shared/cli/run-command';
import { dieOfHangup } from './terminal/hang-up.js';

function createProgram(argv: string[]): Command {
  const program = new Command('nono')
    .description('Run AI coding agents and other untrusted commands inside a kernel sandbox')
    .version(NONO_VERSION, '-V, --version')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureOutput({ outputError: (text, write) => write(`nono: ${text.replace(/^error: /, '')}`) });
  for (const { register } of commandsFor(argv[2])) register(program);
  return program;
}

/** The words that name a command: bin/code-cache.cjs keeps a code cache for each of these only. */
export const commandWords = COMMANDS.flatMap((c) => c.names);

/**
 * A reader that went away (`nono policy groups | head`) ends us the way SIGPIPE ends a C
 * program: quietly, with 128+13; the daemon then hangs up whatever session we were relaying.
 * A terminal that went away (EIO) ends us as its hang-up would.
 */
function endQuietlyWithReader(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(141);
      if (error.code === 'EIO') dieOfHangup();
      throw error;
    });
  }
}

/**
 * `run` and `shell` pass the command's own exit code through, so a usage error of theirs
 * must not look like a command that exited 2: it is nono failing, 125. Elsewhere 2, as usual.
 */
const PASS_THROUGH_COMMANDS = new Set(['run', 'shell']);

function usageExitCode(argv: string[]): number {
  const command = argv.slice(2).find((arg) => !arg.startsWith('-'));
  return command !== undefined && PASS_THROUGH_COMMANDS.has(command) ? 125 : 2;
}

/**
 * Runs the command line in process.argv. Loading the bundle runs nothing: bin/nono.cjs calls
 * this at once, a warm client (bin/warm-client.cjs) once a launcher has handed it its argv,
 * environment and terminal, before which nothing may touch process.stdout and the like.
 */
export async function startCli(): Promise<void> {
  const program = createProgram(process.argv);
  endQuietlyWithReader();
  const foreign = foreignSpelling(program, process.argv.slice(2));
  if (foreign !== undefined) {
    process.stderr.write(`nono: ${foreign}\n`);
    process.exitCode = 2;
    return;
  }
  const [word, ...rest] = process.argv.slice(2);
  const runLike = program.commands.find((c) => (c.name() === 'run' || c.name() === 'shell') && c.name() === word);
  const argv = runLike ? [...process.argv.slice(0, 2), word!, ...spellSnapshotName(runLike, rest)] : process.argv;
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : usageExitCode(process.argv);
    } else {
      process.stderr.write(`nono: ${(error as Error).message}\n`);
      process.exitCode = 125;
    }
  }
}

