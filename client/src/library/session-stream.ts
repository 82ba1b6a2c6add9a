// One session's notifications as an async iterator, and the calls that act on that session.
// The subscription starts before the call that attaches (session.run, session.attach), because
// the daemon may send output before that call's reply names the session; what arrives early is
// held until the id is known. Leaving the loop early, or detach(), sends session.detach.
import { NonoError } from '@nono/shared/protocol/errors';
import type { ParamsOf } from '@nono/shared/protocol/methods';
import type { ApprovalRequested, SessionExit } from '@nono/shared/protocol/notifications';
import type { ApprovalAnswer } from '@nono/shared/protocol/schemas';
import type { OutputStream } from '@nono/shared/protocol/schemas';
import { EventQueue } from './event-queue.js';
import type { NotificationSource } from './notification-source.js';

export type SessionEvent =
  | { type: 'output'; session: string; seq: number; stream: OutputStream; data: Buffer }
  | { type: 'resize'; session: string; rows: number; cols: number }
  | ({ type: 'exit' } & SessionExit)
  | { type: 'detached'; session: string; reason: string }
  /** A program in the session is held until someone answers (this client may: answerApproval). */
  | { type: 'approval'; session: string; request: ApprovalRequested }
  | { type: 'approval-resolved'; session: string; id: string; answer: ApprovalAnswer; by: string };

export class SessionSubscription {
  readonly events: EventQueue<SessionEvent>;
  /** The session.detach sent when the consumer cancelled, for detach() to wait on. */
  detaching: Promise<unknown> = Promise.resolve();
  private id: string | undefined;
  private held: SessionEvent[] = [];
  private readonly unsubscribe: (() => void)[] = [];

  constructor(source: NotificationSource) {
    this.events = new EventQueue((cancelled) => {
      for (const off of this.unsubscribe.splice(0)) off();
      if (cancelled && this.id !== undefined) {
        this.detaching = source.call('session.detach', { session: this.id }).catch(() => undefined);
      }
    });
    this.unsubscribe.push(
      source.on('session.output', (o) => this.take({ type: 'output', session: o.session, seq: o.seq, stream: o.stream, data: Buffer.from(o.data, 'base64') })),
      source.onOutput((header, data) => this.take({ type: 'output', ...header, data })),
      source.on('session.resize', (r) => this.take({ type: 'resize', ...r })),
      source.on('session.exit', (e) => this.take({ type: 'exit', ...e })),
      source.on('session.detached', (d) => this.take({ type: 'detached', ...d })),
      source.on('approval.requested', (r) => this.take({ type: 'approval', session: r.session, request: r })),
      source.on('approval.resolved', (r) => this.take({ type: 'approval-resolved', ...r })),
      source.onDisconnect(() =>
        this.events.end(new NonoError('DAEMON_UNREACHABLE', 'the connection to nonod was lost; attach again once it is back (a daemon restart ends its sessions)')),
      ),
      source.onClose(() => this.events.end()),
    );
  }

  /** The session is known: hand on what was held for it, and from now on only its events. */
  bind(id: string): void {
    this.id = id;
    for (const event of this.held.splice(0)) this.take(event);
  }

  private take(event: SessionEvent): void {
    if (this.id === undefined) {
      this.held.push(event);
      return;
    }
    if (event.session !== this.id) return;
    this.events.push(event);
    if (event.type === 'exit' || event.type === 'detached') this.events.end();
  }
}

/** A session this client is attached to: iterate it for its events, call its methods to act on it. */
export class SessionHandle implements AsyncIterable<SessionEvent> {
  constructor(
    private readonly source: NotificationSource,
    private readonly subscription: SessionSubscription,
    readonly id: string,
    readonly name: string,
    /** What nonod does on this process's terminal itself (asked with directOutput, directInput): then call ready(). */
    private readonly direct = { output: false, input: false },
  ) {}

  /** nonod writes the output to this process's terminal itself: no `output` events come (until a question). */
  get directOutput(): boolean {
    return this.direct.output;
  }

  /** nonod reads the keys from this process's terminal itself: do not read them (until a question). */
  get directInput(): boolean {
    return this.direct.input;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SessionEvent> {
    return this.subscription.events;
  }

  /** Types into the session (refused with SESSION_READ_ONLY for a read-only attachment). */
  async input(data: string | Uint8Array): Promise<void> {
    await this.source.call('session.input', { session: this.id, data: Buffer.from(data).toString('base64') });
  }

  /**
   * Types into the session without waiting for the daemon's word, for keys from a terminal: no
   * reply crosses the socket, and a refusal (read-only) is not reported; input() reports it.
   */
  write(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.source.send('session.input', { session: this.id, data: bytes.toString('base64') });
  }

  /** This process's terminal is set up: nonod writes the output it held for it, then the rest as it comes. */
  ready(): void {
    if (this.directOutput) this.source.send('session.ready', { session: this.id });
  }

  async endInput(): Promise<void> {
    await this.source.call('session.input', { session: this.id, eof: true });
  }

  async resize(size: { rows: number; cols: number }): Promise<void> {
    await this.source.call('session.resize', { session: this.id, ...size });
  }

  async signal(signal: ParamsOf<'session.signal'>['signal']): Promise<void> {
    await this.source.call('session.signal', { session: this.id, signal });
  }

  /** Answers one of the session's approval requests (never another session's); the first answer anyone gives wins. */
  async answerApproval(id: string, answer: ApprovalAnswer, readOnly?: boolean): Promise<void> {
    await this.source.call('approval.answer', { id, answer, session: this.id, ...(readOnly ? { readOnly } : {}) });
  }

  /** Stops this client's stream of the session's events; the session goes on. */
  async detach(): Promise<void> {
    await this.subscription.events.return();
    await this.subscription.detaching;
  }
}
