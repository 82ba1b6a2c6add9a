// One `nono run` a launcher handed nonod on run.sock (launcher-runs.ts): the command line is
// parsed here by the client's own parser (@nono/shared/cli/run-command), the session is started
// by the same session.run call a Node client makes (the dispatcher: auth, params check, refusal
// records), and the launcher relays stdin, stdout, stderr and signals as the Node client does on
// pipes. What it cannot do as that client would is declined before anything runs (notRun), and
// the launcher hands the command line to the Node client: a terminal to drive (raw mode, keys,
// the detach key), --dry-run or --detached (one reply to print), a pack to offer to pull. What
// the client prints after a run from more calls (the denials footer, the snapshots line) and a
// refusal's one line come from the Node client too, through `nono run-report`, when there is any.
import type { JSONRPCResponse, JSONRPCServer } from 'json-rpc-2.0';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { exitCodeForRefusal } from '@nono/shared/exit-codes';
import { resolveNonoPaths } from '@nono/shared/paths';
import { parseRunLine, runRequest } from '@nono/shared/cli/run-command';
import { afterRunOf, approvalWaitingLine, formatQuarantine, planNotices } from '@nono/shared/cli/run-notices';
import type { ApprovalRequested, OutputFrameHeader, QuarantineFinding, ResultOf } from '@nono/shared';
import type { CallContext, DaemonServices } from '../rpc/call-context.js';
import { newClientId } from '../rpc/connection-client.js';
import type { Session, SessionClient } from '../sessions/session.js';
import { FRAME, frame, type FrameReader } from './run-frames.js';

/** The flags byte of a request: which of the launcher's stdin, stdout and stderr are terminals. */
const STDIN_TTY = 1;
const STDOUT_TTY = 2;

/** The signals the Node client on pipes passes on to the session (run.ts, relayPipes). */
const FORWARDED: Partial<Record<number, NodeJS.Signals>> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 15: 'SIGTERM' };

interface LaunchRequest {
  flags: number;
  cwd: string;
  args: string[];
  env: Record<string, string>;
}

/** The launcher's daemon-run.h speaks this version; any other is turned down, and it falls back to a warm client. */
const WIRE_VERSION = 1;
/** A refusal's message goes to `nono run-report` as one argument, which exec takes up to 128 KiB. */
const MAX_REPORTED_MESSAGE = 8192;

/**
 * [version byte] [flags byte] then NUL-terminated strings: secret, cwd, argument count,
 * arguments, environment (daemon-run.h). Only the secret is read before it is checked: the
 * rest (up to 4 MiB of environment) costs time to split, which nobody without it may spend.
 */
function secretOf(data: Buffer): { secret: string; rest: Buffer } | 'other version' | undefined {
  if (data.length < 2) return undefined;
  if (data[0] !== WIRE_VERSION) return 'other version';
  const end = data.indexOf(0, 2);
  if (end < 0) return undefined;
  return { secret: data.toString('utf8', 2, end), rest: data.subarray(end + 1) };
}

