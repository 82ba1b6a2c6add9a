// One sandboxed command and everyone watching it: its process, the clients attached to it
// (writers and read-only viewers), a screen model for attach, a bounded output log, and its
// clean-up. Nothing about it lives in module state.
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import type { AuditInput } from '../audit/event-kinds.js';
import { exitCodeFor, NonoError, type OutputFrameHeader, type OutputStream, type SandboxPlan, type SessionState, type TerminalSize } from '@nono/shared';
import type { SandboxProcess } from './sandbox-process.js';
import type { SessionRows } from '../database/session-rows.js';
import { OutputLog } from './output-log.js';
import type { ClientTerminal } from './client-terminal.js';
import { ScreenModel, type ScreenSnapshot } from './screen-model.js';
import { treeUsage, type TreeUsage } from './process-tree.js';
import type { SweepFinding } from './host-exec-sweep.js';

const USAGE_MAX_AGE_MS = 1000;

export interface SessionClient {
  readonly id: number;
  notify(method: string, params: Record<string, unknown>): void;
  /** Whether the connection can carry binary output frames (it frames with LSP). */
  binaryFrames(): boolean;
  /** session.output as a binary frame, for an attachment that asked for them. */
  sendOutput(header: OutputFrameHeader, data: Buffer): void;
  /** Bytes queued for the client that it has not read yet. */
  backlog(): number;
  onceDrained(callback: () => void): void;
  /** The terminal nonod writes one session's output to for this client (directOutput), if any. */
  readonly terminal: ClientTerminal | undefined;
  /**
   * Opens the client's terminal for session's output and, given onKeys, to read its keys; both
   * wait until it is ready. Says which it could take (neither: not a terminal nonod can open).
   */
  takeTerminal(session: string, onKeys?: (data: Buffer) => void): { output: boolean; input: boolean };
  /** session's output goes over the connection again, after what the terminal already has (dropped for a client leaving before it was ready). */
  endDirectOutput(session: string, leaving?: boolean): void;
  /** Settles once what nonod wrote to the client's terminal is there (at once without one). */
  whenWritten(): Promise<void>;
}

export interface Attachment {
  readOnly: boolean;
  /** The client's terminal size; null for clients without one (logs -f, editors). */
  size: TerminalSize | null;
  /** Output goes as binary frames (asked for at attach, and the connection frames with LSP). */
  binary?: boolean;
  /** Set while a terminal client that fell behind is skipped, until it is redrawn from the screen. */
  skipping?: boolean;
  /** On pipes, the client that started the session: the command's output goes at its pace (throttlePipes). */
  paces?: boolean;
}

/** Home and clear the screen: an attach's screen is drawn from the top, the user's scrollback kept. */
export const HOME_AND_CLEAR = '\x1b[H\x1b[2J';
/** Home, clear the screen and the scrollback: a redraw's snapshot carries the scrollback itself. */
const CLEAR_SCREEN = `${HOME_AND_CLEAR}\x1b[3J`;

/** How long `stop` waits after TERM before it also hangs up (shells ignore TERM). */
const HANGUP_AFTER_MS = 300;

/** A read at least this long filled the PTY's 4 KiB buffer (or a pipe's read): more is waiting. */
const FULL_READ_BYTES = 4000;

/** How long a burst of full reads is gathered before it is handed on, and how much at most. */
const BURST_GATHER_MS = 3;
const BURST_MAX_BYTES = 128 * 1024;

/** A terminal client further behind than this is sent the screen instead of every byte. */
const MAX_BACKLOG_BYTES = 2 * 1024 * 1024;

/** On pipes, a client further behind than this holds the command's output in its pipe (throttlePipes). */
const PIPE_BACKLOG_BYTES = 1024 * 1024;

