// One CLI command as data: its name and flags, the method it calls with which params, and how it
// shows the reply to people; the frame every such command shares (--json, connecting, the call,
// printing the reply as JSON, one line per failure, the exit code) is written here once.
import type { Command } from 'commander';
import type { MethodName, ParamsOf, ResultOf } from '@nono/shared/protocol/methods';
import { NonoError } from '@nono/shared/protocol/errors';
import { NonoClient, type ConnectOptions, type ProgressMethod } from '../index.js';
import { callWithProgressBar } from '../output/progress-bar.js';
import { reportError } from '../output/report-error.js';

export interface CommandInput<A extends unknown[], O> {
  /** The positional arguments, as commander parsed them. */
  args: A;
  options: O & { json?: boolean };
}

interface Frame<A extends unknown[], O> {
  /** Declares the command on its parent: name, description, arguments and its own options. */
  declare(parent: Command): Command;
  /** --json's help text (default "machine-readable output"); false for a command with one output. */
  json?: string | false;
  connect?: ConnectOptions;
  /** Runs before connecting; a number ends the command with that exit code. */
  before?(input: CommandInput<A, O>): number | undefined | Promise<number | undefined>;
  /** Runs after a failure was reported, for a command that has more to say about it. */
  afterError?(error: unknown, input: CommandInput<A, O>): void;
}

interface CallSpec<M extends MethodName, A extends unknown[], O> extends Frame<A, O> {
  method: M;
  /** May throw a NonoError for a flag the method cannot take; it is reported like the call's. */
  params(input: CommandInput<A, O>, client: NonoClient): ParamsOf<M> | Promise<ParamsOf<M>>;
  /** Draw the call's progress on a terminal (for methods that report it). */
  progress?: M extends ProgressMethod ? boolean : never;
  /**
   * A restore nonod was cut off in (it crashed or was killed) is journaled, and the next restore
   * of that directory finishes it first: the user has to hear that, not only "it may or may not
   * have run". Returns the command to run again, or null for a dry run, which wrote nothing.
   */
  interrupted?(input: CommandInput<A, O>): string | null;
  /** What --json prints (default: the whole reply). */
  jsonOf?(result: ResultOf<M>, input: CommandInput<A, O>): unknown;
  /** The output for people. */
  render(result: ResultOf<M>, input: CommandInput<A, O>, client: NonoClient): void | Promise<void>;
  /** Default 0. */
  exitCode?(result: ResultOf<M>, input: CommandInput<A, O>): number;
}

interface WorkSpec<A extends unknown[], O> extends Frame<A, O> {
  /** For a command that is more than one call: does it all and returns the exit code. */
  work(client: NonoClient, input: CommandInput<A, O>): Promise<number>;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Returns the function the command table calls to register the command on its parent. */
export function defineCommand<M extends MethodName, A extends unknown[], O>(spec: CallSpec<M, A, O> | WorkSpec<A, O>): (parent: Command) => void {
  return (parent) => {
    const command = spec.declare(parent);
    if (spec.json !== false) command.option('--json', spec.json ?? 'machine-readable output');
    // Commander passes the positional arguments, then the options, then the command itself.
    command.action(async (...received: unknown[]) => {
      const input = { args: received.slice(0, -2) as A, options: received.at(-2) as CommandInput<A, O>['options'] };
      process.exitCode = await perform(spec, input);
    });
  };
}

async function perform<M extends MethodName, A extends unknown[], O>(spec: CallSpec<M, A, O> | WorkSpec<A, O>, input: CommandInput<A, O>): Promise<number> {
  const early = await spec.before?.(input);
  if (early !== undefined) return early;
  let client: NonoClient | undefined;
  try {
    client = await NonoClient.connect(spec.connect);
    if ('work' in spec) return await spec.work(client, input);
    const result = await call(spec, input, client);
    if (input.options.json) printJson(spec.jsonOf ? spec.jsonOf(result, input) : result);
    else await spec.render(result, input, client);
    return spec.exitCode?.(result, input) ?? 0;
  } catch (error) {
    reportError(error, input.options.json === true);
    spec.afterError?.(error, input);
    return 1;
  } finally {
    client?.close();
  }
}

async function call<M extends MethodName, A extends unknown[], O>(spec: CallSpec<M, A, O>, input: CommandInput<A, O>, client: NonoClient): Promise<ResultOf<M>> {
  const params = await spec.params(input, client);
  const reply = spec.progress
    ? (callWithProgressBar(client, spec.method as ProgressMethod, params as never, input.options.json) as Promise<ResultOf<M>>)
    : client.call(spec.method, params);
  const again = spec.interrupted?.(input);
  if (again === undefined) return reply;
  return reply.catch((error: unknown) => {
    if (again !== null && error instanceof NonoError && error.kind === 'DAEMON_UNREACHABLE' && error.details.inFlight === true) {
      throw new NonoError('DAEMON_UNREACHABLE', `${error.message}; the directory may be partly restored: run ${again} again, it finishes the interrupted restore first`, error.details);
    }
    throw error;
  });
}
