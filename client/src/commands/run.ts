// `nono run`: run a command in a sandbox on the user's terminal (raw, resizable, Ctrl-C to
// the child) or on pipes (scripts, CI), and exit with the child's exit code.
import type { Command } from 'commander';
import { EXIT_SETUP_FAILED, exitCodeFor } from '@nono/shared/exit-codes';
import { NonoClient } from '../index.js';
import { formatPlan } from '../output/format-plan.js';
import { reportError } from '../output/report-error.js';
import { RawTerminal } from '../terminal/raw-terminal.js';
import { addPolicyFlags, policyRequest, type PolicyFlags } from './policy-flags.js';

interface RunOptions extends PolicyFlags {
  dryRun?: boolean;
  name?: string;
  json?: boolean;
}

export function registerRun(program: Command): void {
  addPolicyFlags(
    program
      .command('run')
      .description('Run a command inside the sandbox')
      .usage('[options] -- <command> [args...]')
      .argument('<command...>', 'the command and its arguments (after --)'),
  )
    .option('--dry-run', 'print the resolved sandbox plan and exit without running')
    .option('--name <name>', 'name the session')
    .option('--json', 'machine-readable output for --dry-run and errors')
    .passThroughOptions()
    .action(async (argv: string[], options: RunOptions) => {
      process.exitCode = await run(argv, options);
    });
}

async function run(argv: string[], options: RunOptions): Promise<number> {
  const terminal = new RawTerminal();
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true && !options.dryRun;
  let client: NonoClient;
  try {
    client = await NonoClient.connect();
  } catch (error) {
    reportError(error, options.json === true);
    return EXIT_SETUP_FAILED;
  }
  let sessionId: string | undefined;
  let exitCode: number | undefined;
  const finished = new Promise<number>((resolve) => {
    client.on('session.exit', (exit) => {
      exitCode = exitCodeFor(exit.code, exit.signal);
      resolve(exit.exitCode);
    });
    client.onClose(() => {
      if (exitCode === undefined && sessionId !== undefined) {
        reportError(new Error('the daemon went away before the command finished; see `nono daemon status`'), options.json === true);
        resolve(EXIT_SETUP_FAILED);
      }
    });
  });
  client.on('session.output', (out) => {
    const data = Buffer.from(out.data, 'base64');
    (out.stream === 'stderr' ? process.stderr : process.stdout).write(data);
  });

  try {
    const result = await client.call('session.run', {
      ...policyRequest(options),
      argv,
      dryRun: options.dryRun === true,
      terminal: interactive ? terminal.size() : null,
      ...(options.name !== undefined ? { name: options.name } : {}),
    });
    if (options.dryRun || result.session === null) {
      process.stdout.write(options.json ? `${JSON.stringify(result.plan, null, 2)}\n` : formatPlan(result.plan, argv));
      client.close();
      return 0;
    }
    sessionId = result.session.id;
    if (result.plan.isolation.mode === 'landlock') {
      process.stderr.write(
        `nono: Landlock alone, ${result.plan.isolation.reason ?? 'no private view'}: ${result.plan.isolation.missing.join('; ')} (--require-full-isolation refuses instead)\n`,
      );
    }
  } catch (error) {
    reportError(error, options.json === true);
    client.close();
    return EXIT_SETUP_FAILED;
  }

  const session = sessionId;
  const send = (data: Buffer): void => {
    client.call('session.input', { session, data: data.toString('base64') }).catch(() => undefined);
  };
  if (interactive) {
    terminal.enter();
    process.stdout.on('resize', () => {
      client.call('session.resize', { session, ...terminal.size() }).catch(() => undefined);
    });
    // The terminal closed or someone killed nono: put the terminal back before dying, and the
    // daemon hangs the session up when this connection drops.
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        terminal.restore();
        process.exit(128 + (signal === 'SIGTERM' ? 15 : 1));
      });
    }
  } else {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) {
      process.on(signal, () => {
        client.call('session.signal', { session, signal }).catch(() => undefined);
      });
    }
  }
  process.stdin.on('data', send);
  process.stdin.on('end', () => {
    client.call('session.input', { session, eof: true }).catch(() => undefined);
  });
  process.stdin.on('error', () => undefined);

  const code = await finished;
  terminal.restore();
  // Output is written synchronously on Linux (files, pipes and TTYs), so nothing is lost by
  // not waiting for stdin and the socket to wind down.
  process.exit(code);
}