export interface SessionOptions {
  id: string;
  name: string;
  argv: string[];
  plan: SandboxPlan;
  store: SessionRows;
  log: Logger;
  privateTmp: string | undefined;
  output: OutputLog;
  /** A terminal session's size; null for sessions on pipes. */
  terminal: TerminalSize | null;
  /** Whether the session outlives its last client (named, detached or on a terminal). */
  persistent: boolean;
  /** Releases what the session held outside its process (its proxy). */
  onEnd?: () => void;
  /**
   * Runs once the command has ended, before anyone is told: what it planted in its writable
   * trees is moved aside then, and the exit notification names it.
   */
  sweep?: () => SweepFinding[];
  /** The audit log: clients coming and going, and how the session ended. */
  record?: (event: AuditInput) => void;
  /** Reads the output for file denials the programs report, attached or not; count: how many it recorded. */
  denials?: { feed(stream: OutputStream, data: Buffer): void; finish(): void; readonly count: number };
  /** Whether the session keeps snapshots; the exit notification says so. */
  snapshots?: boolean;
}

export class Session {
  readonly attachments = new Map<SessionClient, Attachment>();
  state: SessionState = 'starting';
  exitCode: number | null = null;
  endedAt: string | null = null;
  readonly startedAt = new Date().toISOString();
  readonly id: string;
  readonly name: string;
  readonly argv: string[];
  readonly plan: SandboxPlan;
  readonly persistent: boolean;
  readonly log: Logger;
  size: TerminalSize | null;
  private process: SandboxProcess | undefined;
  private seq = 0;
  private pending: { stream: OutputStream; chunks: Buffer[]; bytes: number; timer?: NodeJS.Timeout } | undefined;
  private readonly screen: ScreenModel | undefined;
  private readonly exitWaiters: (() => void)[] = [];
  /** On pipes: the command's output is left in its pipes until the clients behind catch up. */
  private outputHeld = false;
  /** Being stopped: output flows again whoever is behind, so the command's end is not held up by an unread pipe. */
  private ending = false;

  constructor(private readonly options: SessionOptions) {
    this.id = options.id;
    this.name = options.name;
    this.argv = options.argv;
    this.plan = options.plan;
    this.persistent = options.persistent;
    this.log = options.log;
    this.size = options.terminal;
    this.screen = options.terminal ? new ScreenModel(options.terminal) : undefined;
  }

  get pid(): number | null {
    return this.process?.pid ?? null;
  }

  get live(): boolean {
    return this.state === 'starting' || this.state === 'running';
  }

  /** The seq the next output notification gets: everything before it is in the log. */
  get nextSeq(): number {
    return this.seq;
  }

  get logPath(): string {
    return this.options.output.path;
  }

  /** Writes the output gathered for the log, so a reader finds everything before nextSeq. */
  flushLog(): void {
    this.options.output.flush();
  }

  private sampled: { at: number; usage: TreeUsage; refreshing: boolean } | undefined;

  /**
   * The process tree's CPU and memory, read from /proc at most once a second: `ps` and editors
   * poll every session, and each reading walks the whole tree. Only the first reading is taken
   * on the caller's path; an older one is answered as it is and refreshed after the reply is
   * sent, so a list of many sessions never waits for a hundred tree walks.
   */
  usage(): TreeUsage | null {
    if (!this.live || this.pid === null) return null;
    const pid = this.pid;
    const sampled = (this.sampled ??= { at: Date.now(), usage: treeUsage(pid), refreshing: false });
    if (!sampled.refreshing && Date.now() - sampled.at >= USAGE_MAX_AGE_MS) {
      sampled.refreshing = true;
      setImmediate(() => {
        this.sampled = { at: Date.now(), usage: treeUsage(pid), refreshing: false };
      });
    }
    return sampled.usage;
  }

  started(process: SandboxProcess): void {
    this.process = process;
    this.state = 'running';
    this.options.store.started(this.id, process.pid);
    this.log.info({ pid: process.pid }, 'session started');
  }

  /**
   * Output is gathered and handed on in chunks: a fast writer produces many small PTY reads
   * (4 KiB at most, the line discipline's buffer), and each costs a log write, a frame per
   * client and a wake-up of each. A full read means more is waiting, so the burst is gathered
   * for a few milliseconds or up to BURST_MAX_BYTES. A short read (an echo, a prompt, the end of
   * a burst) goes at once: nothing more can arrive before the next turn of the event loop.
   */
  output(stream: OutputStream, data: Buffer): void {
    if (this.pending && this.pending.stream !== stream) this.flushOutput();
    const pending = (this.pending ??= { stream, chunks: [], bytes: 0 });
    pending.chunks.push(data);
    pending.bytes += data.length;
    if (data.length < FULL_READ_BYTES || pending.bytes >= BURST_MAX_BYTES) this.flushOutput();
    else pending.timer ??= setTimeout(() => this.flushOutput(), BURST_GATHER_MS);
  }

