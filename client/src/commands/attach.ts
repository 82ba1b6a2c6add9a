// `nono attach NAME [--read-only]`: join a running session's terminal where it is now.
import type { Command } from 'commander';
import { EXIT_SETUP_FAILED } from '@nono/shared/exit-codes';
import { NonoClient } from '../index.js';
import { reportError } from '../output/report-error.js';
import { TerminalRelay } from '../terminal/attached-session.js';
import { exitWhenWritten } from '../output/exit-when-written.js';

export function registerAttach(program: Command): void {
  program
    .command('attach')
    .description("Join a running session's terminal (detach with Ctrl-] d)")
    .argument('<session>', 'session name, id or id prefix')
    .option('-r, --read-only', 'watch only; your keys are not sent')
    .action(async (ref: string, options: { readOnly?: boolean }) => {
      process.exitCode = await attach(ref, options.readOnly === true);
    });
}

async function attach(ref: string, readOnly: boolean): Promise<number> {
  let client: NonoClient;
  try {
    client = await NonoClient.connect({ autoStart: false });
  } catch (error) {
    reportError(error, false);
    return EXIT_SETUP_FAILED;
  }
  const relay = new TerminalRelay(client.paths.configDir, readOnly);
  try {
    const onTerminal = process.stdout.isTTY === true;
    const session = await client.attach(ref, {
      readOnly,
      size: onTerminal ? relay.size() : null,
      directOutput: onTerminal,
      ...(onTerminal && !readOnly && process.stdin.isTTY === true ? { directInput: { detachKey: relay.detachKey() } } : {}),
    });
    const { code } = await relay.start(session, session.screen);
    return await exitWhenWritten(code);
  } catch (error) {
    reportError(error, false);
    client.close();
    return 1;
  }
}
