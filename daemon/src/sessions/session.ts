// One sandboxed command and everyone watching it. The session owns its process, its attached
// clients, its output sequence and its clean-up; nothing about it lives in module state.
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { exitCodeFor, type OutputStream, type SandboxPlan, type SessionState, type TerminalSize } from '@nono/shared';
import type { SandboxProcess } from './sandbox-process.js';
import type { SessionStore } from '../store/session-store.js';

export interface SessionClient {
  readonly id: number;
  notify(method: string, params: Record<string, unknown>): void;
}

export class Session {
  readonly clients = new Set<SessionClient>();
  state: SessionState = 'starting';
  exitCode: number | null = null;
  endedAt: string | null = null;
  readonly startedAt = new Date().toISOString();
  private process: SandboxProcess | undefined;
  private seq = 0;
  private readonly exitWaiters: (() => void)[] = [];

  constructor(
    readonly id: string,
    readonly name: string,
    readonly argv: string[],
    readonly plan: SandboxPlan,
    private readonly store: SessionStore,
    readonly log: Logger,
    private readonly privateTmp: string | undefined,
  ) {}

  get pid(): number | null {
    return this.process?.pid ?? null;
  }

  get live(): boolean {
    return this.state === 'starting' || this.state === 'running';
  }

  started(process: SandboxProcess): void {
    this.process = process;
    this.state = 'running';
    this.store.started(this.id, process.pid);
    this.log.info({ pid: process.pid }, 'session started');
  }

  output(stream: OutputStream, data: Buffer): void {
    const params = { session: this.id, seq: this.seq++, stream, data: data.toString('base64') };
    for (const client of this.clients) client.notify('session.output', params);
  }

  exited(code: number | null, signal: number | null): void {
    if (!this.live) return;
    this.exitCode = exitCodeFor(code, signal);
    this.state = 'exited';
    this.endedAt = new Date().toISOString();
    this.store.ended(this.id, 'exited', this.exitCode, signal);
    this.log.info({ code, signal, exitCode: this.exitCode }, 'session exited');
    for (const client of this.clients) {
      client.notify('session.exit', { session: this.id, exitCode: this.exitCode, code, signal });
    }
    this.clients.clear();
    if (this.privateTmp) rmSync(this.privateTmp, { recursive: true, force: true });
    for (const waiter of this.exitWaiters.splice(0)) waiter();
  }

  failed(reason: string): void {
    this.state = 'failed';
    this.exitCode = 125;
    this.endedAt = new Date().toISOString();
    this.store.ended(this.id, 'failed', 125, null);
    this.log.warn({ reason }, 'session failed to start');
    if (this.privateTmp) rmSync(this.privateTmp, { recursive: true, force: true });
  }

  input(data: Buffer): void {
    this.process?.write(data);
  }

  endInput(): void {
    this.process?.endInput();
  }

  resize(size: TerminalSize): void {
    this.process?.resize(size);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.live) this.process?.kill(signal);
  }

  detach(client: SessionClient): void {
    this.clients.delete(client);
  }

  /** Terminal-hangup semantics, then KILL if the command ignores it. */
  async terminate(graceMs: number): Promise<void> {
    if (!this.live) return;
    const done = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    this.signal('SIGHUP');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await done;
    clearTimeout(timer);
  }
}
