// The typed client library (`import { connect } from '@nono/client'`): connect (starting the
// daemon if asked), authenticate, call methods with types inferred from the shared schemas,
// and take sessions, logs and progress as async iterators; optionally reconnect when the daemon
// restarts. Every CLI command renders what this library returns (commands/define-command.ts for
// the one-call ones; run, attach, logs and the progress bar through its streams), so an editor
// plugin gets exactly what the CLI can do. docs/api.md shows it.
import { resolveNonoPaths, type NonoPaths } from '@nono/shared/paths';
import type { MethodName, ParamsOf, ResultOf } from '@nono/shared/protocol/methods';
import type { NotificationName, NotificationParamsOf } from '@nono/shared/protocol/notifications';
import type { TerminalSize } from '@nono/shared/protocol/schemas';
import type { OutputFrameHeader } from '@nono/shared/rpc/output-frame';
import { NONO_VERSION } from '@nono/shared/version';
import { DaemonLink, type ReconnectOptions } from './library/daemon-link.js';
import { EventQueue } from './library/event-queue.js';
import { sessionLogs, type LogsOptions } from './library/follow-logs.js';
import { methodGroups, type MethodGroups } from './library/method-groups.js';
import type { NotificationSource } from './library/notification-source.js';
import { callWithProgress, type ProgressCall, type ProgressMethod } from './library/progress-call.js';
import { SessionHandle, SessionSubscription } from './library/session-stream.js';

export { NonoError, ERROR_KINDS, type ErrorKind } from '@nono/shared/protocol/errors';
export type { MethodName, ParamsOf, ResultOf } from '@nono/shared/protocol/methods';
export type { NotificationName, NotificationParamsOf } from '@nono/shared/protocol/notifications';
export type { MethodGroups, MethodFunction } from './library/method-groups.js';
export type { SessionEvent } from './library/session-stream.js';
export type { ProgressCall, ProgressMethod } from './library/progress-call.js';
export type { LogsOptions } from './library/follow-logs.js';
export type { ReconnectOptions } from './library/daemon-link.js';
export { SessionHandle };

export type NotificationMap = { [N in NotificationName]: NotificationParamsOf<N> };

export interface ConnectOptions {
  env?: NodeJS.ProcessEnv;
  /** Start nonod when nothing answers on the socket (default true). */
  autoStart?: boolean;
  /** Shown in the daemon's log and audit trail for this connection. */
  clientName?: string;
  /**
   * Survive daemon restarts: reconnect and authenticate again in the background (default off:
   * the client closes with the connection, which is what one-shot commands want).
   */
  reconnect?: boolean | ReconnectOptions;
}

export interface AttachOptions {
  readOnly?: boolean;
  /** This client's terminal size; a writer's becomes the session's. */
  size?: TerminalSize | null;
  /** Start with the screen as it is now (default true). */
  replay?: boolean;
  /**
   * Let nonod write the output to this process's terminal (its stdout) itself, as tmux does:
   * faster, and the session's `output` events then stop. Call ready() once the terminal is set up.
   */
  directOutput?: boolean;
  /** With directOutput, for a writer: nonod reads the keys from this process's terminal (its stdin) too, splitting off this detach key. */
  directInput?: { detachKey: number };
}

export class AttachedSession extends SessionHandle {
  constructor(
    source: NotificationSource,
    subscription: SessionSubscription,
    readonly info: ResultOf<'session.attach'>['session'],
    /** The screen as it was at attach (escape sequences), for a terminal view to draw first. */
    readonly screen: Buffer | null,
    readonly size: TerminalSize | null,
    direct: { output: boolean; input: boolean },
  ) {
    super(source, subscription, info.id, info.name, direct);
  }
}

export class RunningSession extends SessionHandle {
  constructor(
    source: NotificationSource,
    subscription: SessionSubscription,
    session: { id: string; name: string },
    readonly plan: ResultOf<'session.run'>['plan'],
    direct: { output: boolean; input: boolean },
  ) {
    super(source, subscription, session.id, session.name, direct);
  }
}

export class NonoClient implements NotificationSource {
  /** Every method as a typed function by area: `client.methods.session.list()`. */
  readonly methods: MethodGroups;
  private readonly handlers = new Map<string, Set<(params: unknown) => void>>();
  private readonly outputHandlers = new Set<(header: OutputFrameHeader, data: Buffer) => void>();
  private link!: DaemonLink;

  private constructor(readonly paths: NonoPaths) {
    this.methods = methodGroups((method, params) => this.call(method, params as never));
  }

