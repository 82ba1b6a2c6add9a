// `nono run`: run a command in a sandbox on the user's terminal (raw, resizable, Ctrl-C to
// the child, Ctrl-] d to detach) or on pipes (scripts, CI), and exit with the child's exit
// code; or start it detached under a name, to attach to later.
import { InvalidArgumentError, type Command } from 'commander';
import { read } from 'read';
import { NonoError } from '@nono/shared/protocol/errors';
import { EXIT_SETUP_FAILED, exitCodeForRefusal } from '@nono/shared/exit-codes';
import { parseByteSize } from '@nono/shared/byte-size';
import type { ResultOf, SandboxPlan } from '@nono/shared';
import { NonoClient, RunningSession } from '../index.js';
import { formatPlan, withheldNames } from '../output/format-plan.js';
import { describeError, reportError } from '../output/report-error.js';
import { reportDenials } from '../output/denial-footer.js';
import { formatQuarantine } from '../output/quarantine-footer.js';
import { TerminalRelay, type RelayEnd } from '../terminal/attached-session.js';
import { addPolicyFlags, policyRequest, type PolicyFlags } from './policy-flags.js';
import { pullWithQuestion } from './pull.js';
import { printable } from '../output/printable.js';

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

export function registerRun(program: Command): void {
  addRunFlags(
    addPolicyFlags(
      program
        .command('run')
        .description('Run a command inside the sandbox')
        .usage('[options] -- <command> [args...]')
        .argument('<command...>', 'the command and its arguments (after --)'),
    ),
  )
    .passThroughOptions()
    .action(async (argv: string[], options: RunOptions) => {
      process.exitCode = await run(argv, options);
    });
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

function warnIfLandlockOnly(plan: SandboxPlan): void {
  if (plan.isolation.mode === 'landlock') {
    process.stderr.write(
      `nono: Landlock alone, ${plan.isolation.reason ?? 'no private view'}: ${plan.isolation.missing.join('; ')} (--require-full-isolation refuses instead)\n`,
    );
  }
}

/** One line, names only: what the shell held that the sandbox does not get, and how to pass it. */
function reportWithheld(plan: SandboxPlan): void {
  if (plan.env.withheld.length === 0) return;
  const routed = new Set(plan.env.credentialSources.map((s) => s.variable));
  const hint = plan.env.withheld.some((name) => !routed.has(name)) ? '; pass one with --allow-env NAME' : '';
  process.stderr.write(`nono: withheld from the sandbox (look like secrets): ${withheldNames(plan).join(', ')}${hint}\n`);
}

/**
 * `-p NS/NAME` of a pack that is not installed: on a terminal, offer to pull it once, as npx
 * offers to install. Never without asking: a pull fetches policy from the network.
 */
async function pulledMissingPack(client: NonoClient, error: unknown, options: RunOptions): Promise<boolean> {
  const pack = error instanceof NonoError && error.kind === 'PACK_NOT_FOUND' && typeof error.details.pack === 'string' ? error.details.pack : undefined;
  if (pack === undefined || pack !== options.profile || options.json || process.stdin.isTTY !== true || process.stderr.isTTY !== true) return false;
  const answer = await read({ prompt: `pack ${pack} is not installed; pull it now? [y/N] `, output: process.stderr });
  if (!/^y(es)?$/i.test(answer.trim())) return false;
  await pullWithQuestion(client, pack, {});
  return true;
}

export async function run(argv: string[], options: RunOptions): Promise<number> {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true && !options.dryRun && !options.detached;
  let client: NonoClient;
  try {
    client = await NonoClient.connect();
  } catch (error) {
    reportError(error, options.json === true);
    return EXIT_SETUP_FAILED;
  }
  const relay = interactive ? new TerminalRelay(client.paths.configDir, false) : undefined;
  const params = {
    ...policyRequest(options),
    argv,
    terminal: relay ? relay.size() : null,
    ...(relay ? { directOutput: true, directInput: { detachKey: relay.detachKey() } } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.memory !== undefined ? { memoryBytes: options.memory } : {}),
    ...(options.snapshot || options.snapshotName !== undefined ? { snapshot: true, snapshotExclude: options.snapshotExclude, snapshotInclude: options.snapshotInclude } : {}),
    ...(options.snapshotName !== undefined ? { snapshotName: options.snapshotName } : {}),
    ...(options.trustOverride ? { trustOverride: true } : {}),
    ...(options.maxProcesses !== undefined ? { maxProcesses: options.maxProcesses } : {}),
    ...(options.ask ? { ask: true } : {}),
  };
  let session: RunningSession;
  // Only a run this client stays attached to is a stream; a plan or a detached start is one reply.
  const start = async (): Promise<RunningSession | undefined> => {
    if (!options.dryRun && !options.detached) return client.run(params);
    printStart(await client.call('session.run', { ...params, dryRun: options.dryRun === true, ...(options.detached ? { detached: true } : {}) }), argv, options);
    return undefined;
  };
  try {
    let started: RunningSession | undefined;
    try {
      started = await start();
    } catch (error) {
      if (!(await pulledMissingPack(client, error, options))) throw error;
      started = await start();
    }
    if (started === undefined) {
      client.close();
      return 0;
    }
    session = started;
  } catch (error) {
    reportError(error, options.json === true);
    client.close();
    return exitCodeForRefusal(describeError(error).kind);
  }
  const { plan } = session;
  reportPlan(plan, options.json === true);
  // Output is written synchronously on Linux (files, pipes and TTYs), so nothing is lost by
  // exiting without waiting for stdin and the socket to wind down.
  const end: PipesEnd = relay ? await relay.start(session, null) : await relayPipes(session, options.json === true);
  process.stderr.write(formatQuarantine(end.quarantined));
  if (!options.json) {
    const { id, name } = session;
    // Asked at once, so exiting waits one round trip at most, and none when the exit said there is nothing to print.
    const snapshots = end.reports?.snapshots === false ? Promise.resolve([]) : client.call('snapshot.list', { session: id }).then(({ snapshots }) => snapshots, () => []);
    const files = end.reports?.denials !== 0;
    await reportDenials(client, { id, name, profile: plan.profile, proxied: plan.network === 'proxied', files, asked: plan.approvals !== undefined && (plan.approvals.network || plan.approvals.files) }).catch(() => undefined);
    reportSnapshots(await snapshots, name);
  }
  process.exit(end.code);
}

/** What a started sandbox runs without that the user may not expect, on stderr. */
function reportPlan(plan: SandboxPlan, json: boolean): void {
  warnIfLandlockOnly(plan);
  reportWithheld(plan);
  if (plan.launch?.note && !json) process.stderr.write(`nono: ${plan.launch.note}\n`);
}

/** --dry-run's plan, or the session --detached started. */
function printStart(reply: ResultOf<'session.run'>, argv: string[], options: RunOptions): void {
  const json = options.json === true;
  if (options.dryRun || reply.session === null) {
    process.stdout.write(json ? `${JSON.stringify(reply.plan, null, 2)}\n` : formatPlan(reply.plan, argv));
    return;
  }
  reportPlan(reply.plan, json);
  const { id, name } = reply.session;
  process.stdout.write(json ? `${JSON.stringify(reply.session)}\n` : `started ${name} (${id}); \`nono attach ${name}\` to join it\n`);
}

/** A run that kept snapshots (--snapshot, or a profile's rollback) names its session, for diff and rollback. */
function reportSnapshots(snapshots: ResultOf<'snapshot.list'>['snapshots'], name: string): void {
  const named = snapshots.find((s) => s.name !== null)?.name;
  if (snapshots.length > 0) process.stderr.write(`nono: session ${name} (nono session diff ${name}${named ? `; nono snapshot restore ${named}` : ''})\n`);
}

interface PipesEnd extends RelayEnd {
  /** What the exit notification said there is to report; absent, everything is asked about. */
  reports?: { denials?: number | undefined; snapshots?: boolean | undefined };
}

/** Scripts and CI: stdout and stderr stay apart, stdin flows in, signals are forwarded. */
async function relayPipes(session: RunningSession, json: boolean): Promise<PipesEnd> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) {
    process.on(signal, () => {
      session.signal(signal).catch(() => undefined);
    });
  }
  process.stdin.on('data', (data: Buffer) => {
    session.input(data).catch(() => undefined);
  });
  process.stdin.on('end', () => {
    session.endInput().catch(() => undefined);
  });
  process.stdin.on('error', () => undefined);
  try {
    for await (const event of session) {
      if (event.type === 'output') (event.stream === 'stderr' ? process.stderr : process.stdout).write(event.data);
      // No terminal to draw a prompt on: say how to answer from another shell.
      if (event.type === 'approval') {
        const { id, kind, subject } = event.request;
        process.stderr.write(`${printable(`nono: waiting for approval ${id} (${kind} ${subject}): nono approve ${id} [--once|--session|--always|--deny]`)}\n`);
      }
      if (event.type === 'exit') return { code: event.exitCode, quarantined: event.quarantined ?? [], reports: { denials: event.denials, snapshots: event.snapshots } };
      // `nono detach` sent this client away; the session goes on, as it does for a terminal.
      if (event.type === 'detached') {
        process.stderr.write(`[detached: ${event.reason}]\n`);
        return { code: 0, quarantined: [] };
      }
    }
  } catch {
    // The connection was lost: reported below, as when it closed.
  }
  reportError(new Error('the daemon went away before the command finished; see `nono daemon status`'), json);
  return { code: EXIT_SETUP_FAILED, quarantined: [] };
}