  private flushOutput(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    const data = pending.chunks.length === 1 ? pending.chunks[0]! : Buffer.concat(pending.chunks);
    this.options.output.append(data);
    this.options.denials?.feed(pending.stream, data);
    this.screen?.write(data);
    const header = { session: this.id, seq: this.seq++, stream: pending.stream };
    let json: Record<string, unknown> | undefined;
    for (const [client, attachment] of this.attachments) {
      if (attachment.skipping) continue;
      const terminal = this.terminalOf(client);
      if (this.screen && attachment.size && (terminal ?? client).backlog() > MAX_BACKLOG_BYTES) {
        this.skipUntilDrained(client, attachment);
      } else if (terminal) {
        terminal.write(data);
      } else if (attachment.binary) {
        client.sendOutput(header, data);
      } else {
        json ??= { ...header, data: data.toString('base64') };
        client.notify('session.output', json);
      }
    }
    this.throttlePipes();
  }

  /**
   * On pipes every client gets every byte (there is no screen to send instead), so a `nono run`
   * that reads slower than its command writes (`nono run -- yes | less`) would have nonod hold
   * all of it: its output is left in the pipes instead, and the command waits in write(2) as it
   * would under any slow reader, until that client is caught up, has left, or the session is
   * stopped. Only the client that started it paces it: a follower that stops reading (an editor,
   * `logs -f`) is dropped at its connection's limit instead, never stalling the command.
   */
  private throttlePipes(): void {
    if (this.screen || this.outputHeld || this.ending) return;
    const pacer = this.pacerBehind();
    if (pacer === undefined) return;
    this.outputHeld = true;
    this.process?.holdOutput(true);
    pacer.onceDrained(() => this.releaseIfCaughtUp());
  }

  /** The client that paces the session, when it has more than PIPE_BACKLOG_BYTES unread. */
  private pacerBehind(): SessionClient | undefined {
    for (const [client, attachment] of this.attachments) if (attachment.paces === true && client.backlog() > PIPE_BACKLOG_BYTES) return client;
    return undefined;
  }

  private releaseIfCaughtUp(): void {
    if (!this.outputHeld || (!this.ending && this.pacerBehind() !== undefined)) return;
    this.outputHeld = false;
    this.process?.holdOutput(false);
  }

  /**
   * tmux's answer to a client that cannot keep up (a slow link, a busy terminal): stop
   * queueing bytes it would only scroll past, and once it has drained, redraw the screen as it
   * is now. Only for terminal clients; logs -f and pipes get every byte.
   */
  private skipUntilDrained(client: SessionClient, attachment: Attachment): void {
    attachment.skipping = true;
    const drained = (): void => {
      if (this.attachments.get(client) === attachment) this.redraw(client, attachment);
    };
    const terminal = this.terminalOf(client);
    if (terminal) terminal.afterWritten(drained);
    else client.onceDrained(drained);
  }

  /** A skipped client is drawn the screen as it is now, and gets every byte again. */
  private redraw(client: SessionClient, attachment: Attachment): void {
    if (!attachment.skipping || !this.screen) return;
    attachment.skipping = false;
    this.sendTo(client, attachment, Buffer.from(`${CLEAR_SCREEN}${this.screen.snapshot().data}`));
  }

  /**
   * A terminal client leaving (detach, the session's end) is taken out of a full-screen
   * program's modes, as tmux does on detach: its shell would otherwise be drawn over the
   * program's screen, and mouse clicks typed into it as escape sequences.
   */
  private leaveScreen(client: SessionClient): void {
    const attachment = this.attachments.get(client);
    if (!attachment?.size || !this.screen) return;
    const leaving = this.screen.leaving();
    if (leaving !== '') this.sendTo(client, attachment, Buffer.from(leaving));
  }

