// `nono run`: run a command in a sandbox on the user's terminal (raw, resizable, Ctrl-C to
// the child, Ctrl-] d to detach) or on pipes (scripts, CI), and exit with the child's exit
// code; or start it detached under a name, to attach to later.
import type { Command } from 'commander';
import { read } from 'read';
import { NonoError } from '@nono/shared/protocol/errors';
import { EXIT_SETUP_FAILED, exitCodeForRefusal } from '@nono/shared/exit-codes';
import type { ResultOf } from '@nono/shared';
import { processPlace } from '@nono/shared/cli/policy-flags';
import { declareRun, runRequest, type RunOptions } from '@nono/shared/cli/run-command';
import { afterRunOf, approvalWaitingLine, formatQuarantine, planNotices, type AfterRun } from '@nono/shared/cli/run-notices';
import { NonoClient, RunningSession } from '../index.js';
import { formatPlan } from '../output/format-plan.js';
import { exitWhenWritten } from '../output/exit-when-written.js';
import { describeError, reportError } from '../output/report-error.js';
import { reportDenials } from '../output/denial-footer.js';
import { TerminalRelay, type RelayEnd } from '../terminal/attached-session.js';
import { pullWithQuestion } from './pull.js';

export function registerRun(program: Command): void {
  declareRun(program).action(async (argv: string[], options: RunOptions) => {
    process.exitCode = await run(argv, options);
  });
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
    ...runRequest(argv, options, processPlace()),
    ...(relay ? { terminal: relay.size(), directOutput: true, directInput: { detachKey: relay.detachKey() } } : {}),
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
  process.stderr.write(planNotices(plan, options.json === true));
  // Exits without waiting for stdin and the socket to wind down, once the output is written.
  const end: PipesEnd = relay ? await relay.start(session, null) : await relayPipes(session, options.json === true);
  process.stderr.write(formatQuarantine(end.quarantined));
  if (!options.json) {
    const after = afterRunOf(session, plan, end.reports);
    await reportAfterRun(client, after.session, after.snapshots);
  }
  return exitWhenWritten(end.code);
}

/** What a run's audit records and snapshots say, printed after it (also for a run nonod served the launcher: run-report.ts). */
export async function reportAfterRun(client: NonoClient, session: AfterRun, withSnapshots: boolean): Promise<void> {
  // Asked at once, so exiting waits one round trip at most, and none when the exit said there is nothing to print.
  const snapshots = withSnapshots ? client.call('snapshot.list', { session: session.id }).then(({ snapshots }) => snapshots, () => []) : Promise.resolve([]);
  await reportDenials(client, session).catch(() => undefined);
  reportSnapshots(await snapshots, session.name);
}

/** --dry-run's plan, or the session --detached started. */
function printStart(reply: ResultOf<'session.run'>, argv: string[], options: RunOptions): void {
  const json = options.json === true;
  if (options.dryRun || reply.session === null) {
    process.stdout.write(json ? `${JSON.stringify(reply.plan, null, 2)}\n` : formatPlan(reply.plan, argv));
    return;
  }
  process.stderr.write(planNotices(reply.plan, json));
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
      if (event.type === 'approval') process.stderr.write(approvalWaitingLine(event.request));
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