  static async connect(options: ConnectOptions = {}): Promise<NonoClient> {
    const client = new NonoClient(resolveNonoPaths(options.env ?? process.env));
    const reconnect = options.reconnect === true ? {} : options.reconnect ?? false;
    client.link = await DaemonLink.open({
      paths: client.paths,
      env: options.env ?? process.env,
      autoStart: options.autoStart ?? true,
      clientName: options.clientName ?? `nono ${NONO_VERSION}`,
      reconnect,
      onNotification: (method, params) => {
        for (const handler of client.handlers.get(method) ?? []) handler(params);
      },
      onOutput: (header, data) => {
        for (const handler of client.outputHandlers) handler(header, data);
      },
    });
    return client;
  }

  /** Sent at once; an authentication failure is reported in preference to the call's own error. */
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    return this.link.request(method, params as Record<string, unknown>) as Promise<ResultOf<M>>;
  }

  /** The call as a JSON-RPC notification: no reply, errors included; dropped while the daemon is away. */
  send<M extends MethodName>(method: M, params: ParamsOf<M>): void {
    this.link.notify(method, params as Record<string, unknown>);
  }

  /** Calls handler for every notification of that name; returns the function that stops it. */
  on<N extends NotificationName>(notification: N, handler: (params: NotificationMap[N]) => void): () => void {
    const set = this.handlers.get(notification) ?? new Set();
    const wrapped = handler as (params: unknown) => void;
    set.add(wrapped);
    this.handlers.set(notification, set);
    return () => set.delete(wrapped);
  }

  /** Calls handler for session output that comes as binary frames (attach and run ask for them). */
  onOutput(handler: (header: OutputFrameHeader, data: Buffer) => void): () => void {
    this.outputHandlers.add(handler);
    return () => this.outputHandlers.delete(handler);
  }

  /** Notifications of one name as an async iterator; leaving the loop unsubscribes. */
  notifications<N extends NotificationName>(notification: N): AsyncIterableIterator<NotificationMap[N]> {
    const offs: (() => void)[] = [];
    const queue = new EventQueue<NotificationMap[N]>(() => offs.splice(0).forEach((off) => off()));
    offs.push(this.on(notification, (params) => queue.push(params)), this.onClose(() => queue.end()));
    return queue;
  }

  /** Joins a live session; iterate the result for its output, resizes and exit. */
  async attach(session: string, options: AttachOptions = {}): Promise<AttachedSession> {
    const subscription = new SessionSubscription(this);
    try {
      const reply = await this.call('session.attach', { session, ...options, binaryOutput: true });
      subscription.bind(reply.session.id);
      return new AttachedSession(this, subscription, reply.session, reply.screen === null ? null : Buffer.from(reply.screen, 'base64'), reply.size, { output: reply.directOutput === true, input: reply.directInput === true });
    } catch (error) {
      await subscription.events.return();
      throw error;
    }
  }

  /** Starts a command in a sandbox, attached to this client; iterate the result for its events. */
  async run(params: Omit<ParamsOf<'session.run'>, 'dryRun' | 'detached' | 'binaryOutput'>): Promise<RunningSession> {
    const subscription = new SessionSubscription(this);
    try {
      const reply = await this.call('session.run', { ...params, binaryOutput: true });
      subscription.bind(reply.session!.id);
      return new RunningSession(this, subscription, reply.session!, reply.plan, { output: reply.directOutput === true, input: reply.directInput === true });
    } catch (error) {
      await subscription.events.return();
      throw error;
    }
  }

  /** A session's recorded output, and with follow what it writes next, chunk by chunk. */
  logs(session: string, options: LogsOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    return sessionLogs(this, session, options);
  }

  /** A long call with its progress notifications as an async iterator. */
  withProgress<M extends ProgressMethod>(method: M, params: Omit<ParamsOf<M>, 'progressToken'>): ProgressCall<M> {
    return callWithProgress(this, method, params);
  }

  /** The client closed for good: close() was called, or the daemon went away and it does not reconnect. */
  onClose(handler: () => void): () => void {
    return this.link.on('close', handler);
  }

  /** The daemon went away; with reconnect on, calls wait for the next one. */
  onDisconnect(handler: () => void): () => void {
    return this.link.on('disconnect', handler);
  }

  /** A daemon is back and this client is authenticated to it (reconnect on). */
  onReconnect(handler: () => void): () => void {
    return this.link.on('reconnect', handler);
  }

  close(): void {
    this.link.close();
  }
}

export const connect = NonoClient.connect;