  /** Output for one client only (a redraw, leaving a program's modes), as the session's output goes to it. */
  private sendTo(client: SessionClient, attachment: Attachment, data: Buffer): void {
    const header = { session: this.id, seq: this.seq++, stream: 'pty' as const };
    const terminal = this.terminalOf(client);
    if (terminal) terminal.write(data);
    else if (attachment.binary) client.sendOutput(header, data);
    else client.notify('session.output', { ...header, data: data.toString('base64') });
  }

  /** The client's terminal, when nonod writes this session's output to it directly. */
  private terminalOf(client: SessionClient): ClientTerminal | undefined {
    const { terminal } = client;
    return terminal?.direct && terminal.session === this.id ? terminal : undefined;
  }

  /** A client leaves the session (exit, detach): its terminal, if this session's, gets no more. */
  private release(client: SessionClient, leaving: boolean): void {
    client.endDirectOutput(this.id, leaving);
  }

  attach(client: SessionClient, attachment: Attachment): void {
    if (!this.attachments.has(client)) this.options.record?.({ kind: 'session.attach', session: this.id, payload: { client: `client ${client.id}`, readOnly: attachment.readOnly } });
    this.attachments.set(client, attachment);
    if (!attachment.readOnly && attachment.size) this.follow(attachment.size);
  }

  /** What an attaching client is shown first: the screen now, or nothing on pipes. */
  snapshot(): ScreenSnapshot | null {
    return this.screen ? this.screen.snapshot() : null;
  }

  /**
   * A full-screen program drew its screen for a size and state the model may not reproduce
   * exactly; a size nudge makes it redraw from scratch for everyone.
   */
  nudge(): void {
    if (!this.size || !this.live) return;
    const { rows, cols } = this.size;
    this.process?.resize({ rows, cols: cols > 1 ? cols - 1 : cols + 1 });
    setTimeout(() => this.process?.resize({ rows, cols }), 30).unref();
  }

  exited(code: number | null, signal: number | null): void {
    if (!this.live) return;
    this.flushOutput();
    // Recorded before anyone hears of the exit, so a client reading them then finds them all.
    this.options.denials?.finish();
    this.exitCode = exitCodeFor(code, signal);
    this.state = 'exited';
    this.endedAt = new Date().toISOString();
    this.storeEnd('exited', signal);
    this.log.info({ code, signal, exitCode: this.exitCode }, 'session exited');
    const findings = this.sweep();
    this.options.record?.({ kind: 'session.exit', session: this.id, payload: { code, signal, exitCode: this.exitCode, durationMs: Date.parse(this.endedAt) - Date.parse(this.startedAt) } });
    // What there is to report afterwards, so a client asks audit.list and snapshot.list only when it will print something.
    const reports = { ...(this.options.denials ? { denials: this.options.denials.count } : {}), snapshots: this.options.snapshots === true };
    for (const [client, attachment] of this.attachments) {
      // One still skipping would otherwise never see how the session's screen ended.
      this.redraw(client, attachment);
      this.leaveScreen(client);
      // Released first: the terminal is the client's again (its mode too) before it hears the end.
      this.release(client, false);
      client.notify('session.exit', { session: this.id, exitCode: this.exitCode, code, signal, ...(findings.length > 0 ? { quarantined: findings } : {}), ...reports });
    }
    this.attachments.clear();
    this.cleanUp();
    for (const waiter of this.exitWaiters.splice(0)) waiter();
  }

  /** What the end-of-session sweep moved aside, each audited; a sweep that fails is logged, never fatal. */
  private sweep(): SweepFinding[] {
    let findings: SweepFinding[] = [];
    try {
      findings = this.options.sweep?.() ?? [];
    } catch (error) {
      this.log.warn({ error: String(error) }, 'host-exec sweep failed');
    }
    for (const finding of findings) {
      this.log.warn(finding, 'moved aside what the session planted');
      this.options.record?.({ kind: 'sandbox.quarantine', session: this.id, payload: { ...finding } });
    }
    return findings;
  }

