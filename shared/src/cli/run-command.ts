// `nono run`'s command line: its flags, how they become a session.run request, and the parse
// itself. The Node client parses every command line with it, and nonod parses with it the `nono
// run` a launcher hands it (daemon/src/launch/launcher-runs.ts), so both read a command line the
// same way: the one parser, run in either process.
import { Command, InvalidArgumentError } from 'commander';
import { parseByteSize } from '../byte-size.js';
import type { ParamsOf } from '../protocol/methods.js';
import { addPolicyFlags, policyRequest, type CommandPlace, type PolicyFlags } from './policy-flags.js';

export interface RunOptions extends PolicyFlags {
  dryRun?: boolean;
  name?: string;
  detached?: boolean;
  json?: boolean;
  memory?: number;
  maxProcesses?: number;
  snapshot?: boolean;
  snapshotName?: string;
  trustOverride?: boolean;
  snapshotExclude: string[];
  snapshotInclude: string[];
  ask?: boolean;
}

function parseSize(value: string): number {
  const bytes = Math.round(parseByteSize(value) ?? Number.NaN);
  if (!Number.isSafeInteger(bytes) || bytes < 1024 * 1024) {
    throw new InvalidArgumentError(`${value} is not a size of 1M or more (e.g. 512M, 2G)`);
  }
  return bytes;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new InvalidArgumentError(`${value} is not a whole number from 1 to 1000000`);
  return n;
}

/** The options `run` and `shell` share, after the policy flags. */
export function addRunFlags(command: Command): Command {
  return command
    .option('--dry-run', 'print the resolved sandbox plan and exit without running')
    .option('--name <name>', 'name the session (unique among running sessions)')
    .option('-d, --detached', 'start the session in the background; nono attach NAME joins it')
    .option('--snapshot', 'snapshot the writable directories before and after, for nono session diff and rollback; --snapshot=NAME (or --snapshot NAME before --) also names the baseline, for nono snapshot restore NAME')
    .option('--snapshot-name <name>', 'name the baseline snapshot (implies --snapshot)')
    .option('--trust-override', 'start even if instruction files fail the trust policy (recorded in the audit log)')
    .option('--snapshot-exclude <glob>', 'leave paths out of the snapshot (and out of any rollback) (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--snapshot-include <glob>', 'bring paths back into the snapshot, even inside node_modules (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--memory <size>', 'address-space limit of each process in the session (e.g. 2G)', parseSize)
    .option('--max-processes <n>', 'processes and threads the session may have at once', parseCount)
    .option('--ask', 'ask (here, in a subscribed editor, or with nono approve) instead of only denying a host no rule allows; see docs/approvals.md')
    .option('--json', 'machine-readable output for --dry-run, --detached and errors');
}

/** Declares `run` on program; the caller adds what it does with the command and its options. */
export function declareRun(program: Command): Command {
  return addRunFlags(
    addPolicyFlags(
      program
        .command('run')
        .description('Run a command inside the sandbox')
        .usage('[options] -- <command> [args...]')
        .argument('<command...>', 'the command and its arguments (after --)'),
    ),
  ).passThroughOptions();
}

/**
 * `--snapshot=NAME`, and `--snapshot NAME` when a `--` follows, become `--snapshot-name NAME`.
 * Without a `--` the word after `--snapshot` is the command (`nono run --snapshot claude`), as
 * it always was, so only nono's own options are looked at: scanning stops at the command.
 * `nono shell` takes no command, so there the word is always the name.
 */
export function spellSnapshotName(command: Command, args: string[]): string[] {
  const separator = command.registeredArguments.length === 0 ? args.length : args.indexOf('--');
  const takesValue = new Set(command.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)));
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--' || !arg.startsWith('-')) return [...out, ...args.slice(i)];
    if (arg.startsWith('--snapshot=')) out.push('--snapshot-name', arg.slice('--snapshot='.length));
    else if (arg === '--snapshot' && separator > i + 1 && !args[i + 1]!.startsWith('-')) out.push('--snapshot-name', args[++i]!);
    else {
      out.push(arg);
      if (takesValue.has(arg) && i + 1 < args.length) out.push(args[++i]!);
    }
  }
  return out;
}

/** The session.run request for a command line, on pipes; a client on a terminal adds its size. */
export function runRequest(argv: string[], options: RunOptions, place: CommandPlace): ParamsOf<'session.run'> {
  return {
    ...policyRequest(options, place),
    argv,
    terminal: null,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.memory !== undefined ? { memoryBytes: options.memory } : {}),
    ...(options.snapshot || options.snapshotName !== undefined ? { snapshot: true, snapshotExclude: options.snapshotExclude, snapshotInclude: options.snapshotInclude } : {}),
    ...(options.snapshotName !== undefined ? { snapshotName: options.snapshotName } : {}),
    ...(options.trustOverride ? { trustOverride: true } : {}),
    ...(options.maxProcesses !== undefined ? { maxProcesses: options.maxProcesses } : {}),
    ...(options.ask ? { ask: true } : {}),
  };
}

/**
 * Parses `nono ARGS` when ARGS is a `run`, exactly as the client's command line would (its
 * snapshot spelling, then commander), printing nothing: undefined for anything else, for help,
 * and for a line the client would refuse, which the client then answers itself.
 */
export function parseRunLine(args: string[]): { argv: string[]; options: RunOptions } | undefined {
  const [word, ...rest] = args;
  if (word !== 'run') return undefined;
  const program = new Command('nono').enablePositionalOptions().exitOverride();
  program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  let parsed: { argv: string[]; options: RunOptions } | undefined;
  const run = declareRun(program).action((argv: string[], options: RunOptions) => {
    parsed = { argv, options };
  });
  try {
    program.parse([word, ...spellSnapshotName(run, rest)], { from: 'user' });
  } catch {
    return undefined;
  }
  return parsed;
}