function parseRequest(flags: number, rest: Buffer): LaunchRequest | undefined {
  const fields = rest.toString('utf8').split('\0');
  if (fields.pop() !== '') return undefined;
  const [cwd, count, ...strings] = fields;
  const argc = Number(count);
  if (cwd === undefined || !cwd.startsWith('/') || !Number.isSafeInteger(argc) || argc < 0 || argc > strings.length) return undefined;
  // The first of a repeated name, as getenv(3) finds it; a Map, so `constructor` is a name like any other.
  const env = new Map<string, string>();
  for (const entry of strings.slice(argc)) {
    const eq = entry.indexOf('=');
    if (eq > 0 && !env.has(entry.slice(0, eq))) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return { flags, cwd, args: strings.slice(0, argc), env: Object.fromEntries(env) };
}

interface SessionExit {
  exitCode: number;
  quarantined?: QuarantineFinding[];
  denials?: number;
  snapshots?: boolean;
}

/** The launcher, as the one client of its session: frames instead of notifications. */
class LauncherClient implements SessionClient {
  readonly id = newClientId();
  readonly terminal = undefined;
  /** Output waits until the lines the client prints first are sent (begin). */
  private held: Buffer[] | undefined = [];
  private heldBytes = 0;
  private ended = false;
  private exited: SessionExit | undefined;
  private onExit: ((exit: SessionExit) => void) | undefined;

  constructor(private readonly socket: Socket) {}

  send(bytes: Buffer): void {
    if (this.ended) return;
    if (!this.held) {
      this.socket.write(bytes);
      return;
    }
    this.held.push(bytes);
    this.heldBytes += bytes.length;
  }

  begin(notices: string): void {
    if (notices !== '') this.socket.write(frame(FRAME.stderr, notices));
    this.socket.write(frame(FRAME.started));
    this.writeHeld();
  }

  /** What waited for begin, written now. */
  private writeHeld(): void {
    for (const bytes of this.held ?? []) this.socket.write(bytes);
    this.held = undefined;
    this.heldBytes = 0;
  }

  notify(method: string, params: Record<string, unknown>): void {
    if (method === 'session.output') {
      this.send(frame(params.stream === 'stderr' ? FRAME.stderr : FRAME.stdout, Buffer.from(String(params.data), 'base64')));
    } else if (method === 'approval.requested') {
      this.send(frame(FRAME.stderr, approvalWaitingLine(params as unknown as ApprovalRequested)));
    } else if (method === 'session.detached') {
      // `nono detach` sent this client away; the session goes on, as it does for the Node client.
      this.send(frame(FRAME.stderr, `[detached: ${String(params.reason)}]\n`));
      this.finish(0);
    } else if (method === 'session.exit') {
      this.exited = params as unknown as SessionExit;
      this.onExit?.(this.exited);
    }
  }

  /** What the session's exit makes of the last frames, once it is known (at once if it exited already). */
  whenExited(handler: (exit: SessionExit) => void): void {
    this.onExit = handler;
    if (this.exited) handler(this.exited);
  }

  binaryFrames(): boolean {
    return true;
  }

  sendOutput(header: OutputFrameHeader, data: Buffer): void {
    this.send(frame(header.stream === 'stderr' ? FRAME.stderr : FRAME.stdout, data));
  }

  backlog(): number {
    return this.socket.writableLength + this.heldBytes;
  }

  onceDrained(callback: () => void): void {
    if (this.socket.writableLength === 0) setImmediate(callback);
    else this.socket.once('drain', callback);
  }

  takeTerminal(): { output: boolean; input: boolean } {
    return { output: false, input: false };
  }

  endDirectOutput(): void {}

  whenWritten(): Promise<void> {
    return Promise.resolve();
  }

  /** The last frames: what to run after (`nono run-report`), if anything, and the exit status. */
  finish(code: number, report?: unknown): void {
    if (this.ended) return;
    // A refusal comes before begin: nothing is held then, and these frames must not be.
    this.writeHeld();
    if (report !== undefined) this.socket.write(frame(FRAME.report, JSON.stringify(report)));
    this.socket.write(frame(FRAME.exit, String(code)));
    this.ended = true;
    this.socket.end();
  }
}

/**
 * What the Node client would print after this run from more calls (run.ts), for `nono
 * run-report`; undefined when it would print nothing, which is the usual case: then no Node
 * process starts at all. The records looked for are those reportDenials reads.
 */
function afterRunReport(services: DaemonServices, session: Session, exit: SessionExit): unknown {
  const after = afterRunOf(session, session.plan, exit);
  const { proxied, files, asked } = after.session;
  const audited = (kind: string[]): boolean => services.audit.log.list({ session: session.id, kind, limit: 1 }).length > 0;
  if (!files && !after.snapshots && !(proxied && audited(['net.deny', 'net.fail'])) && !(asked && audited(['approval']))) return undefined;
  return { exitCode: exit.exitCode, ...after };
}

export interface LauncherRunInput {
  socket: Socket;
  request: Buffer;
  /** Reads the launcher's frames after the request (the socket is paused until the run starts). */
  reader: FrameReader;
  services: DaemonServices;
  dispatcher: JSONRPCServer<CallContext>;
  log: Logger;
}

async function call(dispatcher: JSONRPCServer<CallContext>, ctx: CallContext, method: string, params: unknown): Promise<JSONRPCResponse> {
  const response = await dispatcher.receive({ jsonrpc: '2.0', id: 1, method, params: params as Record<string, unknown> }, ctx);
  if (response === null) throw new Error(`${method} gave no response`);
  return response;
}

/**
 * Serves one request, or declines it; never throws. Until session.run is called, any failure
 * is a decline (nothing ran); after, it is the run's failure, never a reason to run it again.
 */
export async function serveLauncherRun(input: LauncherRunInput): Promise<void> {
  let committed = false;
  try {
    await serve(input, () => (committed = true));
  } catch (error) {
    input.log.warn({ error: String(error) }, committed ? 'launcher run failed' : 'launcher run failed before it started');
    if (!committed) decline(input, 'failed before it started');
    else input.socket.destroy();
  }
}

/** Nothing ran: said, then the connection goes (its end unread, so it holds nothing of ours). */
function decline({ socket, log }: LauncherRunInput, why: string): void {
  log.debug({ why }, 'launcher run declined');
  if (!socket.destroyed) socket.end(frame(FRAME.notRun), () => socket.destroy());
}

async function serve(input: LauncherRunInput, commit: () => void): Promise<void> {
  const { socket, services, dispatcher, log } = input;
  const declined = (why: string): void => decline(input, why);
  const given = secretOf(input.request);
  if (given === 'other version') return declined('a launcher of another install');
  if (given === undefined) {
    socket.destroy();
    return;
  }
  const client = new LauncherClient(socket);
  const closing: (() => void)[] = [];
  const ctx: CallContext = { client, authenticated: false, log, services, whenClosed: (callback) => closing.push(callback) };
  const hello = await call(dispatcher, ctx, 'auth.hello', { token: given.secret, client: 'nono launcher' });
  if ('error' in hello) return declined('wrong secret');
  const request = parseRequest(input.request[1]!, given.rest);
  if (request === undefined) return declined('a request that does not parse');
  socket.once('close', () => {
    for (const callback of closing.splice(0)) callback();
    services.sessions.leave(client, log);
  });
  // NONO_SOCKET names another daemon for the Node client; it is the one that runs the command.
  if (resolveNonoPaths(request.env).socketPath !== services.paths.socketPath) return declined("another daemon's socket");
  const parsed = parseRunLine(request.args);
  if (parsed === undefined) return declined('not a run nonod can serve');
  const { argv, options } = parsed;
  if (options.dryRun || options.detached) return declined('one reply to print');
  if ((request.flags & STDIN_TTY) !== 0 && (request.flags & STDOUT_TTY) !== 0) return declined('a terminal to drive');
  const json = options.json === true;
  commit();
  const reply = await call(dispatcher, ctx, 'session.run', { ...runRequest(argv, options, { cwd: request.cwd, env: request.env }), binaryOutput: true });
  if ('error' in reply && reply.error) {
    const kind = String((reply.error.data as { kind?: unknown } | undefined)?.kind ?? 'INTERNAL');
    // On a terminal the Node client offers to pull the pack, then runs: nothing ran yet.
    if (kind === 'PACK_NOT_FOUND') return declined('a pack to offer');
    const code = exitCodeForRefusal(kind);
    client.finish(code, { exitCode: code, json, error: { kind, message: reply.error.message.slice(0, MAX_REPORTED_MESSAGE) } });
    return;
  }
  const result = (reply as { result: ResultOf<'session.run'> }).result;
  const session = services.sessions.find(result.session!.id);
  // The launcher went away while its session started (killed, its terminal closed): hung up as if it had left after.
  if (socket.destroyed) services.sessions.leave(client, log);
  client.begin(planNotices(result.plan, json));
  client.whenExited((exit) => {
    const quarantine = formatQuarantine(exit.quarantined ?? []);
    if (quarantine !== '') client.send(frame(FRAME.stderr, quarantine));
    client.finish(exit.exitCode, json ? undefined : afterRunReport(services, session, exit));
  });
  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = input.reader.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const { type, data } of frames) {
      const signal = type === FRAME.signal ? FORWARDED[Number(data.toString('latin1'))] : undefined;
      if (!session.live) break;
      if (type === FRAME.input) session.input(client, data);
      else if (type === FRAME.inputEnd) session.endInput();
      else if (signal !== undefined) session.signal(signal);
    }
  });
  socket.resume();
}