  /**
   * Records the end in the store. A store that cannot write (SQLITE_FULL on a full disk) must
   * not keep the end from the rest of exited(): the waiting `nono stop` and the attached
   * `nono run` would never be answered and the session never cleaned up. The row then still
   * says running, and the next daemon start marks it lost.
   */
  private storeEnd(state: 'exited' | 'failed', signal: number | null): void {
    try {
      this.options.store.ended(this.id, state, this.exitCode, signal);
    } catch (error) {
      this.log.error({ error: String(error) }, 'session end not stored');
    }
  }

  failed(reason: string): void {
    this.state = 'failed';
    this.exitCode = 125;
    this.endedAt = new Date().toISOString();
    this.storeEnd('failed', null);
    this.log.warn({ reason }, 'session failed to start');
    this.options.record?.({ kind: 'session.exit', session: this.id, payload: { code: null, signal: null, exitCode: 125, durationMs: Date.parse(this.endedAt) - Date.parse(this.startedAt), failed: reason } });
    // The caller hears of the failure as its reply; a terminal taken for it is its own again.
    for (const client of this.attachments.keys()) this.release(client, true);
    this.attachments.clear();
    this.cleanUp();
  }

  /** Input from a client; read-only viewers are refused, and a writer's size becomes the session's. */
  input(client: SessionClient | undefined, data: Buffer): void {
    const attachment = client ? this.attachments.get(client) : undefined;
    if (attachment?.readOnly) {
      throw new NonoError('SESSION_READ_ONLY', `you are attached to ${this.name} read-only; attach without --read-only to type`, {
        session: this.id,
      });
    }
    if (attachment?.size) this.follow(attachment.size);
    this.process?.write(data);
  }

  endInput(): void {
    this.process?.endInput();
  }

  /** A client's terminal changed size; the session follows it when that client writes. */
  clientResized(client: SessionClient | undefined, size: TerminalSize): void {
    const attachment = client ? this.attachments.get(client) : undefined;
    if (attachment) attachment.size = size;
    if (!attachment || !attachment.readOnly) this.follow(size);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.live) this.process?.kill(signal);
  }

  detach(client: SessionClient): boolean {
    this.leaveScreen(client);
    const was = this.attachments.delete(client);
    this.release(client, true);
    this.releaseIfCaughtUp();
    if (was) this.options.record?.({ kind: 'session.detach', session: this.id, payload: { client: `client ${client.id}` } });
    return was;
  }

  /** Detaches every client (`nono detach`), telling each why. */
  detachAll(reason: string): number {
    const count = this.attachments.size;
    for (const client of this.attachments.keys()) {
      this.leaveScreen(client);
      this.release(client, true);
      client.notify('session.detached', { session: this.id, reason });
      this.options.record?.({ kind: 'session.detach', session: this.id, payload: { client: `client ${client.id}`, reason } });
    }
    this.attachments.clear();
    // No client left to pace it: a detached run's output goes on to its log.
    this.releaseIfCaughtUp();
    return count;
  }

  /** Hang up, then TERM, then KILL after the grace period; the helper's death ends the whole tree. */
  async terminate(graceMs: number, force = false): Promise<void> {
    if (!this.live) return;
    this.ending = true;
    this.releaseIfCaughtUp();
    const done = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    const timers: NodeJS.Timeout[] = [];
    if (force) {
      this.signal('SIGKILL');
    } else {
      // TERM alone first, so a command that honours it ends as 143; an interactive shell
      // ignores TERM, so the hang-up a closing terminal would send follows shortly.
      this.signal('SIGTERM');
      timers.push(setTimeout(() => this.signal('SIGHUP'), Math.min(HANGUP_AFTER_MS, graceMs / 2)));
    }
    timers.push(setTimeout(() => this.signal('SIGKILL'), graceMs));
    await done;
    for (const timer of timers) clearTimeout(timer);
  }

  private follow(size: TerminalSize): void {
    if (!this.size || (this.size.rows === size.rows && this.size.cols === size.cols)) return;
    this.size = size;
    this.process?.resize(size);
    this.screen?.resize(size);
    for (const client of this.attachments.keys()) client.notify('session.resize', { session: this.id, rows: size.rows, cols: size.cols });
  }

  private cleanUp(): void {
    this.options.onEnd?.();
    this.options.output.close();
    this.screen?.dispose();
    if (this.options.privateTmp) rmSync(this.options.privateTmp, { recursive: true, force: true });
  }
}
